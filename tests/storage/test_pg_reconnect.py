"""A pooled PostgreSQL connection that died while idle (a database restart, a
proxy's idle timeout) is replaced before use, not handed to a transaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from mcembed.config import normalize_database_url
from mcembed.storage import SqlStore
from mcembed.storage import sqlalchemy as sql
from mcembed.storage.sqlalchemy import StorageError, make_engine
from stores import POSTGRES_URL, scratch_schema

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="set MCEMBED_TEST_POSTGRES_URL to test against PostgreSQL"
)


@pytest.fixture
def store() -> Iterator[SqlStore]:
    with scratch_schema("reconnect") as url:
        store = SqlStore(engine=make_engine(url), migrate=True)
        try:
            yield store
        finally:
            store.close()


def _kill_pooled_connections(store: SqlStore) -> None:
    with store.engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    admin = make_engine(normalize_database_url(POSTGRES_URL))
    with admin.begin() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
    admin.dispose()


def test_a_connection_killed_while_idle_is_replaced(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.transaction() as tx:
        assert tx.list_packs() == []
    _kill_pooled_connections(store)
    monkeypatch.setattr(sql, "IDLE_PING_SECONDS", 0.0)
    with store.transaction() as tx:
        assert tx.list_packs() == []


def test_without_the_idle_ping_the_dead_connection_fails_the_transaction(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the counter-test: what the ping protects against does happen
    with store.transaction() as tx:
        tx.list_packs()
    _kill_pooled_connections(store)
    monkeypatch.setattr(sql, "IDLE_PING_SECONDS", 1e9)
    with pytest.raises(StorageError), store.transaction() as tx:
        tx.list_packs()
    with store.transaction() as tx:  # the pool dropped it; the next one is fresh
        assert tx.list_packs() == []
