"""Finding issuer keys: did:key offline, did:web and https issuer profiles
fetched through the outbound fetcher (``mcembed.fetching``: public https
addresses only, size-capped, time-limited, every redirect checked).

A verification method is accepted only when it belongs to the issuer the
credential names (its id is ``<issuer id>#<fragment>``).
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..codec import parse_json
from ..errors import BadgeError, FetchError, ValidationError, excerpt
from .issuers import IssuerIdentity
from .keys import PublicKey, multikey_to_public, public_from_jwk

if TYPE_CHECKING:
    from .. import fetching

__all__ = ["MAX_FETCH_BYTES", "Fetcher", "KeyResolver", "https_fetch", "https_fetcher"]

MAX_FETCH_BYTES = 1024 * 1024

Fetcher = Callable[[str], bytes]
"""``fetch(url) -> body``: raises ``BadgeError`` when the URL cannot be read."""


_ACCEPT = "application/ld+json, application/json, application/jwt"


def https_fetch(
    url: str,
    *,
    timeout: float = 5.0,
    max_bytes: int = MAX_FETCH_BYTES,
    fetcher: fetching.Fetcher | None = None,
) -> bytes:
    """GET a URL through the outbound fetcher: at most ``max_bytes``, within
    ``timeout`` seconds for the whole fetch.

    Args:
        fetcher: the instance's fetcher (default: public https addresses only).

    Raises:
        BadgeError: not allowed (not https, not a public address), unreachable,
            an error status, or too large; the message never quotes the answer.
    """
    if fetcher is None:
        from ..fetching import Fetcher as OutboundFetcher

        fetcher = OutboundFetcher()
    try:
        return fetcher.get(url, accept=_ACCEPT, max_bytes=max_bytes, timeout=timeout).body
    except FetchError as e:
        raise BadgeError(str(e)) from None


def https_fetcher(
    fetcher: fetching.Fetcher | None = None,
    *,
    timeout: float = 5.0,
    max_bytes: int = MAX_FETCH_BYTES,
) -> Fetcher:
    """A ``Fetcher`` for verifying (issuer documents, status lists, hosted
    copies) that reads through ``fetcher``, the instance's outbound fetcher."""

    def fetch(url: str) -> bytes:
        return https_fetch(url, timeout=timeout, max_bytes=max_bytes, fetcher=fetcher)

    return fetch


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
