"""What the API does with input no client should send: overlong values, deeply
nested JSON, file names in any script. Each is a 4xx with a short message (or,
for a name, a download that works), never a 500 or a megabyte echoed back."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

import pytest
import requests
from api_world import CRED, Api

from lti_platform import serve

MEGABYTE = "x" * 1_048_576
MARKED = "'" + "x" * 40 + "…' (1,048,576 characters)"


# (method, path, JSON body, status, message fragment); "{sid}" is a new submission
OVERLONG: list[tuple[str, str, Any, int, str]] = [
    ("POST", "/submissions", {"credential_id": MEGABYTE}, 404, "No credential " + MARKED),
    ("GET", f"/submissions?state={MEGABYTE}", None, 400, "'state' " + MARKED + " is not a state"),
    ("GET", f"/credentials/{MEGABYTE}", None, 404, "No credential " + MARKED),
    (
        "PUT",
        "/submissions/{sid}/evidence",
        {"items": [{"requirement_id": "portfolio", "kind": "link", "url": MEGABYTE}]},
        422,
        MARKED + " is not a web address",
    ),
    ("GET", "/submissions/{sid}/files/" + "a" * 100_000, None, 404, "holds no file 'aaaa"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "fragment"),
    OVERLONG,
    ids=["credential-id", "state", "credential-path", "link", "file"],
)
def test_an_overlong_value_comes_back_as_a_short_excerpt(
    api: Api, method: str, path: str, body: Any, status: int, fragment: str
) -> None:
    token = api.token()
    if "{sid}" in path:
        sid = api.post("/submissions", token, json={"credential_id": CRED}).json["id"]
        path = path.replace("{sid}", sid)
    resp = api.call(method, path, token, json=body)
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    message = resp.json["error"]["message"]
    assert fragment in message
    assert len(resp.get_data()) < 1000, message[:300]


DEPTH = 5000  # Python's json gives up near 1,000 levels, orjson at 1,024


def nested(depth: int = DEPTH) -> str:
    return '{"a":' * depth + "1" + "}" * depth


# (method, path, body): every way a body reaches the API
DEEP_BODIES = [
    ("POST", "/submissions", nested()),
    ("POST", "/submissions", nested(65)),
    ("POST", "/submissions", '{"credential_id": ' + nested() + "}"),
    ("PUT", "/submissions/{sid}/evidence", '{"items": [' + nested() + "]}"),
    ("POST", "/submissions/{sid}/submit", "[" * DEPTH + "]" * DEPTH),
]


@pytest.mark.parametrize(
    ("method", "path", "body"), DEEP_BODIES, ids=["body", "just-too-deep", "field", "items", "list"]
)
def test_a_deeply_nested_body_is_a_400_that_says_so(
    api: Api, method: str, path: str, body: str
) -> None:
    token = api.token()
    if "{sid}" in path:
        sid = api.post("/submissions", token, json={"credential_id": CRED}).json["id"]
        path = path.replace("{sid}", sid)
    resp = api.call(method, path, token, data=body, content_type="application/json")
    assert resp.status_code == 400, resp.get_data(as_text=True)[:300]
    error = resp.json["error"]
    assert error["code"] == "invalid_request"
    assert error["details"] == {"field": "body"}
    assert error["message"] == (
        "The body is nested more than 64 levels deep; at most 64 levels of arrays and objects "
        "are accepted."
    )


def test_verify_reports_a_deeply_nested_credential_as_its_format(api: Api) -> None:
    """/api/v1/verify answers with the checks: the format check fails and says why."""
    resp = api.post(
        "/verify",
        api.token(),
        data='{"credentialSubject": ' + nested() + "}",
        content_type="application/octet-stream",
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.json["status"] == "invalid"
    [check] = [c for c in resp.json["checks"] if c["name"] == "format"]
    assert "The credential is nested more than 64 levels deep" in check["message"]


NAMES = ["План урока.txt", "教学计划.txt", "🎓 plan ✅.txt", "café plan.txt", "plan.txt"]


@pytest.mark.parametrize("name", NAMES, ids=["cyrillic", "cjk", "emoji", "latin-1", "ascii"])
def test_an_evidence_file_downloads_with_its_name_from_a_real_server(
    api: Api, app: Any, name: str
) -> None:
    """Through a real HTTP server with keep-alive, as a browser or requests asks."""
    token = api.token()
    sid = api.post("/submissions", token, json={"credential_id": CRED}).json["id"]
    sent = api.post(
        f"/submissions/{sid}/files",
        token,
        data={"requirement_id": "plan", "file": (io.BytesIO(b"Week 1: survey."), name)},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 200, sent.json
    [blob] = [i["blob"] for i in sent.json["items"] if i["blob"]]
    assert blob["filename"] == name
    with serve(app) as base:
        resp = requests.get(
            f"{base}/api/v1/submissions/{sid}/files/{blob['sha256']}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=20,
        )
    assert resp.status_code == 200
    assert resp.content == b"Week 1: survey."
    disposition = resp.headers["Content-Disposition"]
    assert disposition.isascii()
    if name.isascii():
        assert disposition.replace('"', "") == f"attachment; filename={name}"
    else:
        assert f"filename*=UTF-8''{quote(name, safe='!#$&+-.^_`|~')}" in disposition
