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
from typing import Any, Protocol

import requests

from mcembed import parse_json
from mcembed.codec import from_data, to_data
from mcembed.launches import LoginState
from mcembed.lms import Lms

__all__ = [
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


class KeySetCache:
    """Platform JWKS, fetched once and kept for ``ttl`` seconds.

    pylti1p3 fetches the key set on every launch; here it is fetched again
    only when it is old, or when a token names a key id the cached set lacks
    (the platform rotated its keys), at most once per ``min_refetch`` seconds.
    """

    def __init__(
        self,
        http: requests.Session,
        *,
        redis: Any = None,
        ttl: float = 3600.0,
        min_refetch: float = 30.0,
        timeout: float = 10.0,
        prefix: str = "mcembed",
    ) -> None:
        self.prefix = prefix
        self.http = http
        self.redis = redis
        self.ttl = ttl
        self.min_refetch = min_refetch
        self.timeout = timeout
        self._lock = threading.Lock()
        self._sets: dict[str, tuple[float, dict[str, Any]]] = {}
        self.fetches = 0

    def _redis_key(self, url: str) -> str:
        return f"{self.prefix}:jwks:" + hashlib.sha256(url.encode()).hexdigest()

    def _cached(self, url: str) -> tuple[float, dict[str, Any]] | None:
        with self._lock:
            found = self._sets.get(url)
        if found is None and self.redis is not None:
            raw = self.redis.get(self._redis_key(url))
            if raw:
                data = json.loads(raw)
                found = (float(data["at"]), data["jwks"])
                with self._lock:
                    self._sets[url] = found
        return found

    def _fetch(self, url: str) -> dict[str, Any]:
        try:
            resp = self.http.get(url, timeout=self.timeout)
            resp.raise_for_status()
            jwks = parse_json(resp.content, what="the key set")
        except (requests.RequestException, ValueError) as e:
            raise KeySetError(f"cannot fetch the key set at {url}: {e}") from e
        if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
            raise KeySetError(f"the key set at {url} is not a JWKS (no 'keys' list)")
        self.fetches += 1
        now = time.time()
        with self._lock:
            self._sets[url] = (now, jwks)
        if self.redis is not None:
            self.redis.set(
                self._redis_key(url), json.dumps({"at": now, "jwks": jwks}), ex=int(self.ttl)
            )
        return jwks

    def key(self, url: str, kid: str) -> dict[str, Any] | None:
        """The JWK with ``kid`` from the key set at ``url``, or ``None``."""
        cached = self._cached(url)
        now = time.time()
        if cached is not None and now - cached[0] < self.ttl:
            found = _find(cached[1], kid)
            if found is not None or now - cached[0] < self.min_refetch:
                return found
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
