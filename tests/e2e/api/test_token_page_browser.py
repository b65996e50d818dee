"""The personal access tokens page in Chromium: make a token, copy it with the
button, use it on the API, revoke it; axe-core finds no serious or critical
violation, and each state is screenshot."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "api"))
from api_world import make_tool_app

from lti_platform import LtiDriver, PlatformEmulator, new_key, serve
from mcembed import Actor


def _me(base: str, secret: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{base}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.fixture
def tool(tmp_path: Path, live_wsgi: Any) -> Iterator[tuple[str, LtiDriver]]:
    """The tool served live, and a driver that launches into it as the LMS would."""
    pem, jwk = new_key()
    emulator = PlatformEmulator(private_pem=pem, public_jwk=jwk)
    with serve(emulator) as lms_base:
        emulator.base = lms_base
        # the emulator serves http on loopback: the fetcher's development switch
        app = make_tool_app(tmp_path / "instance", FETCH_DEVELOPMENT=True)
        tool = app.extensions["mcembed_lti"]
        emulator.tool_jwks = tool.keys.jwks
        tool.lms.add_platform(
            Actor.system(),
            **emulator.urls,
            name="Emulated LMS",
            deployment_ids=[emulator.deployment_id],
        )
        with live_wsgi(app) as base:
            yield base, LtiDriver(app, app.test_client(), emulator)


def test_make_copy_use_and_revoke_a_token(
    browser: Any, tool: tuple[str, LtiDriver], axe: Any, screenshot: Any
) -> None:
    base, driver = tool
    launch = driver.launch("Learner", sub="user-1", name="Lee Learner")
    context = browser.new_context(
        viewport={"width": 1100, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"{base}/learn/tokens/?launch={launch.id}")
        assert page.get_by_role("heading", name="Personal access tokens").is_visible()
        assert page.get_by_text("You have no tokens yet.").is_visible()
        screenshot(page, "api-tokens-empty")
        assert axe(page) == []

        page.get_by_label("Name").fill("Workshop notebook")
        page.get_by_label("Expires after").select_option("7")
        page.get_by_role("button", name="Make token").click()
        secret_box = page.get_by_label("Token", exact=True)
        secret = secret_box.input_value()
        assert secret.startswith("mce_")
        page.get_by_role("button", name="Copy token").click()
        page.get_by_text("Copied.").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == secret
        screenshot(page, "api-tokens-made")
        assert axe(page) == []

        status, me = _me(base, secret)
        assert status == 200
        assert me["name"] == "Lee Learner"

        page.goto(f"{base}/learn/tokens/?launch={launch.id}")
        row = page.get_by_role("row", name="Workshop notebook")
        assert secret[:12] in row.inner_text()
        assert "never" not in row.inner_text()  # used just now
        assert secret not in page.content()
        page.get_by_role("button", name="Revoke Workshop notebook").click()
        page.get_by_text("Token revoked").wait_for()
        assert "revoked" in page.get_by_role("row", name="Workshop notebook").inner_text()
        screenshot(page, "api-tokens-revoked")
        assert axe(page) == []
        status, error = _me(base, secret)
        assert status == 401
        assert error["error"]["code"] == "token_revoked"

        page.set_viewport_size({"width": 390, "height": 844})
        # the table scrolls in its own region; the page itself never sideways
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "api-tokens-phone")
        assert axe(page) == []
    finally:
        context.close()


def test_an_instructor_chooses_the_review_scope(
    page: Any, tool: tuple[str, LtiDriver], axe: Any, screenshot: Any
) -> None:
    base, driver = tool
    launch = driver.launch("Instructor", sub="teacher-1", name="Tess Teacher")
    page.goto(f"{base}/learn/tokens/?launch={launch.id}")
    assert page.get_by_role("link", name="Review queue").is_visible()
    assert page.get_by_label("Work on my own submissions (learner)").is_checked()
    page.get_by_label("Review this course's submissions (review)").check()
    page.get_by_label("Name").fill("Marking script")
    page.get_by_role("button", name="Make token").click()
    secret = page.get_by_label("Token", exact=True).input_value()
    status, me = _me(base, secret)
    assert status == 200
    assert me["scopes"] == ["learner", "review"]
    assert "learner, review" in page.get_by_role("row", name="Marking script").inner_text()
    screenshot(page, "api-tokens-instructor")
    assert axe(page) == []
