"""The facts that boards and analytics read, in ``SqlStore``: kept up to date
and aggregated in the database.

Boards and analytics never read evidence or documents: they read
``submission_facts``, ``review_facts`` and ``review_unmet``, narrow rows
derived from the stored submissions and reviews by the functions of
``activity``. Those rows are brought up to date before each read: a
submission whose revision differs from its fact's (or that has none), and a
review without one, are derived again in the same transaction, so the facts
are never staler than the data, whoever wrote it. Analytics then aggregate in
SQL (medians with ``percentile_cont`` on PostgreSQL; SQLite has no such
function, so there the medians are taken in Python).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..activity import AwardFact, ReviewFact, SubmissionFact, review_fact, submission_fact
from ..analytics import AnalyticsFilter, CohortScope, Grouping, RawFigures, RawReviewer
from ..awards import AwardKind, AwardStatus
from ..codec import from_data
from ..reviews import Review
from ..submissions import Action, Attempt, HistoryEntry, Submission, SubmissionState
from . import tables as t
from .community_base import FactFilter

__all__ = ["FactSqlRepositories", "aware_utc", "chunks"]

_CHUNK = 900


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def aware_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything stored is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _light_submission(row: Any) -> Submission:
    """A submission with its attempts' times and its history, without the
    evidence: all that ``submission_fact`` and ``review_fact`` read."""
    attempts = tuple(
        Attempt(
            number=a["number"],
            items=(),
            submitted_at=from_data(datetime, a["submitted_at"]),
        )
        for a in json.loads(row.attempts)
    )
    history = tuple(
        HistoryEntry(
            at=from_data(datetime, h["at"]),
            actor_id=h["actor_id"],
            action=Action(h["action"]),
            from_state=SubmissionState(h["from_state"]),
            to_state=SubmissionState(h["to_state"]),
            attempt=h["attempt"],
        )
        for h in json.loads(row.history)
    )
    return Submission(
        id=row.id,
        credential_id=row.credential_id,
        credential_version=row.credential_version,
        learner_id=row.learner_id,
        course_id=row.course_id,
        state=SubmissionState(row.state),
        attempts=attempts,
        history=history,
        created_at=aware_utc(row.created_at),
        updated_at=aware_utc(row.updated_at),
        revision=row.revision,
    )


def _fact_row(f: SubmissionFact) -> dict[str, Any]:
    return {
        "submission_id": f.submission_id,
        "revision": f.revision,
        "credential_id": f.credential_id,
        "course_id": f.course_id,
        "learner_id": f.learner_id,
        "state": f.state.value,
        "started_at": f.started_at,
        "first_submitted_at": f.first_submitted_at,
        "attempts": f.attempts,
        "needs_revision_since": f.needs_revision_since,
        "last_activity_at": f.last_activity_at,
    }


def _fact(row: Any) -> SubmissionFact:
    return SubmissionFact(
        submission_id=row.submission_id,
        revision=row.revision,
        credential_id=row.credential_id,
        course_id=row.course_id,
        learner_id=row.learner_id,
        state=SubmissionState(row.state),
        started_at=aware_utc(row.started_at),
        first_submitted_at=_aware(row.first_submitted_at),
        attempts=row.attempts,
        needs_revision_since=_aware(row.needs_revision_since),
        last_activity_at=aware_utc(row.last_activity_at),
    )


class FactSqlRepositories:
    """Needs ``self.conn`` (the transaction's connection) and ``self.sqlite``."""

    conn: Connection
    sqlite: bool

    def _insert(self, table: Any) -> Any:
        return (sqlite_insert if self.sqlite else pg_insert)(table)

    # --- facts, brought up to date before each read --------------------------------
    def _refresh_facts(self, course_id: str | None) -> None:
        # Once per transaction and scope: a board or a report reads facts several
        # times. ``seen`` grows with every submission this transaction writes
        # (and a review is only ever written with its submission), so a write
        # after the first refresh brings the next read up to date again.
        mark = (course_id, len(getattr(self, "seen", ())))
        done: set[tuple[str | None, int]] = self.__dict__.setdefault("_facts_fresh", set())
        if mark in done or (None, mark[1]) in done:
            return
        self._derive_facts(course_id)
        done.add(mark)

    def _derive_facts(self, course_id: str | None) -> None:
        s, f = t.submissions, t.submission_facts
        stale = (
            select(
                s.c.id,
                s.c.credential_id,
                s.c.credential_version,
                s.c.learner_id,
                s.c.course_id,
                s.c.state,
                s.c.revision,
                s.c.created_at,
                s.c.updated_at,
                cast(s.c.attempts, Text).label("attempts"),
                cast(s.c.history, Text).label("history"),
            )
            .select_from(s.outerjoin(f, f.c.submission_id == s.c.id))
            .where(or_(f.c.submission_id.is_(None), f.c.revision != s.c.revision))
            .order_by(s.c.id)
        )
        if course_id is not None:
            stale = stale.where(s.c.course_id == course_id)
        rows = [_fact_row(submission_fact(_light_submission(r))) for r in self.conn.execute(stale)]
        if rows:
            ins = self._insert(f)
            columns = [c for c in rows[0] if c != "submission_id"]
            self.conn.execute(
                ins.on_conflict_do_update(
                    index_elements=["submission_id"],
                    set_={c: ins.excluded[c] for c in columns},
                    where=f.c.revision < ins.excluded.revision,
                ),
                rows,
            )
        r, rf = t.reviews, t.review_facts
        new_reviews = (
            select(
                cast(r.c.document, Text).label("review"),
                s.c.id,
                s.c.credential_id,
                s.c.credential_version,
                s.c.learner_id,
                s.c.course_id,
                s.c.state,
                s.c.revision,
                s.c.created_at,
                s.c.updated_at,
                cast(s.c.attempts, Text).label("attempts"),
                literal("[]").label("history"),
            )
            .select_from(
                r.join(s, s.c.id == r.c.submission_id).outerjoin(rf, rf.c.review_id == r.c.id)
            )
            .where(rf.c.review_id.is_(None))
            .order_by(r.c.id)
        )
        if course_id is not None:
            new_reviews = new_reviews.where(s.c.course_id == course_id)
        facts = [
            review_fact(from_data(Review, json.loads(row.review)), _light_submission(row))
            for row in self.conn.execute(new_reviews)
        ]
        if facts:
            self.conn.execute(
                self._insert(rf).on_conflict_do_nothing(index_elements=["review_id"]),
                [
                    {
                        "review_id": x.review_id,
                        "submission_id": x.submission_id,
                        "credential_id": x.credential_id,
                        "course_id": x.course_id,
                        "learner_id": x.learner_id,
                        "reviewer_id": x.reviewer_id,
                        "attempt": x.attempt,
                        "submitted_at": x.submitted_at,
                        "reviewed_at": x.reviewed_at,
                        "passed": x.passed,
                        "turnaround_seconds": x.turnaround_seconds,
                    }
                    for x in facts
                ],
            )
            unmet = [
                {
                    "review_id": x.review_id,
                    "criterion_id": criterion,
                    "credential_id": x.credential_id,
                    "course_id": x.course_id,
                    "learner_id": x.learner_id,
                    "reviewed_at": x.reviewed_at,
                }
                for x in facts
                for criterion in dict.fromkeys(x.unmet)
            ]
            if unmet:
                self.conn.execute(
                    self._insert(t.review_unmet).on_conflict_do_nothing(
                        index_elements=["review_id", "criterion_id"]
                    ),
                    unmet,
                )

    def _scope(self, table: Any, where: FactFilter) -> list[Any]:
        conds = []
        if where.course_id is not None:
            conds.append(table.c.course_id == where.course_id)
        if where.credential_ids is not None:
            conds.append(table.c.credential_id.in_(list(where.credential_ids)))
        return conds

    def _learnerchunks(self, where: FactFilter) -> Iterable[Sequence[str] | None]:
        if where.learner_ids is None:
            yield None
            return
        yield from chunks(list(where.learner_ids))

    def list_submission_facts(self, where: FactFilter) -> list[SubmissionFact]:
        self._refresh_facts(where.course_id)
        f = t.submission_facts
        out: list[SubmissionFact] = []
        for learners in self._learnerchunks(where):
            conds = self._scope(f, where)
            if learners is not None:
                conds.append(f.c.learner_id.in_(list(learners)))
            out += [_fact(r) for r in self.conn.execute(select(f).where(*conds))]
        return sorted(out, key=lambda x: x.submission_id)

    def list_award_facts(self, where: FactFilter) -> list[AwardFact]:
        a = t.awards
        out: list[AwardFact] = []
        for learners in self._learnerchunks(where):
            conds = self._scope(a, where)
            if learners is not None:
                conds.append(a.c.learner_id.in_(list(learners)))
            rows = self.conn.execute(
                select(
                    a.c.id,
                    a.c.kind,
                    a.c.credential_id,
                    a.c.course_id,
                    a.c.learner_id,
                    a.c.submission_id,
                    a.c.issued_at,
                    a.c.status,
                ).where(*conds)
            )
            out += [
                AwardFact(
                    award_id=r.id,
                    kind=AwardKind(r.kind),
                    credential_id=r.credential_id,
                    course_id=r.course_id,
                    learner_id=r.learner_id,
                    submission_id=r.submission_id,
                    issued_at=aware_utc(r.issued_at),
                    revoked=r.status == AwardStatus.REVOKED.value,
                )
                for r in rows
            ]
        return sorted(out, key=lambda x: x.award_id)

    def list_review_facts(self, where: FactFilter) -> list[ReviewFact]:
        self._refresh_facts(where.course_id)
        rf, u = t.review_facts, t.review_unmet
        out: list[ReviewFact] = []
        for learners in self._learnerchunks(where):
            conds = self._scope(rf, where)
            if learners is not None:
                conds.append(rf.c.learner_id.in_(list(learners)))
            rows = self.conn.execute(select(rf).where(*conds)).all()
            unmet: dict[str, list[str]] = {}
            ids = [r.review_id for r in rows]
            for chunk in chunks(ids):
                for row in self.conn.execute(
                    select(u.c.review_id, u.c.criterion_id)
                    .where(u.c.review_id.in_(list(chunk)))
                    .order_by(u.c.review_id, u.c.criterion_id)
                ):
                    unmet.setdefault(row.review_id, []).append(row.criterion_id)
            out += [
                ReviewFact(
                    review_id=r.review_id,
                    submission_id=r.submission_id,
                    credential_id=r.credential_id,
                    course_id=r.course_id,
                    learner_id=r.learner_id,
                    reviewer_id=r.reviewer_id,
                    attempt=r.attempt,
                    submitted_at=_aware(r.submitted_at),
                    reviewed_at=aware_utc(r.reviewed_at),
                    passed=r.passed,
                    unmet=tuple(unmet.get(r.review_id, ())),
                )
                for r in rows
            ]
        return sorted(out, key=lambda x: x.review_id)

    # --- analytics, aggregated in the database ------------------------------------
    def _cohort_based(self, where: AnalyticsFilter) -> bool:
        return (
            where.cohort_id is not None or where.cohorts_only or where.grouping is Grouping.COHORT
        )

    def _membership(self, table: Any, cohorts: Sequence[CohortScope]) -> tuple[Any, Any]:
        """Join conditions tying a fact table's rows to the cohorts in scope."""
        m, tg = t.cohort_members, t.cohort_targets
        ids = [c.cohort_id for c in cohorts]
        on_member = and_(
            m.c.person_id == table.c.learner_id,
            m.c.course_id == table.c.course_id,
            m.c.status == "active",
            m.c.cohort_id.in_(ids),
        )
        on_target = and_(
            tg.c.cohort_id == m.c.cohort_id, tg.c.credential_id == table.c.credential_id
        )
        return on_member, on_target

    def _grouped(
        self,
        table: Any,
        where: AnalyticsFilter,
        cohorts: Sequence[CohortScope],
        columns: Sequence[Any],
        conds: list[Any],
        *,
        extra_from: Any = None,
        group_extra: Sequence[Any] = (),
    ) -> Any:
        """``SELECT key, columns FROM table ... GROUP BY key``, with the key and
        the cohort scope of ``where``."""
        m, tg = t.cohort_members, t.cohort_targets
        source = table if extra_from is None else extra_from
        if where.course_id is not None:
            conds = [*conds, table.c.course_id == where.course_id]
        if where.credential_id is not None:
            conds = [*conds, table.c.credential_id == where.credential_id]
        if self._cohort_based(where):
            on_member, on_target = self._membership(table, cohorts)
            if where.grouping is Grouping.COHORT:
                key: Any = m.c.cohort_id
                source = source.join(m, on_member).join(tg, on_target)
            else:
                key = (
                    table.c.credential_id if where.grouping is Grouping.CREDENTIAL else literal("")
                )
                conds = [*conds, exists().where(on_member, on_target)]
        else:
            key = table.c.credential_id if where.grouping is Grouping.CREDENTIAL else literal("")
        key = key.label("key")
        return select(key, *columns).select_from(source).where(*conds).group_by(key, *group_extra)

    def _range(self, column: Any, where: AnalyticsFilter) -> Any:
        conds = [column.is_not(None)]
        if where.since is not None:
            conds.append(column >= where.since)
        if where.until is not None:
            conds.append(column < where.until)
        return and_(*conds)

    def _medians(
        self,
        table: Any,
        where: AnalyticsFilter,
        cohorts: Sequence[CohortScope],
        value: Any,
        conds: list[Any],
        *,
        extra_from: Any = None,
        by: Any = None,
        python_value: Any = None,
    ) -> dict[str, float]:
        """Median of ``value`` per key (``by``: per that column instead)."""
        if not self.sqlite:
            median = func.percentile_cont(0.5).within_group(value)
            if by is not None:
                stmt = select(by.label("key"), median).where(*conds).group_by(by)
                if extra_from is not None:
                    stmt = stmt.select_from(extra_from)
            else:
                stmt = self._grouped(table, where, cohorts, [median], conds, extra_from=extra_from)
            return {r[0]: float(r[1]) for r in self.conn.execute(stmt) if r[1] is not None}
        # SQLite: fetch the values (grouping by every row keeps one per row)
        parts = python_value if python_value is not None else [value]
        if by is not None:
            stmt = select(by.label("key"), *parts).where(*conds)
            if extra_from is not None:
                stmt = stmt.select_from(extra_from)
        else:
            rowid = list(table.primary_key.columns)
            stmt = self._grouped(
                table, where, cohorts, parts, conds, extra_from=extra_from, group_extra=rowid
            )
        values: dict[str, list[float]] = {}
        for row in self.conn.execute(stmt):
            if python_value is not None:
                later, earlier = aware_utc(row[1]), aware_utc(row[2])
                number: float | None = (later - earlier).total_seconds() / 86400
            else:
                number = None if row[1] is None else float(row[1])
            if number is not None:
                values.setdefault(row[0], []).append(number)
        return {k: float(statistics.median(v)) for k, v in values.items()}

    def analytics_figures(
        self, where: AnalyticsFilter, cohorts: Sequence[CohortScope]
    ) -> list[RawFigures]:
        self._refresh_facts(where.course_id)
        f, a, rf, u = t.submission_facts, t.awards, t.review_facts, t.review_unmet
        if self._cohort_based(where) and not cohorts:
            return []

        def total(cond: Any) -> Any:
            return func.sum(case((cond, 1), else_=0))

        figures: dict[str, dict[str, Any]] = {}

        def slot(key: str) -> dict[str, Any]:
            return figures.setdefault(key, {"key": key})

        started = self._grouped(
            f,
            where,
            cohorts,
            [
                total(self._range(f.c.started_at, where)).label("started"),
                total(self._range(f.c.first_submitted_at, where)).label("submitted"),
            ],
            [],
        )
        for row in self.conn.execute(started):
            if row.started or row.submitted:
                slot(row.key).update(started=int(row.started), submitted=int(row.submitted))
        award_conds = [
            a.c.kind == AwardKind.CREDENTIAL.value,
            a.c.status != AwardStatus.REVOKED.value,
            self._range(a.c.issued_at, where),
        ]
        joined = a.outerjoin(f, f.c.submission_id == a.c.submission_id)
        for row in self.conn.execute(
            self._grouped(
                a,
                where,
                cohorts,
                [
                    func.count().label("awarded"),
                    func.avg(cast(f.c.attempts, Float)).label("attempts"),
                ],
                award_conds,
                extra_from=joined,
            )
        ):
            slot(row.key).update(
                awarded=int(row.awarded),
                attempts_per_award=None if row.attempts is None else float(row.attempts),
            )
        days = self._medians(
            a,
            where,
            cohorts,
            func.extract("epoch", a.c.issued_at - f.c.started_at) / 86400.0,
            [*award_conds, f.c.started_at.is_not(None)],
            extra_from=joined,
            python_value=[a.c.issued_at, f.c.started_at],
        )
        review_conds = [self._range(rf.c.reviewed_at, where)]
        for row in self.conn.execute(
            self._grouped(
                rf,
                where,
                cohorts,
                [
                    func.count().label("reviews"),
                    func.count(func.distinct(rf.c.reviewer_id)).label("reviewers"),
                ],
                review_conds,
            )
        ):
            slot(row.key).update(reviews=int(row.reviews), reviewers=int(row.reviewers))
        hours = self._medians(
            rf,
            where,
            cohorts,
            rf.c.turnaround_seconds / 3600.0,
            [*review_conds, rf.c.turnaround_seconds.is_not(None)],
        )
        unmet: dict[str, list[tuple[str, str, int]]] = {}
        for row in self.conn.execute(
            self._grouped(
                u,
                where,
                cohorts,
                [u.c.credential_id.label("cred"), u.c.criterion_id, func.count().label("n")],
                [self._range(u.c.reviewed_at, where)],
                group_extra=[u.c.credential_id, u.c.criterion_id],
            )
        ):
            unmet.setdefault(row.key, []).append((row.cred, row.criterion_id, int(row.n)))
        out = []
        for key in sorted(figures):
            values = figures[key]
            out.append(
                RawFigures(
                    key=key,
                    started=values.get("started", 0),
                    submitted=values.get("submitted", 0),
                    awarded=values.get("awarded", 0),
                    median_days_to_award=days.get(key),
                    attempts_per_award=values.get("attempts_per_award"),
                    reviews=values.get("reviews", 0),
                    reviewers=values.get("reviewers", 0),
                    median_turnaround_hours=hours.get(key),
                    not_yet=tuple(sorted(unmet.get(key, []), key=lambda x: (-x[2], x[0], x[1]))),
                )
            )
        return out

    def analytics_reviewers(
        self, where: AnalyticsFilter, cohorts: Sequence[CohortScope]
    ) -> list[RawReviewer]:
        self._refresh_facts(where.course_id)
        rf = t.review_facts
        if self._cohort_based(where) and not cohorts:
            return []
        conds = [self._range(rf.c.reviewed_at, where)]
        if where.course_id is not None:
            conds.append(rf.c.course_id == where.course_id)
        if where.credential_id is not None:
            conds.append(rf.c.credential_id == where.credential_id)
        if self._cohort_based(where):
            on_member, on_target = self._membership(rf, cohorts)
            conds.append(exists().where(on_member, on_target))
        counts = {
            row.reviewer_id: int(row.n)
            for row in self.conn.execute(
                select(rf.c.reviewer_id, func.count().label("n"))
                .where(*conds)
                .group_by(rf.c.reviewer_id)
            )
        }
        hours = self._medians(
            rf,
            where,
            cohorts,
            rf.c.turnaround_seconds / 3600.0,
            [*conds, rf.c.turnaround_seconds.is_not(None)],
            by=rf.c.reviewer_id,
        )
        return [
            RawReviewer(reviewer_id=rid, reviews=n, median_turnaround_hours=hours.get(rid))
            for rid, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
