"""JSON-LD contexts: a pinned allow-list, loaded from shipped copies or a
cache filled once through the outbound fetcher with the hash checked; nothing
else is fetched. The "w3id.org" here is a local TLS server (a trustme CA)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from local_https import Document, LocalTls, TestResolver, serve_tls
from mcembed.badges import PINNED, ContextLoader, UnknownContext, fetch_pinned
from mcembed.badges.contexts import CONTEXT_OB3, CONTEXT_VC2
from mcembed.fetching import Fetcher

MULTIKEY = "https://w3id.org/security/multikey/v1"


@pytest.fixture(scope="module")
def tls() -> LocalTls:
    return LocalTls("w3id.org")


@contextmanager
def w3id(
    tls: LocalTls, monkeypatch: pytest.MonkeyPatch, body: bytes, *, sha256: str = ""
) -> Iterator[tuple[str, Fetcher, Document]]:
    """w3id.org on loopback serving ``body``; yields the context's URL there (pinned
    to ``sha256``, default: the body's own hash), a fetcher that reaches it, and
    the server (which remembers what was asked)."""
    from mcembed.badges import contexts

    served = Document(body, "application/ld+json")
    with serve_tls(served, tls) as port:
        url = f"https://w3id.org:{port}/security/multikey/v1"
        pinned = contexts.PinnedContext(url, sha256 or hashlib.sha256(body).hexdigest())
        monkeypatch.setitem(contexts.PINNED, url, pinned)  # type: ignore[arg-type]
        yield url, tls.fetcher(TestResolver(loopback_names=["w3id.org"])), served


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


def test_fetch_pinned_refuses_bytes_that_do_not_match(
    tmp_path: Path, tls: LocalTls, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = b'{"@context": {"evil": "https://evil.example/"}}'
    pin = PINNED[MULTIKEY].sha256
    with (
        w3id(tls, monkeypatch, body, sha256=pin) as (url, fetcher, _),
        pytest.raises(UnknownContext, match="not the pinned"),
    ):
        fetch_pinned(url, tmp_path, fetcher=fetcher)
    assert list(tmp_path.iterdir()) == []


def test_fetch_pinned_caches_matching_bytes(
    tmp_path: Path, tls: LocalTls, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = b'{"@context": {"Multikey": "https://w3id.org/security#Multikey"}}'
    with w3id(tls, monkeypatch, body) as (url, fetcher, served):
        path = fetch_pinned(url, tmp_path, fetcher=fetcher)
        assert served.paths == ["/security/multikey/v1"]
        assert path.read_bytes() == body
        assert ContextLoader(tmp_path).load(url)["@context"]["Multikey"].endswith("#Multikey")


def test_a_changed_cached_copy_is_refused(
    tmp_path: Path, tls: LocalTls, monkeypatch: pytest.MonkeyPatch
) -> None:
    with w3id(tls, monkeypatch, b'{"@context": {}}') as (url, fetcher, _):
        path = fetch_pinned(url, tmp_path, fetcher=fetcher)
        path.write_bytes(b'{"@context": {"x": "https://evil.example/"}}')
        with pytest.raises(UnknownContext, match="was changed"):
            ContextLoader(tmp_path).load(url)


def test_only_allowed_urls_are_fetched(tmp_path: Path) -> None:
    with pytest.raises(UnknownContext, match="not on the allow-list"):
        fetch_pinned("https://evil.example/c.jsonld", tmp_path)


def test_a_pinned_context_is_fetched_only_where_the_fetcher_may_go(
    tmp_path: Path, tls: LocalTls, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default fetcher reaches public https addresses only: not this computer."""
    with w3id(tls, monkeypatch, b'{"@context": {}}') as (url, _, served):
        with pytest.raises(UnknownContext, match="cannot be fetched"):
            fetch_pinned(
                url, tmp_path, fetcher=Fetcher(resolver=TestResolver(loopback_names=["w3id.org"]))
            )
        assert served.paths == []
    assert list(tmp_path.iterdir()) == []
