"""PostgreSQL units of work begin at their first write: reads before it run on
their own (as they would at READ COMMITTED inside the transaction), and from
the first write on the unit is one transaction that commits or rolls back whole."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from mcembed import Issuer
from mcembed.errors import Conflict
from mcembed.storage import SqlStore
from mcembed.storage.base import PackRecord
from mcembed.storage.sqlalchemy import make_engine
from stores import POSTGRES_URL, scratch_schema

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="set MCEMBED_TEST_POSTGRES_URL to test against PostgreSQL"
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def stores() -> Iterator[tuple[SqlStore, SqlStore]]:
    """Two stores (two pools) on one fresh schema: a unit and an onlooker."""
    with scratch_schema("units") as url:
        first = SqlStore(engine=make_engine(url), migrate=True)
        second = SqlStore(engine=make_engine(url))
        try:
            yield first, second
        finally:
            first.close()
            second.close()


def pack(pack_id: str) -> PackRecord:
    return PackRecord(
        id=pack_id,
        name=pack_id,
        issuer=Issuer(name="I", url="https://example.org"),
        loaded_at=NOW,
    )


def ids(store: SqlStore) -> list[str]:
    with store.transaction() as tx:
        return [p.id for p in tx.list_packs()]


def in_transaction(tx: object) -> bool:
    import psycopg

    driver = tx.conn._conn.connection.driver_connection  # type: ignore[attr-defined]
    return driver.info.transaction_status is not psycopg.pq.TransactionStatus.IDLE


def test_reads_run_outside_a_transaction_until_the_first_write(
    stores: tuple[SqlStore, SqlStore],
) -> None:
    store, onlooker = stores
    with store.transaction() as tx:
        assert tx.list_packs() == []
        assert not in_transaction(tx)
        tx.put_pack(pack("p1"))
        assert in_transaction(tx)
        assert [p.id for p in tx.list_packs()] == ["p1"]  # its own write
        assert ids(onlooker) == []  # nobody else's yet
    assert ids(onlooker) == ["p1"]


def test_a_unit_that_fails_after_reading_and_writing_leaves_nothing(
    stores: tuple[SqlStore, SqlStore],
) -> None:
    store, onlooker = stores

    def crash() -> None:
        with store.transaction() as tx:
            tx.list_packs()
            tx.put_pack(pack("p1"))
            tx.put_pack(pack("p2"))
            raise RuntimeError("crash between writes")

    with pytest.raises(RuntimeError, match="between writes"):
        crash()
    assert ids(onlooker) == []
    assert ids(store) == []  # and the pooled connection is usable again


def test_a_savepoint_as_the_first_write_begins_the_transaction(
    stores: tuple[SqlStore, SqlStore],
) -> None:
    from mcembed.platforms import ToolKey

    store, onlooker = stores
    key = ToolKey(kid="k1", private_pem="-", public_jwk={}, created_at=NOW)
    with store.transaction() as tx:
        tx.add_tool_key(key)  # an insert under a savepoint
        with pytest.raises(Conflict):
            tx.add_tool_key(key)  # rolled back to the savepoint only
        tx.put_pack(pack("p1"))
    with onlooker.transaction() as tx:
        assert [k.kid for k in tx.list_tool_keys()] == ["k1"]
    assert ids(onlooker) == ["p1"]


def test_connections_go_back_to_the_pool_as_they_came(
    stores: tuple[SqlStore, SqlStore],
) -> None:
    store, _ = stores
    with store.transaction() as tx:
        tx.put_pack(pack("p1"))
    with store.transaction() as tx:
        tx.list_packs()
    with store.engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert driver is not None
        assert driver.autocommit is False
