"""JSON-LD contexts: a fixed allow-list, each pinned by its SHA-256.

A Data Integrity proof signs what a document *means* once its ``@context``
is applied, so whoever serves a context decides what a signature covers.
Contexts are therefore never fetched on a document's say-so: only the URLs
in ``PINNED`` are known, and each must hash to its pinned value. They load
from the copies shipped with mcembed, or from a cache folder that
``fetch_pinned`` fills once through the outbound fetcher (checking the hash) for pinned
contexts mcembed does not ship. Anything else fails closed.

VC-JWT issuing and verifying never touches this module.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BadgeError, FetchError, excerpt

if TYPE_CHECKING:
    from ..fetching import Fetcher

__all__ = [
    "CONTEXT_EXTENSIONS",
    "CONTEXT_OB3",
    "CONTEXT_VC2",
    "PINNED",
    "ContextLoader",
    "PinnedContext",
    "UnknownContext",
    "fetch_pinned",
]

CONTEXT_VC2 = "https://www.w3.org/ns/credentials/v2"
CONTEXT_OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXT_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
CONTEXT_OB2 = "https://w3id.org/openbadges/v2"

_MAX_CONTEXT_BYTES = 512 * 1024


class UnknownContext(BadgeError):
    """A document names a JSON-LD context that is not on the allow-list
    (or whose copy does not match its pinned hash)."""


@dataclass(frozen=True, slots=True)
class PinnedContext:
    """One allowed context: its URL, the SHA-256 of its bytes, and the file
    name of the copy shipped in ``mcembed/badges/data/contexts`` (empty when
    it must come from the cache folder)."""

    url: str
    sha256: str
    shipped: str = ""


PINNED: Mapping[str, PinnedContext] = {
    p.url: p
    for p in (
        PinnedContext(
            CONTEXT_VC2,
            "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
            "w3c_credentials_v2.jsonld",
        ),
        PinnedContext(
            CONTEXT_OB3,
            "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761",
            "ob_v3p0_context-3.0.3.json",
        ),
        PinnedContext(
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
            "00666ad080ba407687ed1846b7f5e7495f5019042b202a727de47c48a1755c53",
            "ob_v3p0_context-3.0.2.json",
        ),
        PinnedContext(
            CONTEXT_EXTENSIONS,
            "146f85aa16effd7ca1da8056eb443f53ce1eca8a34186cb062832c0a97d889c3",
            "ob_v3p0_extensions.json",
        ),
        PinnedContext(
            CONTEXT_OB2,
            "3c0c25a0e581c64cbe632197377c4f334c6c0b95f0d90e3b74449781612b153d",
            "ob_v2p0_context.json",
        ),
        # Not shipped; `fetch_pinned` can fill the cache with them.
        PinnedContext(
            "https://w3id.org/security/multikey/v1",
            "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597",
        ),
        PinnedContext(
            "https://w3id.org/security/data-integrity/v2",
            "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4",
        ),
    )
}


def _cache_name(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:24] + ".jsonld"


def _check(url: str, data: bytes) -> Any:
    pinned = PINNED[url]
    digest = hashlib.sha256(data).hexdigest()
    if digest != pinned.sha256:
        raise UnknownContext(
            f"The copy of the JSON-LD context {url} has SHA-256 {digest}, "
            f"not the pinned {pinned.sha256}; it was changed and is not used."
        )
    return json.loads(data)


class ContextLoader:
    """Loads allowed contexts from the shipped copies or ``cache_dir``.

    Parsed contexts are kept for the life of the loader. Use it as a pyld
    ``documentLoader`` (``loader.pyld``): it never touches the network.

    Args:
        cache_dir: folder of contexts filled by ``fetch_pinned`` (optional).
    """

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self._parsed: dict[str, Any] = {}
        self._lock = threading.Lock()

    def load(self, url: str) -> Any:
        """The parsed context document at ``url``.

        Raises:
            UnknownContext: the URL is not on the allow-list, no copy is
                available, or the copy does not match its hash.
        """
        found = self._parsed.get(url)
        if found is not None:
            return found
        pinned = PINNED.get(url)
        if pinned is None:
            raise UnknownContext(
                f"The JSON-LD context {excerpt(url)} is not on mcembed's allow-list; "
                f"allowed are: {', '.join(sorted(PINNED))}."
            )
        if pinned.shipped:
            data = (
                resources.files("mcembed.badges")
                .joinpath("data")
                .joinpath("contexts")
                .joinpath(pinned.shipped)
                .read_bytes()
            )
        else:
            path = self.cache_dir / _cache_name(url) if self.cache_dir else None
            if path is None or not path.exists():
                raise UnknownContext(
                    f"The JSON-LD context {url} is allowed but not in the cache; "
                    "fill it once with mcembed.badges.fetch_pinned(url, cache_dir)."
                )
            data = path.read_bytes()
        parsed = _check(url, data)
        with self._lock:
            self._parsed[url] = parsed
        return parsed

    def pyld(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The pyld ``documentLoader`` interface."""
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": self.load(url),
        }


def fetch_pinned(
    url: str,
    cache_dir: Path,
    *,
    fetcher: Fetcher | None = None,
    timeout: float = 10.0,
) -> Path:
    """Download an allowed context once into ``cache_dir``, checking its hash.

    Args:
        fetcher: the outbound fetcher (default: public https addresses only).

    Returns:
        The path of the cached copy.

    Raises:
        UnknownContext: the URL is not allowed, cannot be fetched, or the bytes
            do not hash to the pinned value (nothing is written then).
    """
    if url not in PINNED:
        raise UnknownContext(f"{excerpt(url)} is not on the allow-list of JSON-LD contexts.")
    if fetcher is None:
        from ..fetching import Fetcher

        fetcher = Fetcher()
    try:
        data = fetcher.get(
            url,
            accept="application/ld+json, application/json",
            max_bytes=_MAX_CONTEXT_BYTES,
            timeout=timeout,
        ).body
    except FetchError as e:
        raise UnknownContext(f"The JSON-LD context {url} cannot be fetched: {e}") from None
    _check(url, data)
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / _cache_name(url)
    temp = target.with_suffix(".part")
    temp.write_bytes(data)
    temp.replace(target)
    return target
