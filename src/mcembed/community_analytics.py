"""Community use cases of programme analytics: the figures and their CSV."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from . import access
from .access import Actor
from .analytics import (
    AnalyticsFilter,
    AnalyticsReport,
    CohortScope,
    Grouping,
    RawFigures,
    report,
    to_csv,
)
from .community_inbox import InboxUseCases
from .errors import NotFound, ValidationError, excerpt
from .storage.base import Transaction

__all__ = ["AnalyticsUseCases"]


class AnalyticsUseCases(InboxUseCases):
    def _scopes(
        self, tx: Transaction, course_id: str | None, cohort_id: str | None, needed: bool
    ) -> tuple[list[CohortScope], dict[str, str]]:
        """The cohorts in scope (with their active members) and their names."""
        if cohort_id is not None:
            cohort = tx.find_cohort(cohort_id)
            if cohort is None or (course_id is not None and cohort.course_id != course_id):
                raise NotFound(f"No cohort {excerpt(cohort_id)} in this course.")
            cohorts = [cohort]
        elif needed:
            cohorts = tx.list_cohorts(course_id=course_id)
        else:
            return [], {}
        members = tx.list_active_member_ids([c.id for c in cohorts])
        scopes = [
            CohortScope(
                cohort_id=c.id,
                course_id=c.course_id,
                credential_ids=frozenset(c.targets),
                member_ids=members[c.id],
            )
            for c in cohorts
        ]
        return scopes, {c.id: c.name for c in cohorts}

    def analytics(
        self,
        actor: Actor,
        *,
        by: Grouping | str = Grouping.CREDENTIAL,
        course_id: str | None = None,
        cohort_id: str | None = None,
        credential_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> AnalyticsReport:
        """Programme figures per credential or per cohort, with a total, and the
        reviewers' load; small groups suppressed (see ``analytics``).

        Only the roles the instance allows see them (``MCEMBED_ANALYTICS_ROLES``),
        in their own course; administrators in any course, or all at once.

        Args:
            by: ``credential`` or ``cohort``.
            since: from this moment (inclusive); until: to this one (exclusive).
        """
        try:
            grouping = Grouping(by)
        except ValueError:
            raise ValidationError(
                f"by must be 'credential' or 'cohort' (got {excerpt(by)})"
            ) from None
        if grouping is Grouping.ALL:
            raise ValidationError("by must be 'credential' or 'cohort' (the total comes with both)")
        if since is not None and until is not None and since >= until:
            raise ValidationError(
                f"the range is empty: 'since' ({since.isoformat()}) must come before "
                f"'until' ({until.isoformat()})"
            )
        for name, moment in (("since", since), ("until", until)):
            if moment is not None and moment.tzinfo is None:
                raise ValidationError(f"{excerpt(name)} needs a time zone")
        if not actor.is_admin:
            course_id = actor.course_id if course_id is None else course_id
        access.require_analytics(actor, course_id, self.analytics_roles)
        where = AnalyticsFilter(
            grouping=grouping,
            course_id=course_id,
            cohort_id=cohort_id,
            credential_id=credential_id,
            since=since,
            until=until,
        )
        total_where = replace(
            where, grouping=Grouping.ALL, cohorts_only=grouping is Grouping.COHORT
        )
        with self.store.transaction() as tx:
            scopes, cohort_names = self._scopes(
                tx, course_id, cohort_id, needed=grouping is Grouping.COHORT
            )
            rows = tx.analytics_figures(where, scopes)
            totals = tx.analytics_figures(total_where, scopes)
            reviewers = tx.analytics_reviewers(where, scopes)
            credentials = tx.list_credentials()
            labels = {c.id: c.name for c in credentials}
            labels |= {s.id: s.name for s in tx.list_stacks()}
            if grouping is Grouping.COHORT:
                labels = cohort_names
            criteria = {
                (c.id, crit.id): crit.name for c in credentials for crit in c.rubric.criteria
            }
            people = {
                p.id: p.name for p in tx.list_people([r.reviewer_id for r in reviewers]) if p.name
            }
        total = totals[0] if totals else RawFigures(key="")
        return report(
            where,
            rows,
            total,
            reviewers,
            k=self.min_group,
            labels=labels,
            criteria=criteria,
            people=people,
            generated_at=self.clock.now(),
        )

    def analytics_csv(
        self,
        actor: Actor,
        *,
        by: Grouping | str = Grouping.CREDENTIAL,
        course_id: str | None = None,
        cohort_id: str | None = None,
        credential_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> str:
        """``analytics`` as CSV text, suppressed cells as shown ("<k")."""
        return to_csv(
            self.analytics(
                actor,
                by=by,
                course_id=course_id,
                cohort_id=cohort_id,
                credential_id=credential_id,
                since=since,
                until=until,
            )
        )
