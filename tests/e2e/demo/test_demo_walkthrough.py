"""A newcomer walks the whole demo in Chromium: the practice LMS, deep linking
a credential as the instructor, a learner's evidence, "not yet" with feedback,
the resubmission, the award, the grade in the practice gradebook, the roster
read through NRPS, and the badge, which ``mcembed verify`` accepts. Every page
is screenshot and checked with axe-core."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from mcembed.cli import cli

SHOTS = Path(__file__).resolve().parents[1] / "screenshots"
CREDENTIAL = "Use digital tools for formative assessment"
REFLECTION = " ".join(
    ["In my grade 7 science class I placed a hinge question after the worked example."] * 2
    + [
        "The answers showed that a third of the students confused mass and weight, so I",
        "stopped, compared two anonymous answers with the class and asked a second question.",
    ]
    * 12
)


def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_violations(axe: Any, target: Any) -> None:
    violations = axe(target)
    assert violations == [], json.dumps(violations, indent=2)


def act_as(page: Any, name: str) -> None:
    select = page.get_by_label("Acting as")
    label = select.locator("option", has_text=name).inner_text()
    select.select_option(label=label)
    page.get_by_role("button", name="Switch").click()
    page.wait_for_load_state("load")
    assert (
        page.get_by_label("Acting as")
        .evaluate("s => s.options[s.selectedIndex].text")
        .startswith(name)
    )


def tool_frame(page: Any, url_part: str) -> Any:
    page.wait_for_load_state("load")
    frame = page.locator("iframe.tool").element_handle().content_frame()
    frame.wait_for_url(f"**{url_part}**", timeout=20_000)
    frame.wait_for_load_state("load")
    return frame


def grade_of(page: Any, base: str, learner: str, expected: str) -> str:
    """Lena's cell in the practice gradebook once ``expected`` shows (the
    tool's thread sends each score just after the change it reports)."""
    page.goto(base + "/practice/grades")
    row = page.get_by_role("row", name=re.compile(learner))
    for _ in range(60):
        if expected in row.inner_text():
            break
        page.wait_for_timeout(250)
        page.reload()
    return str(row.inner_text())


def open_credential(page: Any, base: str, url_part: str) -> Any:
    page.goto(base + "/practice/")
    page.get_by_role("link", name=re.compile(CREDENTIAL)).click()
    return tool_frame(page, url_part)


def test_a_newcomer_walks_the_whole_demo(
    page: Any, demo_server: Any, axe: Any, tmp_path: Path
) -> None:
    with demo_server() as demo:
        base = demo.base
        page.goto(base + "/")
        assert page.url == base + "/practice/"
        assert page.get_by_role("heading", name="Teaching with Evidence (Spring 2027)").is_visible()
        no_violations(axe, page)
        shoot(page, "demo-course-empty")

        # the tool's own link in the course menu: the seeded cohort's work waits
        page.get_by_role("link", name="Micro-credentials").click()
        frame = tool_frame(page, "/review/")
        assert "Diego Alvarez" in frame.content()
        no_violations(axe, page)
        shoot(page, "demo-course-menu-tool")
        page.goto(base + "/practice/")

        # the instructor places a credential by deep linking
        page.get_by_role("link", name="Add a credential").click()
        picker = tool_frame(page, "/lti/deep-link")
        no_violations(axe, page)
        shoot(page, "demo-deep-link-picker")
        picker.get_by_label("Describe the skill gap or problem").fill(
            "I want quick checks of understanding during my lessons"
        )
        picker.get_by_role("button", name="Search").click()
        picker.wait_for_load_state("load")
        picker.get_by_label(re.compile(CREDENTIAL)).check()
        picker.get_by_role("button", name="Add to the course").click()
        page.wait_for_url(base + "/practice/")
        link = page.get_by_role("link", name=re.compile(CREDENTIAL))
        assert link.is_visible()
        no_violations(axe, page)
        shoot(page, "demo-course-placed")

        frame = open_credential(page, base, "/review/")
        assert "Diego Alvarez" in frame.content()  # the seeded cohort's work waits too
        no_violations(axe, page)
        shoot(page, "demo-instructor-queue")

        # the learner launches and submits evidence
        act_as(page, "Lena Fischer")
        frame = open_credential(page, base, "/learn/credentials/")
        no_violations(axe, frame)
        shoot(page, "demo-learner-credential")
        frame.get_by_role("button", name="Start this credential").click()
        frame.wait_for_url("**notice=started**")
        plan = tmp_path / "lesson-plan.pdf"
        from mcembed_lti.practice.seed import pdf

        plan.write_bytes(pdf("Lesson plan", ["Hinge question at minute 15."]))
        frame.locator("#file-lesson-plan").set_input_files(str(plan))
        frame.locator("#url-student-responses").fill("https://drive.example.org/lena/responses")
        frame.locator("#text-lesson-reflection").fill(REFLECTION)
        frame.locator("#attest-peer-observation").check()
        no_violations(axe, frame)
        shoot(page, "demo-learner-evidence")
        frame.get_by_role("button", name="Submit for review").click()
        frame.wait_for_url("**notice=submitted**")
        shoot(page, "demo-learner-submitted")
        assert "waiting for review" in grade_of(page, base, "Lena Fischer", "Submitted")

        # the instructor asks for a revision
        act_as(page, "Amara Okafor")
        frame = open_credential(page, base, "/review/")
        frame.get_by_role("link", name="Lena Fischer").click()
        frame.wait_for_url("**/review/submissions/**")
        shoot(page, "demo-review-scoring")
        levels = {
            "checkpoint-design": "Proficient",
            "responsive-teaching": "Developing",
            "actionable-feedback": "Proficient",
            "accessible-and-private": "Proficient",
        }
        for criterion, level in levels.items():
            frame.locator(f"input[name='level-{criterion}'][value='{level}']").check()
        frame.locator("#fb-responsive-teaching").fill(
            "Say what you changed in the lesson after the hinge question, and how you checked it."
        )
        frame.get_by_role("button", name="Record review").click()
        frame.wait_for_url("**notice=reviewed**")
        shoot(page, "demo-review-not-yet")
        assert "revising" in grade_of(page, base, "Lena Fischer", "Not yet")

        # the learner reads the feedback and resubmits
        act_as(page, "Lena Fischer")
        frame = open_credential(page, base, "/learn/credentials/")
        assert "how you checked it" in frame.content()
        no_violations(axe, frame)
        shoot(page, "demo-learner-not-yet")
        frame.locator("#text-lesson-reflection").fill(
            REFLECTION + " After the second question I regrouped the class and checked again."
        )
        frame.get_by_role("button", name="Resubmit").click()
        frame.wait_for_url("**notice=submitted**")

        # the instructor awards
        act_as(page, "Amara Okafor")
        frame = open_credential(page, base, "/review/")
        frame.get_by_role("link", name="Lena Fischer").click()
        frame.wait_for_url("**/review/submissions/**")
        for criterion in levels:
            frame.locator(f"input[name='level-{criterion}'][value='Proficient']").check()
        frame.get_by_role("button", name="Record review").click()
        frame.wait_for_url("**notice=reviewed**")
        shoot(page, "demo-review-awarded")

        # the grade arrives in the practice gradebook (sent by the tool's thread)
        cell = grade_of(page, base, "Lena Fischer", "/ 16")
        assert "12 / 16" in cell, cell
        no_violations(axe, page)
        shoot(page, "demo-gradebook")

        # the roster comes through NRPS
        frame = open_credential(page, base, "/review/")
        frame.get_by_role("link", name="Roster").click()
        frame.wait_for_url("**/review/roster**")
        for name in ("Lena Fischer", "Marcus Chen", "Sofia Rossi"):
            assert name in frame.content()
        shoot(page, "demo-tool-roster")
        page.goto(base + "/practice/people")
        assert "Last read by the tool" in page.content()
        no_violations(axe, page)
        shoot(page, "demo-people")
        page.goto(base + "/practice/log")
        for kind in ("id_token", "deep_link_response", "token", "score", "nrps"):
            assert page.locator(".kind", has_text=kind).count() > 0, kind
        no_violations(axe, page)
        shoot(page, "demo-message-log")

        # the learner downloads the badge, and mcembed verify accepts it
        act_as(page, "Lena Fischer")
        frame = open_credential(page, base, "/learn/credentials/")
        assert "Awarded" in frame.content()
        shoot(page, "demo-learner-awarded")
        with page.expect_download() as download:
            frame.get_by_role("link", name="Badge (PNG)").click()
        badge = tmp_path / "badge.png"
        download.value.save_as(badge)
        page.goto(base + "/practice/grades")
        assert page.get_by_role("row").count() == 2  # a learner sees only their own row
        shoot(page, "demo-gradebook-learner")

    result = CliRunner().invoke(cli, ["--instance", str(demo.instance), "verify", str(badge)])
    assert result.exit_code == 0, result.output
    assert "This credential is valid." in result.output


def test_a_learner_is_told_why_they_cannot_add_and_pages_fit_a_phone(
    browser: Any, demo_server: Any, axe: Any
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        with demo_server() as demo:
            # opened at localhost, the pages move to where the LMS is registered
            page.goto(demo.base.replace("127.0.0.1", "localhost") + "/practice/people")
            assert page.url == demo.base + "/practice/people"
            no_violations(axe, page)
            shoot(page, "demo-people-phone")
            act_as(page, "Priya Raman")
            page.get_by_role("link", name="Micro-credentials").click()
            frame = tool_frame(page, "/learn/")
            no_violations(axe, frame)
            shoot(page, "demo-learner-course-menu-phone")
            page.goto(demo.base + "/practice/")
            assert page.get_by_role("link", name="Add a credential").count() == 0
            response = page.goto(demo.base + "/practice/add")
            assert response.status == 403
            assert "only the instructor adds credentials" in page.content()
            no_violations(axe, page)
            shoot(page, "demo-learner-cannot-add")
            page.goto(demo.base + "/practice/grades")
            assert "No columns yet" in page.content()
            no_violations(axe, page)
            shoot(page, "demo-gradebook-empty-phone")
    finally:
        context.close()
