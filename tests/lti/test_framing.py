"""Who may frame the tool: a launch's pages only the launching platform's
origins (where the LMS really frames from, kept with the launch), public pages
as the README states, and nothing a sender slips into an ``Origin``."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from lti_platform import CRED, LTI, form_fields, start_and_submit

SCHOOL = "https://school.example.edu"
RETURN = SCHOOL + "/courses/7/external_content/success/external_tool_redirect"


def ancestors(resp: Any) -> str:
    """The response's frame-ancestors sources."""
    policy = resp.headers.get("Content-Security-Policy", "")
    found = re.search(r"frame-ancestors ([^;]*)", policy)
    assert found is not None, policy
    return found.group(1).strip()


def launch_from(lti: Any, origin: str | None, role: str = "Learner", **claims: Any) -> Any:
    """A signed launch whose id_token post comes from ``origin`` (its Origin header)."""
    auth, _ = lti.login()
    token = lti.token(auth, roles=(role,), custom={"mcembed_credential": CRED}, **claims)
    headers = {"Origin": origin} if origin is not None else {}
    resp = lti.client.post(
        "/lti/launch", data={"id_token": token, "state": auth["state"]}, headers=headers
    )
    assert resp.status_code in (200, 303), resp.get_data(as_text=True)[:500]
    return resp


def test_a_launch_is_framed_by_the_lms_page_that_posted_it_and_the_platform(
    lti: Any, client: Any
) -> None:
    """Canvas posts from the school's host and names it in return_url; its issuer
    and login URLs are elsewhere: the launch keeps all of them, and only them."""
    resp = launch_from(lti, SCHOOL, set={LTI + "launch_presentation": {"return_url": RETURN}})
    expected = f"{SCHOOL} {lti.emulator.base}"
    assert ancestors(resp) == expected
    assert "X-Frame-Options" not in resp.headers  # it cannot list origins
    page = client.get(resp.headers["Content-Location"])
    assert ancestors(page) == expected


# (Origin header of the id_token post, what is kept besides the platform's origin)
ORIGINS = [
    (None, ""),
    ("null", ""),
    ("http://school.example.edu", ""),  # plain http off this machine
    ("https://[2001:db8::1]", ""),
    ("https://school.example.edu; frame-ancestors *", ""),
    ("https://school.example.edu *", ""),
    ("https://*.example.edu", ""),
    ("https://SCHOOL.example.edu:443", SCHOOL + " "),
]


@pytest.mark.parametrize(("origin", "kept"), ORIGINS)
def test_an_origin_that_is_no_https_origin_adds_nothing(
    lti: Any, origin: str | None, kept: str
) -> None:
    resp = launch_from(lti, origin)
    assert ancestors(resp) == f"{kept}{lti.emulator.base}"


@pytest.mark.parametrize("role", ["Learner", "Instructor"])
def test_every_page_of_a_launch_keeps_its_frame_origins(lti: Any, client: Any, role: str) -> None:
    """Pages, forms, refusals and files of a launch: never any other site."""
    learner, sid = start_and_submit(lti, client)
    resp = launch_from(lti, SCHOOL, role=role, sub=f"{role.lower()}-9")
    launch = re.search(
        r"launch=([^&\"]+)", resp.headers.get("Content-Location") or resp.headers["Location"]
    ).group(1)
    expected = f"{SCHOOL} {lti.emulator.base}"
    urls = [
        f"/learn/?launch={launch}",
        f"/learn/credentials/{CRED}?launch={launch}",
        f"/review/?launch={launch}",  # a learner's is a 403 page, framed the same
        f"/learn/tokens/?launch={launch}",
        f"/community/portfolio/?launch={launch}",
    ]
    if role == "Instructor":
        urls.append(f"/learn/submissions/{sid}/files/plan?launch={launch}")
    for url in urls:
        page = client.get(url)
        assert page.status_code in (200, 403), (url, page.status_code)
        assert ancestors(page) == expected, url
    # the other learner's launch (no Origin) is framed by the platform only
    assert ancestors(client.get(learner.location)) == lti.emulator.base


def test_a_form_post_of_a_launch_answers_with_its_frame_origins(lti: Any, client: Any) -> None:
    resp = launch_from(lti, SCHOOL)
    location = resp.headers["Content-Location"]
    fields = form_fields(client.get(location).get_data(as_text=True))
    started = client.post(f"/learn/credentials/{CRED}/start", data=fields)
    assert started.status_code == 303
    assert ancestors(started) == f"{SCHOOL} {lti.emulator.base}"
    refused = client.post(f"/learn/credentials/{CRED}/start", data={"launch": fields["launch"]})
    assert refused.status_code == 400  # no form token
    assert ancestors(refused) == f"{SCHOOL} {lti.emulator.base}"


def test_a_launch_kept_before_its_origins_were_is_framed_by_its_platform(
    lti: Any, client: Any, tool: Any
) -> None:
    launched = lti.launch()
    with tool.lms.store.transaction() as tx:
        old = tx.find_launch(launched.id)
        tx.remove_expired(old.expires_at)  # drop it, then keep it as an older tool did
        tx.add_launch(replace(old, id=old.id + "-old", frame_origins=()))
    page = client.get(f"/learn/?launch={launched.id}-old")
    assert page.status_code == 200
    assert ancestors(page) == lti.emulator.base


def test_the_platform_storage_path_keeps_the_origin_of_the_post(lti: Any) -> None:
    """The second half of a cookie-less launch comes from the tool's own page: the
    first post's Origin travels with a proof, and a changed one is dropped."""

    def storage_launch(change: dict[str, str]) -> Any:
        _, resp = lti.login(lti_storage_target="_parent")
        page = resp.get_data(as_text=True)
        state = page.split('data-state="', 1)[1].split('"', 1)[0]
        nonce = page.split('data-nonce="', 1)[1].split('"', 1)[0]
        token = lti.token({"nonce": nonce, "state": state})
        fresh = lti.app.test_client()
        first = fresh.post(
            "/lti/launch", data={"id_token": token, "state": state}, headers={"Origin": SCHOOL}
        )
        text = first.get_data(as_text=True)
        sent = {
            "id_token": token,
            "state": state,
            "stored_state": state,
            "stored_nonce": nonce,
            "frame_origin": re.search(r'data-frame-origin="([^"]*)"', text).group(1),
            "frame_proof": re.search(r'data-frame-proof="([^"]*)"', text).group(1),
            **change,
        }
        ok = fresh.post("/lti/launch/verify", json=sent, headers={"X-Mcembed-Storage": "1"})
        assert ok.status_code == 200, ok.get_data(as_text=True)
        return fresh.get(ok.json["location"])

    assert ancestors(storage_launch({})) == f"{SCHOOL} {lti.emulator.base}"
    forged = storage_launch({"frame_origin": "https://evil.example"})
    assert ancestors(forged) == lti.emulator.base


# (path, frame-ancestors): the pages before a launch, errors outside one, the API
OUTSIDE = [
    ("/lti/login?iss=https://nobody.example&login_hint=h", "*"),
    ("/learn/?launch=no-such-launch", "*"),
    ("/api/v1/me", "'none'"),
    ("/static/mcembed.css", "'none'"),
]


@pytest.mark.parametrize(("path", "sources"), OUTSIDE)
def test_pages_outside_a_launch_state_their_policy(client: Any, path: str, sources: str) -> None:
    resp = client.get(path)
    resp.close()  # a static file is streamed from disk
    assert ancestors(resp) == sources
    assert (resp.headers.get("X-Frame-Options") == "DENY") == (sources == "'none'")


def test_a_refused_launch_can_be_shown_in_the_lms_frame(lti: Any, client: Any) -> None:
    resp = client.post(
        "/lti/launch", data={"id_token": "a.b.c", "state": "s"}, headers={"Origin": SCHOOL}
    )
    assert resp.status_code == 400
    assert ancestors(resp) == "*"


def test_public_pages_may_be_shown_in_any_site(issuing: Any) -> None:
    """Credential, issuer, verify and share pages: no sign-in, no action to trick."""
    from test_public import awarded

    app, driver = issuing
    award_id, learner = awarded(app, driver)
    c = app.test_client()
    page = driver.client.get(f"/community/portfolio/?launch={learner.id}")
    fields = form_fields(page.get_data(as_text=True))
    made = driver.client.post("/community/portfolio/links", data={**fields, "label": "CV"})
    share = re.search(r"(/share/[A-Za-z0-9_-]+)", made.get_data(as_text=True)).group(1)
    for path in (
        f"/credentials/{award_id}",
        f"/credentials/{award_id}/badge.png",
        "/issuers/main",
        "/status/main",
        "/verify",
        share,
    ):
        resp = c.get(path)
        assert resp.status_code == 200, path
        assert ancestors(resp) == "*", path
        assert "X-Frame-Options" not in resp.headers, path
