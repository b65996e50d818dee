"""Launch data shared by every worker: OIDC login states and platform key sets.

With ``MCEMBED_REDIS_URL`` both live in Redis (a login state is taken with
``GETDEL``, so of two workers racing for one launch only one wins); without
it, login states go through the core ``Store`` (``DELETE ... RETURNING``) and
key sets are cached in each process.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from mcembed import FetchError
from mcembed.codec import from_data, to_data
from mcembed.fetching import Fetcher
from mcembed.launches import LoginState
from mcembed.lms import Lms

__all__ = [
    "KeySetBusy",
    "KeySetCache",
    "KeySetError",
    "LoginStates",
    "RedisLoginStates",
    "ShortCache",
    "StoreLoginStates",
]


class LoginStates(Protocol):
    """Where login states wait for their launch."""

    def put(self, login: LoginState) -> None: ...
    def peek(self, state: str) -> LoginState | None: ...
    def take(self, state: str) -> LoginState | None: ...


class StoreLoginStates:
    """Login states in the database, through the core ``Store``."""

    def __init__(self, lms: Lms) -> None:
        self.lms = lms

    def put(self, login: LoginState) -> None:
        self.lms.add_login_state(login)

    def peek(self, state: str) -> LoginState | None:
        return self.lms.find_login_state(state)

    def take(self, state: str) -> LoginState | None:
        return self.lms.take_login_state(state)


class RedisLoginStates:
    """Login states in Redis, expiring by themselves."""

    def __init__(self, redis: Any, *, prefix: str = "mcembed:login:") -> None:
        self.redis = redis
        self.prefix = prefix

    def put(self, login: LoginState) -> None:
        ttl = max(1, int((login.expires_at - login.issued_at).total_seconds()))
        self.redis.set(self.prefix + login.state, json.dumps(to_data(login)), ex=ttl, nx=True)

    def _load(self, raw: Any) -> LoginState | None:
        return from_data(LoginState, json.loads(raw)) if raw else None

    def peek(self, state: str) -> LoginState | None:
        return self._load(self.redis.get(self.prefix + state))

    def take(self, state: str) -> LoginState | None:
        return self._load(self.redis.getdel(self.prefix + state))


class KeySetError(Exception):
    """A platform's key set could not be fetched or read."""


class KeySetBusy(KeySetError):
    """A key id the cached set lacks, and this platform's refetches are used up
    for now (a flood of unknown key ids); a moment later one is allowed again."""


class RefetchBucket:
    """A token bucket: ``burst`` refetches at once, then one every ``every`` seconds."""

    def __init__(self, burst: int, every: float, now: float) -> None:
        self.burst = burst
        self.every = every
        self.tokens = float(burst)
        self.at = now

    def take(self, now: float) -> bool:
        self.tokens = min(float(self.burst), self.tokens + (now - self.at) / self.every)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class KeySetCache:
    """Platform JWKS, fetched once and kept for ``ttl`` seconds.

    pylti1p3 fetches the key set on every launch; here it is fetched again
    when it is old, or at once when a token names a key id the cached set
    lacks (the platform rotated its keys), so a rotation never refuses a good
    launch. Those refetches are rate-limited per key set URL with a token
    bucket (``refetch_burst`` at once, then one every ``refetch_every``
    seconds, in each process), so tokens with made-up key ids cannot make the
    tool hammer a platform; concurrent launches wait for one refetch.

    Fetches go through the outbound fetcher (``mcembed.fetching``).
    """

    def __init__(
        self,
        fetcher: Fetcher,
        *,
        redis: Any = None,
        ttl: float = 3600.0,
        refetch_burst: int = 3,
        refetch_every: float = 10.0,
        prefix: str = "mcembed",
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.prefix = prefix
        self.fetcher = fetcher
        self.redis = redis
        self.ttl = ttl
        self.refetch_burst = refetch_burst
        self.refetch_every = refetch_every
        self.clock = clock
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._sets: dict[str, tuple[float, dict[str, Any]]] = {}
        self._url_locks: dict[str, threading.Lock] = {}
        self._buckets: dict[str, RefetchBucket] = {}
        self.fetches = 0

    def _redis_key(self, url: str) -> str:
        return f"{self.prefix}:jwks:" + hashlib.sha256(url.encode()).hexdigest()

    def _local(self, url: str) -> tuple[float, dict[str, Any]] | None:
        with self._lock:
            return self._sets.get(url)

    def _shared(self, url: str) -> tuple[float, dict[str, Any]] | None:
        """The copy another worker put in Redis, if newer than this process's."""
        if self.redis is None:
            return None
        raw = self.redis.get(self._redis_key(url))
        if not raw:
            return None
        data = json.loads(raw)
        found = (float(data["at"]), data["jwks"])
        with self._lock:
            mine = self._sets.get(url)
            if mine is None or mine[0] < found[0]:
                self._sets[url] = found
                return found
        return None

    def _cached(self, url: str) -> tuple[float, dict[str, Any]] | None:
        return self._local(url) or self._shared(url)

    def _fetch(self, url: str) -> dict[str, Any]:
        try:
            jwks = self.fetcher.get(url, accept="application/json").json(f"The key set at {url}")
        except FetchError as e:
            raise KeySetError(f"cannot fetch the key set: {e}") from e
        if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
            raise KeySetError(f"the key set at {url} is not a JWKS (no 'keys' list)")
        self.fetches += 1
        now = self.clock()
        with self._lock:
            self._sets[url] = (now, jwks)
        if self.redis is not None:
            self.redis.set(
                self._redis_key(url), json.dumps({"at": now, "jwks": jwks}), ex=int(self.ttl)
            )
        return jwks

    def _url_lock(self, url: str) -> threading.Lock:
        with self._lock:
            return self._url_locks.setdefault(url, threading.Lock())

    def _may_refetch(self, url: str) -> bool:
        now = self.monotonic()
        with self._lock:
            bucket = self._buckets.get(url)
            if bucket is None:
                bucket = self._buckets[url] = RefetchBucket(
                    self.refetch_burst, self.refetch_every, now
                )
            return bucket.take(now)

    def key(self, url: str, kid: str) -> dict[str, Any] | None:
        """The JWK with ``kid`` from the key set at ``url``, or ``None``.

        Raises:
            KeySetError: the key set cannot be fetched or read.
            KeySetBusy: ``kid`` is unknown and the refetches are used up for now.
        """
        cached = self._cached(url)
        if cached is not None and self.clock() - cached[0] < self.ttl:
            found = _find(cached[1], kid)
            if found is not None:
                return found
            return self._refetch(url, kid, cached[0])
        with self._url_lock(url):
            again = self._local(url)
            if again is not None and again is not cached and self.clock() - again[0] < self.ttl:
                return _find(again[1], kid)
            return _find(self._fetch(url), kid)

    def _refetch(self, url: str, kid: str, seen: float) -> dict[str, Any] | None:
        """``kid`` is not in the set fetched at ``seen``: fetch it again now."""
        with self._url_lock(url):
            # another launch (or another worker) may have fetched it meanwhile
            newer = self._shared(url) or self._local(url)
            if newer is not None and newer[0] > seen:
                found = _find(newer[1], kid)
                if found is not None:
                    return found
                seen = newer[0]
            if not self._may_refetch(url):
                raise KeySetBusy(
                    f"key {kid!r} is not in the key set at {url}, and it was fetched again "
                    f"{self.refetch_burst} times just now for unknown key ids"
                )
            return _find(self._fetch(url), kid)


def _find(jwks: dict[str, Any], kid: str) -> dict[str, Any] | None:
    for key in jwks.get("keys", []):
        if isinstance(key, dict) and key.get("kid") == kid:
            return key
    return None


class ShortCache:
    """Values kept in this process for ``ttl`` seconds (at most ``size`` of them).

    For what every launch reads and rarely changes (platforms, known
    deployments) and what never changes (a launch context): a change made
    elsewhere reaches this process within ``ttl``.
    """

    def __init__(self, ttl: float, size: int = 10_000) -> None:
        self.ttl = ttl
        self.size = size
        self._lock = threading.Lock()
        self._items: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any) -> Any:
        with self._lock:
            found = self._items.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, key: Any, value: Any, ttl: float | None = None) -> None:
        with self._lock:
            if len(self._items) >= self.size:
                self._items.clear()
            self._items[key] = (time.monotonic() + (self.ttl if ttl is None else ttl), value)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
