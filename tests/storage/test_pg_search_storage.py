"""Migration 0008: PostgreSQL keeps each credential's search vector in its row
(storage MAIN, lz4 where the server has it), and rewrites the vectors written
before it so they take that form."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from mcembed.storage import SqlStore
from mcembed.storage.base import CatalogQuery
from mcembed.storage.migrate import upgrade
from mcembed.storage.sqlalchemy import begin, make_engine
from stores import POSTGRES_URL, scratch_schema

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="set MCEMBED_TEST_POSTGRES_URL to test against PostgreSQL"
)

WORDS = " ".join(f"word{n} classroom discussion protocols" for n in range(400))


@pytest.fixture
def engine() -> Iterator[Engine]:
    with scratch_schema("search") as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


def test_search_vectors_move_into_their_rows(engine: Engine) -> None:
    upgrade(engine, "0007")
    with begin(engine) as conn:  # a vector as the store wrote it before 0008
        conn.execute(
            text(
                "INSERT INTO credentials (id, version, pack_id, name, content_hash, is_latest, "
                "document, search) VALUES ('c1', '1', '', 'Discussion protocols', '', true, "
                "'{}', setweight(to_tsvector('english', :words), 'D'))"
            ),
            {"words": WORDS},
        )
    upgrade(engine)
    with engine.connect() as conn:
        storage = conn.execute(
            text(
                "SELECT attstorage FROM pg_attribute "
                "WHERE attrelid = 'credentials'::regclass AND attname = 'search'"
            )
        ).scalar_one()
        lz4 = conn.execute(
            text(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                "WHERE name = 'default_toast_compression'"
            )
        ).scalar_one()
        method = conn.execute(
            text("SELECT pg_column_compression(search) FROM credentials WHERE id = 'c1'")
        ).scalar_one()
        matches = conn.execute(
            text(
                "SELECT count(*) FROM credentials WHERE search @@ to_tsquery('english', 'protocol')"
            )
        ).scalar_one()
    assert storage == "m"
    assert method == ("lz4" if lz4 else "pglz")  # rewritten: compressed anew
    assert matches == 1  # the same vector


def test_new_credentials_are_stored_the_same_way(engine: Engine) -> None:
    from factories import make_credential

    store = SqlStore(engine=engine, migrate=True)
    with store.transaction() as tx:
        tx.add_credential(make_credential("c1", name="Discussion protocols", summary=WORDS))
    with store.transaction() as tx:
        hits = tx.search_credentials(CatalogQuery(text="discussion protocols"))
    assert [h.credential.id for h in hits] == ["c1"]
    with engine.connect() as conn:
        method = conn.execute(
            text("SELECT pg_column_compression(search) FROM credentials WHERE id = 'c1'")
        ).scalar_one()
    assert method in ("lz4", "pglz")  # a long vector is compressed, under the new setting
