"""A community world on the memory store, for the browser tests of its charts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from community_world import World, make_world
from factories import NOW
from mcembed import FixedClock
from mcembed.storage import MemoryStore


@pytest.fixture
def mem() -> Iterator[World]:
    store = MemoryStore()
    yield make_world(store, FixedClock(NOW))
    store.close()
