"""What learners and reviewers did, as narrow facts for boards and analytics.

A ``SubmissionFact`` is a submission reduced to the moments that matter
(started, first submitted, returned for revision, last touched by the
learner); a ``ReviewFact`` is a review with the time its attempt waited and
the criteria it found "not yet"; an ``AwardFact`` is an award without its
documents. They are derived from the stored values by the functions here and
nowhere else: the memory store calls them directly, the SQL store keeps their
results in narrow tables so that a board or an analytics figure never has to
read evidence or documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .awards import Award, AwardKind, AwardStatus
from .reviews import Review
from .submissions import Action, Submission, SubmissionState

__all__ = [
    "AwardFact",
    "ReviewFact",
    "SubmissionFact",
    "award_fact",
    "review_fact",
    "submission_fact",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmissionFact:
    """A submission reduced to its moments, at one ``revision``."""

    submission_id: str
    revision: int
    credential_id: str
    course_id: str
    learner_id: str
    state: SubmissionState
    started_at: datetime
    first_submitted_at: datetime | None = None
    attempts: int = 0
    needs_revision_since: datetime | None = None
    last_activity_at: datetime

    @property
    def open(self) -> bool:
        return self.state is not SubmissionState.WITHDRAWN


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewFact:
    """One review: who, when, how long its attempt waited, what was not yet met."""

    review_id: str
    submission_id: str
    credential_id: str
    course_id: str
    learner_id: str
    reviewer_id: str
    attempt: int
    submitted_at: datetime | None
    reviewed_at: datetime
    passed: bool
    unmet: tuple[str, ...] = ()

    @property
    def turnaround_seconds(self) -> float | None:
        """Seconds from the attempt's submission to this review."""
        if self.submitted_at is None:
            return None
        return max((self.reviewed_at - self.submitted_at).total_seconds(), 0.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class AwardFact:
    """An award without its documents."""

    award_id: str
    kind: AwardKind
    credential_id: str
    course_id: str
    learner_id: str
    submission_id: str | None
    issued_at: datetime
    revoked: bool = False


def submission_fact(submission: Submission) -> SubmissionFact:
    """The moments of ``submission``.

    The learner's last activity is their own last change (saving, submitting,
    withdrawing); a reviewer opening the work does not count as the learner
    being active.
    """
    first = submission.attempts[0].submitted_at if submission.attempts else None
    since = None
    if submission.state is SubmissionState.NEEDS_REVISION:
        for entry in reversed(submission.history):
            if entry.action is Action.REQUEST_REVISION:
                since = entry.at
                break
        else:  # pragma: no cover - the state is only reached through that action
            since = submission.updated_at
    own = [h.at for h in submission.history if h.actor_id == submission.learner_id]
    return SubmissionFact(
        submission_id=submission.id,
        revision=submission.revision,
        credential_id=submission.credential_id,
        course_id=submission.course_id,
        learner_id=submission.learner_id,
        state=submission.state,
        started_at=submission.created_at,
        first_submitted_at=first,
        attempts=submission.attempt,
        needs_revision_since=since,
        last_activity_at=max([submission.created_at, *own]),
    )


def review_fact(review: Review, submission: Submission) -> ReviewFact:
    """``review`` with the moment its attempt of ``submission`` was submitted."""
    submitted = None
    for attempt in submission.attempts:
        if attempt.number == review.attempt:
            submitted = attempt.submitted_at
    return ReviewFact(
        review_id=review.id,
        submission_id=submission.id,
        credential_id=submission.credential_id,
        course_id=submission.course_id,
        learner_id=submission.learner_id,
        reviewer_id=review.reviewer_id,
        attempt=review.attempt,
        submitted_at=submitted,
        reviewed_at=review.created_at,
        passed=review.passed,
        unmet=tuple(r.criterion_id for r in review.decision.unmet),
    )


def award_fact(award: Award) -> AwardFact:
    return AwardFact(
        award_id=award.id,
        kind=award.kind,
        credential_id=award.credential_id,
        course_id=award.course_id,
        learner_id=award.learner_id,
        submission_id=award.submission_id,
        issued_at=award.issued_at,
        revoked=award.status is AwardStatus.REVOKED,
    )
