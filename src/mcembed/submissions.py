"""Submissions: one learner's attempts at one credential, and their state machine.

```
draft ──submit──► submitted ──start_review──► in_review ──award──────────► awarded
  │                  │                            │  └──request_revision──► needs_revision
  │                  │                            └──release──► (back to submitted/resubmitted)
  │                  │                                                    │
  │                  │           resubmitted ◄──────────resubmit──────────┘
  │                  │              └──start_review──► in_review ...
  └──────────────────┴── withdraw (from draft, submitted, needs_revision, resubmitted) ──► withdrawn
```

Evidence can be edited (``save_draft``) while the submission is a ``draft`` or
``needs_revision``. Every submit or resubmit freezes the evidence as a numbered
``Attempt``; attempts are never changed or dropped. Every change appends a
``HistoryEntry`` (who, when, what).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from .errors import InvalidTransition
from .evidence import EvidenceItem

__all__ = [
    "ACTIONS_FROM",
    "Action",
    "Attempt",
    "HistoryEntry",
    "Submission",
    "SubmissionState",
    "allowed_actions",
    "next_state",
]


class SubmissionState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    AWARDED = "awarded"
    NEEDS_REVISION = "needs_revision"
    RESUBMITTED = "resubmitted"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    SAVE_DRAFT = "save_draft"
    SUBMIT = "submit"
    START_REVIEW = "start_review"
    RELEASE = "release"
    AWARD = "award"
    REQUEST_REVISION = "request_revision"
    RESUBMIT = "resubmit"
    WITHDRAW = "withdraw"
    REVOKE = "revoke"


S = SubmissionState
A = Action

# (state, action) -> next state. RELEASE goes back to where the review started
# from, so it is resolved in ``next_state``.
_TABLE: dict[tuple[SubmissionState, Action], SubmissionState] = {
    (S.DRAFT, A.SAVE_DRAFT): S.DRAFT,
    (S.DRAFT, A.SUBMIT): S.SUBMITTED,
    (S.DRAFT, A.WITHDRAW): S.WITHDRAWN,
    (S.SUBMITTED, A.START_REVIEW): S.IN_REVIEW,
    (S.SUBMITTED, A.WITHDRAW): S.WITHDRAWN,
    (S.IN_REVIEW, A.AWARD): S.AWARDED,
    (S.IN_REVIEW, A.REQUEST_REVISION): S.NEEDS_REVISION,
    (S.IN_REVIEW, A.RELEASE): S.SUBMITTED,
    (S.NEEDS_REVISION, A.SAVE_DRAFT): S.NEEDS_REVISION,
    (S.NEEDS_REVISION, A.RESUBMIT): S.RESUBMITTED,
    (S.NEEDS_REVISION, A.WITHDRAW): S.WITHDRAWN,
    (S.RESUBMITTED, A.START_REVIEW): S.IN_REVIEW,
    (S.RESUBMITTED, A.WITHDRAW): S.WITHDRAWN,
    (S.AWARDED, A.REVOKE): S.AWARDED,
}

ACTIONS_FROM: dict[SubmissionState, tuple[Action, ...]] = {
    state: tuple(a for a in Action if (state, a) in _TABLE) for state in SubmissionState
}


def allowed_actions(state: SubmissionState) -> tuple[Action, ...]:
    """The actions a submission in ``state`` accepts, in a stable order."""
    return ACTIONS_FROM[state]


def next_state(
    submission_id: str, state: SubmissionState, action: Action, *, attempt: int = 1
) -> SubmissionState:
    """The state after ``action``, or ``InvalidTransition`` naming what is allowed.

    ``attempt`` tells RELEASE whether the review had started from a first
    submission or a resubmission.
    """
    try:
        target = _TABLE[(state, action)]
    except KeyError:
        raise InvalidTransition(
            submission_id, action.value, state.value, [a.value for a in ACTIONS_FROM[state]]
        ) from None
    if action is A.RELEASE and attempt > 1:
        return S.RESUBMITTED
    return target


@dataclass(frozen=True, slots=True, kw_only=True)
class Attempt:
    """The evidence as it was when submitted for the ``number``-th time."""

    number: int
    items: tuple[EvidenceItem, ...]
    submitted_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryEntry:
    """One line of a submission's audit history."""

    at: datetime
    actor_id: str
    action: Action
    from_state: SubmissionState
    to_state: SubmissionState
    attempt: int
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    """One learner's pursuit of one credential at one version.

    ``items`` is the working copy of the evidence; ``attempts`` are frozen copies,
    one per submit or resubmit. ``revision`` counts stored changes and guards
    against two reviewers deciding at once.
    """

    id: str
    credential_id: str
    credential_version: str
    learner_id: str
    course_id: str = ""
    state: SubmissionState = SubmissionState.DRAFT
    items: tuple[EvidenceItem, ...] = ()
    attempts: tuple[Attempt, ...] = ()
    history: tuple[HistoryEntry, ...] = ()
    created_at: datetime
    updated_at: datetime
    revision: int = 0

    @property
    def attempt(self) -> int:
        """Number of the latest attempt (0 before the first submit)."""
        return len(self.attempts)

    @property
    def editable(self) -> bool:
        """Whether the learner may change the evidence now."""
        return (self.state, A.SAVE_DRAFT) in _TABLE

    @property
    def files(self) -> dict[str, int]:
        """The stored files its evidence refers to, in ``items`` and in every
        attempt: SHA-256 to size in bytes."""
        found: dict[str, int] = {}
        for item in (*self.items, *(i for a in self.attempts for i in a.items)):
            if item.blob is not None:
                found[item.blob.sha256] = item.blob.size
        return found

    def item(self, requirement_id: str) -> EvidenceItem | None:
        for item in self.items:
            if item.requirement_id == requirement_id:
                return item
        return None

    def apply(self, action: Action, *, actor_id: str, at: datetime, note: str = "") -> Submission:
        """Return the submission after ``action``, with its history entry appended.

        Submitting or resubmitting freezes ``items`` as a new attempt.

        Raises:
            InvalidTransition: the action is not allowed from the current state.
        """
        target = next_state(self.id, self.state, action, attempt=self.attempt)
        attempts = self.attempts
        if action in (A.SUBMIT, A.RESUBMIT):
            attempts = (
                *attempts,
                Attempt(number=len(attempts) + 1, items=self.items, submitted_at=at),
            )
        entry = HistoryEntry(
            at=at,
            actor_id=actor_id,
            action=action,
            from_state=self.state,
            to_state=target,
            attempt=len(attempts),
            note=note,
        )
        return replace(
            self,
            state=target,
            attempts=attempts,
            history=(*self.history, entry),
            updated_at=at,
        )
