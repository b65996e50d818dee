"""Stores for tests: PostgreSQL in a schema of the test run's own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from mcembed.storage import SqlStore

POSTGRES_URL = os.environ.get("MCEMBED_TEST_POSTGRES_URL", "")


def postgres_store(schema: str, *, pool_size: int = 10) -> SqlStore:
    from sqlalchemy import create_engine, text

    from mcembed.config import normalize_database_url

    engine = create_engine(
        normalize_database_url(POSTGRES_URL),
        connect_args={"options": f"-csearch_path={schema}"},
        pool_size=pool_size,
        max_overflow=0,
    )
    store = SqlStore(engine=engine, migrate=True)
    with engine.begin() as conn:
        tables = (
            conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = :s AND tablename <> 'alembic_version'"
                ),
                {"s": schema},
            )
            .scalars()
            .all()
        )
        conn.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
    return store


@contextmanager
def scratch_schema(prefix: str) -> Iterator[str]:
    """A new, empty schema of its own, dropped afterwards; yields the URL of a
    production engine (``make_engine``) that works in it."""
    from sqlalchemy import text

    from mcembed.config import normalize_database_url
    from mcembed.storage.sqlalchemy import make_engine

    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(normalize_database_url(POSTGRES_URL))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield normalize_database_url(POSTGRES_URL) + f"?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
