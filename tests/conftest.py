"""Shared fixtures: a fixed clock, predictable ids, value factories, and a
``service`` fixture parametrised over every store (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from factories import NOW, make_credential
from mcembed import FixedClock, SequentialIds, Service
from mcembed.storage import MemoryBlobStore, MemoryStore, SqlStore
from stores import POSTGRES_URL, postgres_store

settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_PACK = ROOT / "examples" / "professional-learning"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    """A fresh schema in the test database, migrated once per session."""
    if not POSTGRES_URL:
        pytest.skip(
            "PostgreSQL tests need MCEMBED_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"
        )
    from sqlalchemy import text

    from mcembed.config import normalize_database_url
    from mcembed.storage.sqlalchemy import make_engine

    schema = f"mcembed_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(normalize_database_url(POSTGRES_URL))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Every store the contract must hold for."""
    if request.param == "memory":
        s: Any = MemoryStore()
    elif request.param == "sqlite":
        s = SqlStore(f"sqlite:///{tmp_path / 'test.db'}")
    else:
        s = postgres_store(request.getfixturevalue("postgres_schema"))
    yield s
    s.close()


@pytest.fixture
def service(store: Any, clock: FixedClock) -> Service:
    """A Service with one credential loaded, on each store."""
    svc = Service(store, MemoryBlobStore(), clock=clock, ids=SequentialIds())
    with store.transaction() as tx:
        tx.add_credential(make_credential())
    return svc
