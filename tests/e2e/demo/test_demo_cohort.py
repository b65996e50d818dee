"""A newcomer finds the demo's ready-made cohort in Chromium, following the
practice course's "Try it" steps: the instructor reaches the filled-in
progress board (done, on track, late; the SVG chart; who needs a coaching
visit) from the tool's course-menu link, and a learner sees her cohort
progress, next step and reminder on her page. Each page is screenshot and
checked with axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_demo_walkthrough import act_as, no_violations, shoot, tool_frame

SHOTS = Path(__file__).resolve().parents[1] / "screenshots"
COHORT = "Data-informed classroom practice: spring cohort"


def open_course_tool(page: Any, base: str, url_part: str) -> Any:
    """The "Micro-credentials" link of the course menu, as the Try it steps say."""
    page.goto(base + "/practice/")
    page.get_by_role("navigation", name="Course").get_by_role(
        "link", name="Micro-credentials"
    ).click()
    return tool_frame(page, url_part)


def test_the_instructor_reaches_the_seeded_board_from_the_course_menu(
    page: Any, demo_server: Any, axe: Any
) -> None:
    with demo_server() as demo:
        page.goto(demo.base + "/")
        steps = page.get_by_role("region", name="Try it").inner_text()
        assert "Cohorts" in steps
        assert "Progress board" in steps
        assert "My page" in steps

        frame = open_course_tool(page, demo.base, "/review/")
        frame.get_by_role("navigation", name="Tool").get_by_role("link", name="Cohorts").click()
        frame.wait_for_url("**/community/cohorts/**")
        frame.get_by_role("link", name=COHORT).click()
        frame.wait_for_url("**/community/cohorts/*")
        frame.get_by_role("link", name="Progress board").click()
        frame.wait_for_url("**/board**")
        frame.wait_for_load_state("load")

        table = frame.locator("table", has=frame.locator("th", has_text="Marcus Chen"))
        board = table.inner_text()
        for name in ("Diego Alvarez", "Lena Fischer", "Marcus Chen", "Priya Raman", "Sofia Rossi"):
            assert name in board, name
        # the seeded story: submitted (done), awarded on time (on track, done), missed (late)
        for words in ("done", "on track", "late"):
            assert words in board, words
        marcus = table.get_by_role("row", name="Marcus Chen").inner_text()
        assert "done" in marcus
        sofia = table.get_by_role("row", name="Sofia Rossi").inner_text()
        assert "late" in sofia
        chart = frame.locator("svg[role='img']").first
        assert chart.is_visible()
        assert "Lesson plan and evidence submitted" in chart.inner_html()
        coaching = frame.get_by_role("heading", name="Who needs a coaching visit")
        assert coaching.is_visible()
        content = frame.content()
        assert "Sofia Rossi" in content.split("Who needs a coaching visit", 1)[1]
        # the seeded facilitator sent the reminders due so far: none is listed as due
        reminders = content.split('id="reminders"', 1)[1]
        assert "Every reminder due now has been sent" in reminders
        assert "not sent yet" not in reminders
        no_violations(axe, frame)
        no_violations(axe, page)
        shoot(page, "demo-cohort-board")
        frame.locator("main").screenshot(path=str(SHOTS / "demo-cohort-board-tool.png"))


def test_a_learner_sees_her_cohort_progress_and_reminder_on_her_page(
    page: Any, demo_server: Any, axe: Any
) -> None:
    with demo_server() as demo:
        page.goto(demo.base + "/")
        act_as(page, "Sofia Rossi")
        frame = open_course_tool(page, demo.base, "/learn/")
        frame.get_by_role("navigation", name="Tool").get_by_role("link", name="My page").click()
        frame.wait_for_url("**/community/me**")
        frame.wait_for_load_state("load")

        mine = frame.get_by_role("list", name=f"My checkpoints in {COHORT}").inner_text()
        assert "Lesson plan and evidence submitted" in mine
        assert "late" in mine  # she has a draft, nothing submitted: the first checkpoint passed
        section = frame.get_by_role("region", name=COHORT).inner_text()
        assert "Next: Lesson plan and evidence submitted" in section
        notifications = frame.locator(".notifications").inner_text()
        assert "reminder" in notifications
        assert "Lesson plan and evidence submitted" in notifications
        no_violations(axe, frame)
        no_violations(axe, page)
        shoot(page, "demo-cohort-learner-page")
        frame.locator("main").screenshot(path=str(SHOTS / "demo-cohort-learner-page-tool.png"))

        # a learner who is on track: the next step is ahead, nothing late, no reminder
        act_as(page, "Marcus Chen")
        frame = open_course_tool(page, demo.base, "/learn/")
        frame.get_by_role("navigation", name="Tool").get_by_role("link", name="My page").click()
        frame.wait_for_url("**/community/me**")
        mine = frame.get_by_role("list", name=f"My checkpoints in {COHORT}").inner_text()
        assert "late" not in mine
        assert "done" in mine
        assert (
            "Next: Item analysis notebook started"
            in frame.get_by_role("region", name=COHORT).inner_text()
        )
        shoot(page, "demo-cohort-learner-on-track")
