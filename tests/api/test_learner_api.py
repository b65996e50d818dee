"""The learner endpoints of the REST API v1, as the notebook client uses them."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from api_world import (
    COURSE,
    CRED,
    FOREIGN,
    LEARNER,
    OTHER,
    REFLECTION,
    TEACHER,
    Api,
    submitted_over_api,
)

from mcembed import Credential, EvidenceItem, EvidenceKind, Submission, SubmissionDetail
from mcembed.codec import from_data
from mcembed.tokens import PREFIX


def test_me_names_the_person_course_and_scopes(api: Api) -> None:
    """GET /me says who the token acts as."""
    me = api.get("/me", api.token()).json
    assert me["person_id"] == LEARNER.id
    assert me["name"] == "Lee Learner"
    assert me["course_id"] == COURSE
    assert me["roles"] == ["learner"]
    assert me["scopes"] == ["learner"]
    assert me["expires_at"].startswith("20")


def test_credentials_are_those_placed_in_the_course(api: Api) -> None:
    """The list holds the course's placements only, decodable as Credential values."""
    got = api.get("/credentials", api.token()).json["items"]
    assert sorted(c["id"] for c in got) == ["analyse-assessment-data-python", CRED]
    credential = from_data(Credential, got[0])
    assert credential.rubric.criteria
    one = api.get(f"/credentials/{CRED}?version=1", api.token()).json
    assert from_data(Credential, one).id == CRED
    missing = api.get(f"/credentials/{CRED}?version=9", api.token())
    assert missing.status_code == 404
    assert missing.json["error"]["code"] == "not_found"


def test_check_modules_are_served_as_source(api: Api) -> None:
    source = api.get(
        "/credentials/analyse-assessment-data-python/checks/code-parse-score", api.token()
    ).json["source"]
    assert "def " in source
    resp = api.get(f"/credentials/{CRED}/checks/reflection", api.token())
    assert resp.status_code == 404


def test_the_whole_learner_path(api: Api) -> None:
    """Start (201, then 200 for the same open one), fill, upload, submit, read back."""
    token = api.token()
    first = api.post("/submissions", token, json={"credential_id": CRED})
    assert first.status_code == 201
    again = api.post("/submissions", token, json={"credential_id": CRED})
    assert again.status_code == 200
    assert again.json["id"] == first.json["id"]
    submission = submitted_over_api(api, token)
    assert from_data(Submission, submission).state == "submitted"
    detail = from_data(SubmissionDetail, api.get(f"/submissions/{submission['id']}", token).json)
    assert detail.submission.attempt == 1
    assert detail.missing == ()
    [plan] = [i for i in detail.submission.items if i.requirement_id == "plan"]
    assert plan.blob is not None
    file = api.get(f"/submissions/{submission['id']}/files/{plan.blob.sha256}", token)
    assert file.data == b"Week 1: survey."
    assert file.mimetype == "text/plain"
    listed = api.get(f"/submissions?credential_id={CRED}&state=submitted", token).json
    assert [s["id"] for s in listed["items"]] == [submission["id"]]
    assert api.get("/submissions?state=draft", token).json["items"] == []


def test_evidence_items_round_trip_through_the_codec(api: Api) -> None:
    token = api.token()
    sid = api.post("/submissions", token, json={"credential_id": CRED}).json["id"]
    item = EvidenceItem(requirement_id="reflection", kind=EvidenceKind.REFLECTION, text=REFLECTION)
    from mcembed.codec import to_data

    saved = api.put(f"/submissions/{sid}/evidence", token, json={"items": [to_data(item)]})
    assert from_data(Submission, saved.json).items[0].text == REFLECTION


def test_a_stale_revision_is_a_conflict(api: Api) -> None:
    """PUT evidence with If-Match: an old revision answers 409 and changes nothing."""
    token = api.token()
    sub = api.post("/submissions", token, json={"credential_id": CRED}).json
    items = {"items": [{"requirement_id": "reflection", "kind": "reflection", "text": REFLECTION}]}
    ok = api.put(
        f"/submissions/{sub['id']}/evidence",
        token,
        json=items,
        headers={"If-Match": str(sub["revision"])},
    )
    assert ok.status_code == 200
    stale = api.put(
        f"/submissions/{sub['id']}/evidence",
        token,
        json=items,
        headers={"If-Match": str(sub["revision"])},
    )
    assert stale.status_code == 409
    assert stale.json["error"]["code"] == "conflict"
    assert "changed since" in stale.json["error"]["message"]


def test_an_illegal_transition_names_what_is_allowed(api: Api) -> None:
    token = api.token()
    sid = submitted_over_api(api, token)["id"]
    resp = api.post(f"/submissions/{sid}/submit", token)
    assert resp.status_code == 409
    assert resp.json["error"]["details"]["state"] == "submitted"
    assert "allowed" in resp.json["error"]["message"]


def test_bad_evidence_names_the_field(api: Api) -> None:
    token = api.token()
    sid = api.post("/submissions", token, json={"credential_id": CRED}).json["id"]
    cases: list[tuple[Any, str]] = [
        ({"items": "x"}, "items"),
        ({}, "items"),
        ({"items": [{"requirement_id": "reflection"}]}, "items[0]"),
        ({"items": [{"requirement_id": "portfolio", "kind": "link", "url": "nope"}]}, "portfolio"),
    ]
    for sent, fragment in cases:
        resp = api.put(f"/submissions/{sid}/evidence", token, json=sent)
        assert resp.status_code == 422, (sent, resp.json)
        error = resp.json["error"]
        assert error["code"] == "invalid_request"
        assert fragment in str(error), (sent, error)


def test_a_forged_file_reference_is_refused(api: Api) -> None:
    """A learner cannot point evidence at a file they never uploaded (someone else's)."""
    other = api.token(OTHER)
    theirs = submitted_over_api(api, other)
    [blob] = [i["blob"] for i in theirs["items"] if i["blob"]]
    mine = api.token()
    sid = api.post("/submissions", mine, json={"credential_id": CRED}).json["id"]
    resp = api.put(
        f"/submissions/{sid}/evidence",
        mine,
        json={"items": [{"requirement_id": "plan", "kind": "artifact", "blob": blob}]},
    )
    assert resp.status_code == 422
    assert resp.json["error"]["details"]["field"] == "items[0].blob"
    assert api.get(f"/submissions/{sid}/files/{blob['sha256']}", mine).status_code == 404


def test_an_upload_over_the_quota_is_a_413_with_the_figures(api: Api) -> None:
    """Replacing a file deletes the old one; over the learner's storage quota
    the API says so (quota_exceeded), with the quota and usage in bytes."""
    import hashlib

    token = api.token()
    sid = api.post("/submissions", token, json={"credential_id": CRED}).json["id"]

    def upload(data: bytes) -> Any:
        return api.post(
            f"/submissions/{sid}/files",
            token,
            data={"requirement_id": "plan", "file": (io.BytesIO(data), "plan.txt")},
            content_type="multipart/form-data",
        )

    assert upload(b"x" * 30).status_code == 200
    assert upload(b"y" * 30).status_code == 200
    assert not api.tool.service.blobs.exists(hashlib.sha256(b"x" * 30).hexdigest())
    api.tool.service.learner_quota_bytes = 50
    resp = upload(b"z" * 60)
    assert resp.status_code == 413, resp.json
    error = resp.json["error"]
    assert error["code"] == "quota_exceeded"
    assert error["details"]["quota_bytes"] == 50
    assert error["details"]["used_bytes"] == 30
    assert error["details"]["file_bytes"] == 60
    assert error["details"]["field"] == "evidence.plan"
    assert "storage quota of 50 bytes (they take 30 bytes already)" in error["message"]
    assert "Replace a draft's file with a smaller one" in error["message"]
    [item] = [
        i for i in api.get(f"/submissions/{sid}", token).json["submission"]["items"] if i["blob"]
    ]
    assert item["blob"]["size"] == 30


def test_a_learner_never_reaches_another_learners_submission(api: Api) -> None:
    theirs = submitted_over_api(api, api.token(OTHER))
    sid = theirs["id"]
    [blob] = [i["blob"] for i in theirs["items"] if i["blob"]]
    mine = api.token()
    for method, path, kw in [
        ("GET", f"/submissions/{sid}", {}),
        ("GET", f"/submissions/{sid}/files/{blob['sha256']}", {}),
        ("PUT", f"/submissions/{sid}/evidence", {"json": {"items": []}}),
        ("POST", f"/submissions/{sid}/submit", {}),
        ("POST", f"/submissions/{sid}/withdraw", {"json": {"reason": "x"}}),
        ("POST", f"/submissions/{sid}/self-assessment", {"json": {"scores": []}}),
    ]:
        resp = api.call(method, path, mine, **kw)
        assert resp.status_code == 403, (method, path, resp.json)
        assert resp.json["error"]["code"] == "forbidden"
        assert REFLECTION not in resp.get_data(as_text=True)
    assert api.get("/submissions", mine).json["items"] == []


def test_a_token_of_another_course_sees_nothing_of_this_one(api: Api) -> None:
    """The same person in another course: their token reaches only that course."""
    sid = submitted_over_api(api, api.token())["id"]
    elsewhere = api.token(FOREIGN)
    assert api.get(f"/submissions/{sid}", elsewhere).status_code == 403
    assert api.get("/submissions", elsewhere).json["items"] == []
    assert [c["id"] for c in api.get("/credentials", elsewhere).json["items"]] == [CRED]


def test_withdraw_and_self_assessment(api: Api) -> None:
    token = api.token()
    sid = api.post("/submissions", token, json={"credential_id": CRED}).json["id"]
    sa = api.post(
        f"/submissions/{sid}/self-assessment",
        token,
        json={
            "scores": [
                {"criterion_id": "design", "level": "Proficient"},
                {"criterion_id": "impact", "level": "Developing"},
            ],
            "note": "n",
        },
    )
    assert sa.status_code == 201, sa.json
    assert sa.json["note"] == "n"
    assert sa.json["decision"]["passed"] is False
    bad = api.post(f"/submissions/{sid}/self-assessment", token, json={"scores": [{"level": 3}]})
    assert bad.status_code == 422
    gone = api.post(f"/submissions/{sid}/withdraw", token, json={"reason": "later"})
    assert gone.json["state"] == "withdrawn"


def test_upload_limits_and_types(api: Api) -> None:
    token = api.token()
    sid = api.post("/submissions", token, json={"credential_id": CRED}).json["id"]

    def upload(data: bytes, name: str) -> Any:
        return api.post(
            f"/submissions/{sid}/files",
            token,
            data={"requirement_id": "plan", "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )

    wrong = upload(b"MZ", "tool.exe")
    assert wrong.status_code == 422
    assert "exe" in wrong.json["error"]["message"]
    big = upload(b"x" * 20_000, "plan.txt")  # the requirement caps it at 10 000 bytes
    assert big.status_code == 422
    assert big.json["error"]["code"] == "invalid_request"
    huge_limit = api.tool.service.max_upload_bytes + 64 * 1024
    huge = api.post(
        f"/submissions/{sid}/files",
        token,
        data=b"x" * (huge_limit + 1),
        content_type="multipart/form-data; boundary=b",
    )
    assert huge.status_code == 413
    assert huge.json["error"]["code"] == "too_large"
    json_body = api.put(
        f"/submissions/{sid}/evidence",
        token,
        data=b'{"items": [' + b" " * (3 * 1024 * 1024) + b"]}",
        content_type="application/json",
    )
    assert json_body.status_code == 413
    missing = api.post(
        f"/submissions/{sid}/files",
        token,
        data={"requirement_id": "plan"},
        content_type="multipart/form-data",
    )
    assert missing.json["error"]["details"]["field"] == "file"
    not_form = api.post(f"/submissions/{sid}/files", token, json={})
    assert not_form.status_code == 415


def test_idempotent_retries_return_the_first_answer(api: Api) -> None:
    """The same Idempotency-Key and body replays the first answer; another body is refused."""
    token = api.token()
    key = {"Idempotency-Key": "start-1"}
    first = api.post("/submissions", token, json={"credential_id": CRED}, headers=key)
    again = api.post("/submissions", token, json={"credential_id": CRED}, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    other = api.post("/submissions", token, json={"credential_id": "x"}, headers=key)
    assert other.status_code == 409
    assert other.json["error"]["details"]["field"] == "Idempotency-Key"
    # keys belong to a person: another learner's same key is theirs alone
    theirs = api.post("/submissions", api.token(OTHER), json={"credential_id": CRED}, headers=key)
    assert theirs.status_code == 201
    assert theirs.json["id"] != first.json["id"]


def test_an_upload_retried_with_its_key_is_stored_once(api: Api) -> None:
    token = api.token()
    sid = api.post("/submissions", token, json={"credential_id": CRED}).json["id"]
    answers = [
        api.post(
            f"/submissions/{sid}/files",
            token,
            data={"requirement_id": "plan", "file": (io.BytesIO(b"plan v1"), "plan.txt")},
            content_type="multipart/form-data",
            headers={"Idempotency-Key": "up-1"},
        )
        for _ in range(2)
    ]
    assert answers[0].json == answers[1].json
    assert answers[1].headers.get("Idempotent-Replayed") == "true"
    assert answers[0].json["revision"] == 1


def test_awards_files_and_verification(api: Api) -> None:
    """Awarded by a reviewer token; the learner lists, downloads and verifies the badge."""
    learner = api.token()
    sid = submitted_over_api(api, learner)["id"]
    reviewer = api.token(TEACHER, scopes=("learner", "review"))
    resp = api.post(
        f"/submissions/{sid}/reviews",
        reviewer,
        json={
            "scores": [
                {"criterion_id": "design", "level": "Exemplary"},
                {"criterion_id": "impact", "level": "Proficient"},
            ],
            "feedback": "Well done",
        },
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["submission"]["state"] == "awarded"
    [award] = api.get("/awards", learner).json["items"]
    assert api.get(f"/awards/{award['id']}", learner).json["id"] == award["id"]
    files = api.get(f"/awards/{award['id']}/files", learner).json["items"]
    kinds = {f["kind"] for f in files}
    assert {"png", "svg", "jwt"} <= kinds
    png = api.get(f"/awards/{award['id']}/files/png", learner)
    assert png.mimetype == "image/png"
    assert png.data.startswith(b"\x89PNG")
    assert api.get(f"/awards/{award['id']}/files/gif", learner).status_code == 404
    verdict = api.post("/verify", learner, data=png.data, content_type="image/png").json
    assert verdict["status"] == "valid", verdict
    tampered = api.post("/verify", learner, data=png.data[:-40] + b"0" * 40).json
    assert tampered["status"] != "valid"
    # another learner of the course never sees it
    assert api.get(f"/awards/{award['id']}", api.token(OTHER)).status_code == 403
    assert api.get(f"/awards/{award['id']}/files/png", api.token(OTHER)).status_code == 403
    assert api.get("/awards", api.token(OTHER)).json["items"] == []


def test_secrets_are_stored_hashed(api: Api) -> None:
    secret = api.token()
    assert secret.startswith(PREFIX)
    [stored] = api.tool.tokens.list_tokens(LEARNER)
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(stored)
    assert stored.prefix == secret[:12]


def test_a_held_file_keeps_its_stored_name_and_type(api: Api) -> None:
    """Sending back a file reference from a read is fine; its fields stay as stored."""
    token = api.token()
    sid = api.post("/submissions", token, json={"credential_id": CRED}).json["id"]
    uploaded = api.post(
        f"/submissions/{sid}/files",
        token,
        data={"requirement_id": "plan", "file": (io.BytesIO(b"plan v1"), "plan.txt")},
        content_type="multipart/form-data",
    ).json
    [item] = [i for i in uploaded["items"] if i["requirement_id"] == "plan"]
    forged = {**item, "blob": {**item["blob"], "media_type": "text/html", "filename": "x.html"}}
    saved = api.put(f"/submissions/{sid}/evidence", token, json={"items": [forged]})
    assert saved.status_code == 200, saved.json
    [kept] = [i for i in saved.json["items"] if i["requirement_id"] == "plan"]
    assert kept["blob"] == item["blob"]


def test_a_form_part_without_a_usable_name_is_no_server_error(api: Api) -> None:
    """Found by schemathesis: a multipart field whose name the parser drops."""
    token = api.token()
    sid = api.post("/submissions", token, json={"credential_id": CRED}).json["id"]
    boundary = "b0undary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="a%0Ab\r\n\r\n{}\r\n'
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="requirement_id"\r\n\r\nplan\r\n'
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="plan.txt"\r\n\r\nWeek 1\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    resp = api.post(
        f"/submissions/{sid}/files",
        token,
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"Idempotency-Key": "odd-form"},
    )
    assert resp.status_code < 500, resp.get_data(as_text=True)
