"""What the API does with input no client should send: overlong values, deeply
nested JSON, file names in any script. Each is a 4xx with a short message (or,
for a name, a download that works), never a 500 or a megabyte echoed back."""

from __future__ import annotations

from typing import Any

import pytest
from api_world import CRED, Api

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
