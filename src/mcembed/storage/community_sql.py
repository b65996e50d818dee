"""The community repositories of ``SqlStore`` (cohorts, notifications,
recommendations, goals, portfolio sharing, the directory), mixed into its
transaction. The facts and analytics are in ``facts_sql``.

Values are kept as JSON documents; what is looked up, made unique, joined or
ordered on has its own column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import delete, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..awards import Award, AwardStatus
from ..codec import from_data, to_data
from ..cohorts import Cohort, CohortMember, MemberNote
from ..directory import ALL, DirectoryListing
from ..errors import AlreadyDecided, Conflict, NotFound
from ..notifications import Notification
from ..people import Person
from ..portfolio import EvidenceShare, ShareLink
from ..recommendations import Goal, Recommendation
from . import tables as t
from .base import Page
from .community_base import RecommendationFilter
from .facts_sql import FactSqlRepositories, aware_utc, chunks

__all__ = ["CommunitySqlRepositories"]


class CommunitySqlRepositories(FactSqlRepositories):
    """Needs ``self.conn`` (the transaction's connection) and ``self.sqlite``."""

    def list_people(self, person_ids: Sequence[str]) -> list[Person]:
        p = t.people
        out: list[Person] = []
        for chunk in chunks(list(dict.fromkeys(person_ids))):
            rows = self.conn.execute(select(p).where(p.c.id.in_(list(chunk))))
            out += [Person(id=r.id, name=r.name, email=r.email) for r in rows]
        return out

    # --- cohorts ------------------------------------------------------------------
    def _cohort_children(self, cohort: Cohort) -> None:
        self.conn.execute(
            delete(t.cohort_facilitators).where(t.cohort_facilitators.c.cohort_id == cohort.id)
        )
        self.conn.execute(delete(t.cohort_targets).where(t.cohort_targets.c.cohort_id == cohort.id))
        self.conn.execute(
            insert(t.cohort_facilitators),
            [{"cohort_id": cohort.id, "person_id": p} for p in cohort.facilitators],
        )
        self.conn.execute(
            insert(t.cohort_targets),
            [{"cohort_id": cohort.id, "credential_id": c} for c in cohort.targets],
        )

    def add_cohort(self, cohort: Cohort) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(t.cohorts).values(
                        id=cohort.id,
                        course_id=cohort.course_id,
                        name=cohort.name,
                        revision=cohort.revision,
                        document=to_data(cohort),
                    )
                )
        except IntegrityError:
            raise Conflict(f"cohort {cohort.id} already exists") from None
        self._cohort_children(cohort)

    def find_cohort(self, cohort_id: str) -> Cohort | None:
        c = t.cohorts
        row = self.conn.execute(
            select(c.c.document, c.c.revision).where(c.c.id == cohort_id)
        ).first()
        return self._cohort(row) if row else None

    def _cohort(self, row: Any) -> Cohort:
        cohort = from_data(Cohort, row.document)
        if cohort.revision != row.revision:  # pragma: no cover - written together
            raise AlreadyDecided(f"cohort {cohort.id} is being changed; try again")
        return cohort

    def update_cohort(self, cohort: Cohort, expected_revision: int) -> Cohort:
        stored = replace(cohort, revision=expected_revision + 1)
        c = t.cohorts
        done = self.conn.execute(
            update(c)
            .where(c.c.id == cohort.id, c.c.revision == expected_revision)
            .values(
                name=stored.name,
                course_id=stored.course_id,
                revision=stored.revision,
                document=to_data(stored),
            )
        )
        if done.rowcount != 1:
            raise AlreadyDecided(
                f"Cohort {cohort.name!r} was changed by someone else; reload it and try again."
            )
        self._cohort_children(stored)
        return stored

    def list_cohorts(
        self, *, course_id: str | None = None, person_id: str | None = None
    ) -> list[Cohort]:
        c = t.cohorts
        query = select(c.c.document, c.c.revision).order_by(func.lower(c.c.name), c.c.id)
        if course_id is not None:
            query = query.where(c.c.course_id == course_id)
        if person_id is not None:
            m, f = t.cohort_members, t.cohort_facilitators
            query = query.where(
                or_(
                    c.c.id.in_(select(f.c.cohort_id).where(f.c.person_id == person_id)),
                    c.c.id.in_(
                        select(m.c.cohort_id).where(
                            m.c.person_id == person_id, m.c.status != "left"
                        )
                    ),
                )
            )
        return [self._cohort(r) for r in self.conn.execute(query)]

    def put_cohort_member(self, member: CohortMember) -> None:
        m = t.cohort_members
        course = self.conn.execute(
            select(t.cohorts.c.course_id).where(t.cohorts.c.id == member.cohort_id)
        ).scalar_one_or_none()
        if course is None:
            raise NotFound(f"No cohort {member.cohort_id!r}.")
        values = {
            "course_id": course,
            "status": member.status.value,
            "name": member.display_name,
            "document": to_data(member),
        }
        done = self.conn.execute(
            update(m)
            .where(m.c.cohort_id == member.cohort_id, m.c.person_id == member.person_id)
            .values(**values)
        )
        if done.rowcount == 0:
            self.conn.execute(
                insert(m).values(cohort_id=member.cohort_id, person_id=member.person_id, **values)
            )

    def find_cohort_member(self, cohort_id: str, person_id: str) -> CohortMember | None:
        m = t.cohort_members
        row = self.conn.execute(
            select(m.c.document).where(m.c.cohort_id == cohort_id, m.c.person_id == person_id)
        ).first()
        return from_data(CohortMember, row.document) if row else None

    def list_cohort_members(self, cohort_id: str) -> list[CohortMember]:
        m = t.cohort_members
        rows = self.conn.execute(
            select(m.c.document)
            .where(m.c.cohort_id == cohort_id)
            .order_by(func.lower(m.c.name), m.c.person_id)
        )
        return [from_data(CohortMember, r.document) for r in rows]

    def list_active_member_ids(self, cohort_ids: Sequence[str]) -> dict[str, frozenset[str]]:
        m = t.cohort_members
        out: dict[str, set[str]] = {c: set() for c in cohort_ids}
        for chunk in chunks(list(dict.fromkeys(cohort_ids))):
            for row in self.conn.execute(
                select(m.c.cohort_id, m.c.person_id).where(
                    m.c.cohort_id.in_(list(chunk)), m.c.status == "active"
                )
            ):
                out[row.cohort_id].add(row.person_id)
        return {c: frozenset(v) for c, v in out.items()}

    def add_member_note(self, note: MemberNote) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(t.cohort_notes).values(
                        id=note.id,
                        cohort_id=note.cohort_id,
                        member_id=note.member_id,
                        created_at=note.created_at,
                        document=to_data(note),
                    )
                )
        except IntegrityError:
            raise Conflict(f"note {note.id} already exists") from None

    def list_member_notes(self, cohort_id: str, member_id: str | None = None) -> list[MemberNote]:
        n = t.cohort_notes
        query = select(n.c.document).where(n.c.cohort_id == cohort_id)
        if member_id is not None:
            query = query.where(n.c.member_id == member_id)
        rows = self.conn.execute(query.order_by(n.c.created_at, n.c.id))
        return [from_data(MemberNote, r.document) for r in rows]

    # --- notifications ------------------------------------------------------------
    def add_notification(self, notification: Notification) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(t.notifications).values(
                        id=notification.id,
                        person_id=notification.person_id,
                        key=notification.key,
                        created_at=notification.created_at,
                        read_at=notification.read_at,
                        document=to_data(notification),
                    )
                )
        except IntegrityError:
            raise Conflict(
                f"{notification.person_id} was notified of {notification.key or notification.id} "
                "already"
            ) from None

    def find_notification(self, notification_id: str) -> Notification | None:
        n = t.notifications
        row = self.conn.execute(select(n.c.document).where(n.c.id == notification_id)).first()
        return from_data(Notification, row.document) if row else None

    def find_notification_by_key(self, person_id: str, key: str) -> Notification | None:
        if not key:
            return None
        n = t.notifications
        row = self.conn.execute(
            select(n.c.document).where(n.c.person_id == person_id, n.c.key == key)
        ).first()
        return from_data(Notification, row.document) if row else None

    def find_notification_keys(
        self, person_ids: Sequence[str], keys: Sequence[str]
    ) -> set[tuple[str, str]]:
        wanted = {k for k in keys if k}
        if not wanted or not person_ids:
            return set()
        n = t.notifications
        found: set[tuple[str, str]] = set()
        for part in chunks(list(dict.fromkeys(person_ids))):
            rows = self.conn.execute(
                select(n.c.person_id, n.c.key).where(
                    n.c.person_id.in_(part), n.c.key.in_(sorted(wanted))
                )
            )
            found.update((r.person_id, r.key) for r in rows)
        return found

    def update_notification(self, notification: Notification) -> None:
        n = t.notifications
        done = self.conn.execute(
            update(n)
            .where(n.c.id == notification.id)
            .values(read_at=notification.read_at, document=to_data(notification))
        )
        if done.rowcount != 1:
            raise NotFound(f"No notification {notification.id!r}.")

    def list_notifications(
        self, person_id: str, *, unread_only: bool = False, limit: int = 50
    ) -> Page[Notification]:
        n = t.notifications
        conds = [n.c.person_id == person_id]
        if unread_only:
            conds.append(n.c.read_at.is_(None))
        total = self.conn.execute(select(func.count()).select_from(n).where(*conds)).scalar_one()
        rows = self.conn.execute(
            select(n.c.document)
            .where(*conds)
            .order_by(n.c.created_at.desc(), n.c.id.desc())
            .limit(limit)
        )
        return Page(items=[from_data(Notification, r.document) for r in rows], total=total)

    # --- recommendations and goals ----------------------------------------------
    def _recommendation_values(self, r: Recommendation) -> dict[str, Any]:
        return {
            "recipient_id": r.recipient_id,
            "sender_id": r.sender_id,
            "course_id": r.course_id,
            "credential_id": r.credential_id,
            "status": r.status.value,
            "created_at": r.created_at,
            "reported_at": r.reported_at,
            "document": to_data(r),
        }

    def add_recommendation(self, recommendation: Recommendation) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(t.recommendations).values(
                        id=recommendation.id, **self._recommendation_values(recommendation)
                    )
                )
        except IntegrityError:
            raise Conflict(f"recommendation {recommendation.id} already exists") from None

    def find_recommendation(self, recommendation_id: str) -> Recommendation | None:
        r = t.recommendations
        row = self.conn.execute(select(r.c.document).where(r.c.id == recommendation_id)).first()
        return from_data(Recommendation, row.document) if row else None

    def update_recommendation(self, recommendation: Recommendation) -> None:
        r = t.recommendations
        done = self.conn.execute(
            update(r)
            .where(r.c.id == recommendation.id)
            .values(**self._recommendation_values(recommendation))
        )
        if done.rowcount != 1:
            raise NotFound(f"No recommendation {recommendation.id!r}.")

    def list_recommendations(self, where: RecommendationFilter) -> list[Recommendation]:
        r = t.recommendations
        conds = []
        for column, value in (
            (r.c.recipient_id, where.recipient_id),
            (r.c.sender_id, where.sender_id),
            (r.c.course_id, where.course_id),
            (r.c.credential_id, where.credential_id),
        ):
            if value is not None:
                conds.append(column == value)
        if where.status is not None:
            conds.append(r.c.status == where.status.value)
        if where.reported_only:
            conds.append(r.c.reported_at.is_not(None))
        rows = self.conn.execute(
            select(r.c.document)
            .where(*conds)
            .order_by(r.c.created_at.desc(), r.c.id.desc())
            .limit(where.limit)
        )
        return [from_data(Recommendation, row.document) for row in rows]

    def put_goal(self, goal: Goal) -> None:
        g = t.goals
        key = (g.c.person_id == goal.person_id, g.c.credential_id == goal.credential_id)
        done = self.conn.execute(
            update(g)
            .where(*key, g.c.course_id == goal.course_id)
            .values(created_at=goal.created_at, document=to_data(goal))
        )
        if done.rowcount == 0:
            self.conn.execute(
                insert(g).values(
                    person_id=goal.person_id,
                    credential_id=goal.credential_id,
                    course_id=goal.course_id,
                    created_at=goal.created_at,
                    document=to_data(goal),
                )
            )

    def find_goal(self, person_id: str, credential_id: str, course_id: str) -> Goal | None:
        g = t.goals
        row = self.conn.execute(
            select(g.c.document).where(
                g.c.person_id == person_id,
                g.c.credential_id == credential_id,
                g.c.course_id == course_id,
            )
        ).first()
        return from_data(Goal, row.document) if row else None

    def remove_goal(self, person_id: str, credential_id: str, course_id: str) -> None:
        g = t.goals
        done = self.conn.execute(
            delete(g).where(
                g.c.person_id == person_id,
                g.c.credential_id == credential_id,
                g.c.course_id == course_id,
            )
        )
        if done.rowcount != 1:
            raise NotFound(f"{credential_id!r} is not one of your goals.")

    def list_goals(self, person_id: str, *, course_id: str | None = None) -> list[Goal]:
        g = t.goals
        query = select(g.c.document).where(g.c.person_id == person_id)
        if course_id is not None:
            query = query.where(g.c.course_id == course_id)
        rows = self.conn.execute(query.order_by(g.c.created_at, g.c.credential_id))
        return [from_data(Goal, r.document) for r in rows]

    # --- portfolio ----------------------------------------------------------------
    def put_evidence_share(self, share: EvidenceShare) -> None:
        s = t.evidence_shares
        done = self.conn.execute(
            update(s).where(s.c.award_id == share.award_id).values(document=to_data(share))
        )
        if done.rowcount == 0:
            self.conn.execute(
                insert(s).values(
                    award_id=share.award_id, learner_id=share.learner_id, document=to_data(share)
                )
            )

    def find_evidence_share(self, award_id: str) -> EvidenceShare | None:
        s = t.evidence_shares
        row = self.conn.execute(select(s.c.document).where(s.c.award_id == award_id)).first()
        return from_data(EvidenceShare, row.document) if row else None

    def list_evidence_shares(self, learner_id: str) -> list[EvidenceShare]:
        s = t.evidence_shares
        rows = self.conn.execute(
            select(s.c.document).where(s.c.learner_id == learner_id).order_by(s.c.award_id)
        )
        return [from_data(EvidenceShare, r.document) for r in rows]

    def add_share_link(self, link: ShareLink) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(t.share_links).values(
                        id=link.id,
                        learner_id=link.learner_id,
                        token_hash=link.token_hash,
                        created_at=link.created_at,
                        revoked_at=link.revoked_at,
                        document=to_data(link),
                    )
                )
        except IntegrityError:
            raise Conflict(f"share link {link.id} already exists") from None

    def find_share_link(self, link_id: str) -> ShareLink | None:
        x = t.share_links
        row = self.conn.execute(select(x.c.document).where(x.c.id == link_id)).first()
        return from_data(ShareLink, row.document) if row else None

    def find_share_link_by_hash(self, token_hash: str) -> ShareLink | None:
        x = t.share_links
        row = self.conn.execute(select(x.c.document).where(x.c.token_hash == token_hash)).first()
        return from_data(ShareLink, row.document) if row else None

    def update_share_link(self, link: ShareLink) -> None:
        x = t.share_links
        done = self.conn.execute(
            update(x)
            .where(x.c.id == link.id)
            .values(revoked_at=link.revoked_at, document=to_data(link))
        )
        if done.rowcount != 1:
            raise NotFound(f"No share link {link.id!r}.")

    def list_share_links(self, learner_id: str) -> list[ShareLink]:
        x = t.share_links
        rows = self.conn.execute(
            select(x.c.document)
            .where(x.c.learner_id == learner_id)
            .order_by(x.c.created_at.desc(), x.c.id.desc())
        )
        return [from_data(ShareLink, r.document) for r in rows]

    # --- the expertise directory --------------------------------------------------
    def put_directory_listing(self, listing: DirectoryListing) -> None:
        d = t.directory_listings
        stmt = self._insert(d).values(
            person_id=listing.person_id,
            credential_id=listing.credential_id,
            created_at=listing.created_at,
        )
        self.conn.execute(
            stmt.on_conflict_do_nothing(index_elements=["person_id", "credential_id"])
        )

    def remove_directory_listings(self, person_id: str, credential_id: str | None = None) -> int:
        d = t.directory_listings
        stmt = delete(d).where(d.c.person_id == person_id)
        if credential_id is not None:
            stmt = stmt.where(d.c.credential_id == credential_id)
        return int(self.conn.execute(stmt).rowcount)

    def list_directory_listings(self, *, person_id: str | None = None) -> list[DirectoryListing]:
        d = t.directory_listings
        query = select(d).order_by(d.c.person_id, d.c.credential_id)
        if person_id is not None:
            query = query.where(d.c.person_id == person_id)
        return [
            DirectoryListing(
                person_id=r.person_id,
                credential_id=r.credential_id,
                created_at=aware_utc(r.created_at),
            )
            for r in self.conn.execute(query)
        ]

    def list_listed_awards(self, credential_ids: Sequence[str]) -> list[Award]:
        if not credential_ids:
            return []
        a, d = t.awards, t.directory_listings
        consent = exists().where(
            d.c.person_id == a.c.learner_id,
            or_(d.c.credential_id == ALL, d.c.credential_id == a.c.credential_id),
        )
        out: list[Award] = []
        for chunk in chunks(list(dict.fromkeys(credential_ids))):
            rows = self.conn.execute(
                select(a.c.document)
                .where(
                    a.c.learner_id.in_(select(d.c.person_id)),
                    a.c.credential_id.in_(chunk),
                    a.c.status != AwardStatus.REVOKED.value,
                    consent,
                )
                .order_by(a.c.issued_at, a.c.id)
            )
            out += [from_data(Award, r.document) for r in rows]
        return sorted(out, key=lambda x: (x.issued_at, x.id))
