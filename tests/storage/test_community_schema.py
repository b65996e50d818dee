"""The 0004 migration creates exactly the community tables ``tables.py`` describes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mcembed.storage import SqlStore
from mcembed.storage import tables as t
from stores import postgres_store

COMMUNITY = {
    "cohorts",
    "cohort_facilitators",
    "cohort_targets",
    "cohort_members",
    "cohort_notes",
    "notifications",
    "recommendations",
    "goals",
    "evidence_shares",
    "share_links",
    "directory_listings",
    "submission_facts",
    "review_facts",
    "review_unmet",
}


def _table_of(diff: Any) -> str | None:
    """The table a difference (tuple, or list of tuples for column changes) is about."""
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None:
            return str(table.name)
        if isinstance(part, str) and part in COMMUNITY:
            return part
        if name in COMMUNITY:
            return str(name)
    return None


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "sqlite":
        store = SqlStore(f"sqlite:///{tmp_path / 'schema.db'}")
    else:
        store = postgres_store(request.getfixturevalue("postgres_schema"))
    yield store.engine
    store.close()


def test_the_migration_matches_the_tables(engine: Any) -> None:
    assert set(t.metadata.tables) >= COMMUNITY
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, t.metadata)
    ours = [d for d in diffs if _table_of(d) in COMMUNITY]
    assert ours == []
