"""The outbound fetcher: https to public addresses only, the checked address
pinned for the connection, every redirect checked, size and time capped, and
messages that tell nothing of a port or of what the server sent.

The servers are on loopback over TLS (a trustme CA); a test that reaches them
allows loopback explicitly, as an administrator would with
MCEMBED_FETCH_ALLOW_NETWORKS. Refused addresses are never connected to: a
guard fails the test if a socket is opened for them.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3.util.connection

from local_https import LOOPBACK, LocalTls, TestResolver, serve_tls
from mcembed import ConfigError, FetchError, FetchRefused, Settings
from mcembed.fetching import Fetcher, FetchPolicy


@pytest.fixture(scope="module")
def tls() -> LocalTls:
    return LocalTls()


def answer(environ: dict[str, Any], start_response: Any) -> Any:
    """A small server: /json, /big, /slow, /secret (500), /redirect?to=URL."""
    path = environ["PATH_INFO"]
    query = environ.get("QUERY_STRING", "")
    if path == "/big":
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"[" + b"0," * 600_000 + b"0]"]
    if path == "/big-unannounced":
        start_response("200 OK", [("Content-Type", "application/json")])

        def chunks() -> Iterator[bytes]:
            for _ in range(40):
                yield b" " * 65536

        return chunks()
    if path == "/slow":
        start_response("200 OK", [("Content-Type", "application/json")])

        def drip() -> Iterator[bytes]:
            yield b"["
            for _ in range(400):  # at most 20 s, and it stops once the client is gone
                time.sleep(0.05)
                yield b"0,"

        return drip()
    if path == "/secret":
        start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
        return [b"SECRET-INTERNAL-TEXT db password=hunter2"]
    if path == "/html":
        start_response("200 OK", [("Content-Type", "text/html")])
        return [b"<html>SECRET-INTERNAL-TEXT</html>"]
    if path == "/redirect":
        start_response("302 Found", [("Location", query.removeprefix("to="))])
        return [b""]
    start_response("200 OK", [("Content-Type", "application/json")])
    host = environ.get("HTTP_HOST", "")
    return [b'{"ok": true, "host": "' + host.encode() + b'"}']


@pytest.fixture(scope="module")
def port(tls: LocalTls) -> Iterator[int]:
    with serve_tls(answer, tls) as p:
        yield p


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Any socket opened fails the test (refusals happen before connecting)."""
    opened: list[Any] = []

    def refuse(address: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(address)
        raise AssertionError(f"a connection to {address} was attempted")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return opened


def test_a_url_is_fetched_through_its_checked_address(tls: LocalTls, port: int) -> None:
    """TLS checks the host name; the Host header names it; the IP comes from the one lookup."""
    resolver = TestResolver()
    got = tls.fetcher(resolver).get(f"https://platform.test:{port}/json")
    assert got.json() == {"ok": True, "host": f"platform.test:{port}"}
    assert resolver.asked == ["platform.test"]


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.20.0.5", "private"),
        ("172.16.4.4", "private"),
        ("192.168.1.10", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("fd00::5", "private"),
        ("100.64.0.1", "reserved"),
        ("198.18.0.1", "private"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.1.1", "multicast"),
        ("ff0e::1", "multicast"),
        ("255.255.255.255", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("2002:7f00:1::", "loopback"),
        ("64:ff9b::a00:1", "private"),
    ],
)
def test_an_address_off_the_public_internet_is_refused_before_connecting(
    address: str, kind: str, no_connections: list[Any]
) -> None:
    resolver = TestResolver({"moodle.district.test": [[address]]})
    with pytest.raises(FetchRefused) as refused:
        Fetcher(resolver=resolver).get("https://moodle.district.test/jwks")
    message = str(refused.value)
    assert f"has a {kind} address" in message
    assert "MCEMBED_FETCH_ALLOW_NETWORKS" in message
    assert address not in message  # the address itself is not told
    assert no_connections == []


def test_an_ip_literal_is_checked_as_well(no_connections: list[Any]) -> None:
    with pytest.raises(FetchRefused, match="has a link-local address"):
        Fetcher().get("https://169.254.169.254/latest/meta-data/")
    with pytest.raises(FetchRefused, match="has a loopback address"):
        Fetcher().get("https://[::1]:8443/")


def test_one_refused_address_refuses_the_host(no_connections: list[Any]) -> None:
    """A host with a public and a private address is refused (the private one might be used)."""
    resolver = TestResolver({"mixed.test": [["93.184.215.14", "10.0.0.8"]]})
    with pytest.raises(FetchRefused, match="private address"):
        Fetcher(resolver=resolver).get("https://mixed.test/")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://platform.test/jwks", "only https:// URLs are fetched"),
        ("ftp://platform.test/jwks", "only https:// URLs are fetched"),
        ("file:///etc/passwd", "only https:// URLs are fetched"),
        ("gopher://127.0.0.1:6379/_INFO", "only https:// URLs are fetched"),
        ("https://user:pw@platform.test/", "user name or password"),
        ("https://platform.test:99999/", "is not a URL"),
        ("https:///no-host", "only https:// URLs are fetched"),
    ],
)
def test_only_https_urls_are_fetched(url: str, fragment: str, no_connections: list[Any]) -> None:
    with pytest.raises(FetchRefused) as refused:
        Fetcher(FetchPolicy(allow_networks=LOOPBACK), resolver=TestResolver()).get(url)
    assert fragment in str(refused.value)
    assert no_connections == []


def test_the_development_switch_allows_http_to_this_computer_only(
    no_connections: list[Any],
) -> None:
    resolver = TestResolver({"lms.district.test": [["10.1.2.3"]]})
    development = Fetcher(FetchPolicy(development=True), resolver=resolver)
    with pytest.raises(FetchRefused, match="has a private address"):
        development.get("http://lms.district.test/jwks")
    with pytest.raises(FetchRefused, match="has a private address"):
        development.get("https://lms.district.test/jwks")
    allowed = FetchPolicy(allow_networks=(ipaddress.ip_network("10.0.0.0/8"),))
    with pytest.raises(FetchRefused, match="only https:// URLs are fetched"):
        Fetcher(allowed, resolver=resolver).get("http://lms.district.test/jwks")
    both = FetchPolicy(allow_networks=allowed.allow_networks, development=True)
    with pytest.raises(FetchRefused, match="plain http:// is fetched only from this computer"):
        Fetcher(both, resolver=resolver).get("http://lms.district.test/jwks")
    assert no_connections == []


def test_the_development_switch_reaches_a_local_http_server() -> None:
    from lti_platform import serve

    def hello(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"keys": []}']

    with serve(hello) as base:
        assert Fetcher(FetchPolicy(development=True)).get(base + "/jwks").json() == {"keys": []}
        with pytest.raises(FetchRefused, match="only https://"):
            Fetcher().get(base + "/jwks")


def test_an_open_and_a_closed_port_read_alike(tls: LocalTls, port: int) -> None:
    """Refused: the same words, before any connection. Allowed: one "could not
    connect" for a closed port and for a port that answers something that is not TLS."""
    closed = _free_port()
    with socket.create_server(("127.0.0.1", 0)) as plain:  # open, and never speaks TLS
        plain_port = plain.getsockname()[1]
        threading.Thread(target=_accept_and_close, args=(plain,), daemon=True).start()
        messages = {}
        for name, p in (("open", port), ("plain", plain_port), ("closed", closed)):
            with pytest.raises(FetchRefused) as refused:
                Fetcher().get(f"https://127.0.0.1:{p}/json")
            messages[name] = str(refused.value).replace(str(p), "PORT")
        assert messages["open"] == messages["plain"] == messages["closed"]
        allowed = {}
        for name, p in (("plain", plain_port), ("closed", closed)):
            with pytest.raises(FetchError) as failed:
                tls.fetcher(timeout=3).get(f"https://platform.test:{p}/json")
            allowed[name] = str(failed.value).replace(str(p), "PORT")
        assert (
            allowed["plain"]
            == allowed["closed"]
            == "could not connect to https://platform.test:PORT"
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _accept_and_close(server: socket.socket) -> None:
    try:
        while True:
            conn, _ = server.accept()
            conn.sendall(b"HTTP/1.0 200 OK\r\n\r\nhello")
            conn.close()
    except OSError:
        return


def test_dns_rebinding_finds_the_checked_address_pinned(tls: LocalTls, port: int) -> None:
    """The name answers loopback (allowed here) once, then a private address: the
    connection goes to the address that was checked, with no second lookup."""
    resolver = TestResolver({"rebind.test": [["127.0.0.1"], ["10.9.9.9"]]})
    fetcher = tls.fetcher(resolver)
    # the certificate is not for rebind.test: connect as platform.test, whose
    # second answer is the private address
    resolver.answers["platform.test"] = [["127.0.0.1"], ["10.9.9.9"]]
    got = fetcher.get(f"https://platform.test:{port}/json")
    assert got.json()["ok"] is True
    assert resolver.asked == ["platform.test"]
    # a redirect to the same name is a new lookup, checked again: refused
    target = f"https://platform.test:{port}/json"
    with pytest.raises(FetchRefused, match="private address"):
        fetcher.get(f"https://platform.test:{port}/redirect?to={target}")


def test_a_redirect_is_followed_only_where_a_fetch_may_go(tls: LocalTls, port: int) -> None:
    resolver = TestResolver({"intranet.test": [["192.168.0.10"]]})
    fetcher = tls.fetcher(resolver)
    followed = fetcher.get(f"https://platform.test:{port}/redirect?to=/json")
    assert followed.url.endswith("/json")
    with pytest.raises(FetchRefused, match="private address"):
        fetcher.get(f"https://platform.test:{port}/redirect?to=https://intranet.test/admin")
    with pytest.raises(FetchRefused, match="only https://"):
        fetcher.get(f"https://platform.test:{port}/redirect?to=http://platform.test:{port}/json")
    with pytest.raises(FetchError, match="more than 0 redirects"):
        tls.fetcher(resolver, max_redirects=0).get(
            f"https://platform.test:{port}/redirect?to=/json"
        )
    with pytest.raises(FetchError, match="not followed for a POST"):
        fetcher.post_json(f"https://platform.test:{port}/redirect?to=/json", {"a": 1})


def test_a_body_over_the_size_cap_is_refused(tls: LocalTls, port: int) -> None:
    fetcher = tls.fetcher()
    with pytest.raises(FetchError, match="sent more than 1048576 bytes"):
        fetcher.get(f"https://platform.test:{port}/big")
    with pytest.raises(FetchError, match="sent more than 100000 bytes"):
        fetcher.get(f"https://platform.test:{port}/big-unannounced", max_bytes=100_000)


def test_a_slow_body_is_cut_at_the_time_cap_of_the_whole_fetch(tls: LocalTls, port: int) -> None:
    """Each byte comes quickly, the whole never does: the cap is on the fetch, not per read."""
    with pytest.raises(FetchError, match="did not answer in time"):
        tls.fetcher().get(f"https://platform.test:{port}/slow", timeout=0.5)


def test_headers_dripping_in_are_cut_at_the_time_cap_too() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        threading.Thread(target=_drip_headers, args=(server,), daemon=True).start()
        url = f"http://127.0.0.1:{server.getsockname()[1]}/jwks"
        with pytest.raises(FetchError, match="did not answer in time"):
            Fetcher(FetchPolicy(development=True)).get(url, timeout=0.5)


def _drip_headers(server: socket.socket) -> None:
    conn, _ = server.accept()
    try:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for n in range(200):  # at most 10 s; stops once the client is gone
            time.sleep(0.05)
            conn.sendall(b"X-Slow-%d: 1\r\n" % n)
    except OSError:
        pass
    finally:
        conn.close()


def test_no_message_quotes_what_the_server_sent(tls: LocalTls, port: int) -> None:
    fetcher = tls.fetcher()
    with pytest.raises(FetchError) as failed:
        fetcher.get(f"https://platform.test:{port}/secret")
    assert failed.value.status == 500
    assert "HTTP 500" in str(failed.value)
    assert "SECRET" not in str(failed.value)
    with pytest.raises(FetchError) as not_json:
        fetcher.get(f"https://platform.test:{port}/html").json("The key set")
    assert "is not JSON" in str(not_json.value)
    assert "SECRET" not in str(not_json.value)


def test_a_long_url_is_shown_shortened(no_connections: list[Any]) -> None:
    url = "https://127.0.0.1/" + "a" * 5000
    with pytest.raises(FetchRefused) as refused:
        Fetcher().get(url)
    assert len(str(refused.value)) < 400


@pytest.mark.parametrize(
    ("env", "networks", "development"),
    [
        ({}, (), False),
        (
            {"MCEMBED_FETCH_ALLOW_NETWORKS": "10.20.0.0/16, 192.168.5.7 fd00::/8"},
            ("10.20.0.0/16", "192.168.5.7/32", "fd00::/8"),
            False,
        ),
        ({"MCEMBED_FETCH_DEVELOPMENT": "true"}, (), True),
    ],
)
def test_the_fetch_policy_comes_from_the_settings(
    env: dict[str, str], networks: tuple[str, ...], development: bool
) -> None:
    policy = FetchPolicy.from_settings(Settings.from_env(env))
    assert tuple(str(n) for n in policy.allow_networks) == networks
    assert policy.development is development


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        (
            {"MCEMBED_FETCH_ALLOW_NETWORKS": "10.0.0.0/8,intranet"},
            "MCEMBED_FETCH_ALLOW_NETWORKS: 'intranet' is not a network",
        ),
        ({"MCEMBED_FETCH_DEVELOPMENT": "maybe"}, "MCEMBED_FETCH_DEVELOPMENT must be true or false"),
    ],
)
def test_a_bad_fetch_setting_names_the_variable(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(fragment)):
        Settings.from_env(env)
