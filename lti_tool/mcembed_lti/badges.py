"""The instance's Open Badges as the web tool serves them: the issuer, the
signed documents of an award, baked images, and verification of any file.

Everything here calls ``mcembed.badges``; the tool only serves the bytes.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from typing import Any
from urllib.parse import urlsplit

from mcembed import Award, BadgeError, Service, excerpt
from mcembed.badges import (
    IssuerIdentity,
    KeyResolver,
    Verification,
    Verifier,
    badge_png,
    badge_svg,
    bake,
    https_fetch,
)
from mcembed.badges.baking import image_kind
from mcembed.badges.issuing import instance_fetcher, instance_revocation_list

__all__ = ["Badges", "public_fetch"]


def public_fetch(url: str) -> bytes:
    """``https_fetch`` for URLs in uploaded files: never an address on this
    machine or a private network (a verify page must not reach inside)."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, 443)}
    except OSError as e:
        raise BadgeError(f"cannot resolve {excerpt(host)}: {e}") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global:
            raise BadgeError(f"{url} is not on the public internet; it is not fetched")
    return https_fetch(url, timeout=5)


class Badges:
    """The issuer of the instance and what is served of each award.

    Args:
        service: the core service (its recognizer holds the issuer).
        fetch: how foreign https documents are read when verifying (default:
            ``public_fetch``; None: offline).
    """

    def __init__(self, service: Service, *, fetch: Any = public_fetch) -> None:
        self.service = service
        recognizer = service.recognizer
        self.issuer: IssuerIdentity | None = getattr(recognizer, "issuer", None)
        self._fetch = fetch
        self._images: dict[tuple[str, str], tuple[bytes, bytes]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.issuer is not None

    def verifier(self) -> Verifier:
        fetch = self._fetch
        trusted = []
        if self.issuer is not None:
            trusted.append(self.issuer)
            fetch = instance_fetcher(self.service.store, self.issuer, fallback=fetch)
        return Verifier(KeyResolver(fetch, trusted), fetch=fetch)

    def verify(self, data: bytes | str) -> Verification:
        """Every check on a file or text someone hands in."""
        return self.verifier().verify(data)

    def revocation_list(self) -> tuple[dict[str, Any], str]:
        assert self.issuer is not None
        return instance_revocation_list(self.service.store, self.issuer)

    def credential_text(self, award: Award) -> str:
        """What goes into a baked image: the VC-JWT if there is one, else the JSON."""
        import json

        token = award.documents.get("jwt")
        if isinstance(token, str):
            return token
        return json.dumps(award.documents.get("credential"), separators=(",", ":"))

    def _art(self, award: Award) -> tuple[bytes, bytes]:
        """(PNG, SVG) to bake: the definition's own image where it has one."""
        key = (award.credential_id, award.credential_version)
        with self._lock:
            found = self._images.get(key)
        if found is not None:
            return found
        try:
            definition: Any = self.service.get_credential(*key)
        except LookupError:
            definition = self.service.get_stack(*key)
        png, svg = (
            badge_png(definition.name, definition.id),
            badge_svg(definition.name, definition.id),
        )
        ref = definition.image or ""
        if ref.startswith("sha256:"):
            try:
                data = self.service.blobs.read(ref.removeprefix("sha256:"))
            except (LookupError, OSError):
                data = b""
            kind = image_kind(data) if data else ""
            if kind == "png":
                png = data
            elif kind == "svg":
                svg = data
        with self._lock:
            self._images[key] = (png, svg)
        return png, svg

    def baked(self, award: Award, kind: str) -> bytes:
        """The badge image (``png`` or ``svg``) with the credential baked in."""
        png, svg = self._art(award)
        return bake(png if kind == "png" else svg, self.credential_text(award))
