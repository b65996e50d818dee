"""The reference for benchmarks/lti_launch.py: a minimal Flask + pylti1p3 launch
handler that renders a bare page, configured the way pylti1p3's own examples are
(a dict tool configuration, the Flask session for state and nonce) and given the
platform's key set in its configuration so it fetches nothing per launch.

Run by the benchmark:  gunicorn --chdir benchmarks "lti_reference:create_app()"
with BENCH_ISSUER, BENCH_CLIENT_ID, BENCH_DEPLOYMENT_ID, BENCH_JWKS (JSON),
BENCH_TOOL_KEY (PEM) in the environment.
"""

from __future__ import annotations

import json
import os
from typing import Any

from flask import Flask, request
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.tool_config import ToolConfDict


def create_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "reference-only"
    issuer = os.environ["BENCH_ISSUER"]
    conf = ToolConfDict(
        {
            issuer: [
                {
                    "default": True,
                    "client_id": os.environ["BENCH_CLIENT_ID"],
                    "auth_login_url": issuer + "/auth",
                    "auth_token_url": issuer + "/token",
                    "key_set": json.loads(os.environ["BENCH_JWKS"]),
                    "deployment_ids": [os.environ["BENCH_DEPLOYMENT_ID"]],
                }
            ]
        }
    )
    conf.set_private_key(
        issuer, os.environ["BENCH_TOOL_KEY"], client_id=os.environ["BENCH_CLIENT_ID"]
    )

    @app.route("/lti/login", methods=["GET", "POST"])
    def login() -> Any:
        oidc = FlaskOIDCLogin(FlaskRequest(), conf)
        return oidc.redirect(request.url_root.rstrip("/") + "/lti/launch")

    @app.route("/lti/launch", methods=["POST"])
    def launch() -> Any:
        message = FlaskMessageLaunch(FlaskRequest(), conf)
        data = message.get_launch_data()
        return f"<!doctype html><title>Launched</title><p>Hello {data.get('name', '')}</p>"

    return app
