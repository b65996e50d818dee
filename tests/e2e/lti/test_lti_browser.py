"""Every page of the LTI tool in Chromium, inside an LMS page's iframe, the way
Canvas and Moodle frame it: launched through real OIDC redirects and signed
id_tokens, checked with axe-core (no serious or critical violation) and
screenshot. The LMS (``lti_platform``) runs on ``localhost``, the tool on
``127.0.0.1``: different sites, so the tool is a third-party frame."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from factories import make_credential
from lti_platform import Member, PlatformEmulator, make_app, new_key, serve
from mcembed import Actor, Settings, load_pack
from mcembed.badges import IssuerProfile, init_issuer
from mcembed_lti.grades import deliver_due

ROOT = Path(__file__).resolve().parents[3]
CRED = "evaluate-impact"
PHONE = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parents[1] / "screenshots"


class PathLog:
    """WSGI middleware remembering the paths the tool was asked for."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.paths: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.paths.append(environ["PATH_INFO"])
        return self.app(environ, start_response)


@dataclass
class Lms:
    emulator: PlatformEmulator
    tool_url: str
    app: Any
    log: PathLog

    @property
    def tool(self) -> Any:
        return self.app.extensions["mcembed_lti"]

    def course_url(self, *, storage: bool = True, **hint: Any) -> str:
        return (
            f"{self.emulator.base}/course?tool={quote(self.tool_url)}&storage={int(storage)}"
            f"&hint={quote(json.dumps(hint))}"
        )


@pytest.fixture(scope="module")
def platform_key() -> tuple[str, dict[str, Any]]:
    return new_key()


@pytest.fixture
def lms(tmp_path: Path, platform_key: Any, live_wsgi: Any) -> Iterator[Lms]:
    emu = PlatformEmulator(private_pem=platform_key[0], public_jwk=platform_key[1])
    with serve(emu) as base:
        emu.base = base.replace("127.0.0.1", "localhost")
        init_issuer(
            Settings(instance=tmp_path / "instance"),
            IssuerProfile(
                name="Riverbend District",
                url="https://riverbend.example.org",
                base_url="http://127.0.0.1",
                slug="main",
            ),
        )
        app = make_app(tmp_path / "instance", emu, BADGE_FETCH=None)
        tool = app.extensions["mcembed_lti"]
        tool.lms.add_platform(
            Actor.system(), **emu.urls, name="Emulated LMS", deployment_ids=[emu.deployment_id]
        )
        tool.service.add_pack(
            Actor.system(), load_pack(ROOT / "examples" / "professional-learning")
        )
        with tool.service.store.transaction() as tx:
            tx.add_credential(make_credential())
        log = PathLog(app.wsgi_app)
        app.wsgi_app = log
        with live_wsgi(app) as tool_url:
            yield Lms(emulator=emu, tool_url=tool_url, app=app, log=log)


def open_tool(page: Any, lms: Lms, url_part: str, **kw: Any) -> Any:
    """Open the course page and wait until the tool's frame is at ``url_part``.

    Every frame of the page is looked at afresh while waiting: a cross-site
    frame can be swapped into another renderer as it navigates, and the handle
    left behind (still named "tool") then never sees the URL change (nor
    answers ``content()``). The deadline is generous: on a busy machine the
    redirects alone take seconds.
    """
    page.goto(lms.course_url(**kw))
    return tool_frame(page, lms, url_part)


def tool_frame(page: Any, lms: Lms, url_part: str) -> Any:
    """The page's frame that is at ``url_part`` once it gets there (see ``open_tool``)."""
    deadline = time.monotonic() + 120
    while True:
        found = [f for f in page.frames if f is not page.main_frame and url_part in f.url]
        if found:
            found[-1].wait_for_load_state("load")
            return found[-1]
        if time.monotonic() > deadline:
            where = [f.url for f in page.frames if f is not page.main_frame]
            raise AssertionError(
                f"after 120 s no frame of the course page is at {url_part} (they are at "
                f"{where}); the tool was asked for {lms.log.paths[-8:]}"
            )
        page.wait_for_timeout(200)


def check(frame: Any, page: Any, axe: Any, screenshot: Any, name: str) -> None:
    violations = axe(frame)
    assert violations == [], json.dumps(violations, indent=2)
    # a full-page capture leaves a cross-site frame blank; the viewport shows it
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


LEARNER = {
    "sub": "learner-1",
    "name": "Lee Learner",
    "roles": ["Learner"],
    "custom": {"mcembed_credential": CRED},
}
TEACHER = {"sub": "teacher-1", "name": "Tess Teacher", "roles": ["Instructor"]}


def submit_as_learner(page: Any, lms: Lms, tmp_path: Path) -> Any:
    frame = open_tool(page, lms, "/learn/credentials/", **LEARNER)
    frame.get_by_role("button", name="Start this credential").click()
    frame.wait_for_url("**notice=started**")
    frame.get_by_label("Reflection").fill(
        "We now plan our team meetings together and students lead the review."
    )
    plan = tmp_path / "plan.txt"
    plan.write_text("Week 1: survey; week 6: observe.")
    frame.get_by_label("Evaluation plan").set_input_files(str(plan))
    frame.get_by_role("button", name="Submit for review").click()
    frame.wait_for_url("**notice=submitted**")
    return frame


def test_learner_pages_in_a_canvas_frame_without_third_party_cookies(
    page: Any, lms: Lms, axe: Any, screenshot: Any, tmp_path: Path
) -> None:
    """Catalog search, credential page, evidence form, submitted status."""
    frame = open_tool(page, lms, "/learn/credentials/", **LEARNER)
    # no cookie reached the tool's frame: the state came back from the LMS's storage
    assert "/lti/launch/verify" in lms.log.paths
    check(frame, page, axe, screenshot, "lti-learner-credential")
    frame.get_by_role("button", name="Start this credential").click()
    frame.wait_for_url("**notice=started**")
    long_text = " ".join(["word"] * 60)
    frame.get_by_label("Reflection").fill(long_text)
    frame.get_by_role("button", name="Save draft").click()
    frame.wait_for_selector("text=at most 50 are allowed")
    assert frame.get_by_label("Reflection").input_value() == long_text
    check(frame, page, axe, screenshot, "lti-learner-evidence-error")
    frame.get_by_label("Portfolio link (optional)").fill("https://example.org/portfolio")
    frame.get_by_label("Reflection").fill(
        "We now plan our team meetings together and students lead the review."
    )
    plan = tmp_path / "plan.txt"
    plan.write_text("Week 1: survey; week 6: observe.")
    frame.get_by_label("Evaluation plan").set_input_files(str(plan))
    check(frame, page, axe, screenshot, "lti-learner-evidence-form")
    frame.get_by_role("button", name="Submit for review").click()
    frame.wait_for_url("**notice=submitted**")
    assert "Submitted for review" in frame.content()
    check(frame, page, axe, screenshot, "lti-learner-submitted")
    frame.get_by_role("link", name="Credentials").click()
    frame.get_by_label("Describe a problem in your practice").fill(
        "students tune out during group work"
    )
    frame.get_by_role("button", name="Search").click()
    frame.wait_for_url("**q=students**")
    check(frame, page, axe, screenshot, "lti-learner-catalog-search")


def test_reviewer_scores_not_yet_then_awards_and_learner_sees_feedback(
    page: Any, browser: Any, lms: Lms, axe: Any, screenshot: Any, tmp_path: Path
) -> None:
    submit_as_learner(page, lms, tmp_path)
    teacher = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    frame = open_tool(teacher, lms, "/review/", **TEACHER)
    check(frame, teacher, axe, screenshot, "lti-review-queue")
    frame.get_by_role("link", name="Lee Learner").click()
    frame.wait_for_url("**/review/submissions/**")
    check(frame, teacher, axe, screenshot, "lti-review-scoring")
    frame.locator("fieldset", has_text="Design").get_by_label("Developing").check()
    frame.get_by_label("Feedback on Design").fill("Say what changed for students.")
    frame.locator("fieldset", has_text="Impact").get_by_label("Proficient").check()
    frame.get_by_role("button", name="Record review").click()
    frame.wait_for_url("**notice=reviewed**")
    check(frame, teacher, axe, screenshot, "lti-review-decided")
    learner = open_tool(page, lms, "/learn/credentials/", **LEARNER)
    assert "Not yet" in learner.content()
    check(learner, page, axe, screenshot, "lti-learner-not-yet")
    learner.get_by_label("Reflection").fill(
        "We now plan our team meetings together; students lead and the data shows it."
    )
    learner.get_by_role("button", name="Resubmit").click()
    learner.wait_for_url("**notice=submitted**")
    frame = open_tool(teacher, lms, "/review/", **TEACHER)
    frame.get_by_role("link", name="Lee Learner").click()
    frame.locator("fieldset", has_text="Design").get_by_label("Exemplary").check()
    frame.locator("fieldset", has_text="Impact").get_by_label("Proficient").check()
    frame.get_by_role("button", name="Record review").click()
    frame.wait_for_url("**notice=reviewed**")
    learner = open_tool(page, lms, "/learn/credentials/", **LEARNER)
    assert "Awarded" in learner.content()
    check(learner, page, axe, screenshot, "lti-learner-awarded")
    teacher.context.close()


def test_roster_and_failing_grades_pages(
    page: Any, lms: Lms, axe: Any, screenshot: Any, tmp_path: Path
) -> None:
    lms.emulator.members = [
        Member("learner-1", "Lee Learner", ["Learner"]),
        Member("learner-2", "Ola Other", ["Learner"]),
        Member("learner-3", "Pat Never", ["Learner"]),
    ]
    lms.emulator.down = True
    submit_as_learner(page, lms, tmp_path)
    deliver_due(lms.tool.lms, lms.tool.sender)
    frame = open_tool(page, lms, "/review/", **TEACHER)
    frame.get_by_role("link", name="Roster").click()
    frame.wait_for_url("**/review/roster**")
    assert "Pat Never" in frame.content()
    check(frame, page, axe, screenshot, "lti-review-roster")
    frame.get_by_role("link", name="Grades").click()
    frame.wait_for_url("**/review/grades**")
    assert "HTTP 503" in frame.content()
    check(frame, page, axe, screenshot, "lti-review-grades-failing")
    lms.emulator.down = False
    frame.get_by_role("button", name="Retry now").click()
    frame.wait_for_url("**notice=retried**")
    deliver_due(lms.tool.lms, lms.tool.sender)
    frame.goto(frame.url)
    assert "every grade is through" in frame.content()


def test_deep_linking_picker_returns_links_to_the_course(
    page: Any, lms: Lms, axe: Any, screenshot: Any
) -> None:
    frame = open_tool(page, lms, "/lti/deep-link", message_type="LtiDeepLinkingRequest", **TEACHER)
    frame.get_by_label("Describe the skill gap or problem").fill("formative assessment")
    frame.get_by_role("button", name="Search").click()
    frame.wait_for_url("**q=formative**")
    check(frame, page, axe, screenshot, "lti-deep-link-picker")
    frame.get_by_label("Digital formative assessment", exact=False).first.check()
    frame.get_by_role("button", name="Add to the course").click()
    frame.wait_for_url(f"{lms.emulator.base}/deep-link-return")
    assert "Content received" in frame.content()


def test_a_refused_launch_shows_a_clear_page(
    page: Any, lms: Lms, axe: Any, screenshot: Any
) -> None:
    frame = open_tool(page, lms, "/lti/launch", deployment_id="unknown-install", **LEARNER)
    frame.wait_for_selector("text=What to tell your LMS administrator")
    assert "unknown_deployment" in frame.content()
    check(frame, page, axe, screenshot, "lti-launch-refused")


def test_learner_pages_fit_a_phone(browser: Any, lms: Lms, axe: Any, screenshot: Any) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    frame = open_tool(page, lms, "/learn/credentials/", **LEARNER)
    width = frame.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1
    check(frame, page, axe, screenshot, "lti-learner-credential-phone")
    context.close()


def test_dynamic_registration_page(page: Any, lms: Lms, axe: Any, screenshot: Any) -> None:
    lms.emulator.client_id = "moodle-client-2"
    tool = lms.app.extensions["mcembed_lti"]
    link = tool.lms.links.create(Actor.system(), note="Emulated Moodle").secret
    page.goto(
        f"{lms.tool_url}/lti/register?link={link}&openid_configuration={quote(lms.emulator.base + '/.well-known/openid-configuration')}&registration_token=reg-token-1"
    )
    violations = axe(page)
    assert violations == []
    screenshot(page, "lti-register")
    page.get_by_role("button", name="Register").click()
    page.wait_for_selector("text=Registered")
    screenshot(page, "lti-registered")


def test_moodle_without_storage_offers_a_new_window_that_then_works(
    page: Any, lms: Lms, axe: Any, screenshot: Any
) -> None:
    """No platform storage and no third-party cookies: the frame says so and the
    new window launches (its cookie is first-party there)."""
    frame = open_tool(page, lms, "/lti/login", storage=False, **LEARNER)
    frame.wait_for_selector("text=Open in a new window")
    check(frame, page, axe, screenshot, "lti-new-window-offer")
    with page.expect_popup() as popup_info:
        frame.get_by_role("link", name="Open in a new window").click()
    popup = popup_info.value
    popup.wait_for_url("**/learn/credentials/**")
    assert "Start this credential" in popup.content()
    violations = axe(popup)
    assert violations == []
    popup.screenshot(path=str(SHOTS / "lti-new-window-launched.png"))


def award_over_http(page: Any, browser: Any, lms: Lms, tmp_path: Path) -> str:
    submit_as_learner(page, lms, tmp_path)
    teacher = browser.new_context().new_page()
    frame = open_tool(teacher, lms, "/review/", **TEACHER)
    frame.get_by_role("link", name="Lee Learner").click()
    frame.locator("fieldset", has_text="Design").get_by_label("Exemplary").check()
    frame.locator("fieldset", has_text="Impact").get_by_label("Proficient").check()
    frame.get_by_role("button", name="Record review").click()
    frame.wait_for_url("**notice=reviewed**")
    teacher.context.close()
    [award] = lms.tool.service.list_awards(Actor.system())
    return str(award.id)


def test_public_pages_share_verify_and_issuer(
    page: Any, browser: Any, lms: Lms, axe: Any, screenshot: Any, tmp_path: Path
) -> None:
    """The share page, the issuer and /verify, framed like the rest."""
    award_id = award_over_http(page, browser, lms, tmp_path)
    learner = open_tool(page, lms, "/learn/credentials/", **LEARNER)
    assert "Public share link" in learner.content()
    check(learner, page, axe, screenshot, "lti-learner-awarded-downloads")
    for name, path in (
        ("public-credential", f"/credentials/{award_id}"),
        ("public-issuer", "/issuers/main"),
        ("public-verify", "/verify"),
    ):
        page.goto(f"{lms.emulator.base}/frame?src={quote(lms.tool_url + path)}")
        frame = tool_frame(page, lms, lms.tool_url + path)
        check(frame, page, axe, screenshot, f"lti-{name}")
    png = page.request.get(f"{lms.tool_url}/credentials/{award_id}/badge.png").body()
    badge = tmp_path / "badge.png"
    badge.write_bytes(png)
    frame.get_by_label("Badge file").set_input_files(str(badge))
    frame.get_by_role("button", name="Verify").click()
    frame.wait_for_selector("text=This credential is valid.")
    check(frame, page, axe, screenshot, "lti-public-verify-result")
