"""Finding issuer keys: did:key offline, did:web and https issuer profiles
fetched over HTTPS (size-capped, time-limited, no redirect away from https).

A verification method is accepted only when it belongs to the issuer the
credential names (its id is ``<issuer id>#<fragment>``).
"""

from __future__ import annotations

import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..codec import parse_json
from ..errors import BadgeError, ValidationError, excerpt
from .issuers import IssuerIdentity
from .keys import PublicKey, multikey_to_public, public_from_jwk

__all__ = ["MAX_FETCH_BYTES", "Fetcher", "KeyResolver", "https_fetch"]

MAX_FETCH_BYTES = 1024 * 1024

Fetcher = Callable[[str], bytes]
"""``fetch(url) -> body``: raises ``BadgeError`` when the URL cannot be read."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> Any:
        if not newurl.startswith("https://"):
            raise BadgeError(f"refusing a redirect from {req.full_url} to {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def https_fetch(url: str, *, timeout: float = 5.0, max_bytes: int = MAX_FETCH_BYTES) -> bytes:
    """GET an https URL: at most ``max_bytes``, within ``timeout`` seconds.

    Raises:
        BadgeError: not https, unreachable, an error status, or too large.
    """
    if not url.startswith("https://"):
        raise BadgeError(f"only https:// URLs are fetched (got {excerpt(url)})")
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(
        url, headers={"Accept": "application/ld+json, application/json, application/jwt"}
    )
    try:
        with opener.open(request, timeout=timeout) as response:
            body = bytes(response.read(max_bytes + 1))
    except BadgeError:
        raise
    except Exception as e:  # urllib raises URLError, HTTPError, OSError, timeouts...
        raise BadgeError(f"cannot fetch {url}: {e}") from None
    if len(body) > max_bytes:
        raise BadgeError(f"{url} returned more than {max_bytes} bytes")
    return body


def _json(text: str | bytes, what: str) -> Any:
    try:
        return parse_json(text, what=what)
    except ValidationError as e:
        raise BadgeError(str(e).removesuffix(".")) from None


def _did_web_url(did: str) -> str:
    parts = did.removeprefix("did:web:").split(":")
    host = urllib.parse.unquote(parts[0])
    path = "/".join(parts[1:])
    return f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"


def _method_key(method: Mapping[str, Any]) -> PublicKey:
    kind = method.get("type")
    if kind in ("Multikey", "Ed25519VerificationKey2020") and "publicKeyMultibase" in method:
        return multikey_to_public(str(method["publicKeyMultibase"]))
    if kind in ("JsonWebKey", "JsonWebKey2020") and isinstance(method.get("publicKeyJwk"), dict):
        return public_from_jwk(method["publicKeyJwk"])
    raise BadgeError(f"unsupported verification method type {excerpt(kind)}")


class KeyResolver:
    """Finds the public key of a verification method, and checks it is the issuer's.

    Args:
        fetch: reads https URLs (issuer profiles, did:web documents); None: offline.
        trusted: local issuers whose keys need no fetching (this instance's).
        ttl: seconds a fetched document is reused.
    """

    def __init__(
        self,
        fetch: Fetcher | None = None,
        trusted: Iterable[IssuerIdentity] = (),
        *,
        ttl: float = 300.0,
    ) -> None:
        self.fetch = fetch
        self.trusted = {i.id: i for i in trusted}
        self.ttl = ttl
        self._documents: dict[str, tuple[float, list[Any]]] = {}
        self._keys: dict[str, tuple[float, PublicKey]] = {}
        self._lock = threading.Lock()

    def resolve(self, method_id: str, issuer_id: str) -> PublicKey:
        """The key of ``method_id``, which must belong to ``issuer_id``.

        Raises:
            BadgeError: the method is not the issuer's, or cannot be resolved.
        """
        found = self._keys.get(method_id)
        if found is not None and time.monotonic() - found[0] < self.ttl:
            return found[1]
        controller, sep, fragment = method_id.partition("#")
        if not sep or not fragment:
            raise BadgeError(f"the key id {excerpt(method_id)} is not a verification method URL")
        if controller != issuer_id:
            raise BadgeError(f"the key {method_id} does not belong to the issuer {issuer_id}")
        if controller.startswith("did:key:"):
            if fragment != controller.removeprefix("did:key:"):
                raise BadgeError(f"{method_id} is not the key of {controller}")
            key: PublicKey = multikey_to_public(fragment)
        else:
            key = _method_key(self._method(controller, method_id))
        with self._lock:
            self._keys[method_id] = (time.monotonic(), key)
        return key

    def _method(self, controller: str, method_id: str) -> Mapping[str, Any]:
        methods = self._methods(controller)
        for m in methods:
            if isinstance(m, Mapping) and m.get("id") in (method_id, "#" + method_id.split("#")[1]):
                return m
        raise BadgeError(f"the issuer {controller} publishes no key {method_id}")

    def _methods(self, controller: str) -> list[Any]:
        local = self.trusted.get(controller)
        if local is not None:
            return local.verification_methods()
        cached = self._documents.get(controller)
        if cached is not None and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        if self.fetch is None:
            raise BadgeError(
                f"the issuer {controller} is not known here and fetching is off (offline)"
            )
        url = _did_web_url(controller) if controller.startswith("did:web:") else controller
        if not url.startswith("https://"):
            raise BadgeError(f"the issuer id {controller} cannot be resolved (not https or DID)")
        document = _json(self.fetch(url), f"the issuer document at {url}")
        if not isinstance(document, dict) or document.get("id") != controller:
            raise BadgeError(f"the document at {url} is not the profile of {controller}")
        methods = document.get("verificationMethod", [])
        if not isinstance(methods, list):
            raise BadgeError(f"the document at {url} lists no keys")
        with self._lock:
            self._documents[controller] = (time.monotonic(), methods)
        return methods
