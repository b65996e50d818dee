"""The practice LMS as its own Flask app, mounted at ``/practice`` beside the
tool: its pages (``views``), its service endpoints (``services``), error
pages or JSON, and its security headers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..json_provider import JsonRequest, UntrustedJSONProvider
from .course import COURSE, MEMBERS
from .platform import PlatformError, PracticePlatform
from .services import json_error, services
from .views import _csrf_field, bp, viewer

__all__ = ["create_practice_app"]


def create_practice_app(practice: PracticePlatform, *, secret_key: str) -> Flask:
    """The practice LMS as its own Flask app (mount it at ``/practice``)."""
    app = Flask(__name__, static_folder=None)
    app.json = UntrustedJSONProvider(app)
    app.request_class = JsonRequest
    app.config.update(
        SECRET_KEY=secret_key,
        SESSION_COOKIE_NAME="practice_lms",
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.extensions["practice"] = practice
    app.register_blueprint(bp, url_prefix="")
    app.register_blueprint(services, url_prefix="")
    app.jinja_env.filters["when"] = _when
    app.jinja_env.globals.update(
        csrf_field=_csrf_field,
        viewer=viewer,
        members=MEMBERS,
        course=COURSE,
    )

    @app.errorhandler(PlatformError)
    def platform_error(e: PlatformError) -> Any:
        if request.blueprint == "services" and request.endpoint != "services.auth":
            return json_error(e)
        return render_template("practice/error.html", message=e.message, status=e.status), e.status

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Any:
        if request.blueprint == "services" and request.endpoint != "services.auth":
            return jsonify({"error": e.description}), e.code
        return render_template("practice/error.html", message=e.description, status=e.code), e.code

    @app.after_request
    def headers(response: Response) -> Response:
        action = g.get("form_action")
        form_action = "'self'" + (f" {_origin(action)}" if action else "")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"frame-src 'self'; form-action {form_action}; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'self'",
        )
        return response

    return app


def _when(stamp: str) -> str:
    """``2027-02-03T10:00:00Z`` as people read it: ``03 Feb 2027, 10:00 UTC``."""
    from datetime import datetime

    try:
        return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").strftime("%d %b %Y, %H:%M:%S UTC")
    except ValueError:
        return stamp


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
