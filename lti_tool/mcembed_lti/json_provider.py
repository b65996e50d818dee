"""Flask's JSON, reading requests with the core's ``parse_json``.

``request.get_json()`` and ``request.json`` go through ``app.json.loads``: with
``UntrustedJSONProvider`` a body nested too deeply (or not JSON at all) is a
``ValueError``, never a ``RecursionError`` and a 500; ``JsonRequest`` answers
it with a 400 that says what was wrong (Flask says only "Bad Request" outside
debug mode).
"""

from __future__ import annotations

from typing import Any

from flask import Request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest

from mcembed import parse_json

__all__ = ["JsonRequest", "UntrustedJSONProvider"]


class UntrustedJSONProvider(DefaultJSONProvider):
    """Flask's default JSON, with loads capped in depth (``mcembed.parse_json``)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return parse_json(s, what="The request body")


class JsonRequest(Request):
    """Flask's request; a body that is not JSON is a 400 naming the problem."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if e is None:  # not sent as JSON: Flask's 415
            return super().on_json_loading_failed(e)
        raise BadRequest(str(e))
