"""Recommendations: "this credential is for you", from an instructor or a peer.

An instructor recommends a credential to a learner or a group; a peer to a
peer, and a peer may stay anonymous. The recipient accepts (the credential
becomes one of their goals) or declines.

Anonymity is kept by what leaves the core: recipients read
``ReceivedRecommendation`` values, which have no sender field at all when the
recommendation is anonymous; the stored ``Recommendation`` keeps the sender
so that an administrator can act on abuse a recipient reports.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from .errors import Conflict

__all__ = [
    "ANONYMOUS_SENDER",
    "MAX_RECOMMENDATION_NOTE",
    "Goal",
    "ModerationCase",
    "ReceivedRecommendation",
    "Recommendation",
    "RecommendationStatus",
    "RecommenderRole",
    "SentRecommendation",
    "received",
]

MAX_RECOMMENDATION_NOTE = 1000
ANONYMOUS_SENDER = "A colleague"


class RecommenderRole(StrEnum):
    INSTRUCTOR = "instructor"
    PEER = "peer"


class RecommendationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # by an administrator, on a report: the recipient no longer sees it


@dataclass(frozen=True, slots=True, kw_only=True)
class Recommendation:
    """One recommendation of one credential to one person, as stored.

    ``batch_id`` ties together the recommendations one instructor sent to a
    group at once.
    """

    id: str
    credential_id: str
    course_id: str
    recipient_id: str
    sender_id: str
    sender_role: RecommenderRole
    anonymous: bool = False
    note: str = ""
    batch_id: str = ""
    status: RecommendationStatus = RecommendationStatus.PENDING
    created_at: datetime
    answered_at: datetime | None = None
    reported_at: datetime | None = None
    report_reason: str = ""

    def __post_init__(self) -> None:
        if self.recipient_id == self.sender_id:
            raise ValueError("a recommendation is for someone else")
        if len(self.note) > MAX_RECOMMENDATION_NOTE:
            raise ValueError(
                f"a recommendation's note may be at most {MAX_RECOMMENDATION_NOTE} characters "
                f"(got {len(self.note)})"
            )
        if self.anonymous and self.sender_role is not RecommenderRole.PEER:
            raise ValueError("only a peer's recommendation can be anonymous")

    def answer(self, *, accept: bool, at: datetime) -> Recommendation:
        """Accepted or declined at ``at``.

        Raises:
            Conflict: it was answered already.
        """
        if self.status is not RecommendationStatus.PENDING:
            raise Conflict(f"Recommendation {self.id} was {self.status} already.")
        status = RecommendationStatus.ACCEPTED if accept else RecommendationStatus.DECLINED
        return replace(self, status=status, answered_at=at)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceivedRecommendation:
    """A recommendation as its recipient (and every page, API and export) sees it.

    There is no sender id here; ``sender_name`` is ``ANONYMOUS_SENDER`` when
    the sender chose anonymity.
    """

    id: str
    credential_id: str
    credential_name: str
    note: str
    sender_name: str
    sender_role: RecommenderRole
    anonymous: bool
    status: RecommendationStatus
    created_at: datetime
    answered_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SentRecommendation:
    """A recommendation as its sender sees it."""

    id: str
    credential_id: str
    credential_name: str
    recipient_id: str
    recipient_name: str
    note: str
    anonymous: bool
    status: RecommendationStatus
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ModerationCase:
    """A reported recommendation as an administrator sees it, to act on abuse:
    with its sender, even an anonymous one. Only administrators get these."""

    id: str
    course_id: str
    credential_id: str
    credential_name: str
    recipient_id: str
    recipient_name: str
    sender_id: str
    sender_name: str
    sender_role: RecommenderRole
    anonymous: bool
    note: str
    status: RecommendationStatus
    created_at: datetime
    reported_at: datetime | None
    report_reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Goal:
    """A credential a person means to earn (from an accepted recommendation, or chosen)."""

    person_id: str
    credential_id: str
    course_id: str
    created_at: datetime
    recommendation_id: str = ""


def received(
    recommendation: Recommendation, *, sender_name: str, credential_name: str
) -> ReceivedRecommendation:
    """The recipient's view; the sender's name is dropped when anonymous."""
    return ReceivedRecommendation(
        id=recommendation.id,
        credential_id=recommendation.credential_id,
        credential_name=credential_name,
        note=recommendation.note,
        sender_name=ANONYMOUS_SENDER if recommendation.anonymous else sender_name,
        sender_role=recommendation.sender_role,
        anonymous=recommendation.anonymous,
        status=recommendation.status,
        created_at=recommendation.created_at,
        answered_at=recommendation.answered_at,
    )
