"""Cohorts: learners pursuing credentials together, with facilitators,
checkpoints and meetings.

A cohort belongs to one course. It targets credentials (or a stack, whose
credentials it then targets), sets checkpoints ("by 14 October, the
evaluation plan is submitted") and holds meetings (orientation, coaching,
brainstorm, showcase) with an agenda and notes. Members come from the course
roster or are invited and join. Facilitators may keep notes on a member that
only facilitators read.

The rules that read a cohort's progress (the board, who needs a coaching
visit, which reminders are due) are in ``boards``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from .errors import NotFound, did_you_mean, excerpt

__all__ = [
    "MAX_NOTE",
    "Checkpoint",
    "Cohort",
    "CohortMember",
    "Meeting",
    "MeetingKind",
    "MemberNote",
    "MemberStatus",
    "Step",
]

MAX_NOTE = 5000
_MAX_NAME = 200


class Step(StrEnum):
    """A step of the learner's path a checkpoint can ask for, in path order."""

    STARTED = "started"
    SUBMITTED = "submitted"
    AWARDED = "awarded"

    @property
    def rank(self) -> int:
        return _STEP_RANK[self.value]

    @property
    def words(self) -> str:
        return {"started": "started", "submitted": "submitted", "awarded": "earned"}[self.value]


_STEP_RANK = {"started": 0, "submitted": 1, "awarded": 2}


class MeetingKind(StrEnum):
    ORIENTATION = "orientation"
    COACHING = "coaching"
    BRAINSTORM = "brainstorm"
    SHOWCASE = "showcase"


class MemberStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    LEFT = "left"


def _text(name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise ValueError(f"{name} may be at most {limit} characters (got {len(value)})")


@dataclass(frozen=True, slots=True, kw_only=True)
class Checkpoint:
    """By ``due_at``, ``step`` must be done for ``credential_id``."""

    id: str
    title: str
    due_at: datetime
    credential_id: str
    step: Step

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise ValueError("a checkpoint needs a title")
        _text("a checkpoint's title", self.title, _MAX_NAME)
        if self.due_at.tzinfo is None:
            raise ValueError("a checkpoint's due date needs a time zone")


@dataclass(frozen=True, slots=True, kw_only=True)
class Meeting:
    """A meeting of the cohort: when, what for, the agenda and the notes."""

    id: str
    kind: MeetingKind
    title: str
    at: datetime
    agenda: str = ""
    notes: str = ""
    place: str = ""

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise ValueError("a meeting needs a title")
        _text("a meeting's title", self.title, _MAX_NAME)
        _text("a meeting's agenda", self.agenda, MAX_NOTE)
        _text("a meeting's notes", self.notes, MAX_NOTE)
        _text("a meeting's place", self.place, _MAX_NAME)
        if self.at.tzinfo is None:
            raise ValueError("a meeting's time needs a time zone")


@dataclass(frozen=True, slots=True, kw_only=True)
class Cohort:
    """A cohort of one course.

    Args:
        credential_ids: the credentials the cohort pursues (a stack's members
            when ``stack_id`` is set).
        stuck_days: a member whose work has waited for revision this long
            needs a coaching visit.
        idle_days: so does a member who has done nothing for this long.
        remind_days_before: members are reminded this many days before a
            checkpoint they have not met (0: only once it is missed).
        revision: counts stored changes; guards against two facilitators
            overwriting each other.
    """

    id: str
    course_id: str
    name: str
    description: str = ""
    facilitators: tuple[str, ...]
    credential_ids: tuple[str, ...] = ()
    stack_id: str | None = None
    checkpoints: tuple[Checkpoint, ...] = ()
    meetings: tuple[Meeting, ...] = ()
    stuck_days: int = 7
    idle_days: int = 14
    remind_days_before: int = 3
    created_at: datetime
    created_by: str = ""
    revision: int = 0

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("a cohort needs a name")
        _text("a cohort's name", self.name, _MAX_NAME)
        _text("a cohort's description", self.description, MAX_NOTE)
        if not self.facilitators:
            raise ValueError("a cohort needs at least one facilitator")
        if len(set(self.credential_ids)) != len(self.credential_ids):
            raise ValueError(f"a cohort lists a credential twice: {list(self.credential_ids)}")
        for days, what in (
            (self.stuck_days, "stuck_days"),
            (self.idle_days, "idle_days"),
            (self.remind_days_before, "remind_days_before"),
        ):
            if not 0 <= days <= 365:
                raise ValueError(f"{what} must be between 0 and 365 days (got {days})")
        ids = [c.id for c in self.checkpoints] + [m.id for m in self.meetings]
        if len(set(ids)) != len(ids):
            raise ValueError("checkpoint and meeting ids must be unique")
        targets = set(self.targets)
        for c in self.checkpoints:
            if c.credential_id not in targets:
                raise ValueError(
                    f"checkpoint {excerpt(c.title)} names {excerpt(c.credential_id)}, "
                    f"which the cohort does not pursue{did_you_mean(c.credential_id, targets)}"
                )
            if c.credential_id == self.stack_id and c.step is not Step.AWARDED:
                raise ValueError(
                    f"checkpoint {excerpt(c.title)}: a stack is earned, not started or submitted; "
                    "use the step 'awarded' or name one of its credentials"
                )

    @property
    def targets(self) -> tuple[str, ...]:
        """The credentials pursued, and the stack when there is one."""
        return (*self.credential_ids, *((self.stack_id,) if self.stack_id else ()))

    def checkpoint(self, checkpoint_id: str) -> Checkpoint:
        for c in self.checkpoints:
            if c.id == checkpoint_id:
                return c
        raise NotFound(f"Cohort {self.name!r} has no checkpoint {excerpt(checkpoint_id)}.")

    def meeting(self, meeting_id: str) -> Meeting:
        for m in self.meetings:
            if m.id == meeting_id:
                return m
        raise NotFound(f"Cohort {self.name!r} has no meeting {excerpt(meeting_id)}.")

    def is_facilitator(self, person_id: str) -> bool:
        return person_id in self.facilitators

    def with_checkpoint(self, checkpoint: Checkpoint) -> Cohort:
        """The cohort with ``checkpoint`` added or replaced, checkpoints by due date."""
        kept = [c for c in self.checkpoints if c.id != checkpoint.id]
        ordered = sorted([*kept, checkpoint], key=lambda c: (c.due_at, c.title, c.id))
        return replace(self, checkpoints=tuple(ordered))

    def with_meeting(self, meeting: Meeting) -> Cohort:
        """The cohort with ``meeting`` added or replaced, meetings by time."""
        kept = [m for m in self.meetings if m.id != meeting.id]
        ordered = sorted([*kept, meeting], key=lambda m: (m.at, m.title, m.id))
        return replace(self, meetings=tuple(ordered))


@dataclass(frozen=True, slots=True, kw_only=True)
class CohortMember:
    """One person in a cohort: added from the course roster, or invited."""

    cohort_id: str
    person_id: str
    name: str = ""
    status: MemberStatus = MemberStatus.ACTIVE
    invited: bool = False
    added_at: datetime
    added_by: str = ""

    @property
    def display_name(self) -> str:
        return self.name or self.person_id


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberNote:
    """A facilitator's note on a member; only the cohort's facilitators read it."""

    id: str
    cohort_id: str
    member_id: str
    author_id: str
    text: str
    created_at: datetime

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("a note needs some text")
        _text("a note", self.text, MAX_NOTE)
