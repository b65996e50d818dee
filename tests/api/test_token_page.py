"""The personal access tokens page: make (the secret shown once), list, revoke;
the token works on the API for the person and course of the launch only."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lti_platform import form_fields
from mcembed.tokens import PREFIX


def _secret(html: str) -> str:
    found = re.search(r'id="token-secret"[^>]*value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def test_a_learner_makes_uses_lists_and_revokes_a_token(lti: Any) -> None:
    learner = lti.launch("Learner", sub="user-1", context_id="course-1")
    client = lti.client
    page = client.get(f"/learn/tokens/?launch={learner.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Personal access tokens" in html
    assert 'value="review"' not in html  # learners get no review scope to choose
    made = client.post(
        "/learn/tokens/",
        data={**form_fields(html), "name": "laptop", "days": "7", "scope": "learner"},
    )
    assert made.status_code == 201
    assert made.headers["Cache-Control"] == "no-store"
    shown = made.get_data(as_text=True)
    secret = _secret(shown)
    assert secret.startswith(PREFIX)
    assert "it is not shown again" in shown

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json
    assert me["person_id"].endswith(":user-1")
    assert me["course_id"].endswith(":course-1")
    assert me["scopes"] == ["learner"]

    listed = client.get(f"/learn/tokens/?launch={learner.id}").get_data(as_text=True)
    assert secret not in listed  # never again
    assert secret[:12] in listed
    assert "laptop" in listed
    token_id = re.search(r'action="/learn/tokens/([^"/]+)/revoke"', listed).group(1)
    gone = client.post(f"/learn/tokens/{token_id}/revoke", data=form_fields(listed))
    assert gone.status_code == 303
    after = client.get(gone.headers["Location"]).get_data(as_text=True)
    assert "revoked" in after
    resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert resp.json["error"]["code"] == "token_revoked"


def test_forms_need_the_page_token(lti: Any) -> None:
    learner = lti.launch("Learner", sub="user-1")
    resp = lti.client.post("/learn/tokens/", data={"launch": learner.id, "name": "x"})
    assert resp.status_code == 400
    assert "This form has expired" in resp.get_data(as_text=True)


def test_another_learner_cannot_revoke_or_see_my_tokens(lti: Any) -> None:
    client = lti.client
    me = lti.launch("Learner", sub="user-1")
    html = client.get(f"/learn/tokens/?launch={me.id}").get_data(as_text=True)
    client.post("/learn/tokens/", data={**form_fields(html), "name": "mine-only"})
    listed = client.get(f"/learn/tokens/?launch={me.id}").get_data(as_text=True)
    token_id = re.search(r'action="/learn/tokens/([^"/]+)/revoke"', listed).group(1)
    other = lti.launch("Learner", sub="user-2", name="Ola Other")
    theirs = client.get(f"/learn/tokens/?launch={other.id}").get_data(as_text=True)
    assert "mine-only" not in theirs
    resp = client.post(f"/learn/tokens/{token_id}/revoke", data=form_fields(theirs))
    assert resp.status_code == 404
    assert "mine-only" in client.get(f"/learn/tokens/?launch={me.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"days": "365"}, "7, 30, 90 days"),
        ({"scope": "review"}, "instructor or teaching-assistant"),
    ],
)
def test_bad_choices_are_explained(lti: Any, fields: dict[str, str], fragment: str) -> None:
    learner = lti.launch("Learner", sub="user-1")
    html = lti.client.get(f"/learn/tokens/?launch={learner.id}").get_data(as_text=True)
    resp = lti.client.post("/learn/tokens/", data={**form_fields(html), **fields})
    assert resp.status_code == 400
    assert fragment in resp.get_data(as_text=True)


def test_an_instructor_may_add_the_review_scope(lti: Any) -> None:
    teacher = lti.launch("Instructor", sub="teacher-1", name="Tess")
    client = lti.client
    html = client.get(f"/learn/tokens/?launch={teacher.id}").get_data(as_text=True)
    assert 'value="review"' in html
    assert "mcembed token create --course" in html  # and the course's id to name
    assert re.search(r"<code>lti:[^<]+:course-1</code>", html)
    made = client.post(
        "/learn/tokens/",
        data={**form_fields(html), "name": "marking", "scope": ["learner", "review"]},
    )
    secret = _secret(made.get_data(as_text=True))
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json
    assert me["scopes"] == ["learner", "review"]
    assert "instructor" in me["roles"]
    queue = client.get("/api/v1/review/queue", headers={"Authorization": f"Bearer {secret}"})
    assert queue.status_code == 200
