"""Migration 0010: who holds each stored file. It creates exactly the table
``tables.py`` describes, and derives the holdings of data stored before it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from factories import LEARNER, NOW, REVIEWER, make_credential, scores, submitted
from mcembed import Actor, FixedClock, SequentialIds, Service, load_pack
from mcembed.storage import MemoryBlobStore, SqlStore
from mcembed.storage import tables as t
from mcembed.storage.migrate import _config, upgrade
from mcembed.storage.sqlalchemy import begin
from stores import POSTGRES_URL, scratch_schema

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'files.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need MCEMBED_TEST_POSTGRES_URL")
    with scratch_schema("holders") as pg_url:
        yield pg_url


def holders(store: SqlStore) -> set[tuple[Any, ...]]:
    h = t.file_holders
    with store.engine.connect() as conn:
        return {tuple(r) for r in conn.execute(select(h.c.sha256, h.c.holder_id, h.c.learner_id))}


def test_the_migration_matches_the_table(url: str) -> None:
    store = SqlStore(url, migrate=True)
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, t.metadata)
    assert [d for d in diffs if "file_holders" in repr(d)] == []
    store.close()


def test_upgrading_derives_who_holds_the_files_stored_before(url: str) -> None:
    """Evidence in drafts and attempts, and every image and check module a
    pack's issuer, credentials and stacks name, are held after the upgrade."""
    store = SqlStore(url, migrate=True)
    service = Service(store, MemoryBlobStore(), clock=FixedClock(NOW), ids=SequentialIds())
    service.add_pack(Actor.system(), load_pack(ROOT / "examples" / "professional-learning"))
    with store.transaction() as tx:
        tx.add_credential(make_credential())
    sub = submitted(service)
    service.record_review(REVIEWER, sub.id, scores(design="Developing", impact="Proficient"))
    service.attach_file(LEARNER, sub.id, "plan", "p.txt", b"Week 2: a second plan.")
    now_held = holders(store)
    submissions = {row for row in now_held if row[1] == sub.id}
    assert len(submissions) == 2  # attempt 1's file and the draft's
    with begin(store.engine) as conn:  # back to before 0010: nothing is recorded
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0009")
    upgrade(store.engine)
    assert holders(store) == now_held
    pack = {r for r in now_held if r[1] == "pack:riverbend-professional-learning"}
    assert len(pack) == 11  # the issuer's, credentials' and stacks' images, two check modules
    store.close()
