"""Schemathesis calls every operation of the served OpenAPI document with
generated (valid and invalid) requests: no server error, statuses, media types
and bodies as documented."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from api_world import LEARNER, TEACHER, Api, make_tool_app, submitted_over_api
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app = make_tool_app(Path(tmp_path_factory.mktemp("fuzz")) / "instance")
    api = Api(app, app.test_client())
    learner = api.token(LEARNER)
    submitted_over_api(api, learner)
    return {
        "app": app,
        "tokens": {
            "learner": learner,
            "teacher": api.token(TEACHER, scopes=("learner", "review")),
        },
    }


OPERATIONS = [
    f"{method.upper()} {path}"
    for path, ops in __import__("mcembed_lti.api.openapi", fromlist=["document"])
    .document()["paths"]
    .items()
    for method in ops
]


@pytest.fixture(scope="module")
def operations(fuzzed: dict[str, Any]) -> dict[str, Any]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed["app"])
    out = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        out[f"{operation.method.upper()} {operation.path}"] = operation
    return out


@pytest.mark.parametrize("who", ["learner", "teacher"])
@pytest.mark.parametrize("label", OPERATIONS)
def test_no_operation_fails_on_the_server(
    operations: dict[str, Any], fuzzed: dict[str, Any], label: str, who: str
) -> None:
    """Generated requests, valid and not, as a learner and as an instructor."""
    operation = operations[label]
    headers = {"Authorization": f"Bearer {fuzzed['tokens'][who]}"}

    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @settings(
        max_examples=20,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
