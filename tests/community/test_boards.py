"""The board, coaching and reminder rules as pure functions, with property tests,
and the board chart."""

from __future__ import annotations

import re
from datetime import timedelta
from xml.etree import ElementTree

from hypothesis import given
from hypothesis import strategies as st

from factories import NOW
from mcembed import AwardKind, SubmissionState
from mcembed.activity import AwardFact, SubmissionFact
from mcembed.boards import (
    CellStatus,
    ReminderKind,
    coaching_needs,
    progress_board,
    reminder_schedule,
    reminders_due,
)
from mcembed.charts import board_chart_svg
from mcembed.cohorts import Checkpoint, Cohort, CohortMember, MemberStatus, Step

CREDS = ("a", "b")


def cohort(checkpoints: tuple[Checkpoint, ...] = (), **kw) -> Cohort:
    return Cohort(
        id="coh_1",
        course_id="c1",
        name="Spring <cohort> & friends",
        facilitators=("f",),
        credential_ids=CREDS,
        stack_id="s",
        checkpoints=checkpoints,
        created_at=NOW,
        **kw,
    )


def member(n: int, status: MemberStatus = MemberStatus.ACTIVE) -> CohortMember:
    return CohortMember(
        cohort_id="coh_1", person_id=f"p{n}", name=f"P{n}", status=status, added_at=NOW
    )


def fact(person: str, credential: str = "a", **kw) -> SubmissionFact:
    values = {
        "submission_id": f"s-{person}-{credential}",
        "revision": 1,
        "credential_id": credential,
        "course_id": "c1",
        "learner_id": person,
        "state": SubmissionState.DRAFT,
        "started_at": NOW,
        "last_activity_at": NOW,
    }
    values.update(kw)
    return SubmissionFact(**values)


def award(person: str, credential: str = "a", at=NOW, **kw) -> AwardFact:
    return AwardFact(
        award_id=f"awd-{person}-{credential}",
        kind=AwardKind.CREDENTIAL,
        credential_id=credential,
        course_id="c1",
        learner_id=person,
        submission_id=None,
        issued_at=at,
        **kw,
    )


def chk(n: int, step: Step, days: int, credential: str = "a") -> Checkpoint:
    return Checkpoint(
        id=f"k{n}",
        title=f"Checkpoint {n}",
        due_at=NOW + timedelta(days=days),
        credential_id=credential,
        step=step,
    )


def test_cells_by_example() -> None:
    c = cohort((chk(1, Step.SUBMITTED, 5), chk(2, Step.AWARDED, -1), chk(3, Step.AWARDED, 9, "s")))
    facts = [
        fact("p1", first_submitted_at=NOW + timedelta(days=6), attempts=1),
        fact("p2"),
        fact("p3", course_id="other", first_submitted_at=NOW),  # another course: ignored
        fact("p4", state=SubmissionState.WITHDRAWN),
    ]
    awards = [award("p2", at=NOW - timedelta(days=2)), award("p5", revoked=True)]
    members = [member(n) for n in range(1, 6)] + [member(9, MemberStatus.INVITED)]
    board = progress_board(c, members, facts, awards, NOW + timedelta(days=7))
    assert [x.id for x in board.checkpoints] == ["k2", "k1", "k3"]  # by due date
    grid = {r.member.person_id: [r.cell(k).status for k in ("k1", "k2", "k3")] for r in board.rows}
    assert grid == {
        "p1": [CellStatus.DONE, CellStatus.LATE, CellStatus.ON_TRACK],
        "p2": [CellStatus.DONE, CellStatus.DONE, CellStatus.ON_TRACK],
        "p3": [CellStatus.LATE, CellStatus.LATE, CellStatus.NOT_STARTED],
        "p4": [CellStatus.LATE, CellStatus.LATE, CellStatus.NOT_STARTED],
        "p5": [CellStatus.LATE, CellStatus.LATE, CellStatus.NOT_STARTED],
    }
    p1 = board.row("p1")
    assert p1.cell("k1").done_late
    assert not board.row("p2").cell("k1").done_late  # awarded before the due date
    assert board.counts("k1") == {
        CellStatus.DONE: 2,
        CellStatus.ON_TRACK: 0,
        CellStatus.LATE: 3,
        CellStatus.NOT_STARTED: 0,
    }
    assert board.next_checkpoint.id == "k3"


def test_a_members_next_step_is_their_first_checkpoint_not_done() -> None:
    """By due date, late or not; none once everything is done."""
    c = cohort((chk(1, Step.SUBMITTED, 5), chk(2, Step.STARTED, -1), chk(3, Step.AWARDED, 9)))
    facts = [fact("p1", first_submitted_at=NOW), fact("p2")]
    board = progress_board(c, [member(1), member(2), member(3)], facts, [award("p1")], NOW)
    assert board.row("p1").next_open is None  # started, submitted, awarded
    assert board.row("p2").next_open.checkpoint_id == "k1"  # k2 (started) done, k1 ahead
    late = board.row("p3").next_open
    assert (late.checkpoint_id, late.status) == ("k2", CellStatus.LATE)


moments = st.integers(-30, 30).map(lambda d: NOW + timedelta(days=d))


@st.composite
def boards(draw: st.DrawFn):
    checkpoints = tuple(
        chk(
            i,
            draw(st.sampled_from(list(Step))),
            draw(st.integers(-20, 20)),
            draw(st.sampled_from(CREDS)),
        )
        for i in range(draw(st.integers(0, 4)))
    )
    people = [f"p{i}" for i in range(draw(st.integers(0, 5)))]
    facts, awards = [], []
    for p in people:
        for cred in CREDS:
            if draw(st.booleans()):
                started = draw(moments)
                submitted = draw(st.none() | moments.filter(lambda m, s=started: m >= s))
                facts.append(
                    fact(
                        p,
                        cred,
                        started_at=started,
                        first_submitted_at=submitted,
                        state=draw(st.sampled_from(list(SubmissionState))),
                    )
                )
                if submitted is not None and draw(st.booleans()):
                    awards.append(award(p, cred, at=submitted, revoked=draw(st.booleans())))
    members = [member(int(p[1:])) for p in people]
    return cohort(checkpoints), members, facts, awards


@given(boards(), moments, st.integers(0, 40))
def test_board_invariants(drawn, now, later_days) -> None:
    """One cell per member and checkpoint; late only after the due date; done
    stays done as time passes; a later step done means the earlier ones are."""
    c, members, facts, awards = drawn
    board = progress_board(c, members, facts, awards, now)
    later = progress_board(c, members, facts, awards, now + timedelta(days=later_days))
    assert len(board.rows) == len(members)
    for row, row_later in zip(board.rows, later.rows, strict=True):
        assert [x.checkpoint_id for x in row.cells] == [x.id for x in board.checkpoints]
        for cell, checkpoint in zip(row.cells, board.checkpoints, strict=True):
            if cell.status is CellStatus.LATE:
                assert now > checkpoint.due_at
            if cell.status in (CellStatus.ON_TRACK, CellStatus.NOT_STARTED):
                assert now <= checkpoint.due_at
            if cell.status is CellStatus.DONE:
                assert row_later.cell(cell.checkpoint_id).status is CellStatus.DONE
                assert cell.done_late == (cell.done_at > checkpoint.due_at)
        for a in row.cells:
            for b in row.cells:
                ca, cb = c.checkpoint(a.checkpoint_id), c.checkpoint(b.checkpoint_id)
                if (
                    ca.credential_id == cb.credential_id
                    and ca.step.rank > cb.step.rank
                    and a.status is CellStatus.DONE
                ):
                    assert b.status is CellStatus.DONE
    for checkpoint in board.checkpoints:
        assert sum(board.counts(checkpoint.id).values()) == len(members)


@given(boards(), moments)
def test_reminders_only_for_unmet_checkpoints_and_never_both_at_once(drawn, now) -> None:
    c, members, facts, awards = drawn
    board = progress_board(c, members, facts, awards, now)
    due = reminders_due(board)
    keys = [(r.person_id, r.checkpoint_id) for r in due]
    assert len(keys) == len(set(keys))
    for r in due:
        assert board.row(r.person_id).cell(r.checkpoint_id).status is not CellStatus.DONE
        due_at = c.checkpoint(r.checkpoint_id).due_at
        if r.kind is ReminderKind.UPCOMING:
            assert due_at - timedelta(days=c.remind_days_before) <= now < due_at
        else:
            assert now >= due_at + timedelta(days=1)
    assert {r.key for r in reminder_schedule(board)} >= {r.key for r in due}


def test_no_reminder_before_when_the_cohort_says_zero() -> None:
    c = cohort((chk(1, Step.STARTED, 2),), remind_days_before=0)
    board = progress_board(c, [member(1)], [], [], NOW)
    assert [r.kind for r in reminder_schedule(board)] == [ReminderKind.OVERDUE]


def test_idle_and_stuck() -> None:
    c = cohort((chk(1, Step.AWARDED, 60),), stuck_days=7, idle_days=14)
    facts = [
        fact(
            "p1",
            state=SubmissionState.NEEDS_REVISION,
            needs_revision_since=NOW,
            last_activity_at=NOW,
        ),
        fact("p2", last_activity_at=NOW),
    ]
    members = [member(1), member(2)]
    now = NOW + timedelta(days=15)
    needs = coaching_needs(progress_board(c, members, facts, [], now), facts, names={"a": "Alpha"})
    assert [(n.member.person_id, [r.text for r in n.reasons]) for n in needs] == [
        ("p1", ["'Alpha' has waited for revision for 15 days", "No activity for 15 days"]),
        ("p2", ["No activity for 15 days"]),
    ]


def test_chart_is_accessible_escaped_and_labels_every_count() -> None:
    c = cohort((chk(1, Step.SUBMITTED, -2), chk(2, Step.AWARDED, 10)))
    facts = [fact("p1", first_submitted_at=NOW - timedelta(days=3)), fact("p2")]
    members = [member(n) for n in range(1, 5)]
    svg = board_chart_svg(progress_board(c, members, facts, [], NOW))
    root = ElementTree.fromstring(svg)  # well-formed: user text is escaped
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    labelled = root.get("aria-labelledby").split()
    ids = {e.get("id"): e for e in root.iter() if e.get("id")}
    assert [ids[i].tag for i in labelled] == [f"{ns}title", f"{ns}desc"]
    assert ids[labelled[0]].text == "Spring <cohort> & friends: progress"
    desc = ids[labelled[1]].text
    assert "Checkpoint 1, Checkpoint 1, submitted, due 30 Aug 2026: 1 done · 3 late." in desc
    texts = " ".join(t.text or "" for t in root.iter(f"{ns}text"))
    assert "1 done · 3 late" in texts  # counts in words, not colour alone
    assert "2 on track · 2 not started" in texts
    assert "today" in texts
    assert re.search(r"url\(#board-coh_1-hatch\)", svg)


def test_chart_ids_can_be_made_unique_and_width_is_checked() -> None:
    board = progress_board(cohort(), [], [], [], NOW)
    assert 'id="x-1-title"' in board_chart_svg(board, id_prefix="x 1")
    import pytest

    with pytest.raises(ValueError, match="at least 480"):
        board_chart_svg(board, width=200)
