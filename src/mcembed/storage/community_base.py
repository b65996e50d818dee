"""The community repositories of a ``Transaction``: cohorts, notifications,
recommendations and goals, portfolio sharing, the expertise directory, and
the facts boards and analytics read.

Same contract as ``base`` (verbs, atomic transactions), plus:

- ``update_cohort(c, expected_revision)`` writes only while the stored
  revision is still ``expected_revision`` (``AlreadyDecided`` otherwise) and
  returns the cohort with ``revision`` increased by one.
- ``add_notification`` raises ``Conflict`` for a second notification with the
  same non-empty ``key`` for the same person.
- ``find_share_link_by_hash`` finds a link by the SHA-256 of its token only.
- ``list_listed_awards`` returns only awards of holders who opted in (for
  that credential or all); nobody else's award leaves the store.
- The facts (``list_submission_facts`` and the rest) are always those of the
  submissions, reviews and awards as stored now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..activity import AwardFact, ReviewFact, SubmissionFact
from ..analytics import AnalyticsFilter, CohortScope, RawFigures, RawReviewer
from ..awards import Award
from ..cohorts import Cohort, CohortMember, MemberNote
from ..directory import DirectoryListing
from ..notifications import Notification
from ..people import Person
from ..portfolio import EvidenceShare, ShareLink
from ..recommendations import Goal, Recommendation, RecommendationStatus

if TYPE_CHECKING:
    from .base import Page

__all__ = ["CommunityTransaction", "FactFilter", "RecommendationFilter"]


@dataclass(frozen=True, slots=True, kw_only=True)
class FactFilter:
    """Facts of one course (or all), of some learners, of some credentials."""

    course_id: str | None = None
    learner_ids: tuple[str, ...] | None = None
    credential_ids: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecommendationFilter:
    recipient_id: str | None = None
    sender_id: str | None = None
    course_id: str | None = None
    credential_id: str | None = None
    status: RecommendationStatus | None = None
    reported_only: bool = False
    limit: int = 100


class CommunityTransaction(Protocol):
    # people, many at once
    def list_people(self, person_ids: Sequence[str]) -> list[Person]:
        """The known ones among ``person_ids``, in no particular order."""
        ...

    # cohorts
    def add_cohort(self, cohort: Cohort) -> None: ...
    def find_cohort(self, cohort_id: str) -> Cohort | None: ...
    def update_cohort(self, cohort: Cohort, expected_revision: int) -> Cohort: ...
    def list_cohorts(
        self, *, course_id: str | None = None, person_id: str | None = None
    ) -> list[Cohort]:
        """By name. ``person_id``: cohorts they facilitate or are an invited or
        active member of."""
        ...

    def put_cohort_member(self, member: CohortMember) -> None: ...
    def find_cohort_member(self, cohort_id: str, person_id: str) -> CohortMember | None: ...
    def list_cohort_members(self, cohort_id: str) -> list[CohortMember]:
        """Every member (any status), by name."""
        ...

    def list_active_member_ids(self, cohort_ids: Sequence[str]) -> dict[str, frozenset[str]]:
        """The active members of each of these cohorts (every id is a key)."""
        ...

    def add_member_note(self, note: MemberNote) -> None: ...
    def list_member_notes(self, cohort_id: str, member_id: str | None = None) -> list[MemberNote]:
        """Oldest first."""
        ...

    # notifications
    def add_notification(self, notification: Notification) -> None: ...
    def find_notification(self, notification_id: str) -> Notification | None: ...
    def find_notification_by_key(self, person_id: str, key: str) -> Notification | None: ...
    def find_notification_keys(
        self, person_ids: Sequence[str], keys: Sequence[str]
    ) -> set[tuple[str, str]]:
        """Which of these people already hold a notification with which of these
        keys, as (person, key) pairs: the reminders sent already, in one query."""
        ...

    def update_notification(self, notification: Notification) -> None: ...
    def list_notifications(
        self, person_id: str, *, unread_only: bool = False, limit: int = 50
    ) -> Page[Notification]:
        """Newest first; ``total`` counts every match."""
        ...

    # recommendations and goals
    def add_recommendation(self, recommendation: Recommendation) -> None: ...
    def find_recommendation(self, recommendation_id: str) -> Recommendation | None: ...
    def update_recommendation(self, recommendation: Recommendation) -> None: ...
    def list_recommendations(self, where: RecommendationFilter) -> list[Recommendation]:
        """Newest first."""
        ...

    def put_goal(self, goal: Goal) -> None: ...
    def find_goal(self, person_id: str, credential_id: str, course_id: str) -> Goal | None: ...
    def remove_goal(self, person_id: str, credential_id: str, course_id: str) -> None:
        """``NotFound`` if there is no such goal."""
        ...

    def list_goals(self, person_id: str, *, course_id: str | None = None) -> list[Goal]:
        """Oldest first."""
        ...

    # portfolio
    def put_evidence_share(self, share: EvidenceShare) -> None: ...
    def find_evidence_share(self, award_id: str) -> EvidenceShare | None: ...
    def list_evidence_shares(self, learner_id: str) -> list[EvidenceShare]: ...
    def add_share_link(self, link: ShareLink) -> None: ...
    def find_share_link(self, link_id: str) -> ShareLink | None: ...
    def find_share_link_by_hash(self, token_hash: str) -> ShareLink | None: ...
    def update_share_link(self, link: ShareLink) -> None: ...
    def list_share_links(self, learner_id: str) -> list[ShareLink]:
        """Newest first."""
        ...

    # the expertise directory
    def put_directory_listing(self, listing: DirectoryListing) -> None: ...
    def remove_directory_listings(self, person_id: str, credential_id: str | None = None) -> int:
        """Remove one listing (or all of a person's); returns how many went."""
        ...

    def list_directory_listings(
        self, *, person_id: str | None = None
    ) -> list[DirectoryListing]: ...

    def list_listed_awards(self, credential_ids: Sequence[str]) -> list[Award]:
        """Unrevoked awards of these credentials whose holders opted in to be
        listed for them."""
        ...

    # facts for boards and analytics
    def list_submission_facts(self, where: FactFilter) -> list[SubmissionFact]: ...
    def list_award_facts(self, where: FactFilter) -> list[AwardFact]: ...
    def list_review_facts(self, where: FactFilter) -> list[ReviewFact]: ...
    def analytics_figures(
        self, where: AnalyticsFilter, cohorts: Sequence[CohortScope]
    ) -> list[RawFigures]:
        """``analytics.aggregate`` over the stored facts (``cohorts``: the cohorts
        in scope, for cohort groupings and filters)."""
        ...

    def analytics_reviewers(
        self, where: AnalyticsFilter, cohorts: Sequence[CohortScope]
    ) -> list[RawReviewer]:
        """``analytics.aggregate_reviewers`` over the stored facts."""
        ...
