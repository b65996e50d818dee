"""Fetching what someone else names: the one outbound fetcher.

Every URL the tool or the CLI reads because a visitor, a platform or a
document named it (Dynamic Registration documents, platform key sets, issuer
profiles and ``did:web`` documents, revocation lists, hosted credentials,
JSON-LD contexts) goes through ``Fetcher``. Its rules, in order:

- **Scheme**: https only. ``http://`` is fetched only with the development
  switch (``MCEMBED_FETCH_DEVELOPMENT``) and only from this computer.
- **Address**: the host is resolved once, every address it resolves to is
  checked, and the connection goes to a checked address (pinned: no second
  lookup, so no DNS-rebinding window); TLS still checks the certificate
  against the host name. Loopback, private, link-local, shared, reserved
  and other addresses that are not on the public internet are refused before
  any connection, unless ``MCEMBED_FETCH_ALLOW_NETWORKS`` names their network
  (loopback also with the development switch). Unspecified (``0.0.0.0``,
  ``::``) and multicast addresses are always refused; an IPv6 address that
  carries an IPv4 one (mapped, 6to4, NAT64, Teredo) is judged by both.
- **Redirects**: at most ``max_redirects`` for a GET, each hop checked the
  same way; none for a POST.
- **Caps**: at most ``max_bytes`` of body and ``timeout`` seconds for the
  whole fetch (connecting, every redirect, and the last byte), enforced by a
  deadline that cuts the connection, not per read (``pinned_connections``).
- **Messages**: a refused address is refused before connecting; every failure
  to connect (refused, unreachable, timed out, TLS) reads the same, so an
  answer never tells an open port from a closed one; the remote body is never
  quoted. The details go to the ``mcembed.fetching`` log for administrators.

Connections are made with urllib3 to the pinned address, with the host name
for SNI, certificate matching and the ``Host`` header (``pinned_connections``).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import orjson
import urllib3.connection
from urllib3.response import BaseHTTPResponse

from .codec import parse_json
from .config import Network, parse_networks
from .errors import FetchError, FetchRefused, ValidationError
from .pinned_connections import Deadline, PinnedHTTPConnection, PinnedHTTPSConnection

if TYPE_CHECKING:
    from .config import Settings

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "FetchPolicy",
    "Fetched",
    "Fetcher",
    "Network",
    "Resolver",
    "parse_networks",
    "system_resolver",
]

log = logging.getLogger("mcembed.fetching")

DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_TIMEOUT = 10.0
_CHUNK = 64 * 1024
_SHOWN_URL = 120
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_REDIRECTS = (301, 302, 303, 307, 308)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

Resolver = Callable[[str, int], Sequence[str]]
"""``resolve(host, port) -> addresses``: every address the host has (text)."""


def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses from the system resolver, in its order, once each.

    Raises:
        OSError: the name does not resolve.
    """
    found: list[str] = []
    for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = str(info[4][0]).split("%", 1)[0]
        if address not in found:
            found.append(address)
    return found


def _excerpt(text: str, limit: int = _SHOWN_URL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _embedded(ip: Address) -> list[Address]:
    """Any IPv4 address an IPv6 one carries, then the address itself."""
    found: list[Address] = []
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            found.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            found.append(ip.sixtofour)
        if ip.teredo is not None:
            found.extend(ip.teredo)
        if ip in _NAT64:
            found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    found.append(ip)
    return found


def _kind(ip: Address) -> str:
    """What kind of non-public address ``ip`` is ("" when public)."""
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "reserved"
    return ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchPolicy:
    """What may be fetched: the rules of the module docstring, and the caps.

    Args:
        allow_networks: networks outside the public internet that may be fetched
            from over https (a district's own Moodle on 10.20.0.0/16).
        development: this computer (loopback) may be fetched from, over http too.
        timeout: seconds for a whole fetch.
        max_bytes: the largest body read.
        max_redirects: redirects followed by a GET, each hop checked.
    """

    allow_networks: tuple[Network, ...] = ()
    development: bool = False
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    max_redirects: int = 3

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchPolicy:
        """The policy of an instance (``MCEMBED_FETCH_*``)."""
        return cls(
            allow_networks=settings.fetch_allow_networks,
            development=settings.fetch_development,
        )

    def _allowed(self, ip: Address) -> bool:
        return any(ip.version == n.version and ip in n for n in self.allow_networks)

    def refusal(self, ip: Address) -> str:
        """Why ``ip`` may not be fetched from ("" when it may)."""
        for each in _embedded(ip):
            kind = _kind(each)
            if kind in ("unspecified", "multicast"):
                return kind
            if kind == "loopback" and self.development:
                continue
            if kind and not self._allowed(each):
                return kind
        return ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Fetched:
    """A fetched answer: the final URL (after redirects), status, type and body."""

    url: str
    status: int
    content_type: str
    body: bytes

    def json(self, what: str = "") -> Any:
        """The body as JSON.

        Raises:
            FetchError: it is not JSON, or nested deeper than anyone honest
                nests (``codec.parse_json``); the message never quotes it.
        """
        try:
            return parse_json(self.body, what=what or _excerpt(self.url))
        except ValidationError as e:
            problem = "is nested too deeply" if "levels" in str(e) else "is not JSON"
            raise FetchError(
                f"{what or _excerpt(self.url)} {problem} ({len(self.body)} bytes of "
                f"{self.content_type or 'unknown type'})",
                url=self.url,
            ) from None


@dataclass(slots=True)
class _Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str
    addresses: list[str]

    @property
    def origin(self) -> str:
        return _origin(self.scheme, self.host, self.port)

    @property
    def host_header(self) -> str:
        return self.origin.split("://", 1)[1]


class Fetcher:
    """Reads URLs under a ``FetchPolicy``; thread-safe, holds no connections.

    Args:
        policy: what may be fetched, and the caps (default: public https only).
        resolver: host -> addresses (default: the system resolver; tests inject one).
        ssl_context: how certificates are checked (default: the system's CAs,
            which ``SSL_CERT_FILE`` can replace; tests pass their own CA's).
        user_agent: the ``User-Agent`` header.
    """

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
        user_agent: str = "mcembed",
    ) -> None:
        self.policy = policy or FetchPolicy()
        self.resolver = resolver or system_resolver
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.user_agent = user_agent

    def get(
        self,
        url: str,
        *,
        accept: str = "application/json",
        max_bytes: int | None = None,
        timeout: float | None = None,
    ) -> Fetched:
        """GET ``url``, following checked redirects.

        Returns:
            The 2xx answer.

        Raises:
            FetchRefused: the URL (or a redirect's) is not allowed; nothing was sent.
            FetchError: could not connect, an error status, too large, too slow.
        """
        return self._fetch("GET", url, None, {"Accept": accept}, max_bytes, timeout)

    def read(
        self, url: str, *, accept: str = "application/json", max_bytes: int | None = None
    ) -> bytes:
        """The body of ``get(url)``."""
        return self.get(url, accept=accept, max_bytes=max_bytes).body

    def post_json(
        self,
        url: str,
        body: Any,
        *,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        timeout: float | None = None,
    ) -> Fetched:
        """POST ``body`` as JSON to ``url`` (no redirects).

        Raises:
            FetchRefused: the URL is not allowed; nothing was sent.
            FetchError: as ``get``; a redirect is an error.
        """
        sent = {"Content-Type": "application/json", "Accept": "application/json"}
        sent.update(headers or {})
        return self._fetch("POST", url, orjson.dumps(body), sent, max_bytes, timeout)

    # --- the rules ----------------------------------------------------------------------

    def check(self, url: str) -> None:
        """Refuse ``url`` now if its scheme or any of its addresses is not allowed.

        Raises:
            FetchRefused: the message says what and what is allowed.
        """
        self._target(url)

    def _target(self, url: str) -> _Target:
        shown = _excerpt(url)
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise FetchRefused(f"{shown!r} is not a URL", url=url) from None
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").rstrip(".")
        if scheme not in ("https", "http") or not host:
            raise FetchRefused(f"{shown}: only https:// URLs are fetched", url=url)
        if parts.username is not None or parts.password is not None:
            raise FetchRefused(
                f"{shown}: a URL with a user name or password is not fetched", url=url
            )
        if scheme == "http" and not self.policy.development:
            raise FetchRefused(
                f"{shown}: only https:// URLs are fetched (plain http:// only from this "
                "computer, with MCEMBED_FETCH_DEVELOPMENT for development)",
                url=url,
            )
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise FetchRefused(f"{shown}: the host name is not valid", url=url) from None
        port = port or (443 if scheme == "https" else 80)
        try:
            literal: Address | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                addresses = list(self.resolver(host, port))
            except (OSError, UnicodeError) as e:
                log.info("fetch %s: cannot resolve %s: %s", shown, host, e)
                raise FetchError(
                    f"could not connect to {_origin(scheme, host, port)}", url=url
                ) from None
        if not addresses:
            raise FetchError(f"could not connect to {_origin(scheme, host, port)}", url=url)
        for text in addresses:
            try:
                ip = ipaddress.ip_address(text.split("%", 1)[0])
            except ValueError:
                raise FetchRefused(
                    f"{shown}: the host has an address that is not valid", url=url
                ) from None
            kind = self.policy.refusal(ip)
            if kind:
                log.warning("fetch %s refused: %s resolves to %s (%s)", shown, host, ip, kind)
                raise FetchRefused(
                    f"{shown} is not fetched: its host has a {kind} address, and only public "
                    "internet addresses are fetched (an administrator can allow a network "
                    "with MCEMBED_FETCH_ALLOW_NETWORKS)",
                    url=url,
                )
            if scheme == "http" and not ip.is_loopback:
                raise FetchRefused(
                    f"{shown}: plain http:// is fetched only from this computer (loopback); "
                    "use https://",
                    url=url,
                )
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return _Target(url=url, scheme=scheme, host=host, port=port, path=path, addresses=addresses)

    # --- the wire -----------------------------------------------------------------------

    def _fetch(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str],
        max_bytes: int | None,
        timeout: float | None,
    ) -> Fetched:
        limit = self.policy.max_bytes if max_bytes is None else max_bytes
        deadline = Deadline(self.policy.timeout if timeout is None else timeout)
        try:
            hops = self.policy.max_redirects if method == "GET" else 0
            for _ in range(hops + 1):
                target = self._target(url)
                status, kind, location, data = self._exchange(
                    target, method, body, headers, limit, deadline
                )
                if status in _REDIRECTS and location:
                    if method != "GET":
                        raise FetchError(
                            f"{_excerpt(url)} answered with a redirect, which is not followed "
                            "for a POST",
                            url=url,
                            status=status,
                        )
                    url = urljoin(url, location)
                    continue
                if not 200 <= status < 300:
                    raise FetchError(
                        f"{_excerpt(url)} answered HTTP {status}", url=url, status=status
                    )
                return Fetched(url=url, status=status, content_type=kind, body=data)
            raise FetchError(
                f"{_excerpt(url)}: more than {hops} redirects; fetching stopped", url=url
            )
        finally:
            deadline.cancel()

    def _connect(self, target: _Target, deadline: Deadline) -> urllib3.connection.HTTPConnection:
        for address in target.addresses:
            remaining = deadline.remaining()
            if remaining <= 0:
                break
            conn: urllib3.connection.HTTPConnection
            if target.scheme == "https":
                conn = PinnedHTTPSConnection(
                    address,
                    target.port,
                    timeout=remaining,
                    server_hostname=target.host,
                    assert_hostname=target.host,
                    ssl_context=self.ssl_context,
                )
            else:
                conn = PinnedHTTPConnection(address, target.port, timeout=remaining)
            conn.deadline = deadline
            try:
                conn.connect()
                return conn
            except Exception as e:  # refused, unreachable, timed out, TLS: all alike
                log.info("fetch %s: cannot connect to %s: %s", target.origin, address, e)
                conn.close()
        raise FetchError(f"could not connect to {target.origin}", url=target.url)

    def _exchange(
        self,
        target: _Target,
        method: str,
        body: bytes | None,
        headers: Mapping[str, str],
        limit: int,
        deadline: Deadline,
    ) -> tuple[int, str, str, bytes]:
        conn = self._connect(target, deadline)
        shown = _excerpt(target.url)
        sent = {
            "Host": target.host_header,
            "User-Agent": self.user_agent,
            "Accept-Encoding": "identity",
            "Connection": "close",
            **headers,
        }
        try:
            conn.request(method, target.path, body=body, headers=sent, preload_content=False)
            response: BaseHTTPResponse = conn.getresponse()
            kind = response.headers.get("Content-Type", "")
            location = response.headers.get("Location", "")
            if response.status in _REDIRECTS and location:
                return response.status, kind, location, b""
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > limit:
                raise FetchError(f"{shown} sent more than {limit} bytes", url=target.url)
            chunks: list[bytes] = []
            size = 0
            while not deadline.expired:
                chunk = response.read1(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise FetchError(f"{shown} sent more than {limit} bytes", url=target.url)
                chunks.append(chunk)
            if deadline.expired:
                raise TimeoutError
            return response.status, kind, location, b"".join(chunks)
        except FetchError:
            raise
        except Exception as e:
            if deadline.expired:
                raise FetchError(
                    f"{shown} did not answer in time (the limit is "
                    f"{deadline.seconds:g} s for the whole fetch)",
                    url=target.url,
                ) from None
            log.info("fetch %s: the exchange failed: %s", shown, e)
            raise FetchError(
                f"{shown}: the connection broke before a whole answer", url=target.url
            ) from None
        finally:
            conn.close()


def _origin(scheme: str, host: str, port: int) -> str:
    default = 443 if scheme == "https" else 80
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}" + ("" if port == default else f":{port}")
