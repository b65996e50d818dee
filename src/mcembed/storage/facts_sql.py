"""The facts that boards and analytics read, in ``SqlStore``: written with the
data they come from, and aggregated in the database.

Boards and analytics never read evidence or documents: they read
``submission_facts``, ``review_facts``, ``review_unmet`` and ``award_facts``,
narrow indexed rows derived by the functions of ``activity``. The store's
transaction writes them in the same statement batch as the submission, review
or award they describe (``_note_submission`` and the rest), so they are never
staler than the data. ``backfill_facts`` derives whatever is missing or stale
(the 0004 migration runs it over data written before it, and it repairs rows
written behind the store's back). Analytics aggregate in SQL: counts, means
and, on PostgreSQL, medians (``percentile_cont``) in one grouped query per
table; SQLite has no median function, so there the values are fetched and the
medians taken in Python.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

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
    Grouping,
    RawFigures,
    RawReviewer,
    median,
)
from ..awards import Award, AwardKind, AwardStatus
from ..codec import from_data
from ..reviews import Review
from ..submissions import Action, Attempt, HistoryEntry, Submission, SubmissionState
from . import tables as t
from .community_base import FactFilter

__all__ = ["FactSqlRepositories", "aware_utc", "backfill_facts", "chunks"]

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


def _review_rows(x: ReviewFact) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    row = {
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
    unmet = [
        {
            "review_id": x.review_id,
            "criterion_id": criterion,
            "credential_id": x.credential_id,
            "course_id": x.course_id,
            "learner_id": x.learner_id,
            "reviewed_at": x.reviewed_at,
        }
        for criterion in dict.fromkeys(x.unmet)
    ]
    return row, unmet


def _award_row(award: Award, source: Submission | None) -> dict[str, Any]:
    """An award's fact, with the start and attempts of the submission that earned
    it (fixed once it is awarded), so analytics need no join."""
    fact = award_fact(award)
    return {
        "award_id": fact.award_id,
        "kind": fact.kind.value,
        "credential_id": fact.credential_id,
        "course_id": fact.course_id,
        "learner_id": fact.learner_id,
        "submission_id": fact.submission_id,
        "issued_at": fact.issued_at,
        "revoked": fact.revoked,
        "started_at": source.created_at if source is not None else None,
        "attempts": source.attempt if source is not None else None,
    }


_NEWER = {"submission_facts": lambda new: t.submission_facts.c.revision < new.revision}
_UPSERTS: dict[tuple[str, str], Any] = {}


def _upsert_statement(dialect: str, table: Any) -> Any:
    """``INSERT ... ON CONFLICT (key) DO UPDATE``, built once per dialect and
    table: building it costs more than running it."""
    found = _UPSERTS.get((dialect, table.name))
    if found is None:
        insert = (sqlite_insert if dialect == "sqlite" else pg_insert)(table)
        keys = [c.name for c in table.primary_key.columns]
        newer = _NEWER.get(table.name)
        found = insert.on_conflict_do_update(
            index_elements=keys,
            set_={c.name: insert.excluded[c.name] for c in table.columns if c.name not in keys},
            where=None if newer is None else newer(insert.excluded),
        )
        _UPSERTS[(dialect, table.name)] = found
    return found


def pg_fact_upsert(table: Any, prefix: str, rows: int = 1, source: Any = None) -> Any:
    """The upsert of ``rows`` facts into ``table`` as a PostgreSQL statement to
    ride along with the write they describe (a data-modifying CTE); its values
    are the parameters ``{prefix}{n}_{column}`` (``fact_params``). With
    ``source`` (a CTE) the fact is written once per row ``source`` yields: only
    if the write it describes happened."""
    binds = [
        {c.name: bindparam(f"{prefix}{n}_{c.name}", type_=c.type) for c in table.columns}
        for n in range(rows)
    ]
    columns = [c.name for c in table.columns]
    # (a list of VALUES rows would make the statement one SQLAlchemy cannot cache)
    if source is not None:
        insert = pg_insert(table).from_select(
            columns, select(*binds[0].values()).select_from(source)
        )
    elif rows == 1:
        insert = pg_insert(table).values(binds[0])
    else:
        insert = pg_insert(table).from_select(
            columns, union_all(*(select(*b.values()) for b in binds))
        )
    keys = [c.name for c in table.primary_key.columns]
    newer = _NEWER.get(table.name)
    return insert.on_conflict_do_update(
        index_elements=keys,
        set_={c.name: insert.excluded[c.name] for c in table.columns if c.name not in keys},
        where=None if newer is None else newer(insert.excluded),
    )


def fact_params(table: Any, prefix: str, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The parameters of ``pg_fact_upsert(table, prefix, len(rows))``."""
    return {
        f"{prefix}{n}_{c.name}": row.get(c.name)
        for n, row in enumerate(rows)
        for c in table.columns
    }


def _upsert(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``, replacing what is there (a submission's fact only by a
    newer revision)."""
    if not rows:
        return
    stmt = _upsert_statement(conn.dialect.name, table)
    if len(rows) == 1:  # the common case, and a third cheaper than a batch of one
        conn.execute(stmt, rows[0])
        return
    for start in range(0, len(rows), 1000):
        conn.execute(stmt, rows[start : start + 1000])


def _submission_select(*extra: Any) -> Any:
    s = t.submissions
    return select(
        *extra,
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


def backfill_facts(conn: Connection) -> int:
    """Derive every missing or stale fact from the stored submissions, reviews
    and awards; returns how many were written. Safe to repeat; slow on a large
    database (it reads every submission's JSON), so it runs once, from the
    migration, or to repair."""
    s, f = t.submissions, t.submission_facts
    stale = (
        _submission_select()
        .select_from(s.outerjoin(f, f.c.submission_id == s.c.id))
        .where(or_(f.c.submission_id.is_(None), f.c.revision != s.c.revision))
    )
    written = 0
    rows = [_fact_row(submission_fact(_light_submission(r))) for r in conn.execute(stale)]
    _upsert(conn, f, rows)
    written += len(rows)
    r, rf = t.reviews, t.review_facts
    new_reviews = (
        _submission_select(cast(r.c.document, Text).label("review"))
        .select_from(r.join(s, s.c.id == r.c.submission_id).outerjoin(rf, rf.c.review_id == r.c.id))
        .where(rf.c.review_id.is_(None))
    )
    reviews, unmet = [], []
    for row in conn.execute(new_reviews):
        one, many = _review_rows(
            review_fact(from_data(Review, json.loads(row.review)), _light_submission(row))
        )
        reviews.append(one)
        unmet += many
    _upsert(conn, rf, reviews)
    _upsert(conn, t.review_unmet, unmet)
    written += len(reviews)
    a, af = t.awards, t.award_facts
    awards = (
        select(a.c.document, s.c.created_at, s.c.attempts)
        .select_from(
            a.outerjoin(af, af.c.award_id == a.c.id).outerjoin(s, s.c.id == a.c.submission_id)
        )
        .where(
            or_(
                af.c.award_id.is_(None),
                af.c.revoked != (a.c.status == AwardStatus.REVOKED.value),
            )
        )
    )
    award_rows = []
    for row in conn.execute(awards):
        award = from_data(Award, row.document)
        rowdict = _award_row(award, None)
        if row.created_at is not None:
            attempts = row.attempts if isinstance(row.attempts, list) else json.loads(row.attempts)
            rowdict.update(started_at=aware_utc(row.created_at), attempts=len(attempts))
        award_rows.append(rowdict)
    _upsert(conn, af, award_rows)
    return written + len(award_rows)


class FactSqlRepositories:
    """Needs ``self.conn`` (the transaction's connection), ``self.sqlite``,
    ``self.seen`` (the submissions this transaction read or wrote) and
    ``self.find_submission``; the store's transaction calls the ``_note_``
    methods whenever it writes a submission, review or award."""

    conn: Connection
    sqlite: bool
    seen: list[Submission]

    def find_submission(self, submission_id: str) -> Submission | None:  # pragma: no cover
        raise NotImplementedError

    def _insert(self, table: Any) -> Any:
        return (sqlite_insert if self.sqlite else pg_insert)(table)

    # --- written with the data ------------------------------------------------------
    def _source(self, submission_id: str | None) -> Submission | None:
        if submission_id is None:
            return None
        for s in reversed(self.seen):
            if s.id == submission_id:
                return s
        return self.find_submission(submission_id)

    def _submission_fact(self, submission: Submission) -> dict[str, Any]:
        return _fact_row(submission_fact(submission))

    def _review_facts(self, review: Review) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        submission = self._source(review.submission_id)
        if submission is None:  # pragma: no cover - reviews follow their submission
            return None
        return _review_rows(review_fact(review, submission))

    def _award_fact(self, award: Award) -> dict[str, Any]:
        return _award_row(award, self._source(award.submission_id))

    def _note_submission(self, submission: Submission) -> None:
        _upsert(self.conn, t.submission_facts, [self._submission_fact(submission)])

    def _note_review(self, review: Review) -> None:
        facts = self._review_facts(review)
        if facts is None:  # pragma: no cover - reviews follow their submission
            return
        row, unmet = facts
        _upsert(self.conn, t.review_facts, [row])
        _upsert(self.conn, t.review_unmet, unmet)

    def _note_award(self, award: Award) -> None:
        _upsert(self.conn, t.award_facts, [self._award_fact(award)])

    # --- reading --------------------------------------------------------------------
    def _scope(self, table: Any, where: FactFilter) -> list[Any]:
        conds = []
        if where.course_id is not None:
            conds.append(table.c.course_id == where.course_id)
        if where.credential_ids is not None:
            conds.append(table.c.credential_id.in_(list(where.credential_ids)))
        return conds

    def _rows(self, table: Any, where: FactFilter) -> list[Any]:
        if where.learner_ids is None:
            return list(self.conn.execute(select(table).where(*self._scope(table, where))))
        if self.conn.dialect.name == "postgresql":
            # one array parameter: a 500-member cohort's IN list of 500 bound
            # values costs more to send and parse than the query itself
            ids = list(dict.fromkeys(where.learner_ids))
            array = bindparam("learner_ids", ids, type_=ARRAY(Text))
            conds = [*self._scope(table, where), table.c.learner_id == any_(array)]
            return list(self.conn.execute(select(table).where(*conds)))
        out: list[Any] = []
        for learners in chunks(list(dict.fromkeys(where.learner_ids))):
            conds = [*self._scope(table, where), table.c.learner_id.in_(list(learners))]
            out += self.conn.execute(select(table).where(*conds)).all()
        return out

    def list_submission_facts(self, where: FactFilter) -> list[SubmissionFact]:
        rows = self._rows(t.submission_facts, where)
        return sorted((_fact(r) for r in rows), key=lambda x: x.submission_id)

    def list_award_facts(self, where: FactFilter) -> list[AwardFact]:
        return sorted(
            (
                AwardFact(
                    award_id=r.award_id,
                    kind=AwardKind(r.kind),
                    credential_id=r.credential_id,
                    course_id=r.course_id,
                    learner_id=r.learner_id,
                    submission_id=r.submission_id,
                    issued_at=aware_utc(r.issued_at),
                    revoked=r.revoked,
                )
                for r in self._rows(t.award_facts, where)
            ),
            key=lambda x: x.award_id,
        )

    def list_review_facts(self, where: FactFilter) -> list[ReviewFact]:
        u = t.review_unmet
        rows = self._rows(t.review_facts, where)
        unmet: dict[str, list[str]] = {}
        for chunk in chunks([r.review_id for r in rows]):
            for row in self.conn.execute(
                select(u.c.review_id, u.c.criterion_id)
                .where(u.c.review_id.in_(list(chunk)))
                .order_by(u.c.review_id, u.c.criterion_id)
            ):
                unmet.setdefault(row.review_id, []).append(row.criterion_id)
        return sorted(
            (
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
            ),
            key=lambda x: x.review_id,
        )

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
        group_extra: Sequence[Any] = (),
        rollup: bool = False,
    ) -> Any:
        """``SELECT key, columns FROM table ... GROUP BY key``, with the key and
        the cohort scope of ``where``; ``rollup`` (PostgreSQL) adds the total
        row, marked by ``is_total``."""
        m, tg = t.cohort_members, t.cohort_targets
        source = table
        if where.course_id is not None:
            conds = [*conds, table.c.course_id == where.course_id]
        if where.credential_id is not None:
            conds = [*conds, table.c.credential_id == where.credential_id]
        plain = table.c.credential_id if where.grouping is Grouping.CREDENTIAL else literal("")
        key: Any = plain
        if self._cohort_based(where):
            on_member, on_target = self._membership(table, cohorts)
            if where.grouping is Grouping.COHORT:
                key = m.c.cohort_id
                source = source.join(m, on_member).join(tg, on_target)
            else:
                conds = [*conds, exists().where(on_member, on_target)]
        if rollup:
            return (
                select(key.label("key"), func.grouping(key).label("is_total"), *columns)
                .select_from(source)
                .where(*conds)
                .group_by(func.grouping_sets(tuple_(key), tuple_()))
            )
        key = key.label("key")
        return select(key, *columns).select_from(source).where(*conds).group_by(key, *group_extra)

    def _range(self, column: Any, where: AnalyticsFilter) -> Any:
        conds = [column.is_not(None)]
        if where.since is not None:
            conds.append(column >= where.since)
        if where.until is not None:
            conds.append(column < where.until)
        return and_(*conds)

    def _python_medians(self, stmt: Any, days: bool = False) -> dict[str, float]:
        """SQLite: fetch (key, value) or (key, later, earlier) rows; medians in Python."""
        values: dict[str, list[float]] = {}
        for row in self.conn.execute(stmt):
            if days:
                if row[2] is None:
                    continue
                number = (aware_utc(row[1]) - aware_utc(row[2])).total_seconds() / 86400
            elif row[1] is None:
                continue
            else:
                number = float(row[1])
            values.setdefault(row[0], []).append(number)
        return {k: float(median(v) or 0.0) for k, v in values.items()}

    def analytics_figures(
        self, where: AnalyticsFilter, cohorts: Sequence[CohortScope]
    ) -> list[RawFigures]:
        f, af, rf, u = t.submission_facts, t.award_facts, t.review_facts, t.review_unmet
        if self._cohort_based(where) and not cohorts:
            return []
        pg = not self.sqlite
        # On PostgreSQL the per-credential figures bring their total along
        # (GROUPING SETS): the total asked for next, in the same transaction
        # and with nothing written since, is not computed a second time.
        totals: dict[Any, RawFigures | None] = self.__dict__.setdefault("_analytics_totals", {})
        total_key = (replace(where, grouping=Grouping.ALL), len(self.seen))
        if where.grouping is Grouping.ALL and total_key in totals:
            cached = totals[total_key]
            return [] if cached is None else [cached]
        rollup = pg and where.grouping is Grouping.CREDENTIAL and not self._cohort_based(where)
        whole: dict[str, Any] = {}

        def count_if(cond: Any) -> Any:
            return func.sum(case((cond, 1), else_=0))

        def median_of(value: Any) -> list[Any]:
            return [func.percentile_cont(0.5).within_group(value).label("median")] if pg else []

        figures: dict[str, dict[str, Any]] = {}

        def slot(key: str) -> dict[str, Any]:
            return figures.setdefault(key, {})

        for row in self.conn.execute(
            self._grouped(
                f,
                where,
                cohorts,
                [
                    count_if(self._range(f.c.started_at, where)).label("started"),
                    count_if(self._range(f.c.first_submitted_at, where)).label("submitted"),
                ],
                [],
            )
        ):
            if row.started or row.submitted:
                slot(row.key).update(started=int(row.started), submitted=int(row.submitted))
        award_conds = [
            af.c.kind == AwardKind.CREDENTIAL.value,
            af.c.revoked.is_(False),
            self._range(af.c.issued_at, where),
        ]
        days_value = func.extract("epoch", af.c.issued_at - af.c.started_at) / 86400.0
        for row in self.conn.execute(
            self._grouped(
                af,
                where,
                cohorts,
                [
                    func.count().label("awarded"),
                    func.avg(cast(af.c.attempts, Float)).label("attempts"),
                    *median_of(days_value),
                ],
                award_conds,
                rollup=rollup,
            )
        ):
            (whole if rollup and row.is_total else slot(row.key)).update(
                awarded=int(row.awarded),
                attempts_per_award=None if row.attempts is None else float(row.attempts),
                median_days_to_award=(None if not pg or row.median is None else float(row.median)),
            )
        review_conds = [self._range(rf.c.reviewed_at, where)]
        hours_value = rf.c.turnaround_seconds / 3600.0
        for row in self.conn.execute(
            self._grouped(
                rf,
                where,
                cohorts,
                [func.count().label("reviews"), *median_of(hours_value)],
                review_conds,
                rollup=rollup,
            )
        ):
            (whole if rollup and row.is_total else slot(row.key)).update(
                reviews=int(row.reviews),
                median_turnaround_hours=(
                    None if not pg or row.median is None else float(row.median)
                ),
            )
        # distinct reviewers: distinct (key, reviewer) pairs first, hashed, then
        # counted (count(DISTINCT ...) would sort every review)
        pairs = self._grouped(
            rf,
            where,
            cohorts,
            [rf.c.reviewer_id.label("reviewer")],
            review_conds,
            group_extra=[rf.c.reviewer_id],
        ).subquery()
        for row in self.conn.execute(
            select(pairs.c.key, func.count().label("n")).group_by(pairs.c.key)
        ):
            slot(row.key)["reviewers"] = int(row.n)
        if rollup:
            everyone = self._grouped(
                rf,
                replace(where, grouping=Grouping.ALL),
                cohorts,
                [],
                review_conds,
                group_extra=[rf.c.reviewer_id],
            ).subquery()
            whole["reviewers"] = int(
                self.conn.execute(select(func.count()).select_from(everyone)).scalar_one()
            )
        if not pg:
            days = self._python_medians(
                self._grouped(
                    af,
                    where,
                    cohorts,
                    [af.c.issued_at, af.c.started_at],
                    award_conds,
                    group_extra=[af.c.award_id],
                ),
                days=True,
            )
            hours = self._python_medians(
                self._grouped(
                    rf, where, cohorts, [hours_value], review_conds, group_extra=[rf.c.review_id]
                )
            )
            for key, value in days.items():
                slot(key)["median_days_to_award"] = value
            for key, value in hours.items():
                slot(key)["median_turnaround_hours"] = value
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
        rows = [
            RawFigures(
                key=key,
                started=values.get("started", 0),
                submitted=values.get("submitted", 0),
                awarded=values.get("awarded", 0),
                median_days_to_award=values.get("median_days_to_award"),
                attempts_per_award=values.get("attempts_per_award"),
                reviews=values.get("reviews", 0),
                reviewers=values.get("reviewers", 0),
                median_turnaround_hours=values.get("median_turnaround_hours"),
                not_yet=tuple(sorted(unmet.get(key, []), key=lambda x: (-x[2], x[0], x[1]))),
            )
            for key, values in sorted(figures.items())
            if any(values.get(n) for n in ("started", "submitted", "awarded", "reviews"))
        ]
        if rollup:
            # credentials partition the facts: started, submitted and "not yet" add up
            started = sum(r.started for r in rows)
            submitted = sum(r.submitted for r in rows)
            merged = sorted((x for r in rows for x in r.not_yet), key=lambda x: (-x[2], x[0], x[1]))
            total = RawFigures(
                key="",
                started=started,
                submitted=submitted,
                awarded=whole.get("awarded", 0),
                median_days_to_award=whole.get("median_days_to_award"),
                attempts_per_award=whole.get("attempts_per_award"),
                reviews=whole.get("reviews", 0),
                reviewers=whole.get("reviewers", 0),
                median_turnaround_hours=whole.get("median_turnaround_hours"),
                not_yet=tuple(merged),
            )
            counted = started or submitted or total.awarded or total.reviews
            totals[total_key] = total if counted else None
        return rows

    def analytics_reviewers(
        self, where: AnalyticsFilter, cohorts: Sequence[CohortScope]
    ) -> list[RawReviewer]:
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
        hours_value = rf.c.turnaround_seconds / 3600.0
        columns = [rf.c.reviewer_id, func.count().label("n")]
        if not self.sqlite:
            columns.append(func.percentile_cont(0.5).within_group(hours_value).label("median"))
        found = {
            row.reviewer_id: (
                int(row.n),
                None if self.sqlite or row.median is None else float(row.median),
            )
            for row in self.conn.execute(select(*columns).where(*conds).group_by(rf.c.reviewer_id))
        }
        if self.sqlite:
            hours = self._python_medians(select(rf.c.reviewer_id, hours_value).where(*conds))
            found = {rid: (n, hours.get(rid)) for rid, (n, _) in found.items()}
        return [
            RawReviewer(reviewer_id=rid, reviews=n, median_turnaround_hours=median)
            for rid, (n, median) in sorted(found.items(), key=lambda kv: (-kv[1][0], kv[0]))
        ]
