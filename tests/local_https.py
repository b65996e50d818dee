"""HTTPS on this computer for the fetcher tests: a CA made with trustme, WSGI
apps served over TLS on loopback with a certificate for test host names, a
resolver that answers those names, and a ``Fetcher`` that trusts the CA and
may reach loopback only because the test allows it.

Import: ``from local_https import Document, LocalTls, TestResolver, serve_tls``.
"""

from __future__ import annotations

import ipaddress
import ssl
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import trustme
from werkzeug.serving import make_server

from mcembed.fetching import Fetcher, FetchPolicy

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
NAMES = ("platform.test", "issuer.test", "localhost", "127.0.0.1")


class LocalTls:
    """One test CA and a server certificate for ``NAMES`` and ``more`` names."""

    def __init__(self, *more: str) -> None:
        self.ca = trustme.CA()
        self.cert = self.ca.issue_cert(*NAMES, *more)

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.cert.configure_cert(context)
        return context

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context

    def fetcher(self, resolver: Any = None, **policy: Any) -> Fetcher:
        """A fetcher trusting the CA, allowed onto loopback (unless ``policy`` says)."""
        policy.setdefault("allow_networks", LOOPBACK)
        return Fetcher(
            FetchPolicy(**policy),
            resolver=resolver or TestResolver(),
            ssl_context=self.client_context(),
        )


class TestResolver:
    """Test host names to addresses; a name may answer differently each time
    (a rebinding DNS server). Unknown names do not resolve."""

    __test__ = False

    def __init__(
        self,
        answers: dict[str, Sequence[Sequence[str]]] | None = None,
        *,
        loopback_names: Sequence[str] = (),
    ) -> None:
        self.loopback_names = tuple(loopback_names)
        self.answers = {
            "platform.test": [["127.0.0.1"]],
            "issuer.test": [["127.0.0.1"]],
            **(answers or {}),
        }
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        series = self.answers.get(host) or (
            [["127.0.0.1"]] if host in self.loopback_names else None
        )
        if not series:
            raise OSError(f"{host} does not resolve")
        n = min(self.asked.count(host), len(series)) - 1
        return list(series[n])


class Document:
    """A WSGI app serving one body at every path, and remembering the paths."""

    def __init__(self, body: bytes, content_type: str = "application/json") -> None:
        self.body = body
        self.content_type = content_type
        self.paths: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.paths.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", self.content_type)])
        return [self.body]


@contextmanager
def serve_tls(app: Any, tls: LocalTls) -> Iterator[int]:
    """Serve a WSGI app over TLS on a free loopback port; yields the port."""
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=tls.server_context())
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
