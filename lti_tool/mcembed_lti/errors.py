"""Errors become pages (or JSON): a status, what went wrong, what to do; never a trace.

Registered once for the whole app. Flask calls a handler registered for a
parent class for every unregistered subclass, so ``McembedError`` covers the
core's tree; the status map lives here, the core knows no HTTP.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from mcembed import (
    Conflict,
    FetchError,
    FetchRefused,
    McembedError,
    NotFound,
    PermissionDenied,
    ValidationError,
)

from .launch import LaunchError

__all__ = ["CsrfError", "register_error_handlers"]

log = logging.getLogger("mcembed_lti")

STATUS: tuple[tuple[type[Exception], int, str], ...] = (
    (ValidationError, 400, "This cannot be accepted"),
    (PermissionDenied, 403, "Not allowed"),
    (NotFound, 404, "Not found"),
    (Conflict, 409, "Someone or something changed this first"),
    (FetchRefused, 400, "This address is not fetched"),
    (FetchError, 502, "Another server could not be read"),
)


class CsrfError(Exception):
    """A form came without this page's token (or with another page's)."""


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.startswith("/api/") or best == "application/json" or request.is_json


def _answer(status: int, title: str, message: str, hint: str = "", code: str = "") -> Any:
    if _wants_json():
        body = {"error": code or title, "message": message}
        if hint:
            body["hint"] = hint
        return jsonify(body), status
    return (
        render_template(
            "error.html", status=status, title=title, message=message, hint=hint, code=code
        ),
        status,
    )


def register_error_handlers(app: Flask) -> None:
    """Map every expected error to a status and a page; log the detail.

    Under ``/api/v1`` every error is the API's JSON instead (``api.errors``).
    """
    from .api.errors import api_error, is_api_request

    @app.errorhandler(LaunchError)
    def launch_failed(e: LaunchError) -> Any:
        if is_api_request():
            return api_error(e)
        log.warning("LTI launch refused (%s): %s", e.code, e.detail)
        page = render_template(
            "lti/launch_error.html",
            error=e,
            new_window_url=e.new_window_url,
        )
        if _wants_json():
            return _answer(e.status, "Launch refused", e.message, e.hint, e.code)
        return page, e.status

    @app.errorhandler(McembedError)
    def core_error(e: McembedError) -> Any:
        if is_api_request():
            return api_error(e)
        for cls, status, title in STATUS:
            if isinstance(e, cls):
                return _answer(status, title, str(e), code=cls.__name__)
        log.error("unexpected mcembed error: %s", e)
        return _answer(500, "Something went wrong", str(e), code=type(e).__name__)

    @app.errorhandler(CsrfError)
    def csrf_failed(e: CsrfError) -> Any:
        if is_api_request():
            return api_error(e)
        log.warning("form refused: %s", e)
        return _answer(
            400,
            "This form has expired",
            "The form was not sent from this page (or the page is too old). Nothing was "
            "saved; go back, reload the page and send it again.",
            code="csrf",
        )

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(e: RequestEntityTooLarge) -> Any:
        if is_api_request():
            return api_error(e)
        limit = app.config.get("MAX_CONTENT_LENGTH") or 0
        return _answer(
            413,
            "Too large",
            f"What you sent is larger than the {limit // (1024 * 1024)} MB the tool accepts "
            "at once. Nothing was saved.",
            code="too_large",
        )

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Any:
        if is_api_request():
            return api_error(e)
        return _answer(e.code or 500, e.name, e.description or "", code=e.name)

    @app.errorhandler(Exception)
    def unexpected(e: Exception) -> Any:
        if is_api_request():
            return api_error(e)
        log.exception("unexpected error on %s %s", request.method, request.path)
        return _answer(
            500,
            "Something went wrong",
            "The tool hit an unexpected problem; nothing was half-saved. Try again, and tell "
            "your administrator if it keeps happening.",
            code="internal",
        )
