"""Time and identifiers, injected into the ``Service`` so tests can fix them."""

from __future__ import annotations

import itertools
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "FixedClock", "Ids", "RandomIds", "SequentialIds", "SystemClock"]

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lowercase


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to (tests, reproducible examples)."""

    def __init__(self, at: datetime) -> None:
        self.at = at if at.tzinfo else at.replace(tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at


class Ids(Protocol):
    def new(self, prefix: str) -> str:
        """A new unique id such as ``sub_01hx...``."""
        ...


def _encode(number: int, length: int) -> str:
    out = []
    for _ in range(length):
        number, rem = divmod(number, 32)
        out.append(_ALPHABET[rem])
    return "".join(reversed(out))


class RandomIds:
    """Time-ordered, unguessable ids: 48 bits of milliseconds and 80 random bits
    (the ULID layout), lowercase, behind a short prefix naming the kind."""

    def new(self, prefix: str) -> str:
        ms = time.time_ns() // 1_000_000
        rand = int.from_bytes(os.urandom(10), "big")
        return f"{prefix}_{_encode(ms, 10)}{_encode(rand, 16)}"


class SequentialIds:
    """``sub_1``, ``sub_2``, ...: predictable ids for tests and golden files."""

    def __init__(self) -> None:
        self._counters: dict[str, itertools.count[int]] = {}
        self._lock = threading.Lock()

    def new(self, prefix: str) -> str:
        with self._lock:
            counter = self._counters.setdefault(prefix, itertools.count(1))
            return f"{prefix}_{next(counter)}"
