"""JSON-LD contexts: a pinned allow-list, loaded from shipped copies or a
cache filled once over HTTPS with the hash checked; nothing else is fetched."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest

from mcembed.badges import PINNED, ContextLoader, UnknownContext, fetch_pinned
from mcembed.badges.contexts import CONTEXT_OB3, CONTEXT_VC2

MULTIKEY = "https://w3id.org/security/multikey/v1"


class Opener:
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.urls: list[str] = []

    def __call__(self, url: str, timeout: float) -> Any:
        self.urls.append(url)
        return io.BytesIO(self.body)


def test_every_shipped_context_matches_its_pin() -> None:
    loader = ContextLoader()
    for url, pinned in PINNED.items():
        if pinned.shipped:
            assert "@context" in loader.load(url)


def test_vc2_comes_first_and_ob3_is_3_0_3() -> None:
    assert CONTEXT_VC2 == "https://www.w3.org/ns/credentials/v2"
    assert CONTEXT_OB3.endswith("/context-3.0.3.json")


def test_an_unknown_context_is_refused() -> None:
    with pytest.raises(UnknownContext, match="not on mcembed's allow-list"):
        ContextLoader().load("https://evil.example/context.jsonld")


def test_an_allowed_context_not_shipped_needs_the_cache(tmp_path: Path) -> None:
    with pytest.raises(UnknownContext, match="fetch_pinned"):
        ContextLoader(tmp_path).load(MULTIKEY)


def test_fetch_pinned_refuses_bytes_that_do_not_match(tmp_path: Path) -> None:
    opener = Opener(b'{"@context": {"evil": "https://evil.example/"}}')
    with pytest.raises(UnknownContext, match="not the pinned"):
        fetch_pinned(MULTIKEY, tmp_path, opener=opener)
    assert list(tmp_path.iterdir()) == []


def test_fetch_pinned_caches_matching_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mcembed.badges import contexts

    body = b'{"@context": {"Multikey": "https://w3id.org/security#Multikey"}}'
    pinned = contexts.PinnedContext(MULTIKEY, hashlib.sha256(body).hexdigest())
    monkeypatch.setitem(contexts.PINNED, MULTIKEY, pinned)  # type: ignore[arg-type]
    opener = Opener(body)
    path = fetch_pinned(MULTIKEY, tmp_path, opener=opener)
    assert opener.urls == [MULTIKEY]
    assert path.read_bytes() == body
    assert ContextLoader(tmp_path).load(MULTIKEY)["@context"]["Multikey"].endswith("#Multikey")


def test_a_changed_cached_copy_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mcembed.badges import contexts

    body = b'{"@context": {}}'
    monkeypatch.setitem(
        contexts.PINNED,
        MULTIKEY,  # type: ignore[arg-type]
        contexts.PinnedContext(MULTIKEY, hashlib.sha256(body).hexdigest()),
    )
    path = fetch_pinned(MULTIKEY, tmp_path, opener=Opener(body))
    path.write_bytes(b'{"@context": {"x": "https://evil.example/"}}')
    with pytest.raises(UnknownContext, match="was changed"):
        ContextLoader(tmp_path).load(MULTIKEY)


def test_only_https_and_allowed_urls_are_fetched(tmp_path: Path) -> None:
    with pytest.raises(UnknownContext, match="not on the allow-list"):
        fetch_pinned("https://evil.example/c.jsonld", tmp_path, opener=Opener(b"{}"))
