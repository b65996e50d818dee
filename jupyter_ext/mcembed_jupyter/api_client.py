"""The LTI tool's REST API v1 over HTTP: one ``ApiClient`` per (URL, token).

The client sends JSON with the learner's bearer token, gives every call a
timeout, and retries what can be retried: a connection that failed or timed
out, a 5xx, a 429 (after its ``Retry-After``). Each POST or PUT carries one
``Idempotency-Key`` for all its tries, so a submit whose answer was lost on the
way back is not made twice. The API's JSON errors become the core's error tree
here, at the edge, so the widgets show them like any other ``McembedError``:

```
McembedError
├── TokenRejected (PermissionDenied)   401: unknown, expired or revoked token
├── PermissionDenied                   403 forbidden
├── NotFound                           404 not_found
├── ValidationError / EvidenceError    400/422 invalid_request, 413 too_large
├── Conflict                           409 conflict (the message says what is allowed)
└── ConnectionFailed                   no answer after the retries (network, 5xx, 429),
                                       or an address that is not an mcembed tool
```

The token is never put into a message, a ``repr`` or an exception.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mcembed import (
    Conflict,
    EvidenceError,
    McembedError,
    NotFound,
    PermissionDenied,
    ValidationError,
    parse_json,
)

if TYPE_CHECKING:
    import requests

__all__ = ["ApiClient", "ConnectionFailed", "TokenRejected"]

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
# (connect, read) seconds per try: with 3 retries a click waits at most about 45 s for a
# tool that hangs, and a few seconds when the network is plainly down
DEFAULT_TIMEOUT = (3.05, 10.0)
NEW_TOKEN = "Make a new token on your course's learner page and connect again."


class _SaidInNotebooks:
    """An error about the connection, not about the learner's code: a notebook
    shows its message alone, without the call stack through this package
    (IPython asks an exception for ``_render_traceback_``); scripts still get
    the whole traceback."""

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


class ConnectionFailed(_SaidInNotebooks, McembedError):
    """The tool did not answer (network down, server unavailable, too busy), or the
    address is not an mcembed tool. What was typed is kept on this computer."""


class TokenRejected(_SaidInNotebooks, PermissionDenied):
    """The tool did not accept the token (401): unknown, expired or revoked.

    ``code`` is the API's error code (``unauthenticated``, ``token_expired``,
    ``token_revoked``)."""

    def __init__(self, message: str, code: str = "unauthenticated") -> None:
        self.code = code
        super().__init__(message)


def normalise_url(url: str) -> str:
    """The tool's base address without a trailing slash; raises ``ValidationError``."""
    url = (url or "").strip().rstrip("/")
    if url.endswith("/api/v1"):
        url = url[: -len("/api/v1")]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(
            f"The tool's address must start with https:// (or http://), got {url!r}."
        )
    return url


class ApiClient:
    """Calls to ``{url}/api/v1`` with a bearer token.

    Args:
        url: the tool's address (``https://tool.example``).
        token: the learner's personal token (from the learner page).
        session: the HTTP session (tests mount a fake transport on it).
        timeout: seconds to connect and to read, per try.
        retries: how many times a failed try is repeated.
        backoff: seconds before the first repeat; doubled each time (with jitter).
        sleep: how to wait between tries (tests pass a recorder).
        max_wait: the longest ``Retry-After`` waited for; a longer one is
            answered at once with when to try again.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        retries: int = 3,
        backoff: float = 0.25,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = 10.0,
    ) -> None:
        self.url = normalise_url(url)
        token = (token or "").strip()
        if not token:
            raise TokenRejected("No token given. " + NEW_TOKEN, "unauthenticated")
        self._token = token
        if session is None:
            import requests  # only connected kernels pay for importing it

            session = requests.Session()
        self.session = session
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.max_wait = max_wait

    def __repr__(self) -> str:
        return f"ApiClient({self.url!r}, token=***)"

    @property
    def fingerprint(self) -> str:
        """A short hash naming the token on this machine (never the token itself)."""
        return hashlib.sha256(self._token.encode()).hexdigest()[:12]

    # --- requests ------------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.read_json(self.request("GET", path, params=params))

    def get_bytes(self, path: str) -> bytes:
        return self.request("GET", path, json_answer=False).content

    def post(self, path: str, body: Any = None, **options: Any) -> Any:
        return self.read_json(self.request("POST", path, json=body, **options))

    def put(self, path: str, body: Any, **options: Any) -> Any:
        return self.read_json(self.request("PUT", path, json=body, **options))

    def read_json(self, response: requests.Response) -> Any:
        """The JSON of an answer, read with the core's depth cap (``parse_json``).

        Raises:
            ConnectionFailed: the answer is not JSON, or nested deeper than any
                mcembed answer: whatever answered is not an mcembed tool.
        """
        try:
            return parse_json(response.content, what="The answer")
        except ValidationError as e:
            raise ConnectionFailed(
                f"{self.url} answered, but not like an mcembed tool: {e} Check the tool's address."
            ) from None

    def request(
        self,
        method: str,
        path: str,
        *,
        idempotency_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        json_answer: bool = True,
        **options: Any,
    ) -> requests.Response:
        """One call, tried up to ``retries + 1`` times; the answer if it is 2xx.

        Raises:
            ConnectionFailed: no usable answer after every try.
            McembedError: the API's error (see the module's tree).
        """
        import requests

        sent = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        if method in ("POST", "PUT", "PATCH"):
            sent["Idempotency-Key"] = idempotency_key or uuid.uuid4().hex
        sent.update(headers or {})
        target = f"{self.url}/api/v1{path}"
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(self._delay(attempt, problem))
            try:
                response = self.session.request(
                    method, target, headers=sent, timeout=self.timeout, **options
                )
            except requests.Timeout:
                problem = "did not answer in time"
                continue
            except requests.ConnectionError:
                problem = "could not be reached"
                continue
            if response.status_code in RETRY_STATUS:
                problem = f"answered {response.status_code}"
                self._retry_after = _retry_after(response)
                if (self._retry_after or 0) > self.max_wait:
                    # waiting that long would freeze the notebook: say when to try again
                    raise ConnectionFailed(
                        f"The tool at {self.url} is busy: try again in "
                        f"{self._retry_after:.0f} s. What you typed is kept on this computer."
                    )
                continue
            if response.status_code >= 400:
                raise self._error(response)
            if json_answer and not _is_json(response):
                raise ConnectionFailed(
                    f"{self.url} answered, but not like an mcembed tool "
                    f"(HTTP {response.status_code}, {response.headers.get('Content-Type', '?')}). "
                    "Check the tool's address."
                )
            return response
        busy = problem == "answered 429"
        raise ConnectionFailed(
            f"The tool at {self.url} {problem} (tried {self.retries + 1} times). "
            + (
                "It is busy: wait a minute and try again."
                if busy
                else "What you typed is kept on this computer; try again when you are connected."
            )
        )

    _retry_after: float | None = None

    def _delay(self, attempt: int, problem: str) -> float:
        wait = self.backoff * 2 ** (attempt - 1) * (1 + random.random() / 2)
        if problem == "answered 429" and self._retry_after is not None:
            wait = max(wait, self._retry_after)
        self._retry_after = None
        return wait

    def _error(self, response: requests.Response) -> McembedError:
        status = response.status_code
        error: dict[str, Any] = {}
        if _is_json(response):
            try:
                body = parse_json(response.content, what="The error")
            except ValidationError:
                body = None
            if isinstance(body, dict) and isinstance(body.get("error"), dict):
                error = body["error"]
        code = str(error.get("code") or "")
        message = str(error.get("message") or "").strip()
        if not code:
            if status == 404:
                return ConnectionFailed(
                    f"{self.url} has no mcembed API (HTTP 404). Check the tool's address."
                )
            return ConnectionFailed(f"{self.url} answered HTTP {status}. Check the tool's address.")
        if status == 401 or code in ("unauthenticated", "token_expired", "token_revoked"):
            lead = {
                "token_expired": "Your mcembed token has expired.",
                "token_revoked": "Your mcembed token was revoked.",
            }.get(code, "The tool did not accept your token.")
            return TokenRejected(f"{lead} {NEW_TOKEN}", code or "unauthenticated")
        message = message or f"The tool refused this ({code}, HTTP {status})."
        if code == "forbidden" or status == 403:
            return PermissionDenied(message)
        if code == "not_found" or status == 404:
            return NotFound(message)
        if code == "conflict" or status == 409:
            return Conflict(message)
        if code == "too_large" or status == 413:
            return EvidenceError(message)
        if code == "invalid_request" or status in (400, 422):
            details = error.get("details")
            if isinstance(details, dict) and details.get("kind") == "evidence":
                return EvidenceError(message)
            return ValidationError(message)
        return McembedError(message)


def _is_json(response: requests.Response) -> bool:
    return "json" in response.headers.get("Content-Type", "")


def _retry_after(response: requests.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
