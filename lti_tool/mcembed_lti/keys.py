"""The tool's signing keys: generated on first start, rotated on demand.

Keys live in the database so every worker on every host signs with the same
current key and publishes the same set. ``rotate`` makes a new key current;
the old one stays in the JWKS until it is retired, so messages a platform
received just before the rotation still verify.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from typing import Any

from jwcrypto import jwk

from mcembed.lms import Lms
from mcembed.platforms import ToolKey

__all__ = ["ToolKeys", "new_tool_key"]


def new_tool_key(now: datetime | None = None) -> ToolKey:
    """A fresh RSA 2048 key named by its RFC 7638 thumbprint."""
    key = jwk.JWK.generate(kty="RSA", size=2048)
    kid = key.thumbprint()
    public = json.loads(key.export_public())
    public.update({"kid": kid, "alg": "RS256", "use": "sig"})
    pem = key.export_to_pem(private_key=True, password=None).decode()
    return ToolKey(kid=kid, private_pem=pem, public_jwk=public, created_at=now or datetime.now(UTC))


class ToolKeys:
    """The current key and the published set, read from the database and
    cached for a short while (a rotation reaches every worker within it)."""

    def __init__(self, lms: Lms, *, ttl: float = 30.0) -> None:
        self.lms = lms
        self.ttl = ttl
        self._lock = threading.Lock()
        self._cached: list[ToolKey] = []
        self._read_at = 0.0

    def _keys(self) -> list[ToolKey]:
        with self._lock:
            if not self._cached or time.monotonic() - self._read_at > self.ttl:
                keys = [k for k in self.lms.list_tool_keys() if k.active]
                if not keys:
                    self.lms.add_tool_key(new_tool_key())
                    keys = [k for k in self.lms.list_tool_keys() if k.active]
                self._cached = keys
                self._read_at = time.monotonic()
            return self._cached

    def current(self) -> ToolKey:
        """The key that signs now: the newest active one."""
        return max(self._keys(), key=lambda k: (k.created_at, k.kid))

    def jwks(self) -> dict[str, Any]:
        """The public JWKS: every active key."""
        return {"keys": [dict(k.public_jwk) for k in self._keys()]}

    def rotate(self) -> ToolKey:
        """Make a new key current; the old ones stay published until retired."""
        key = new_tool_key()
        self.lms.add_tool_key(key)
        self.refresh()
        return key

    def refresh(self) -> None:
        with self._lock:
            self._cached = []
