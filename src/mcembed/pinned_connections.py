"""Connections for the outbound fetcher (``mcembed.fetching``): made to an
address that was already checked, and cut when the whole fetch's time is up.

urllib3 connects to the pinned IP address; the host name goes to SNI, to the
certificate check and to the ``Host`` header (set by the fetcher). A
``Deadline`` watches every socket of one fetch from the moment it exists, so
a slow TLS handshake, slowly dripping headers or a slowly dripping body are
all cut at the same total time, not per read.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

import urllib3.connection

__all__ = ["Deadline", "PinnedHTTPConnection", "PinnedHTTPSConnection"]


class Deadline:
    """The whole fetch's time. Past it, every open connection of the fetch is
    cut: its socket gets a timeout too short for any more reads (a server
    dripping bytes gets no further), and is shut down (a read waiting on a
    silent server returns at once).

    Sockets are shut down by file descriptor, since TLS wraps (and detaches)
    the socket object; a connection is forgotten before it is closed, under
    the same lock, so a descriptor reused elsewhere is never touched.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self._open: dict[int, Any] = {}
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def watch(self, fd: int, conn: Any) -> None:
        with self._lock:
            self._open[fd] = conn
            if self.expired:
                _cut(fd, conn)

    def forget(self, fd: int | None) -> None:
        with self._lock:
            self._open.pop(-1 if fd is None else fd, None)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for fd, conn in self._open.items():
                _cut(fd, conn)

    def cancel(self) -> None:
        self._timer.cancel()


def _cut(fd: int, conn: Any) -> None:
    sock = getattr(conn, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.settimeout(0.001)
    try:
        raw = socket.socket(fileno=fd)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            raw.shutdown(socket.SHUT_RDWR)
    finally:
        raw.detach()


class _Watched:
    """A connection the deadline can cut, from the moment its socket exists."""

    deadline: Deadline
    watched: int | None = None

    def _watch(self, sock: socket.socket) -> socket.socket:
        self.watched = sock.fileno()
        self.deadline.watch(self.watched, self)
        return sock

    def _forget(self) -> None:
        self.deadline.forget(self.watched)
        self.watched = None


class PinnedHTTPSConnection(_Watched, urllib3.connection.HTTPSConnection):
    """Connects to the checked address (the host name goes to SNI, the
    certificate check and the Host header)."""

    def _new_conn(self) -> socket.socket:
        return self._watch(super()._new_conn())

    def close(self) -> None:
        self._forget()
        super().close()


class PinnedHTTPConnection(_Watched, urllib3.connection.HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return self._watch(super()._new_conn())

    def close(self) -> None:
        self._forget()
        super().close()
