"""The OpenAPI document: valid OpenAPI 3.1, served without a token, and naming
every route of the API (and nothing that is not one)."""

from __future__ import annotations

import re
from typing import Any

from openapi_spec_validator import validate


def test_the_document_is_valid_openapi(client: Any) -> None:
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    validate(resp.json)
    assert resp.json["servers"] == [{"url": "/api/v1"}]


def _routes(app: Any) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi_json":
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            out.add((path, method.lower()))
    return out


def test_every_route_is_in_the_document_and_only_those(app: Any, client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").json
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert documented == _routes(app)


def test_every_operation_documents_its_errors(client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").json
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert {"401", "403", "404"} <= set(op["responses"]), (path, method)
            if method in ("post", "put"):
                names = [p["name"] for p in op.get("parameters", [])]
                assert "Idempotency-Key" in names, (path, method)
