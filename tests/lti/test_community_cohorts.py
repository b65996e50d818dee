"""The cohort pages through real launches: making a cohort from the course
roster, checkpoints, meetings, notes, the board with its chart, the coaching
list, reminders on the member's page, the showcase; who may see what."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from community_pages import awarded, launch, page, person, post

CRED = "evaluate-impact"


@pytest.fixture
def course(lti: Any, client: Any, app: Any) -> dict[str, Any]:
    """An instructor, two learners who opened the tool, and a cohort of both."""
    teacher = launch(lti, "Instructor", "teacher-1", "Tess Teacher")
    ana = launch(lti, "Learner", "ana", "Ana Alvarez")
    ben = launch(lti, "Learner", "ben", "Ben Brown")
    resp = post(
        client, "/community/cohorts/", teacher, name="Spring <b>cohort</b>", credential=CRED
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)
    cohort_id = re.search(r"/community/cohorts/([^/?]+)", resp.headers["Location"]).group(1)
    ids = {k: person(app, v.id).person_id for k, v in (("ana", ana), ("ben", ben))}
    resp = post(
        client, f"/community/cohorts/{cohort_id}/members", teacher, person=[ids["ana"], ids["ben"]]
    )
    assert resp.status_code == 303
    due = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    resp = post(
        client,
        f"/community/cohorts/{cohort_id}/checkpoints",
        teacher,
        title="Evaluation submitted",
        due_at=due,
        credential=CRED,
        step="submitted",
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return {"teacher": teacher, "ana": ana, "ben": ben, "cohort": cohort_id, "ids": ids}


def test_an_instructor_makes_a_cohort_and_sees_its_page(course: dict, client: Any) -> None:
    status, html = page(client, f"/community/cohorts/{course['cohort']}", course["teacher"])
    assert status == 200
    assert "Spring &lt;b&gt;cohort&lt;/b&gt;" in html
    assert "<b>cohort</b>" not in html
    for fragment in ("Ana Alvarez", "Ben Brown", "Evaluation submitted", "Add a meeting"):
        assert fragment in html
    status, html = page(client, "/community/cohorts/", course["teacher"])
    assert status == 200
    assert "Make a cohort" in html
    assert "Spring &lt;b&gt;cohort" in html


def test_the_roster_offers_only_people_not_yet_in_the_cohort(
    course: dict, lti: Any, client: Any
) -> None:
    launch(lti, "Learner", "cy", "Cy Chen")
    _, html = page(client, f"/community/cohorts/{course['cohort']}", course["teacher"])
    roster = html.split("From the course roster", 1)[1].split("</fieldset>", 1)[0]
    assert "Cy Chen" in roster
    assert "Ana Alvarez" not in roster


def test_meetings_agenda_and_notes(course: dict, client: Any) -> None:
    base = f"/community/cohorts/{course['cohort']}"
    resp = post(
        client,
        f"{base}/meetings",
        course["teacher"],
        kind="orientation",
        title="Orientation",
        at="2026-09-01T16:00",
        agenda="Dates & expectations",
    )
    assert resp.status_code == 303
    _, html = page(client, base, course["teacher"])
    mid = re.search(r'/meetings/(mtg[^"/]+)"', html).group(1)
    resp = post(
        client, f"{base}/meetings/{mid}", course["teacher"], agenda="Dates", notes="All came."
    )
    assert resp.status_code == 303
    _, html = page(client, base, course["ana"])
    assert "Orientation" in html
    assert "All came." in html
    assert "Save the agenda" not in html  # members read, they do not edit


def test_facilitator_notes_are_for_facilitators_only(course: dict, client: Any) -> None:
    base = f"/community/cohorts/{course['cohort']}"
    resp = post(
        client,
        f"{base}/notes",
        course["teacher"],
        member=course["ids"]["ana"],
        text="Ask about week 3.",
    )
    assert resp.status_code == 303
    _, html = page(client, base, course["teacher"])
    assert "Ask about week 3." in html
    status, html = page(client, base, course["ana"])
    assert status == 200
    assert "Ask about week 3." not in html
    assert "Facilitators" not in html
    resp = post(client, f"{base}/notes", course["ana"], member=course["ids"]["ben"], text="x")
    assert resp.status_code == 403


def test_the_board_shows_chart_table_coaching_and_where_reminders_go(
    course: dict, client: Any
) -> None:
    status, html = page(client, f"/community/cohorts/{course['cohort']}/board", course["teacher"])
    assert status == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert 'role="img"' in html
    assert "Who needs a coaching visit" in html
    assert (
        "Late on &#39;Evaluation submitted&#39;" in html or "Late on 'Evaluation submitted'" in html
    )
    assert "late" in html
    assert "Ana Alvarez" in html
    assert "Where reminders go:" in html
    assert "nothing is sent by LMS message" in html


def test_reminders_appear_on_the_members_page_once(course: dict, client: Any) -> None:
    base = f"/community/cohorts/{course['cohort']}"
    _, board = page(client, f"{base}/board", course["teacher"])
    assert "2 reminders due now, not sent yet" in board
    resp = post(client, f"{base}/reminders", course["teacher"], board)
    assert resp.status_code == 303
    assert "sent=2" in resp.headers["Location"]
    _, board = page(client, f"{base}/board", course["teacher"])
    assert "due now, not sent yet" not in board
    assert "Every reminder due now has been sent (2 in members" in board
    resp = post(client, f"{base}/reminders", course["teacher"], board)
    assert "sent=0" in resp.headers["Location"]
    status, html = page(client, "/community/me", course["ana"])
    assert status == 200
    assert "Evaluation submitted was due" in html


def test_members_see_their_progress_not_the_board(course: dict, client: Any) -> None:
    base = f"/community/cohorts/{course['cohort']}"
    status, html = page(client, base, course["ana"])
    assert status == 200
    assert "My progress" in html
    assert "Ben Brown" not in html.split("My progress")[1].split("Checkpoints")[0]
    for path in ("/board", "/members", "/reminders", "/checkpoints"):
        if path == "/board":
            assert page(client, base + path, course["ana"])[0] == 403
        else:
            form = {
                "person": "x",
                "title": "t",
                "due_at": "2026-09-01",
                "credential": CRED,
                "step": "started",
            }
            assert post(client, base + path, course["ana"], **form).status_code == 403


def test_another_course_never_sees_the_cohort(course: dict, lti: Any, client: Any) -> None:
    other = launch(lti, "Instructor", "teacher-9", "Otto Other", context_id="course-9")
    base = f"/community/cohorts/{course['cohort']}"
    assert page(client, base, other)[0] == 403
    assert page(client, base + "/board", other)[0] == 403
    assert page(client, base + "/showcase", other)[0] == 403
    _, html = page(client, "/community/cohorts/", other)
    assert "Spring" not in html
    outsider = launch(lti, "Learner", "zoe", "Zoe Zed")
    assert page(client, base, outsider)[0] == 403


def test_invitations_are_joined_from_the_members_page(
    course: dict, lti: Any, client: Any, app: Any
) -> None:
    cy = launch(lti, "Learner", "cy", "Cy Chen")
    base = f"/community/cohorts/{course['cohort']}"
    resp = post(
        client,
        f"{base}/members",
        course["teacher"],
        person=person(app, cy.id).person_id,
        action="invite",
    )
    assert resp.status_code == 303
    assert "notice=invited" in resp.headers["Location"]
    _, html = page(client, "/community/me", cy)
    assert "You are invited to join the cohort" in html
    _, html = page(client, base, cy)
    assert "You are invited" in html
    assert post(client, f"{base}/join", cy, html).status_code == 303
    _, html = page(client, base, cy)
    assert "My progress" in html


@pytest.mark.parametrize(
    ("form", "status", "fragment"),
    [
        (
            {"title": "T", "due_at": "next week", "credential": CRED, "step": "started"},
            400,
            "is not a date",
        ),
        (
            {"title": "T", "due_at": "9999-12-31", "credential": CRED, "step": "started"},
            400,
            "from 1900 to 9000",
        ),
        (
            {"title": "T", "due_at": "2026-09-01", "credential": CRED, "step": "begun"},
            400,
            "step must be one of",
        ),
        (
            {"title": "", "due_at": "2026-09-01", "credential": CRED, "step": "started"},
            400,
            "needs a title",
        ),
        (
            {"title": "T", "due_at": "2026-09-01", "credential": "nope", "step": "started"},
            400,
            "does not pursue",
        ),
    ],
)
def test_bad_checkpoints_are_refused_with_a_message(
    course: dict, client: Any, form: dict, status: int, fragment: str
) -> None:
    resp = post(
        client, f"/community/cohorts/{course['cohort']}/checkpoints", course["teacher"], **form
    )
    assert resp.status_code == status
    assert fragment in resp.get_data(as_text=True)


def test_forms_need_their_token_and_unknown_cohorts_are_404(course: dict, client: Any) -> None:
    base = f"/community/cohorts/{course['cohort']}"
    resp = client.post(f"{base}/reminders", data={"launch": course["teacher"].id})
    assert resp.status_code == 400
    assert "This form has expired" in resp.get_data(as_text=True)
    resp = client.post(
        f"{base}/reminders", data={"launch": course["teacher"].id, "csrf_token": "forged"}
    )
    assert resp.status_code == 400
    assert page(client, "/community/cohorts/coh-nope", course["teacher"])[0] == 404
    assert page(client, "/community/cohorts/", type("L", (), {"id": "nope"})())[0] in (401, 404)


def test_a_learner_cannot_make_a_cohort(course: dict, client: Any) -> None:
    _, html = page(client, "/community/cohorts/", course["ana"])
    assert "Make a cohort" not in html
    assert (
        post(client, "/community/cohorts/", course["ana"], name="Mine", credential=CRED).status_code
        == 403
    )


def test_the_showcase_lists_earnings_with_only_shared_evidence(
    course: dict, lti: Any, client: Any, app: Any
) -> None:
    from lti_platform import REFLECTION

    learner, _ = awarded(lti, client, "ana", "Ana Alvarez")
    base = f"/community/cohorts/{course['cohort']}"
    status, html = page(client, f"{base}/showcase", course["ben"])
    assert status == 200
    assert "Ana Alvarez" in html
    assert REFLECTION not in html
    _, portfolio = page(client, "/community/portfolio/", learner)
    award_id = re.search(r'id="award-([^"]+)"', portfolio).group(1)
    resp = post(
        client,
        f"/community/portfolio/evidence/{award_id}",
        learner,
        portfolio,
        requirement="reflection",
    )
    assert resp.status_code == 303
    _, html = page(client, f"{base}/showcase", course["ben"])
    assert REFLECTION in html
    assert "plan.txt" not in html


MANAGE = [
    ("members/{ana}/remove", {}),
    ("checkpoints/{chk}/remove", {}),
    ("meetings", {"kind": "coaching", "title": "Visit", "at": "2026-09-01T10:00"}),
    ("recommend", {"credential": CRED}),
    ("roster", {}),
    ("reminders", {}),
]


@pytest.mark.parametrize(("path", "form"), MANAGE)
def test_members_cannot_manage_the_cohort(course: dict, client: Any, path: str, form: dict) -> None:
    """Every route that changes a cohort refuses its members (403), without a change."""
    _, html = page(client, f"/community/cohorts/{course['cohort']}", course["teacher"])
    chk = re.search(r"/checkpoints/(chk[^/\"]+)/remove", html).group(1)
    target = path.format(ana=course["ids"]["ana"], chk=chk)
    resp = post(client, f"/community/cohorts/{course['cohort']}/{target}", course["ben"], **form)
    assert resp.status_code == 403
    _, after = page(client, f"/community/cohorts/{course['cohort']}", course["teacher"])
    assert "Evaluation submitted" in after
    assert "Ana Alvarez" in after


def test_facilitators_remove_members_checkpoints_and_meetings(course: dict, client: Any) -> None:
    base = f"/community/cohorts/{course['cohort']}"
    t = course["teacher"]
    post(client, f"{base}/meetings", t, kind="coaching", title="Visit", at="2026-09-01T10:00")
    _, html = page(client, base, t)
    chk = re.search(r"/checkpoints/(chk[^/\"]+)/remove", html).group(1)
    mtg = re.search(r"/meetings/(mtg[^/\"]+)/remove", html).group(1)
    assert post(client, f"{base}/checkpoints/{chk}/remove", t).status_code == 303
    assert post(client, f"{base}/meetings/{mtg}/remove", t).status_code == 303
    assert post(client, f"{base}/members/{course['ids']['ana']}/remove", t).status_code == 303
    _, html = page(client, base, t)
    assert "No checkpoints yet." in html
    assert "No meetings yet." in html
    status, _ana = page(client, base, course["ana"])
    assert status == 403  # she left: the cohort is no longer hers to see


def test_a_cohort_recommendation_reaches_every_member(course: dict, client: Any) -> None:
    base = f"/community/cohorts/{course['cohort']}"
    resp = post(client, f"{base}/recommend", course["teacher"], credential=CRED, note="All of you")
    assert resp.status_code == 303
    for who in ("ana", "ben"):
        _, html = page(client, "/community/me", course[who])
        assert "All of you" in html
        assert "From Tess Teacher" in html


def test_a_member_leaves(course: dict, client: Any) -> None:
    base = f"/community/cohorts/{course['cohort']}"
    resp = post(client, f"{base}/leave", course["ana"])
    assert resp.status_code == 303
    assert page(client, base, course["ana"])[0] == 403


def test_shared_files_in_the_showcase_only_when_shared(course: dict, lti: Any, client: Any) -> None:
    learner, _ = awarded(lti, client, "ana", "Ana Alvarez")
    base = f"/community/cohorts/{course['cohort']}"
    _, portfolio = page(client, "/community/portfolio/", learner)
    award_id = re.search(r'id="award-([^"]+)"', portfolio).group(1)
    post(client, f"/community/portfolio/evidence/{award_id}", learner, requirement="plan")
    _, html = page(client, f"{base}/showcase", course["ben"])
    link = re.search(r'href="(/community/cohorts/[^"]+/showcase/files/[^"]+)"', html).group(1)
    resp = client.get(link.replace("&amp;", "&"))
    assert resp.status_code == 200
    assert resp.data == b"Week 1: survey; week 6: observe."
    post(client, f"/community/portfolio/evidence/{award_id}", learner)  # share nothing again
    assert client.get(link.replace("&amp;", "&")).status_code == 404


def test_my_page_shows_a_members_own_progress_and_next_step(course: dict, client: Any) -> None:
    """Her own row only (the board is not on a learner's page); a facilitator,
    who is no member, gets the cohort's link without a progress of their own."""
    status, html = page(client, "/community/me", course["ana"])
    assert status == 200
    mine = html.split('id="cohorts"', 1)[1].split('id="find"', 1)[0]
    assert 'aria-label="My checkpoints in Spring &lt;b&gt;cohort&lt;/b&gt;"' in mine
    assert "<strong>Next:</strong> Evaluation submitted" in mine
    assert "state-late" in mine
    assert "Ben Brown" not in mine
    _, html = page(client, "/community/me", course["teacher"])
    theirs = html.split('id="cohorts"', 1)[1].split('id="find"', 1)[0]
    assert "Spring &lt;b&gt;cohort&lt;/b&gt;" in theirs
    assert "My checkpoints" not in theirs
