"""Bearer tokens at the API's door (missing, unknown, expired, revoked, wrong
scope) and the reviewer endpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from api_world import (
    CRED,
    FOREIGN_TEACHER,
    LEARNER,
    OTHER,
    TEACHER,
    Api,
    submitted_over_api,
)

from mcembed.clock import FixedClock, RandomIds
from mcembed.tokens import Tokens

PASSING = [
    {"criterion_id": "design", "level": "Exemplary"},
    {"criterion_id": "impact", "level": "Proficient"},
]
NOT_YET = [
    {"criterion_id": "design", "level": "Beginning", "feedback": "Say what changed."},
    {"criterion_id": "impact", "level": "Proficient"},
]


def _error(resp: object) -> dict:
    return resp.json["error"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "unauthenticated"),
        ("Basic dXNlcjpwYXNz", "unauthenticated"),
        ("Bearer ", "unauthenticated"),
        ("Bearer mce_" + "A" * 43, "unauthenticated"),
        ("Bearer something-else", "unauthenticated"),
    ],
)
def test_no_usable_token_is_401_with_a_bearer_challenge(
    api: Api, header: str | None, code: str
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    for method, path in [("GET", "/me"), ("GET", "/submissions"), ("POST", "/submissions")]:
        resp = api.call(method, path, None, headers=headers)
        assert resp.status_code == 401
        assert _error(resp)["code"] == code
        challenge = resp.headers["WWW-Authenticate"]
        assert challenge.startswith("Bearer")
        # RFC 6750: invalid_token only when a token was sent
        assert ('error="invalid_token"' in challenge) == (
            header not in (None, "Basic dXNlcjpwYXNz", "Bearer ")
        )


def test_a_revoked_token_fails_at_once(api: Api) -> None:
    made = api.tool.tokens.create_personal(LEARNER)
    assert api.get("/me", made.secret).status_code == 200
    api.tool.tokens.revoke(LEARNER, made.token.id)
    resp = api.get("/me", made.secret)
    assert resp.status_code == 401
    assert _error(resp)["code"] == "token_revoked"
    assert 'error="invalid_token"' in resp.headers["WWW-Authenticate"]


def test_an_expired_token_fails(api: Api) -> None:
    store = api.tool.service.store
    past = FixedClock(datetime.now(UTC) - timedelta(days=8))
    secret = Tokens(store, past, RandomIds()).create_personal(LEARNER, days=7).secret
    resp = api.get("/me", secret)
    assert resp.status_code == 401
    assert _error(resp)["code"] == "token_expired"
    assert "expired on" in _error(resp)["message"]


def test_last_use_shows_in_the_list(api: Api) -> None:
    made = api.tool.tokens.create_personal(LEARNER)
    assert api.tool.tokens.list_tokens(LEARNER)[0].last_used_at is None
    api.get("/me", made.secret)
    assert api.tool.tokens.list_tokens(LEARNER)[0].last_used_at is not None


def test_reviewing_needs_the_review_scope(api: Api) -> None:
    """An instructor's learner-only token is refused; the queue and review then work."""
    sid = submitted_over_api(api, api.token())["id"]
    learner_only = api.token(TEACHER)
    for method, path, kw in [
        ("GET", "/review/queue", {}),
        ("POST", f"/submissions/{sid}/reviews", {"json": {"scores": PASSING}}),
    ]:
        resp = api.call(method, path, learner_only, **kw)
        assert resp.status_code == 403, resp.json
        assert "'review' scope" in _error(resp)["message"]
    reviewer = api.token(TEACHER, scopes=("review",))
    queue = api.get("/review/queue", reviewer).json["items"]
    assert [s["id"] for s in queue] == [sid]
    # a learner's token can never reach the queue, whatever it asks
    assert api.get("/review/queue", api.token(OTHER)).status_code == 403


def test_a_review_not_yet_then_resubmit_then_award(api: Api) -> None:
    learner = api.token()
    sub = submitted_over_api(api, learner)
    reviewer = api.token(TEACHER, scopes=("review",))
    detail = api.post(
        f"/submissions/{sub['id']}/reviews",
        reviewer,
        json={"scores": NOT_YET, "feedback": "Nearly", "expected_revision": sub["revision"]},
    ).json
    assert detail["submission"]["state"] == "needs_revision"
    assert detail["reviews"][0]["scores"][0]["feedback"] == "Say what changed."
    # the learner reads the feedback, resubmits; a stale review is a conflict
    mine = api.get(f"/submissions/{sub['id']}", learner).json
    assert mine["reviews"][0]["decision"]["passed"] is False
    api.post(f"/submissions/{sub['id']}/submit", learner)
    stale = api.post(
        f"/submissions/{sub['id']}/reviews",
        reviewer,
        json={"scores": PASSING, "expected_revision": sub["revision"]},
    )
    assert stale.status_code == 409
    done = api.post(f"/submissions/{sub['id']}/reviews", reviewer, json={"scores": PASSING})
    assert done.json["submission"]["state"] == "awarded"
    assert done.json["award"]["credential_id"] == CRED


def test_a_reviewer_of_another_course_cannot_review_here(api: Api) -> None:
    sid = submitted_over_api(api, api.token())["id"]
    foreign = api.token(FOREIGN_TEACHER, scopes=("review",))
    assert api.get("/review/queue", foreign).json["items"] == []
    resp = api.post(f"/submissions/{sid}/reviews", foreign, json={"scores": PASSING})
    assert resp.status_code == 403
    assert api.get(f"/submissions/{sid}", foreign).status_code == 403


def test_bad_review_bodies_name_the_field(api: Api) -> None:
    sid = submitted_over_api(api, api.token())["id"]
    reviewer = api.token(TEACHER, scopes=("review",))
    for sent, where in [
        ({}, "scores"),
        ({"scores": [{"criterion_id": "design"}]}, "scores[0]"),
        ({"scores": PASSING, "expected_revision": "x"}, "expected_revision"),
        ({"scores": [{"criterion_id": "design", "level": "Great"}]}, "Great"),
    ]:
        resp = api.post(f"/submissions/{sid}/reviews", reviewer, json=sent)
        assert resp.status_code == 422, (sent, resp.json)
        assert where in str(_error(resp)), (sent, resp.json)


def test_integration_tokens_review_in_their_course(api: Api) -> None:
    from mcembed import Actor

    sid = submitted_over_api(api, api.token())["id"]
    made = api.tool.tokens.create_integration(
        Actor.system(),
        name="review bot",
        scopes=("review",),
        course_id="course-1",
        expires_in=timedelta(days=1),
    )
    assert [s["id"] for s in api.get("/review/queue", made.secret).json["items"]] == [sid]
    # without the learner scope it cannot start submissions of its own
    resp = api.post("/submissions", made.secret, json={"credential_id": CRED})
    assert resp.status_code == 403


def test_errors_are_json_for_unknown_paths_methods_and_bodies(api: Api) -> None:
    token = api.token()
    unknown = api.get("/nothing-here", token)
    assert unknown.status_code == 404
    assert _error(unknown)["code"] == "not_found"
    assert unknown.mimetype == "application/json"
    wrong = api.call("DELETE", "/me", token)
    assert wrong.status_code == 405
    assert _error(wrong)["code"] == "method_not_allowed"
    assert "GET" in wrong.headers["Allow"]
    not_json = api.post("/submissions", token, data="{", content_type="application/json")
    assert not_json.status_code == 400
    assert _error(not_json)["details"]["field"] == "body"
    a_list = api.post("/submissions", token, json=[1])
    assert a_list.status_code == 400
    text = api.post("/submissions", token, data="x=1", content_type="text/plain")
    assert text.status_code == 415
    missing = api.get("/submissions/sub_nope", token)
    assert missing.status_code == 404
    assert "sub_nope" in _error(missing)["message"]
    bad_state = api.get("/submissions?state=finished", token)
    assert bad_state.status_code == 400
    assert _error(bad_state)["details"]["field"] == "state"
    assert api.get("/submissions?limit=0", token).status_code == 400


def test_claim_and_release(api: Api) -> None:
    sid = submitted_over_api(api, api.token())["id"]
    reviewer = api.token(TEACHER, scopes=("review",))
    claimed = api.post(f"/submissions/{sid}/claim", reviewer)
    assert claimed.json["state"] == "in_review"
    assert api.post(f"/submissions/{sid}/claim", reviewer).status_code == 409
    released = api.post(f"/submissions/{sid}/release", reviewer)
    assert released.json["state"] == "submitted"
    assert api.post(f"/submissions/{sid}/claim", api.token(OTHER)).status_code == 403


def test_catalog_search(api: Api) -> None:
    token = api.token()
    hits = api.get("/catalog?q=evaluate+impact+of+professional+learning", token).json["items"]
    assert hits
    assert {"credential", "score"} <= set(hits[0])
    assert len(api.get("/catalog?limit=2", token).json["items"]) == 2
    assert api.get("/catalog?limit=0", token).status_code == 400
    assert api.get("/catalog?q=" + "x" * 501, token).status_code == 422
