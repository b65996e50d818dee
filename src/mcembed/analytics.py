"""Programme analytics: what works, per credential and per cohort, without
singling anyone out.

Figures, for a date range (``since`` inclusive, ``until`` exclusive):

- **started**: submissions begun in the range; **submitted**: first submitted
  in it; **awarded**: awards issued in it (revoked ones left out);
- **median days to award**: from starting the submission to its award, over
  the awards in the range;
- **attempts per award**: how many attempts the awarded submissions took
  (1.0 means nobody needed a revision);
- **reviews**, **reviewers** and the **median turnaround** (hours from an
  attempt's submission to its review), over the reviews in the range;
- **not yet**: the criteria reviews most often found below their passing
  level: where the support is missing.

Small groups are never shown as they are. A count from 1 to ``k - 1`` is
suppressed (shown as "<k"), and so is a median or rate computed over fewer
than ``k`` people or reviews; where one cell of a column is suppressed and
the total is shown, the next smallest cell is suppressed too, so that the
hidden one cannot be worked out by subtraction. Zero is shown as zero.

``aggregate`` is the reference computation over facts (the memory store uses
it; the SQL store computes the same figures in the database, and one test
holds them equal). ``report`` applies the suppression; ``to_csv`` writes
what the report shows, suppressed cells included as "<k".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from .activity import AwardFact, ReviewFact, SubmissionFact
from .awards import AwardKind

__all__ = [
    "DEFAULT_MIN_GROUP",
    "AnalyticsFilter",
    "AnalyticsReport",
    "CohortScope",
    "Figure",
    "FigureRow",
    "Grouping",
    "RawFigures",
    "RawReviewer",
    "ReviewerRow",
    "aggregate",
    "aggregate_reviewers",
    "median",
    "protect",
    "report",
    "to_csv",
]

DEFAULT_MIN_GROUP = 5
TOP_CRITERIA = 5


class Grouping(StrEnum):
    CREDENTIAL = "credential"
    COHORT = "cohort"
    ALL = "all"


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalyticsFilter:
    """Which work the figures cover, and how rows are grouped."""

    grouping: Grouping = Grouping.CREDENTIAL
    course_id: str | None = None
    cohort_id: str | None = None
    credential_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    cohorts_only: bool = False
    """Count only the work of cohort members on their cohort's credentials."""

    def covers(self, moment: datetime | None) -> bool:
        if moment is None:
            return False
        if self.since is not None and moment < self.since:
            return False
        return self.until is None or moment < self.until


@dataclass(frozen=True, slots=True, kw_only=True)
class CohortScope:
    """A cohort as analytics sees it: its course, targets and active members."""

    cohort_id: str
    course_id: str
    credential_ids: frozenset[str]
    member_ids: frozenset[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class RawFigures:
    """One group's figures before suppression."""

    key: str
    started: int = 0
    submitted: int = 0
    awarded: int = 0
    median_days_to_award: float | None = None
    attempts_per_award: float | None = None
    reviews: int = 0
    reviewers: int = 0
    median_turnaround_hours: float | None = None
    not_yet: tuple[tuple[str, str, int], ...] = ()
    """(credential id, criterion id, count), most frequent first."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RawReviewer:
    reviewer_id: str
    reviews: int
    median_turnaround_hours: float | None = None


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count)."""
    if not values:
        return None
    ordered = sorted(values)
    half = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[half])
    return (ordered[half - 1] + ordered[half]) / 2


def _in_scope(where: AnalyticsFilter, course: str, credential: str) -> bool:
    if where.course_id is not None and course != where.course_id:
        return False
    return where.credential_id is None or credential == where.credential_id


def _keys(
    where: AnalyticsFilter,
    cohorts: Sequence[CohortScope],
    course: str,
    credential: str,
    learner: str,
) -> list[str]:
    """The groups one piece of work counts in (none: it is out of scope)."""
    if where.cohort_id is None and not where.cohorts_only:
        if where.grouping is Grouping.CREDENTIAL:
            return [credential]
        if where.grouping is Grouping.ALL:
            return [""]
    scoped = [
        c.cohort_id
        for c in cohorts
        if c.course_id == course
        and credential in c.credential_ids
        and learner in c.member_ids
        and (where.cohort_id is None or c.cohort_id == where.cohort_id)
    ]
    if where.grouping is Grouping.COHORT:
        return scoped
    if not scoped:
        return []
    return [credential] if where.grouping is Grouping.CREDENTIAL else [""]


def aggregate(
    where: AnalyticsFilter,
    facts: Iterable[SubmissionFact],
    reviews: Iterable[ReviewFact],
    awards: Iterable[AwardFact],
    cohorts: Sequence[CohortScope] = (),
) -> list[RawFigures]:
    """The figures of every group with any work in scope, by key.

    Args:
        cohorts: needed when grouping by cohort or filtering by one.
    """

    def keys(course: str, credential: str, learner: str) -> list[str]:
        return _keys(where, cohorts, course, credential, learner)

    started: dict[str, int] = {}
    submitted: dict[str, int] = {}
    facts_by_id: dict[str, SubmissionFact] = {}
    for f in facts:
        facts_by_id[f.submission_id] = f
        if not _in_scope(where, f.course_id, f.credential_id):
            continue
        for key in keys(f.course_id, f.credential_id, f.learner_id):
            if where.covers(f.started_at):
                started[key] = started.get(key, 0) + 1
            if where.covers(f.first_submitted_at):
                submitted[key] = submitted.get(key, 0) + 1
    awarded: dict[str, int] = {}
    days: dict[str, list[float]] = {}
    attempts: dict[str, list[int]] = {}
    for a in awards:
        if a.kind is not AwardKind.CREDENTIAL or a.revoked or not where.covers(a.issued_at):
            continue
        if not _in_scope(where, a.course_id, a.credential_id):
            continue
        source = facts_by_id.get(a.submission_id or "")
        for key in keys(a.course_id, a.credential_id, a.learner_id):
            awarded[key] = awarded.get(key, 0) + 1
            if source is not None:
                days.setdefault(key, []).append(
                    (a.issued_at - source.started_at).total_seconds() / 86400
                )
                attempts.setdefault(key, []).append(source.attempts)
    review_count: dict[str, int] = {}
    reviewers: dict[str, set[str]] = {}
    turnaround: dict[str, list[float]] = {}
    unmet: dict[str, dict[tuple[str, str], int]] = {}
    for r in reviews:
        if not where.covers(r.reviewed_at):
            continue
        if not _in_scope(where, r.course_id, r.credential_id):
            continue
        for key in keys(r.course_id, r.credential_id, r.learner_id):
            review_count[key] = review_count.get(key, 0) + 1
            reviewers.setdefault(key, set()).add(r.reviewer_id)
            seconds = r.turnaround_seconds
            if seconds is not None:
                turnaround.setdefault(key, []).append(seconds / 3600)
            counts = unmet.setdefault(key, {})
            for criterion in r.unmet:
                counts[(r.credential_id, criterion)] = (
                    counts.get((r.credential_id, criterion), 0) + 1
                )
    out = []
    for key in sorted({*started, *submitted, *awarded, *review_count}):
        out.append(
            RawFigures(
                key=key,
                started=started.get(key, 0),
                submitted=submitted.get(key, 0),
                awarded=awarded.get(key, 0),
                median_days_to_award=median(days.get(key, [])),
                attempts_per_award=(
                    sum(attempts[key]) / len(attempts[key]) if attempts.get(key) else None
                ),
                reviews=review_count.get(key, 0),
                reviewers=len(reviewers.get(key, ())),
                median_turnaround_hours=median(turnaround.get(key, [])),
                not_yet=_ranked(unmet.get(key, {})),
            )
        )
    return out


def _mean(values: Sequence[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _ranked(counts: Mapping[tuple[str, str], int]) -> tuple[tuple[str, str, int], ...]:
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple((cred, crit, n) for (cred, crit), n in ordered)


def aggregate_reviewers(
    where: AnalyticsFilter,
    reviews: Iterable[ReviewFact],
    cohorts: Sequence[CohortScope] = (),
) -> list[RawReviewer]:
    """Reviews and median turnaround per reviewer, over the reviews in scope."""
    count: dict[str, int] = {}
    hours: dict[str, list[float]] = {}
    for r in reviews:
        if not where.covers(r.reviewed_at):
            continue
        if not _in_scope(where, r.course_id, r.credential_id):
            continue
        if not _keys(where, cohorts, r.course_id, r.credential_id, r.learner_id):
            continue
        count[r.reviewer_id] = count.get(r.reviewer_id, 0) + 1
        if r.turnaround_seconds is not None:
            hours.setdefault(r.reviewer_id, []).append(r.turnaround_seconds / 3600)
    return [
        RawReviewer(reviewer_id=rid, reviews=n, median_turnaround_hours=median(hours.get(rid, [])))
        for rid, n in sorted(count.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


# --- suppression -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    """A number as shown: its value, or suppressed (``value`` is then None)."""

    value: float | None
    suppressed: bool = False
    k: int = DEFAULT_MIN_GROUP

    def __str__(self) -> str:
        if self.suppressed:
            return f"<{self.k}"
        if self.value is None:
            return ""
        if float(self.value).is_integer():
            return str(int(self.value))
        return f"{self.value:.1f}"


@dataclass(frozen=True, slots=True, kw_only=True)
class FigureRow:
    key: str
    label: str
    started: Figure
    submitted: Figure
    awarded: Figure
    median_days_to_award: Figure
    attempts_per_award: Figure
    reviews: Figure
    reviewers: Figure
    median_turnaround_hours: Figure
    not_yet: tuple[tuple[str, str, Figure], ...] = ()
    """(credential id, criterion name, count) of the criteria shown."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewerRow:
    reviewer_id: str
    name: str
    reviews: Figure
    median_turnaround_hours: Figure


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalyticsReport:
    """What a programme lead sees: rows, a total, reviewer load; all suppressed as needed."""

    where: AnalyticsFilter
    k: int
    rows: tuple[FigureRow, ...]
    total: FigureRow
    reviewers: tuple[ReviewerRow, ...] = ()
    generated_at: datetime | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def protect(column: Sequence[int], total: int | None, k: int) -> tuple[list[bool], bool]:
    """Which cells of one column (and whether its total) to suppress.

    Primary: every count from 1 to ``k - 1``. Complementary: when the total is
    shown and exactly one cell is hidden, the smallest other non-zero cell is
    hidden too (when there is none, the total is hidden instead).
    """
    hidden = [0 < n < k for n in column]
    total_hidden = total is not None and 0 < total < k
    if total is not None and not total_hidden and sum(hidden) == 1:
        others = [(n, i) for i, n in enumerate(column) if not hidden[i] and n > 0]
        if others:
            hidden[min(others)[1]] = True
        else:
            total_hidden = True
    return hidden, total_hidden


def _count(value: int, hidden: bool, k: int) -> Figure:
    return Figure(None, True, k) if hidden else Figure(float(value), False, k)


def _derived(value: float | None, base: int, k: int) -> Figure:
    if base < k:
        return Figure(None, base > 0, k)
    return Figure(None if value is None else round(value, 1), False, k)


_COUNTS = ("started", "submitted", "awarded", "reviews", "reviewers")


def report(
    where: AnalyticsFilter,
    rows: Sequence[RawFigures],
    total: RawFigures,
    reviewers: Sequence[RawReviewer] = (),
    *,
    k: int = DEFAULT_MIN_GROUP,
    labels: Mapping[str, str] | None = None,
    criteria: Mapping[tuple[str, str], str] | None = None,
    people: Mapping[str, str] | None = None,
    generated_at: datetime | None = None,
) -> AnalyticsReport:
    """The figures as they may be shown: suppressed per ``protect``.

    Args:
        k: the smallest group shown (at least 2).
        labels: group key -> label (credential or cohort names).
        criteria: (credential id, criterion id) -> criterion name.
        people: reviewer id -> name.
    """
    if k < 2:
        raise ValueError(f"the smallest group shown must be at least 2 (got {k})")
    labels = labels or {}
    criteria = criteria or {}
    people = people or {}
    masks: dict[str, tuple[list[bool], bool]] = {
        name: protect([getattr(r, name) for r in rows], getattr(total, name), k) for name in _COUNTS
    }
    # "not yet" counts: one column per (credential, criterion)
    keys = {(c, cr) for r in (*rows, total) for c, cr, _ in r.not_yet}
    unmet_masks = {}
    for key in keys:
        col = [{(c, cr): n for c, cr, n in r.not_yet}.get(key, 0) for r in rows]
        tot = {(c, cr): n for c, cr, n in total.not_yet}.get(key, 0)
        unmet_masks[key] = protect(col, tot, k)

    def row(raw: RawFigures, index: int | None) -> FigureRow:
        def hidden(name: str) -> bool:
            cells, tot = masks[name]
            return tot if index is None else cells[index]

        shown = []
        for cred, crit, n in raw.not_yet:
            cells, tot = unmet_masks[(cred, crit)]
            if n >= k and not (tot if index is None else cells[index]):
                shown.append((cred, criteria.get((cred, crit), crit), Figure(float(n), False, k)))
        return FigureRow(
            key=raw.key,
            label=labels.get(raw.key, raw.key) if index is not None else "All",
            started=_count(raw.started, hidden("started"), k),
            submitted=_count(raw.submitted, hidden("submitted"), k),
            awarded=_count(raw.awarded, hidden("awarded"), k),
            median_days_to_award=_derived(raw.median_days_to_award, raw.awarded, k),
            attempts_per_award=_derived(raw.attempts_per_award, raw.awarded, k),
            reviews=_count(raw.reviews, hidden("reviews"), k),
            reviewers=_count(raw.reviewers, hidden("reviewers"), k),
            median_turnaround_hours=_derived(raw.median_turnaround_hours, raw.reviews, k),
            not_yet=tuple(shown[:TOP_CRITERIA]),
        )

    reviewer_cells, _ = protect([r.reviews for r in reviewers], total.reviews, k)
    reviewer_rows = tuple(
        ReviewerRow(
            reviewer_id=r.reviewer_id,
            name=people.get(r.reviewer_id, "") or r.reviewer_id,
            reviews=_count(r.reviews, reviewer_cells[i], k),
            median_turnaround_hours=_derived(
                r.median_turnaround_hours, 0 if reviewer_cells[i] else r.reviews, k
            ),
        )
        for i, r in enumerate(reviewers)
    )
    return AnalyticsReport(
        where=where,
        k=k,
        rows=tuple(row(r, i) for i, r in enumerate(rows)),
        total=row(total, None),
        reviewers=reviewer_rows,
        generated_at=generated_at,
        notes=(
            f"Counts from 1 to {k - 1}, and medians or rates over fewer than {k}, "
            f'are shown as "<{k}" so that no one is singled out.',
        ),
    )


_CSV_HEADER = (
    "group",
    "key",
    "started",
    "submitted",
    "awarded",
    "median_days_to_award",
    "attempts_per_award",
    "reviews",
    "reviewers",
    "median_turnaround_hours",
    "most_often_not_yet",
)


def to_csv(report: AnalyticsReport) -> str:
    """The report as CSV: one line per group and one for the total; suppressed
    cells are written as shown ("<k"), never as their values."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_CSV_HEADER)
    for r in (*report.rows, report.total):
        writer.writerow(
            [
                r.label,
                r.key if r is not report.total else "",
                *(
                    str(getattr(r, name))
                    for name in (
                        "started",
                        "submitted",
                        "awarded",
                        "median_days_to_award",
                        "attempts_per_award",
                        "reviews",
                        "reviewers",
                        "median_turnaround_hours",
                    )
                ),
                "; ".join(f"{name} ({n})" for _, name, n in r.not_yet),
            ]
        )
    if report.reviewers:
        writer.writerow([])
        writer.writerow(["reviewer", "reviews", "median_turnaround_hours"])
        for rv in report.reviewers:
            writer.writerow([rv.name, str(rv.reviews), str(rv.median_turnaround_hours)])
    return out.getvalue()
