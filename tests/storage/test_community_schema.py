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
    "award_facts",
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


def test_upgrading_derives_the_facts_of_existing_data(tmp_path: Path) -> None:
    """Data written before 0004 gets its facts when the schema is upgraded."""
    from sqlalchemy import insert

    from community_world import learner, make_world
    from factories import NOW
    from mcembed import FixedClock
    from mcembed.storage.community_base import FactFilter
    from mcembed.storage.facts_sql import backfill_facts
    from mcembed.storage.migrate import upgrade
    from mcembed.storage.sqlalchemy import begin, make_engine

    # a world on a store that is fully migrated, to produce realistic rows
    source = SqlStore(f"sqlite:///{tmp_path / 'source.db'}")
    world = make_world(source, FixedClock(NOW))
    world.award(learner(1))
    world.not_yet(learner(2))
    with source.engine.connect() as conn:
        rows = {
            name: [dict(r._mapping) for r in conn.execute(t.metadata.tables[name].select())]
            for name in ("credentials", "people", "submissions", "reviews", "awards")
        }
        award_facts = [tuple(r) for r in conn.execute(t.award_facts.select())]
    with source.transaction() as tx:
        expected = (
            tx.list_submission_facts(FactFilter()),
            tx.list_review_facts(FactFilter()),
            tx.list_award_facts(FactFilter()),
        )
    source.close()

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0001")
    with begin(engine) as conn:
        for name, values in rows.items():
            if values:
                conn.execute(insert(t.metadata.tables[name]), values)
    upgrade(engine)
    store = SqlStore(engine=engine)
    with store.transaction() as tx:
        got = (
            tx.list_submission_facts(FactFilter()),
            tx.list_review_facts(FactFilter()),
            tx.list_award_facts(FactFilter()),
        )
    assert got == expected
    assert [len(x) for x in got] == [2, 2, 1]
    with begin(engine) as conn:
        assert [tuple(r) for r in conn.execute(t.award_facts.select())] == award_facts
        assert backfill_facts(conn) == 0  # nothing left to derive
    store.close()
