"""JSON from outside, nested thousands of levels deep, at every door of the LTI
tool: the id_token of a launch (Deep Linking too), the storage check's body, a
badge pasted or uploaded to /verify, a platform's configuration and key set,
and what the practice LMS reads from a tool. Each is refused with a message
(a 4xx, or a failed check where the answer is a verification), before any
signature is checked and never as a 500."""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response

from lti_platform import serve
from mcembed import ValidationError
from mcembed.badges import bake
from mcembed.fetching import Fetcher, FetchPolicy

DEPTH = 5000  # Python's json gives up near 1,000 levels, orjson at 1,024
REFUSED = "nested more than 64 levels deep"
# the test site is plain http on this computer: the fetcher's development switch
LOOPBACK = Fetcher(FetchPolicy(development=True))


def nested(depth: int = DEPTH) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


@pytest.fixture
def deep_site() -> Iterator[str]:
    """A web server whose every answer is JSON nested DEPTH levels deep."""

    @Request.application
    def answer(request: Request) -> Response:
        return Response(nested(), mimetype="application/json")

    with serve(answer) as base:
        yield base


HEADER = json.dumps({"alg": "RS256", "kid": "k", "typ": "JWT"})


@pytest.mark.parametrize(
    ("header", "payload", "fragment"),
    [
        (HEADER, nested(), "The id_token is " + REFUSED),
        (HEADER, nested(65), "The id_token is " + REFUSED),
        (nested(), '{"iss": "x"}', "The id_token&#39;s header is " + REFUSED),
        (
            HEADER,
            '{"iss": "x", "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": '
            + nested()
            + "}",
            "The id_token is " + REFUSED,
        ),
    ],
    ids=["payload", "just-too-deep", "header", "deep-linking"],
)
def test_a_deeply_nested_id_token_is_a_400_before_any_check(
    client: Any, header: str, payload: str, fragment: str
) -> None:
    token = f"{b64(header)}.{b64(payload)}.{b64('signature')}"
    resp = client.post("/lti/launch", data={"id_token": token, "state": "s"})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400, text[:500]
    assert "<code>bad_token</code>" in text
    assert fragment in text


def test_a_deeply_nested_storage_check_body_is_a_400(client: Any) -> None:
    resp = client.post(
        "/lti/launch/verify",
        data=nested(),
        content_type="application/json",
        headers={"X-Mcembed-Storage": "1", "Sec-Fetch-Site": "same-origin"},
    )
    assert resp.status_code == 400
    assert "The request body is " + REFUSED in resp.json["message"]


def _verify_form(client: Any) -> str:
    page = client.get("/verify").get_data(as_text=True)
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("how", ["pasted", "baked-png"])
def test_verify_refuses_a_deeply_nested_credential_as_its_format(issuing: Any, how: str) -> None:
    """A real credential with one field nested deep: the format check fails and says why."""
    from test_public import awarded

    app, driver = issuing
    award_id, _ = awarded(app, driver)
    c = app.test_client()
    document = c.get(f"/credentials/{award_id}/credential.json").get_data(as_text=True)
    deep = document.replace('"credentialSubject": {', f'"credentialSubject": {{"x": {nested()},', 1)
    assert deep != document
    form: dict[str, Any] = {"form_token": _verify_form(c)}
    if how == "pasted":
        form["text"] = deep
    else:
        png = c.get(f"/credentials/{award_id}/badge.png").data
        form["file"] = (io.BytesIO(bake(png, deep)), "badge.png")
    resp = c.post("/verify", data=form, headers={"Accept": "application/json"})
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.json["status"] == "invalid"
    [check] = [x for x in resp.json["checks"] if x["name"] == "format"]
    assert check["passed"] is False
    assert "The credential is " + REFUSED in check["message"]


def test_a_deeply_nested_platform_configuration_is_refused(deep_site: str) -> None:
    from mcembed_lti.registration import fetch_platform_configuration

    with pytest.raises(ValidationError) as refused:
        fetch_platform_configuration(LOOPBACK, deep_site + "/openid")
    assert "Cannot read the platform's configuration" in str(refused.value)
    assert "is nested too deeply" in str(refused.value)


def test_a_deeply_nested_platform_key_set_is_refused(deep_site: str) -> None:
    from mcembed_lti.launch_data import KeySetCache, KeySetError

    with pytest.raises(KeySetError) as refused:
        KeySetCache(LOOPBACK).key(deep_site + "/jwks", "k")
    assert "is nested too deeply" in str(refused.value)


def test_the_tools_http_session_reads_lms_answers_with_the_cap(deep_site: str) -> None:
    """pylti1p3 calls ``.json()`` on the session's answers (roster, access token)."""
    from mcembed_lti import TimeoutSession

    with pytest.raises(ValueError, match="The LMS's answer is " + REFUSED):
        TimeoutSession().get(deep_site + "/memberships").json()
