"""Requests per token per minute (``MCEMBED_API_RATE_LIMIT``): a fixed window,
counted in Redis when the tool has it (every server shares the count),
otherwise in the process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["RateLimiter"]

WINDOW = 60


class RateLimiter:
    """At most ``per_minute`` requests per key in each minute (0: no limit).

    Args:
        per_minute: the limit.
        redis: a Redis client to count in (default: this process).
        prefix: the Redis key prefix.
        clock: seconds since the epoch (tests).
    """

    def __init__(
        self,
        per_minute: int,
        *,
        redis: Any = None,
        prefix: str = "mcembed",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.per_minute = per_minute
        self.redis = redis
        self.prefix = prefix
        self.clock = clock
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Count one request; the seconds to wait when it is over the limit, else None."""
        if self.per_minute <= 0:
            return None
        now = self.clock()
        window = int(now // WINDOW)
        wait = max(1, int((window + 1) * WINDOW - now))
        if self.redis is not None:
            name = f"{self.prefix}:api-rate:{key}:{window}"
            pipe = self.redis.pipeline()
            pipe.incr(name)
            pipe.expire(name, WINDOW * 2)
            count = int(pipe.execute()[0])
        else:
            with self._lock:
                seen_window, count = self._counts.get(key, (window, 0))
                count = count + 1 if seen_window == window else 1
                self._counts[key] = (window, count)
                if len(self._counts) > 50_000:  # forget keys of past windows
                    self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
        return wait if count > self.per_minute else None
