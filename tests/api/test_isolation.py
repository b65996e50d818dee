"""Every endpoint that names a learner's things, called with another learner's
token or a token of another course, answers 403 or 404 and leaks nothing."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from api_world import (
    CRED,
    FOREIGN,
    FOREIGN_TEACHER,
    LEARNER,
    OTHER,
    TEACHER,
    Api,
    submitted_over_api,
)

from mcembed_lti.api.openapi import document

PASSING = [
    {"criterion_id": "design", "level": "Exemplary"},
    {"criterion_id": "impact", "level": "Proficient"},
]
# the catalog is the same for everyone; these name no one's things
SHARED = {"credential_id", "requirement_id", "stack_id", "kind"}


@pytest.fixture
def owned(api: Api) -> dict[str, Any]:
    """Learner 1's awarded submission, its file and award, and a cohort they are in."""
    learner = api.token(LEARNER)
    teacher = api.token(TEACHER, scopes=("learner", "review"))
    sub = submitted_over_api(api, learner)
    detail = api.post(f"/submissions/{sub['id']}/reviews", teacher, json={"scores": PASSING}).json
    cohort = api.post("/cohorts", teacher, json={"name": "Team", "credential_ids": [CRED]}).json
    api.tool.service.community.add_members(
        api.tool.tokens.resolve(teacher).actor, cohort["id"], [LEARNER.id]
    )
    return {
        "submission_id": sub["id"],
        "sha256": next(i["blob"]["sha256"] for i in sub["items"] if i["blob"]),
        "award_id": detail["award"]["id"],
        "cohort_id": cohort["id"],
        "recommendation_id": "rec_none",
        "credential_id": CRED,
        "requirement_id": "reflection",
        "stack_id": "none",
        "kind": "png",
    }


def _private_paths() -> list[tuple[str, str]]:
    out = []
    for path, ops in document()["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        if names and not names <= SHARED:
            out.extend((method, path) for method in ops)
    return out


@pytest.mark.parametrize(
    "who", ["other learner", "same person, other course", "other course's instructor"]
)
def test_no_private_endpoint_reaches_another_persons_things(
    api: Api, owned: dict[str, Any], who: str
) -> None:
    actor, scopes = {
        "other learner": (OTHER, ("learner",)),
        "same person, other course": (FOREIGN, ("learner",)),
        "other course's instructor": (FOREIGN_TEACHER, ("learner", "review")),
    }[who]
    token = api.token(actor, scopes=scopes)
    bodies = {
        "/submissions/{submission_id}/evidence": {"items": []},
        "/submissions/{submission_id}/withdraw": {"reason": "x"},
        "/submissions/{submission_id}/self-assessment": {"scores": PASSING},
        "/submissions/{submission_id}/reviews": {"scores": PASSING},
    }
    checked = 0
    for method, path in _private_paths():
        url = re.sub(r"{([^}]+)}", lambda m: owned[m.group(1)], path)
        kw: dict[str, Any] = {}
        if path in bodies:
            kw["json"] = bodies[path]
        if path.endswith("/files") and method == "post":
            kw["data"] = {"requirement_id": "plan", "file": (io.BytesIO(b"mine now"), "p.txt")}
            kw["content_type"] = "multipart/form-data"
        resp = api.call(method.upper(), url, token, **kw)
        assert resp.status_code in (403, 404), (who, method, url, resp.status_code)
        text = resp.get_data(as_text=True)
        assert "I changed how we plan" not in text
        assert resp.json["error"]["code"] in ("forbidden", "not_found")
        checked += 1
    assert checked >= 15
    # and its lists hold nothing of learner 1
    for listing in ("/submissions", "/awards", "/cohorts", "/recommendations", "/review/queue"):
        resp = api.get(listing, token)
        if resp.status_code == 200:
            assert LEARNER.id not in resp.get_data(as_text=True), (who, listing)
    portfolio = api.get("/portfolio", token).json
    assert portfolio["entries"] == [] or who == "same person, other course"
