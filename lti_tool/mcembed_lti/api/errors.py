"""Errors of the REST API: JSON with a stable code, never a page or a trace.

``{"error": {"code": "...", "message": "...", "details": {...}}}``; the codes
are part of the contract (``/api/v1/openapi.json`` lists them). The app's
error handlers (``mcembed_lti.errors``) send every error of a path under
``/api/v1`` here, routing errors (404, 405) and oversized bodies (413) too.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge

from mcembed import (
    BadgeError,
    ConfigError,
    Conflict,
    InvalidTransition,
    McembedError,
    NotFound,
    PermissionDenied,
    QuotaExceeded,
    ValidationError,
    excerpt,
)
from mcembed.tokens import Unauthenticated

__all__ = ["CODES", "ApiError", "api_error", "is_api_request"]

log = logging.getLogger("mcembed_lti")

PREFIX = "/api/v1"

CODES: dict[str, int] = {
    "invalid_request": 400,
    "unauthenticated": 401,
    "token_expired": 401,
    "token_revoked": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "not_acceptable": 406,
    "conflict": 409,
    "too_large": 413,
    "quota_exceeded": 413,
    "unsupported_media_type": 415,
    "rate_limited": 429,
    "internal": 500,
    "unavailable": 503,
}

_BY_STATUS = {
    400: "invalid_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
}


class ApiError(Exception):
    """An error the API answers as it is (bad JSON, a missing field)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers = headers or {}


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def _body(code: str, message: str, details: dict[str, Any] | None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}


def _problems(e: ValidationError) -> dict[str, Any]:
    problems = [
        {"field": p.location.path or "", "message": p.message} for p in getattr(e, "problems", [])
    ]
    if not problems:
        return {}
    return {"field": problems[0]["field"], "problems": problems}


def _classify(e: BaseException) -> tuple[int, str, str, dict[str, Any], dict[str, str]]:
    """(status, code, message, details, headers) for any error."""
    if isinstance(e, ApiError):
        return e.status, e.code, e.message, e.details, e.headers
    if isinstance(e, Unauthenticated):
        header = 'Bearer realm="mcembed"'
        if e.presented:  # RFC 6750: a token was sent and is not usable
            header += ', error="invalid_token"'
        return 401, e.problem.value, str(e), {}, {"WWW-Authenticate": header}
    if isinstance(e, QuotaExceeded):
        details = {
            **_problems(e),
            "quota_bytes": e.quota,
            "used_bytes": e.used,
            "file_bytes": e.size,
        }
        return 413, "quota_exceeded", str(e), details, {}
    if isinstance(e, ValidationError):
        return 422, "invalid_request", str(e), _problems(e), {}
    if isinstance(e, PermissionDenied):
        return 403, "forbidden", str(e), {}, {}
    if isinstance(e, NotFound):
        return 404, "not_found", str(e), {}, {}
    if isinstance(e, InvalidTransition):
        details = {"state": e.state, "allowed": list(e.allowed)}
        return 409, "conflict", str(e), details, {}
    if isinstance(e, Conflict):
        return 409, "conflict", str(e), {}, {}
    if isinstance(e, BadgeError):
        return 422, "invalid_request", str(e), {}, {}
    if isinstance(e, ConfigError):
        log.error("configuration problem on %s: %s", request.path, e)
        return (
            503,
            "unavailable",
            "The tool is not fully configured; tell its administrator.",
            {},
            {},
        )
    if isinstance(e, McembedError):  # StorageError and other expected failures
        log.error("error on %s %s: %s", request.method, request.path, e)
        return (
            503,
            "unavailable",
            "The tool could not complete this now; nothing was half-saved. Try again.",
            {},
            {},
        )
    if isinstance(e, RequestEntityTooLarge):
        limit = request.max_content_length or 0
        return (
            413,
            "too_large",
            f"The request is larger than the {limit // 1024} KB this endpoint accepts; "
            "nothing was saved.",
            {"limit_bytes": limit},
            {},
        )
    if isinstance(e, HTTPException):
        status = e.code or 500
        code = _BY_STATUS.get(status, "invalid_request" if status < 500 else "internal")
        headers: dict[str, str] = {}
        details: dict[str, Any] = {}
        if isinstance(e, MethodNotAllowed) and e.valid_methods:
            headers["Allow"] = ", ".join(sorted(e.valid_methods))
            details["allowed"] = sorted(e.valid_methods)
        message = e.description or e.name
        if status == 404:
            path = excerpt(request.path, 100)
            message = f"No endpoint {path} in the mcembed API (see {PREFIX}/openapi.json)."
        return status, code, message, details, headers
    log.exception("unexpected error on %s %s", request.method, request.path)
    return (
        500,
        "internal",
        "The tool hit an unexpected problem; nothing was half-saved. Try again, and tell "
        "your administrator if it keeps happening.",
        {},
        {},
    )


def api_error(e: BaseException) -> Any:
    """The JSON answer to ``e`` for an API request."""
    status, code, message, details, headers = _classify(e)
    response = jsonify(_body(code, message, details))
    response.status_code = status
    for name, value in headers.items():
        response.headers[name] = value
    return response
