"""A cohort's progress board, who needs a coaching visit, and which reminders are due.

Everything here is a pure function of the cohort, its members, the facts of
their submissions and awards (``activity``) and ``now``.

A board cell (member × checkpoint) is:

- ``done`` when the member reached the checkpoint's step for its credential,
  at any time (``done_late`` says whether after the due date). Reaching a
  later step counts for the earlier ones: an award means started and
  submitted too.
- ``late`` when not done and the due date has passed;
- ``on_track`` when not done, not yet due, and the member has open work on
  the credential;
- ``not_started`` when not done, not yet due, and nothing is begun.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .activity import AwardFact, SubmissionFact
from .cohorts import Checkpoint, Cohort, CohortMember, MemberStatus, Step
from .submissions import SubmissionState

__all__ = [
    "Board",
    "BoardCell",
    "BoardRow",
    "CellStatus",
    "CoachingNeed",
    "CoachingReason",
    "ReasonKind",
    "Reminder",
    "ReminderBatch",
    "ReminderKind",
    "coaching_needs",
    "format_day",
    "progress_board",
    "reminder_batches",
    "reminder_schedule",
    "reminders_due",
]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_day(moment: datetime) -> str:
    """``14 Sep 2026``, the same whatever the process locale."""
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


class CellStatus(StrEnum):
    DONE = "done"
    ON_TRACK = "on_track"
    LATE = "late"
    NOT_STARTED = "not_started"

    @property
    def words(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True, slots=True, kw_only=True)
class BoardCell:
    checkpoint_id: str
    status: CellStatus
    done_at: datetime | None = None
    done_late: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class BoardRow:
    member: CohortMember
    cells: tuple[BoardCell, ...]

    def cell(self, checkpoint_id: str) -> BoardCell:
        for c in self.cells:
            if c.checkpoint_id == checkpoint_id:
                return c
        raise KeyError(checkpoint_id)

    @property
    def late(self) -> tuple[BoardCell, ...]:
        return tuple(c for c in self.cells if c.status is CellStatus.LATE)

    @property
    def next_open(self) -> BoardCell | None:
        """The member's next step: their first checkpoint (by due date) not done
        yet, late or not; None when every checkpoint is done."""
        for c in self.cells:
            if c.status is not CellStatus.DONE:
                return c
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Board:
    """Members × checkpoints at ``now``; checkpoints by due date, members by name."""

    cohort: Cohort
    checkpoints: tuple[Checkpoint, ...]
    rows: tuple[BoardRow, ...]
    now: datetime

    def counts(self, checkpoint_id: str) -> dict[CellStatus, int]:
        """How many members are in each state for one checkpoint (every state listed)."""
        out = dict.fromkeys(CellStatus, 0)
        for row in self.rows:
            out[row.cell(checkpoint_id).status] += 1
        return out

    def row(self, person_id: str) -> BoardRow | None:
        for r in self.rows:
            if r.member.person_id == person_id:
                return r
        return None

    @property
    def next_checkpoint(self) -> Checkpoint | None:
        """The first checkpoint not yet due."""
        for c in self.checkpoints:
            if c.due_at >= self.now:
                return c
        return None


_UP_TO = {step: tuple(s for s in Step if s.rank <= step.rank) for step in Step}


def _reached(
    facts: Sequence[SubmissionFact], awards: Sequence[AwardFact]
) -> dict[tuple[str, Step], datetime]:
    """When each step (or a later one) was first reached, per credential."""
    out: dict[tuple[str, Step], datetime] = {}

    def note(credential: str, step: Step, at: datetime) -> None:
        for earlier in _UP_TO[step]:  # reaching a step reaches every earlier one
            key = (credential, earlier)
            held = out.get(key)
            if held is None or at < held:
                out[key] = at

    for f in facts:
        note(f.credential_id, Step.STARTED, f.started_at)
        if f.first_submitted_at is not None:
            note(f.credential_id, Step.SUBMITTED, f.first_submitted_at)
    for a in awards:
        if not a.revoked:
            note(a.credential_id, Step.AWARDED, a.issued_at)
    return out


def progress_board(
    cohort: Cohort,
    members: Iterable[CohortMember],
    facts: Iterable[SubmissionFact],
    awards: Iterable[AwardFact],
    now: datetime,
) -> Board:
    """The board of ``cohort`` at ``now``.

    Args:
        members: the cohort's members; only active ones get a row.
        facts: submission facts (others' and other courses' are ignored).
        awards: award facts (likewise).
    """
    by_learner: dict[str, list[SubmissionFact]] = {}
    for f in facts:
        if f.course_id == cohort.course_id:
            by_learner.setdefault(f.learner_id, []).append(f)
    awards_of: dict[str, list[AwardFact]] = {}
    for a in awards:
        if a.course_id == cohort.course_id:
            awards_of.setdefault(a.learner_id, []).append(a)
    checkpoints = tuple(sorted(cohort.checkpoints, key=lambda c: (c.due_at, c.title, c.id)))
    rows = []
    active = [m for m in members if m.status is MemberStatus.ACTIVE and m.cohort_id == cohort.id]
    for member in sorted(active, key=lambda m: (m.display_name.lower(), m.person_id)):
        mine = by_learner.get(member.person_id, [])
        reached = _reached(mine, awards_of.get(member.person_id, []))
        working = {f.credential_id for f in mine if f.open}
        cells = []
        for c in checkpoints:
            at = reached.get((c.credential_id, c.step))
            if at is not None:
                cells.append(
                    BoardCell(
                        checkpoint_id=c.id,
                        status=CellStatus.DONE,
                        done_at=at,
                        done_late=at > c.due_at,
                    )
                )
            elif now > c.due_at:
                cells.append(BoardCell(checkpoint_id=c.id, status=CellStatus.LATE))
            elif c.credential_id in working or (
                c.credential_id == cohort.stack_id and not working.isdisjoint(cohort.credential_ids)
            ):
                cells.append(BoardCell(checkpoint_id=c.id, status=CellStatus.ON_TRACK))
            else:
                cells.append(BoardCell(checkpoint_id=c.id, status=CellStatus.NOT_STARTED))
        rows.append(BoardRow(member=member, cells=tuple(cells)))
    return Board(cohort=cohort, checkpoints=checkpoints, rows=tuple(rows), now=now)


class ReasonKind(StrEnum):
    LATE = "late"
    STUCK = "stuck"
    IDLE = "idle"


@dataclass(frozen=True, slots=True, kw_only=True)
class CoachingReason:
    kind: ReasonKind
    text: str
    checkpoint_id: str = ""
    credential_id: str = ""
    since: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CoachingNeed:
    """A member worth a coaching visit, and why."""

    member: CohortMember
    reasons: tuple[CoachingReason, ...]


def _days(delta: timedelta) -> str:
    days = int(delta.total_seconds() // 86400)
    return f"{days} day{'' if days == 1 else 's'}"


def coaching_needs(
    board: Board,
    facts: Iterable[SubmissionFact],
    *,
    names: dict[str, str] | None = None,
) -> list[CoachingNeed]:
    """Who needs a coaching visit at ``board.now``: late on a checkpoint, work
    waiting for revision for ``cohort.stuck_days`` or more, or no activity on
    the cohort's credentials for ``cohort.idle_days`` or more (members who
    have met every checkpoint are never idle). Most reasons first.

    Args:
        names: credential id -> name, for the reasons' wording.
    """
    cohort, now = board.cohort, board.now
    names = names or {}
    targets = set(cohort.targets)
    by_learner: dict[str, list[SubmissionFact]] = {}
    for f in facts:
        if f.course_id == cohort.course_id and f.credential_id in targets:
            by_learner.setdefault(f.learner_id, []).append(f)
    out = []
    for row in board.rows:
        reasons: list[CoachingReason] = []
        for cell in row.late:
            c = cohort.checkpoint(cell.checkpoint_id)
            reasons.append(
                CoachingReason(
                    kind=ReasonKind.LATE,
                    text=f"Late on {c.title!r} (due {format_day(c.due_at)})",
                    checkpoint_id=c.id,
                    credential_id=c.credential_id,
                    since=c.due_at,
                )
            )
        mine = by_learner.get(row.member.person_id, [])
        for f in sorted(mine, key=lambda f: f.credential_id):
            since = f.needs_revision_since
            if (
                f.state is SubmissionState.NEEDS_REVISION
                and since is not None
                and now - since >= timedelta(days=cohort.stuck_days)
            ):
                name = names.get(f.credential_id, f.credential_id)
                reasons.append(
                    CoachingReason(
                        kind=ReasonKind.STUCK,
                        text=f"{name!r} has waited for revision for {_days(now - since)}",
                        credential_id=f.credential_id,
                        since=since,
                    )
                )
        all_done = bool(row.cells) and all(c.status is CellStatus.DONE for c in row.cells)
        last = max([row.member.added_at, *(f.last_activity_at for f in mine)])
        if not all_done and now - last >= timedelta(days=cohort.idle_days):
            reasons.append(
                CoachingReason(
                    kind=ReasonKind.IDLE,
                    text=f"No activity for {_days(now - last)}",
                    since=last,
                )
            )
        if reasons:
            out.append(CoachingNeed(member=row.member, reasons=tuple(reasons)))
    out.sort(key=lambda n: (-len(n.reasons), n.member.display_name.lower(), n.member.person_id))
    return out


class ReminderKind(StrEnum):
    UPCOMING = "upcoming"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True, kw_only=True)
class Reminder:
    """What to remind whom of, and when."""

    person_id: str
    checkpoint_id: str
    kind: ReminderKind
    send_at: datetime
    until: datetime | None
    title: str
    body: str
    key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReminderBatch:
    """One checkpoint's reminders of one kind: when they go, and to how many."""

    checkpoint_id: str
    kind: ReminderKind
    send_at: datetime
    until: datetime | None
    title: str
    count: int


@dataclass(frozen=True, slots=True)
class _Window:
    checkpoint_id: str
    kind: ReminderKind
    send_at: datetime
    until: datetime | None
    title: str
    body: str
    key: str

    def is_open(self, now: datetime) -> bool:
        return self.send_at <= now and (self.until is None or now < self.until)


def _windows(board: Board) -> dict[str, tuple[_Window, ...]]:
    """Each checkpoint's reminders: one ``remind_days_before`` its due date
    (sent until it is due) and one a day after it (sent once it is missed)."""
    cohort = board.cohort
    before = timedelta(days=cohort.remind_days_before)
    out = {}
    for c in board.checkpoints:
        what = f"{c.title} ({c.step.words})"
        key = f"cohort:{cohort.id}:checkpoint:{c.id}"
        day = format_day(c.due_at)
        windows = []
        if cohort.remind_days_before > 0:
            windows.append(
                _Window(
                    c.id,
                    ReminderKind.UPCOMING,
                    c.due_at - before,
                    c.due_at,
                    f"{cohort.name}: {c.title} is due {day}",
                    f"By {day}: {what}.",
                    f"{key}:upcoming",
                )
            )
        windows.append(
            _Window(
                c.id,
                ReminderKind.OVERDUE,
                c.due_at + timedelta(days=1),
                None,
                f"{cohort.name}: {c.title} was due {day}",
                f"It is not too late: {what}. Your facilitators can help.",
                f"{key}:overdue",
            )
        )
        out[c.id] = tuple(windows)
    return out


def _reminders(board: Board, windows: dict[str, tuple[_Window, ...]]) -> list[Reminder]:
    out = [
        Reminder(
            person_id=row.member.person_id,
            checkpoint_id=w.checkpoint_id,
            kind=w.kind,
            send_at=w.send_at,
            until=w.until,
            title=w.title,
            body=w.body,
            key=w.key,
        )
        for row in board.rows
        for cell in row.cells
        if cell.status is not CellStatus.DONE
        for w in windows.get(cell.checkpoint_id, ())
    ]
    out.sort(key=lambda r: (r.send_at, r.person_id, r.key))
    return out


def reminder_schedule(board: Board) -> list[Reminder]:
    """Every reminder the board calls for: for each checkpoint a member has not
    met, one ``remind_days_before`` its due date (sent until it is due) and
    one a day after it (sent once it is missed). Ordered by sending time."""
    return _reminders(board, _windows(board))


def reminders_due(board: Board) -> list[Reminder]:
    """The reminders to send at ``board.now`` (whether sent already is the
    caller's to check, by each reminder's ``key``): those of the schedule
    whose time has come and not passed."""
    now = board.now
    windows = {cid: tuple(w for w in ws if w.is_open(now)) for cid, ws in _windows(board).items()}
    return _reminders(board, windows)


def reminder_batches(board: Board) -> list[ReminderBatch]:
    """The schedule by checkpoint and kind, with how many members each batch
    reaches (members who have not met the checkpoint); by sending time."""
    out = []
    for cid, windows in _windows(board).items():
        counts = board.counts(cid)
        waiting = len(board.rows) - counts[CellStatus.DONE]
        if not waiting:
            continue
        out += [
            ReminderBatch(
                checkpoint_id=cid,
                kind=w.kind,
                send_at=w.send_at,
                until=w.until,
                title=w.title,
                count=waiting,
            )
            for w in windows
        ]
    out.sort(key=lambda b: (b.send_at, b.checkpoint_id, b.kind.value))
    return out
