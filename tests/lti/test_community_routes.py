"""Every community route, for every role and with no launch: a page, a
redirect or a clear 4xx; never a 500 (unknown ids, strangers, no token)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from community_pages import launch, person_csrf

ROLES = {
    "learner": ("Learner", "ana", "course-1"),
    "instructor": ("Instructor", "teacher-1", "course-1"),
    "assistant": ("TeachingAssistant", "ta-1", "course-1"),
    "other course": ("Instructor", "teacher-9", "course-9"),
}
OK = {200, 201, 303, 400, 403, 404, 409}


def _routes(app: Any) -> list[tuple[str, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        if not str(rule).startswith(("/community", "/share")):
            continue
        path = re.sub(r"<[^>]+>", "nope-123", str(rule))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((method, path))
    return out


@pytest.mark.parametrize("role", [*ROLES, "no launch"])
def test_no_route_answers_500(lti: Any, client: Any, app: Any, role: str) -> None:
    routes = _routes(app)
    assert len(routes) >= 35  # every page and form of the community blueprints
    if role == "no launch":
        fields: dict[str, str] = {"launch": "lch_not-a-launch"}
    else:
        lti_role, sub, course = ROLES[role]
        launched = launch(lti, lti_role, sub, sub.title(), context_id=course)
        fields = {"launch": launched.id, "csrf_token": person_csrf(client, launched)}
    for method, path in routes:
        if method == "GET":
            resp = client.get(path, query_string={"launch": fields["launch"]})
        else:
            resp = client.post(path, data=fields)
        assert resp.status_code in OK, (method, path, resp.status_code, resp.data[:300])
        assert b"Traceback" not in resp.data


def test_forms_without_a_token_are_refused_everywhere(lti: Any, client: Any, app: Any) -> None:
    launched = launch(lti, "Instructor", "teacher-1", "Tess Teacher")
    for method, path in _routes(app):
        if method == "POST":
            resp = client.post(path, data={"launch": launched.id})
            assert resp.status_code == 400, path
            assert "This form has expired" in resp.get_data(as_text=True)
