"""Migration 0007: a SQLite catalog written before it keeps searching, with
filters, and replacing a credential still leaves one full-text row for it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy import text

from factories import make_credential
from mcembed.catalog import credential_fields
from mcembed.storage import SqlStore
from mcembed.storage.base import CatalogQuery
from mcembed.storage.migrate import upgrade
from mcembed.storage.sqlalchemy import begin, make_engine


def test_a_catalog_from_before_0007_gets_its_search_rows(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0006")
    old = [
        make_credential("a", name="Feedback loops", tags=("feedback",)),
        make_credential("b", name="Feedback conferences"),
        make_credential("c", name="Group roles"),
        make_credential("d", name="Exit tickets"),
    ]
    with begin(engine) as conn:  # what the store wrote before 0007
        for credential in old:
            name, summary, addresses, rest = credential_fields(credential)
            conn.execute(
                text(
                    "INSERT INTO credentials (id, version, pack_id, name, content_hash, "
                    "is_latest, document) VALUES (:id, '1', '', :name, '', 1, '{}')"
                ),
                {"id": credential.id, "name": credential.name},
            )
            conn.execute(
                text(
                    "INSERT INTO credential_search (credential_id, name, summary, addresses, "
                    "rest) VALUES (:id, :name, :summary, :addresses, :rest)"
                ),
                {
                    "id": credential.id,
                    "name": name,
                    "summary": summary,
                    "addresses": addresses,
                    "rest": rest,
                },
            )
            for tag in credential.tags:
                conn.execute(
                    text("INSERT INTO credential_tags (credential_id, tag) VALUES (:id, :tag)"),
                    {"id": credential.id, "tag": tag},
                )
    upgrade(engine)
    with engine.connect() as conn:
        rows = dict(
            conn.execute(
                text("SELECT credential_id, search_rowid FROM credential_search_rows")
            ).all()
        )
        fts = dict(conn.execute(text("SELECT credential_id, rowid FROM credential_search")).all())
    assert rows == fts
    assert len(rows) == 4

    store = SqlStore(engine=engine)
    with store.transaction() as tx:
        for credential in old:  # the documents, as the store writes them
            tx.add_credential(replace(credential, version="2"))
        tx.add_credential(replace(old[0], version="3", tags=()))
    with store.transaction() as tx:
        plain = tx.search_credentials(CatalogQuery(text="feedback"))
        tagged = tx.search_credentials(CatalogQuery(text="feedback", tags=("feedback",)))
    assert sorted((h.credential.id, h.credential.version) for h in plain) == [
        ("a", "3"),
        ("b", "2"),
    ]
    assert tagged == []
    with engine.connect() as conn:
        counts = conn.execute(
            text("SELECT credential_id, count(*) FROM credential_search GROUP BY credential_id")
        ).all()
    assert sorted(counts) == [("a", 1), ("b", 1), ("c", 1), ("d", 1)]
    store.close()
