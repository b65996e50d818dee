"""The community repositories of ``MemoryStore``, mixed into its transaction.

Facts are derived on the fly from the stored submissions, reviews and awards
with the functions of ``activity``; the figures with ``analytics.aggregate``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any, Protocol

from ..activity import (
    AwardFact,
    ReviewFact,
    SubmissionFact,
    award_fact,
    review_fact,
    submission_fact,
)
from ..analytics import (
    AnalyticsFilter,
    CohortScope,
    RawFigures,
    RawReviewer,
    aggregate,
    aggregate_reviewers,
)
from ..awards import Award, AwardStatus
from ..cohorts import Cohort, CohortMember, MemberNote, MemberStatus
from ..directory import ALL, DirectoryListing
from ..errors import AlreadyDecided, Conflict, NotFound
from ..notifications import Notification
from ..people import Person
from ..portfolio import EvidenceShare, ShareLink
from ..recommendations import Goal, Recommendation
from ..reviews import Review
from ..submissions import Submission
from .base import Page
from .community_base import FactFilter, RecommendationFilter

__all__ = ["CommunityMemoryRepositories", "CommunityTables", "CoreTables"]


class CommunityTables:
    def __init__(self) -> None:
        self.cohorts: dict[str, Cohort] = {}
        self.members: dict[tuple[str, str], CohortMember] = {}
        self.notes: dict[str, MemberNote] = {}
        self.notifications: dict[str, Notification] = {}
        self.recommendations: dict[str, Recommendation] = {}
        self.goals: dict[tuple[str, str, str], Goal] = {}
        self.shares: dict[str, EvidenceShare] = {}
        self.links: dict[str, ShareLink] = {}
        self.listings: dict[tuple[str, str], DirectoryListing] = {}


class CoreTables(Protocol):
    """What the community repositories read of the memory store's own tables."""

    people: dict[str, Person]
    submissions: dict[str, Submission]
    reviews: dict[str, list[Review]]
    awards: dict[str, Award]


class CommunityMemoryRepositories:
    """Needs ``self.community`` (``CommunityTables``), ``self.t`` (the core
    tables) and ``self._set`` (the undo log)."""

    community: CommunityTables
    t: CoreTables

    def _set(self, table: dict[Any, Any], key: Any, value: Any) -> None:  # pragma: no cover
        raise NotImplementedError

    def _drop(self, table: dict[Any, Any], key: Any) -> None:
        value = table[key]
        self._set(table, key, value)  # records the undo step
        del table[key]

    def list_people(self, person_ids: Sequence[str]) -> list[Person]:
        return [self.t.people[p] for p in dict.fromkeys(person_ids) if p in self.t.people]

    # --- cohorts ------------------------------------------------------------------
    def add_cohort(self, cohort: Cohort) -> None:
        if cohort.id in self.community.cohorts:
            raise Conflict(f"cohort {cohort.id} already exists")
        self._set(self.community.cohorts, cohort.id, cohort)

    def find_cohort(self, cohort_id: str) -> Cohort | None:
        return self.community.cohorts.get(cohort_id)

    def update_cohort(self, cohort: Cohort, expected_revision: int) -> Cohort:
        current = self.community.cohorts.get(cohort.id)
        if current is None or current.revision != expected_revision:
            raise AlreadyDecided(
                f"Cohort {cohort.name!r} was changed by someone else; reload it and try again."
            )
        stored = replace(cohort, revision=expected_revision + 1)
        self._set(self.community.cohorts, cohort.id, stored)
        return stored

    def list_cohorts(
        self, *, course_id: str | None = None, person_id: str | None = None
    ) -> list[Cohort]:
        found = []
        for c in self.community.cohorts.values():
            if course_id is not None and c.course_id != course_id:
                continue
            if person_id is not None and not c.is_facilitator(person_id):
                member = self.community.members.get((c.id, person_id))
                if member is None or member.status is MemberStatus.LEFT:
                    continue
            found.append(c)
        return sorted(found, key=lambda c: (c.name.lower(), c.id))

    def put_cohort_member(self, member: CohortMember) -> None:
        self._set(self.community.members, (member.cohort_id, member.person_id), member)

    def find_cohort_member(self, cohort_id: str, person_id: str) -> CohortMember | None:
        return self.community.members.get((cohort_id, person_id))

    def list_cohort_members(self, cohort_id: str) -> list[CohortMember]:
        found = [m for (cid, _), m in self.community.members.items() if cid == cohort_id]
        return sorted(found, key=lambda m: (m.display_name.lower(), m.person_id))

    def list_active_member_ids(self, cohort_ids: Sequence[str]) -> dict[str, frozenset[str]]:
        wanted = set(cohort_ids)
        out: dict[str, set[str]] = {c: set() for c in cohort_ids}
        for (cid, pid), m in self.community.members.items():
            if cid in wanted and m.status is MemberStatus.ACTIVE:
                out[cid].add(pid)
        return {c: frozenset(v) for c, v in out.items()}

    def add_member_note(self, note: MemberNote) -> None:
        if note.id in self.community.notes:
            raise Conflict(f"note {note.id} already exists")
        self._set(self.community.notes, note.id, note)

    def list_member_notes(self, cohort_id: str, member_id: str | None = None) -> list[MemberNote]:
        found = [
            n
            for n in self.community.notes.values()
            if n.cohort_id == cohort_id and (member_id is None or n.member_id == member_id)
        ]
        return sorted(found, key=lambda n: (n.created_at, n.id))

    # --- notifications ------------------------------------------------------------
    def add_notification(self, notification: Notification) -> None:
        if notification.id in self.community.notifications:
            raise Conflict(f"notification {notification.id} already exists")
        if notification.key and self.find_notification_by_key(
            notification.person_id, notification.key
        ):
            raise Conflict(f"{notification.person_id} was notified of {notification.key} already")
        self._set(self.community.notifications, notification.id, notification)

    def find_notification(self, notification_id: str) -> Notification | None:
        return self.community.notifications.get(notification_id)

    def find_notification_by_key(self, person_id: str, key: str) -> Notification | None:
        for n in self.community.notifications.values():
            if n.person_id == person_id and n.key == key and key:
                return n
        return None

    def find_notification_keys(
        self, person_ids: Sequence[str], keys: Sequence[str]
    ) -> set[tuple[str, str]]:
        people, wanted = set(person_ids), {k for k in keys if k}
        return {
            (n.person_id, n.key)
            for n in self.community.notifications.values()
            if n.person_id in people and n.key in wanted
        }

    def update_notification(self, notification: Notification) -> None:
        if notification.id not in self.community.notifications:
            raise NotFound(f"No notification {notification.id!r}.")
        self._set(self.community.notifications, notification.id, notification)

    def list_notifications(
        self, person_id: str, *, unread_only: bool = False, limit: int = 50
    ) -> Page[Notification]:
        found = [
            n
            for n in self.community.notifications.values()
            if n.person_id == person_id and (n.unread or not unread_only)
        ]
        found.sort(key=lambda n: (n.created_at, n.id), reverse=True)
        return Page(items=found[:limit], total=len(found))

    # --- recommendations and goals ----------------------------------------------
    def add_recommendation(self, recommendation: Recommendation) -> None:
        if recommendation.id in self.community.recommendations:
            raise Conflict(f"recommendation {recommendation.id} already exists")
        self._set(self.community.recommendations, recommendation.id, recommendation)

    def find_recommendation(self, recommendation_id: str) -> Recommendation | None:
        return self.community.recommendations.get(recommendation_id)

    def update_recommendation(self, recommendation: Recommendation) -> None:
        if recommendation.id not in self.community.recommendations:
            raise NotFound(f"No recommendation {recommendation.id!r}.")
        self._set(self.community.recommendations, recommendation.id, recommendation)

    def list_recommendations(self, where: RecommendationFilter) -> list[Recommendation]:
        found = [
            r
            for r in self.community.recommendations.values()
            if (where.recipient_id is None or r.recipient_id == where.recipient_id)
            and (where.sender_id is None or r.sender_id == where.sender_id)
            and (where.course_id is None or r.course_id == where.course_id)
            and (where.credential_id is None or r.credential_id == where.credential_id)
            and (where.status is None or r.status is where.status)
            and (not where.reported_only or r.reported_at is not None)
        ]
        found.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        return found[: where.limit]

    def put_goal(self, goal: Goal) -> None:
        self._set(self.community.goals, (goal.person_id, goal.credential_id, goal.course_id), goal)

    def find_goal(self, person_id: str, credential_id: str, course_id: str) -> Goal | None:
        return self.community.goals.get((person_id, credential_id, course_id))

    def remove_goal(self, person_id: str, credential_id: str, course_id: str) -> None:
        key = (person_id, credential_id, course_id)
        if key not in self.community.goals:
            raise NotFound(f"{credential_id!r} is not one of your goals.")
        self._drop(self.community.goals, key)

    def list_goals(self, person_id: str, *, course_id: str | None = None) -> list[Goal]:
        found = [
            g
            for (pid, _, cid), g in self.community.goals.items()
            if pid == person_id and (course_id is None or cid == course_id)
        ]
        return sorted(found, key=lambda g: (g.created_at, g.credential_id))

    # --- portfolio ----------------------------------------------------------------
    def put_evidence_share(self, share: EvidenceShare) -> None:
        self._set(self.community.shares, share.award_id, share)

    def find_evidence_share(self, award_id: str) -> EvidenceShare | None:
        return self.community.shares.get(award_id)

    def list_evidence_shares(self, learner_id: str) -> list[EvidenceShare]:
        found = [s for s in self.community.shares.values() if s.learner_id == learner_id]
        return sorted(found, key=lambda s: s.award_id)

    def add_share_link(self, link: ShareLink) -> None:
        if link.id in self.community.links or self.find_share_link_by_hash(link.token_hash):
            raise Conflict(f"share link {link.id} already exists")
        self._set(self.community.links, link.id, link)

    def find_share_link(self, link_id: str) -> ShareLink | None:
        return self.community.links.get(link_id)

    def find_share_link_by_hash(self, token_hash: str) -> ShareLink | None:
        for link in self.community.links.values():
            if link.token_hash == token_hash:
                return link
        return None

    def update_share_link(self, link: ShareLink) -> None:
        if link.id not in self.community.links:
            raise NotFound(f"No share link {link.id!r}.")
        self._set(self.community.links, link.id, link)

    def list_share_links(self, learner_id: str) -> list[ShareLink]:
        found = [x for x in self.community.links.values() if x.learner_id == learner_id]
        return sorted(found, key=lambda x: (x.created_at, x.id), reverse=True)

    # --- the expertise directory --------------------------------------------------
    def put_directory_listing(self, listing: DirectoryListing) -> None:
        self._set(self.community.listings, (listing.person_id, listing.credential_id), listing)

    def remove_directory_listings(self, person_id: str, credential_id: str | None = None) -> int:
        keys = [
            k
            for k in self.community.listings
            if k[0] == person_id and (credential_id is None or k[1] == credential_id)
        ]
        for key in keys:
            self._drop(self.community.listings, key)
        return len(keys)

    def list_directory_listings(self, *, person_id: str | None = None) -> list[DirectoryListing]:
        found = [
            x
            for x in self.community.listings.values()
            if person_id is None or x.person_id == person_id
        ]
        return sorted(found, key=lambda x: (x.person_id, x.credential_id))

    def list_listed_awards(self, credential_ids: Sequence[str]) -> list[Award]:
        wanted = set(credential_ids)
        listings = self.community.listings
        return sorted(
            (
                a
                for a in self.t.awards.values()
                if a.credential_id in wanted
                and a.status is not AwardStatus.REVOKED
                and ((a.learner_id, ALL) in listings or (a.learner_id, a.credential_id) in listings)
            ),
            key=lambda a: (a.issued_at, a.id),
        )

    # --- facts ----------------------------------------------------------------------
    def _matches(self, where: FactFilter, course: str, learner: str, credential: str) -> bool:
        return (
            (where.course_id is None or course == where.course_id)
            and (where.learner_ids is None or learner in where.learner_ids)
            and (where.credential_ids is None or credential in where.credential_ids)
        )

    def _all_facts(self) -> Iterator[SubmissionFact]:
        return (submission_fact(s) for s in self.t.submissions.values())

    def _all_review_facts(self) -> Iterator[ReviewFact]:
        for submission_id, reviews in self.t.reviews.items():
            submission = self.t.submissions[submission_id]
            for review in reviews:
                yield review_fact(review, submission)

    def _all_award_facts(self) -> Iterator[AwardFact]:
        return (award_fact(a) for a in self.t.awards.values())

    def list_submission_facts(self, where: FactFilter) -> list[SubmissionFact]:
        found = [
            f
            for f in self._all_facts()
            if self._matches(where, f.course_id, f.learner_id, f.credential_id)
        ]
        return sorted(found, key=lambda f: f.submission_id)

    def list_award_facts(self, where: FactFilter) -> list[AwardFact]:
        found = [
            a
            for a in self._all_award_facts()
            if self._matches(where, a.course_id, a.learner_id, a.credential_id)
        ]
        return sorted(found, key=lambda a: a.award_id)

    def list_review_facts(self, where: FactFilter) -> list[ReviewFact]:
        found = [
            r
            for r in self._all_review_facts()
            if self._matches(where, r.course_id, r.learner_id, r.credential_id)
        ]
        return sorted(found, key=lambda r: r.review_id)

    def analytics_figures(
        self, where: AnalyticsFilter, cohorts: Sequence[CohortScope]
    ) -> list[RawFigures]:
        return aggregate(
            where,
            self._all_facts(),
            self._all_review_facts(),
            self._all_award_facts(),
            cohorts,
        )

    def analytics_reviewers(
        self, where: AnalyticsFilter, cohorts: Sequence[CohortScope]
    ) -> list[RawReviewer]:
        return aggregate_reviewers(where, self._all_review_facts(), cohorts)
