"""Fixtures of the community tests: ``world`` on every store (memory, SQLite,
PostgreSQL), ``mem`` on the memory store only, for rules that need no database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from community_world import World, make_world
from factories import NOW
from mcembed import FixedClock
from mcembed.storage import MemoryStore


@pytest.fixture
def world(store: Any, clock: FixedClock) -> World:
    """On every store."""
    return make_world(store, clock)


@pytest.fixture
def mem() -> Iterator[World]:
    """On the memory store only."""
    store = MemoryStore()
    yield make_world(store, FixedClock(NOW))
    store.close()
