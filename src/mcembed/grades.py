"""Grades for the LMS gradebook: which score each event sends, and the outbox.

The rules (pure, no HTTP):

- a learner submits or resubmits: ``Submitted`` / ``PendingManual``, no points;
- a reviewer says "not yet": ``InProgress`` / ``NotReady``, no points (the
  learner is revising; a "not yet" is no failing grade);
- a reviewer awards: ``Completed`` / ``FullyGraded`` with the rubric points of
  the deciding review out of the rubric's maximum;
- a stack is awarded: ``Completed`` / ``FullyGraded`` with full marks;
- an award is revoked: ``InProgress`` / ``NotReady``, the grade is cleared.

Every score is written as a ``GradeDelivery`` in the same transaction as the
change it reports (an outbox), then sent, retried with back-off and never
dropped. A delivery's ``timestamp`` is fixed when it is written, so sending it
again is idempotent for the platform (AGS platforms keep one result per
timestamp), and a newer delivery for the same line item and learner
supersedes any older one still waiting. An older score is never sent after a
newer one exists (``superseded_by``): a worker that takes over a delivery
whose first worker died mid-send marks it superseded instead of sending it,
so the gradebook never falls back from the award to "pending".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = [
    "ActivityProgress",
    "DeliveryState",
    "GradeDelivery",
    "GradingProgress",
    "Score",
    "backoff",
    "score_for",
    "superseded_by",
]


class ActivityProgress(StrEnum):
    INITIALIZED = "Initialized"
    STARTED = "Started"
    IN_PROGRESS = "InProgress"
    SUBMITTED = "Submitted"
    COMPLETED = "Completed"


class GradingProgress(StrEnum):
    FULLY_GRADED = "FullyGraded"
    PENDING = "Pending"
    PENDING_MANUAL = "PendingManual"
    FAILED = "Failed"
    NOT_READY = "NotReady"


@dataclass(frozen=True, slots=True, kw_only=True)
class Score:
    """One AGS score for one learner, as the platform receives it."""

    user_id: str
    activity_progress: ActivityProgress
    grading_progress: GradingProgress
    timestamp: datetime
    score_given: float | None = None
    score_maximum: float | None = None
    comment: str = ""

    def to_json(self) -> dict[str, object]:
        """The ``application/vnd.ims.lis.v1.score+json`` body."""
        body: dict[str, object] = {
            "userId": self.user_id,
            "activityProgress": self.activity_progress.value,
            "gradingProgress": self.grading_progress.value,
            "timestamp": self.timestamp.isoformat(timespec="milliseconds"),
        }
        if self.score_given is not None:
            body["scoreGiven"] = self.score_given
            body["scoreMaximum"] = self.score_maximum
        if self.comment:
            body["comment"] = self.comment
        return body


def score_for(
    event: str,
    *,
    user_id: str,
    at: datetime,
    points: int | None = None,
    max_points: int | None = None,
    comment: str = "",
) -> Score | None:
    """The score an event sends to the gradebook, or ``None`` when it sends none.

    Args:
        event: ``submitted``, ``not_yet``, ``awarded``, ``stack_awarded`` or ``revoked``.
        user_id: the learner's id at the platform.
        at: when it happened (the score's timestamp).
        points: the rubric points of the deciding review (``awarded``).
        max_points: the line item's maximum.
        comment: shown to the learner in the gradebook, where the platform does.
    """
    if event == "submitted":
        return Score(
            user_id=user_id,
            activity_progress=ActivityProgress.SUBMITTED,
            grading_progress=GradingProgress.PENDING_MANUAL,
            timestamp=at,
            comment=comment or "Submitted for review.",
        )
    if event in ("not_yet", "revoked"):
        return Score(
            user_id=user_id,
            activity_progress=ActivityProgress.IN_PROGRESS,
            grading_progress=GradingProgress.NOT_READY,
            timestamp=at,
            comment=comment,
        )
    if event in ("awarded", "stack_awarded"):
        maximum = float(max_points if max_points is not None else 1)
        given = maximum if event == "stack_awarded" or points is None else float(points)
        return Score(
            user_id=user_id,
            activity_progress=ActivityProgress.COMPLETED,
            grading_progress=GradingProgress.FULLY_GRADED,
            timestamp=at,
            score_given=min(given, maximum),
            score_maximum=maximum,
            comment=comment,
        )
    return None


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    SUPERSEDED = "superseded"


_FIRST_RETRY = timedelta(seconds=30)
_LONGEST_WAIT = timedelta(minutes=30)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try: 30 s, doubling, at
    most 30 minutes. Deliveries are never dropped, so an LMS that is down for
    an hour gets every grade when it is back."""
    if attempts <= 0:
        return timedelta(0)
    return min(_FIRST_RETRY * (1 << min(attempts - 1, 20)), _LONGEST_WAIT)


@dataclass(frozen=True, slots=True, kw_only=True)
class GradeDelivery:
    """One score waiting to be, being, or having been sent to one line item."""

    id: str
    platform_id: str
    course_id: str
    placement_id: str
    person_id: str
    submission_id: str = ""
    event: str
    score: Score
    state: DeliveryState = DeliveryState.PENDING
    attempts: int = 0
    next_attempt_at: datetime
    lease_until: datetime | None = None
    last_error: str = ""
    created_at: datetime
    sent_at: datetime | None = None

    @property
    def failing(self) -> bool:
        """Tried and not yet through: shown to the instructor with a retry button."""
        return self.state in (DeliveryState.PENDING, DeliveryState.SENDING) and self.attempts > 0

    @property
    def target(self) -> tuple[str, str]:
        """The line item (placement) and learner the score is for."""
        return (self.placement_id, self.person_id)


def superseded_by(delivery: GradeDelivery, others: Iterable[GradeDelivery]) -> GradeDelivery | None:
    """The newest of ``others`` that makes ``delivery`` stale, or ``None``.

    Another delivery for the same line item and learner with a later score,
    sent or still to be sent, replaces ``delivery``'s score at the platform:
    sending ``delivery`` after it would leave the older score showing.
    Superseded deliveries replace nothing.
    """
    newer = [
        d
        for d in others
        if d.id != delivery.id
        and d.target == delivery.target
        and d.state is not DeliveryState.SUPERSEDED
        and d.score.timestamp > delivery.score.timestamp
    ]
    return max(newer, key=lambda d: (d.score.timestamp, d.created_at), default=None)
