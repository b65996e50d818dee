"""The tool's signing keys: generated on first start, rotated on demand.

Keys live in the database so every worker on every host signs with the same
current key and publishes the same set. ``rotate`` makes a new key current;
the old one stays in the JWKS until it is retired, so messages a platform
received just before the rotation still verify.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from datetime import UTC, datetime
from typing import Any

from jwcrypto import jwk

from mcembed import Conflict
from mcembed.lms import Lms
from mcembed.platforms import ToolKey

__all__ = ["ToolKeys", "new_tool_key"]


INITIAL_KID = "mcembed-initial"


def new_tool_key(now: datetime | None = None, *, kid: str | None = None) -> ToolKey:
    """A fresh RSA 2048 key named ``kid`` or by its RFC 7638 thumbprint."""
    key = jwk.JWK.generate(kty="RSA", size=2048)
    kid = kid or key.thumbprint()
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
                    # every worker may start at once: the first key has a fixed id,
                    # so exactly one insert wins and the others read it
                    with contextlib.suppress(Conflict):
                        self.lms.add_tool_key(new_tool_key(kid=INITIAL_KID))
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
