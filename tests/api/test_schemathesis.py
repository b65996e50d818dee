"""Schemathesis calls every operation of the served OpenAPI document with
generated (valid and invalid) requests: no server error, statuses, media types
and bodies as documented."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from api_world import CRED, LEARNER, TEACHER, Api, make_tool_app, submitted_over_api
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CODE_CREDENTIAL = "analyse-assessment-data-python"
PASSING = [
    {"criterion_id": "design", "level": "Exemplary"},
    {"criterion_id": "impact", "level": "Proficient"},
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    # no rate limit: the fuzzer sends hundreds of requests a minute with one token
    app = make_tool_app(Path(tmp_path_factory.mktemp("fuzz")) / "instance", API_RATE_LIMIT=0)
    api = Api(app, app.test_client())
    learner = api.token(LEARNER)
    teacher = api.token(TEACHER, scopes=("learner", "review"))
    awarded = submitted_over_api(api, learner)
    review = api.post(f"/submissions/{awarded['id']}/reviews", teacher, json={"scores": PASSING})
    draft = api.post("/submissions", learner, json={"credential_id": CODE_CREDENTIAL}).json
    cohort = api.post("/cohorts", teacher, json={"name": "Fuzz", "credential_ids": [CRED]}).json
    return {
        "app": app,
        "tokens": {"learner": learner, "teacher": teacher},
        # real ids, so generated requests also reach past "not found"
        "ids": {
            "submission_id": draft["id"],
            "credential_id": CODE_CREDENTIAL,
            "requirement_id": "code-parse-score",
            "award_id": review.json["award"]["id"],
            "kind": "png",
            "cohort_id": cohort["id"],
            "sha256": next(i["blob"]["sha256"] for i in awarded["items"] if i["blob"]),
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

    known = {
        p.name: fuzzed["ids"][p.name] for p in operation.path_parameters if p.name in fuzzed["ids"]
    }
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if known:
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known))
    cases = st.one_of(strategies)

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
