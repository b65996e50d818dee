"""Cohorts through the Community use cases: members, checkpoints, meetings,
notes, board, coaching list, reminders, showcase (memory store)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from community_world import (
    ADMIN,
    COACH,
    COURSE,
    INSTRUCTOR,
    OTHER_INSTRUCTOR,
    STACK_ID,
    World,
    learner,
)
from factories import NOW
from mcembed import AlreadyDecided, NotFound, PermissionDenied, ValidationError
from mcembed.boards import CellStatus, ReasonKind, ReminderKind
from mcembed.cohorts import MeetingKind, MemberStatus, Step
from mcembed.notifications import NotificationKind

L1, L2, L3 = learner(1), learner(2), learner(3)


def cohort_with_members(w: World, *members):
    cohort = w.community.create_cohort(
        INSTRUCTOR,
        name="Spring leadership cohort",
        stack_id=STACK_ID,
        facilitators=[INSTRUCTOR.id, COACH.id],
    )
    w.community.add_members(INSTRUCTOR, cohort.id, w.people(*members))
    return cohort


def test_create_targets_the_stack_members_and_checks_ids(mem: World) -> None:
    """A stack's credentials become the targets; unknown ids suggest near ones."""
    cohort = mem.community.create_cohort(INSTRUCTOR, name="C", stack_id=STACK_ID)
    assert cohort.credential_ids == ("evaluate-impact", "plan-learning")
    assert cohort.targets[-1] == STACK_ID
    assert cohort.facilitators == (INSTRUCTOR.id,)
    assert cohort.course_id == COURSE
    with pytest.raises(NotFound, match="did you mean 'evaluate-impact'"):
        mem.community.create_cohort(INSTRUCTOR, name="C", credential_ids=["evaluate-impcat"])
    with pytest.raises(ValidationError, match="at least one credential"):
        mem.community.create_cohort(INSTRUCTOR, name="C")
    with pytest.raises(ValidationError, match="needs a name"):
        mem.community.create_cohort(INSTRUCTOR, name="  ", stack_id=STACK_ID)


@pytest.mark.parametrize("actor", [L1, COACH, ADMIN.__class__(id="x", course_id=COURSE)])
def test_only_instructors_and_admins_create_cohorts(mem: World, actor) -> None:
    with pytest.raises(PermissionDenied, match="instructor role"):
        mem.community.create_cohort(actor, name="C", stack_id=STACK_ID)


def test_members_from_the_roster_and_by_invitation(mem: World) -> None:
    """Roster people are active at once; invitees get a notification and join."""
    cohort = cohort_with_members(mem, L1)
    again = mem.community.add_members(INSTRUCTOR, cohort.id, [L1.id])
    assert [m.status for m in again] == [MemberStatus.ACTIVE]
    mem.community.invite_members(COACH, cohort.id, [L2.id])
    inbox = mem.community.notifications(L2).items
    assert [n.kind for n in inbox] == [NotificationKind.COHORT_INVITATION]
    assert inbox[0].link == {"cohort_id": cohort.id}
    assert mem.community.get_cohort(L2, cohort.id).me.status is MemberStatus.INVITED
    assert mem.community.join_cohort(L2, cohort.id).status is MemberStatus.ACTIVE
    with pytest.raises(PermissionDenied, match="not one of yours"):
        mem.community.join_cohort(L3, cohort.id)
    with pytest.raises(NotFound, match="'nobody' is known"):
        mem.community.add_members(INSTRUCTOR, cohort.id, ["nobody"])
    mem.community.leave_cohort(L1, cohort.id)
    view = mem.community.get_cohort(L2, cohort.id)
    assert [m.person_id for m in view.members] == [L2.id]
    assert not view.can_manage


def test_a_cohort_of_another_course_is_invisible(mem: World) -> None:
    cohort = cohort_with_members(mem, L1)
    for actor in (OTHER_INSTRUCTOR, learner(1, course="course-9"), L2):
        with pytest.raises(PermissionDenied):
            mem.community.get_cohort(actor, cohort.id)
    assert mem.community.list_cohorts(OTHER_INSTRUCTOR) == []
    assert [c.id for c in mem.community.list_cohorts(L1)] == [cohort.id]
    assert mem.community.list_cohorts(L2) == []
    with pytest.raises(PermissionDenied):
        mem.community.list_cohorts(INSTRUCTOR, course_id="course-9")


def test_checkpoints_and_meetings(mem: World) -> None:
    cohort = cohort_with_members(mem, L1)
    later = mem.community.add_checkpoint(
        INSTRUCTOR,
        cohort.id,
        title="Evaluation plan submitted",
        due_at=NOW + timedelta(days=30),
        credential_id="evaluate-impact",
        step="submitted",
    )
    first = mem.community.add_checkpoint(
        COACH,
        cohort.id,
        title="Started",
        due_at=NOW + timedelta(days=7),
        credential_id="evaluate-impact",
        step=Step.STARTED,
    )
    assert [c.title for c in first.checkpoints] == ["Started", "Evaluation plan submitted"]
    assert first.revision == later.revision + 1
    with pytest.raises(ValidationError, match="step must be one of started, submitted, awarded"):
        mem.community.add_checkpoint(
            INSTRUCTOR, cohort.id, title="x", due_at=NOW, credential_id="plan-learning", step="done"
        )
    with pytest.raises(ValidationError, match="does not pursue"):
        mem.community.add_checkpoint(
            INSTRUCTOR, cohort.id, title="x", due_at=NOW, credential_id="other", step="started"
        )
    with pytest.raises(ValidationError, match="a stack is earned"):
        mem.community.add_checkpoint(
            INSTRUCTOR, cohort.id, title="x", due_at=NOW, credential_id=STACK_ID, step="started"
        )
    with pytest.raises(PermissionDenied, match="only its facilitators"):
        mem.community.add_checkpoint(
            L1, cohort.id, title="x", due_at=NOW, credential_id=STACK_ID, step="awarded"
        )
    with_meeting = mem.community.add_meeting(
        INSTRUCTOR,
        cohort.id,
        kind="orientation",
        title="Orientation",
        at=NOW + timedelta(days=1),
        agenda="Dates, expectations, the rubric.",
    )
    meeting = with_meeting.meetings[0]
    assert meeting.kind is MeetingKind.ORIENTATION
    noted = mem.community.update_meeting(
        COACH, cohort.id, meeting.id, notes="Everyone picked a first goal."
    )
    assert noted.meetings[0].notes == "Everyone picked a first goal."
    with pytest.raises(AlreadyDecided, match="changed since you opened it"):
        mem.community.update_meeting(
            COACH, cohort.id, meeting.id, notes="stale", expected_revision=with_meeting.revision
        )
    with pytest.raises(ValidationError, match="kind must be one of"):
        mem.community.add_meeting(INSTRUCTOR, cohort.id, kind="party", title="x", at=NOW)


def test_facilitator_notes_are_for_facilitators_only(mem: World) -> None:
    """Neither the member, another member, nor a non-facilitating instructor reads them."""
    cohort = cohort_with_members(mem, L1, L2)
    mem.community.add_member_note(COACH, cohort.id, L1.id, "Worried about time; call Tuesday.")
    assert [n.text for n in mem.community.member_notes(COACH, cohort.id, L1.id)] == [
        "Worried about time; call Tuesday."
    ]
    other_instructor = INSTRUCTOR.__class__(
        id="teacher-2", course_id=COURSE, roles=INSTRUCTOR.roles, name="Not facilitating"
    )
    for actor in (L1, L2, other_instructor, OTHER_INSTRUCTOR):
        with pytest.raises(PermissionDenied):
            mem.community.member_notes(actor, cohort.id)
        with pytest.raises(PermissionDenied):
            mem.community.add_member_note(actor, cohort.id, L1.id, "x")
    # and nothing of them reaches a member's own reads
    for actor in (L1, L2):
        text = repr(mem.community.get_cohort(actor, cohort.id)) + repr(
            mem.community.notifications(actor)
        )
        assert "Worried" not in text


def test_board_coaching_list_and_reminders(mem: World) -> None:
    """Done, on track, late and not started; who needs a visit; reminders once."""
    cohort = cohort_with_members(mem, L1, L2, L3)
    mem.community.add_checkpoint(
        INSTRUCTOR,
        cohort.id,
        title="Plan submitted",
        due_at=NOW + timedelta(days=10),
        credential_id="evaluate-impact",
        step="submitted",
    )
    mem.submit(L1)  # done
    mem.start(L2)  # on track
    board = mem.community.progress_board(COACH, cohort.id)
    chk = board.checkpoints[0].id
    assert {r.member.person_id: r.cell(chk).status for r in board.rows} == {
        L1.id: CellStatus.DONE,
        L2.id: CellStatus.ON_TRACK,
        L3.id: CellStatus.NOT_STARTED,
    }
    assert mem.community.my_progress(L3, cohort.id).cell(chk).status is CellStatus.NOT_STARTED
    with pytest.raises(PermissionDenied):
        mem.community.progress_board(L1, cohort.id)

    mem.clock.advance(days=8)  # within 3 days of the due date
    sent = mem.community.send_reminders(INSTRUCTOR, cohort.id)
    assert sorted(n.person_id for n in sent) == [L2.id, L3.id]
    assert mem.community.send_reminders(INSTRUCTOR, cohort.id) == []  # once
    mem.clock.advance(days=4)  # one day past due
    board = mem.community.progress_board(COACH, cohort.id)
    assert board.row(L3.id).cell(chk).status is CellStatus.LATE
    overdue = mem.community.send_reminders(ADMIN)
    assert sorted(n.person_id for n in overdue) == [L2.id, L3.id]
    assert "was due" in overdue[0].title
    kinds = {r.kind for r in mem.community.reminders(COACH, cohort.id)}
    assert kinds == {ReminderKind.UPCOMING, ReminderKind.OVERDUE}

    mem.clock.advance(days=10)
    needs = mem.community.coaching_list(COACH, cohort.id)
    by = {n.member.person_id: {r.kind for r in n.reasons} for n in needs}
    assert by[L3.id] == {ReasonKind.LATE, ReasonKind.IDLE}
    assert L1.id not in by  # done with everything
    assert needs[0].member.person_id in (L2.id, L3.id)


def test_the_board_overview_is_the_board_coaching_list_and_reminders_at_once(
    world: World,
) -> None:
    """One reading of the facts gives what the three calls give (on every store)."""
    cohort = cohort_with_members(world, L1, L2, L3)
    for days, step in ((10, "submitted"), (20, "awarded")):
        world.community.add_checkpoint(
            INSTRUCTOR,
            cohort.id,
            title=f"By day {days}",
            due_at=NOW + timedelta(days=days),
            credential_id="evaluate-impact",
            step=step,
        )
    world.submit(L1)
    world.start(L2)
    world.clock.advance(days=12)
    overview = world.community.board_overview(COACH, cohort.id)
    assert overview.board == world.community.progress_board(COACH, cohort.id)
    assert list(overview.coaching) == world.community.coaching_list(COACH, cohort.id)
    schedule = world.community.reminders(COACH, cohort.id)
    assert {r.person_id for r in overview.due} == {L2.id, L3.id}
    assert set(overview.due) <= set(schedule)
    # the batches count the schedule: one per checkpoint and kind
    counted = {(b.checkpoint_id, b.kind, b.send_at): b.count for b in overview.batches}
    expected: dict = {}
    for r in schedule:
        k = (r.checkpoint_id, r.kind, r.send_at)
        expected[k] = expected.get(k, 0) + 1
    assert counted == expected
    assert all(b.send_at > overview.board.now for b in overview.upcoming)
    assert overview.sent == 0
    sent = world.community.send_reminders(COACH, cohort.id)
    assert {(n.person_id, n.key) for n in sent} == {(r.person_id, r.key) for r in overview.due}
    # once sent, the board lists them as sent, not as due
    after = world.community.board_overview(COACH, cohort.id)
    assert after.due == ()
    assert after.sent == len(sent)
    assert world.community.send_reminders(COACH, cohort.id) == []
    # a member who falls behind later is due a reminder of their own
    world.clock.advance(days=9)  # past day 20: the award checkpoint is missed too
    later = world.community.board_overview(COACH, cohort.id)
    assert later.due
    assert not {(r.person_id, r.key) for r in later.due} & {(n.person_id, n.key) for n in sent}
    with pytest.raises(PermissionDenied):
        world.community.board_overview(L1, cohort.id)


def test_stuck_in_revision_needs_a_visit(mem: World) -> None:
    cohort = cohort_with_members(mem, L1)
    mem.community.add_checkpoint(
        INSTRUCTOR,
        cohort.id,
        title="Earned",
        due_at=NOW + timedelta(days=60),
        credential_id="evaluate-impact",
        step="awarded",
    )
    mem.not_yet(L1)
    mem.clock.advance(days=6)
    assert mem.community.coaching_list(COACH, cohort.id) == []
    mem.clock.advance(days=2)
    (need,) = mem.community.coaching_list(COACH, cohort.id)
    assert [r.kind for r in need.reasons] == [ReasonKind.STUCK]
    assert "'Evaluate the impact of professional learning' has waited for revision for 8 days" in (
        need.reasons[0].text
    )


def test_chart_is_svg_text_with_a_title(mem: World) -> None:
    cohort = cohort_with_members(mem, L1)
    svg = mem.community.board_chart(COACH, cohort.id)
    assert svg.startswith("<svg")
    assert "<title" in svg
    assert "No checkpoints yet." in svg


def test_showcase_shows_only_shared_evidence(mem: World) -> None:
    """What each member earned; evidence only where they chose to share it."""
    cohort = cohort_with_members(mem, L1, L2)
    a1 = mem.award(L1)
    mem.award(L2)
    show = mem.community.showcase(L2, cohort.id)
    assert [m.person_id for m in show.members] == [L1.id, L2.id]
    assert all(e.evidence == () for m in show.members for e in m.earned)
    mem.community.share_evidence(L1, a1.id, ["reflection"])
    show = mem.community.showcase(L2, cohort.id)
    first = show.members[0].earned[0]
    assert [i.requirement_id for i in first.evidence] == ["reflection"]
    assert all(r.feedback == "" for r in first.rubric)
    sha = next(
        i.blob.sha256
        for i in mem.service.get_submission(L1, a1.submission_id).submission.items
        if i.blob
    )
    with pytest.raises(NotFound):  # the plan was not shared
        mem.community.read_showcase_file(L2, cohort.id, a1.id, sha)
    mem.community.share_evidence(L1, a1.id, ["reflection", "plan"])
    assert mem.community.read_showcase_file(L2, cohort.id, a1.id, sha).startswith(b"Week 1")
    with pytest.raises(PermissionDenied):
        mem.community.read_showcase_file(learner(5), cohort.id, a1.id, sha)
