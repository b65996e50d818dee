"""The REST API v1 (``/api/v1``): bearer tokens, JSON, stable error codes.

The contract is the OpenAPI document served at ``/api/v1/openapi.json``
(``openapi.py``); the notebook client (``mcembed_jupyter.ApiBackend``) and
integrations use it. Views are thin: the token becomes an ``Actor``, the core
decides what it may see and do.
"""

from __future__ import annotations

from flask import Blueprint, Flask

__all__ = ["bp", "register"]

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def register(app: Flask) -> None:
    """Add the API's routes to ``app``."""
    from . import community, learner, openapi, review  # noqa: F401  (they add routes to bp)

    app.register_blueprint(bp)
