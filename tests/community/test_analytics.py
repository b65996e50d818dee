"""Programme analytics: the figures, who may see them, small-group suppression
(with property tests), and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from community_world import (
    ADMIN,
    COACH,
    COURSE,
    INSTRUCTOR,
    OTHER_INSTRUCTOR,
    STACK_ID,
    World,
    learner,
)
from factories import NOW
from mcembed import Actor, PermissionDenied, Role, ValidationError
from mcembed.analytics import (
    AnalyticsFilter,
    Figure,
    Grouping,
    RawFigures,
    protect,
    report,
    to_csv,
)
from mcembed.community import Community


def programme(w: World, n: int = 6) -> list[Actor]:
    """n learners: all start, all submit, every other one needs a revision first."""
    people = [learner(i) for i in range(1, n + 1)]
    for i, p in enumerate(people):
        w.clock.advance(hours=1)
        if i % 2:
            sub = w.not_yet(p)
            w.clock.advance(days=2)
            w.resubmit(p, sub.id)
            w.clock.advance(hours=5)
            from factories import scores

            w.service.record_review(
                INSTRUCTOR, sub.id, scores(design="Proficient", impact="Proficient")
            )
        else:
            w.award(p)
    return people


def test_figures_per_credential(mem: World) -> None:
    programme(mem)
    mem.start(learner(7), "plan-learning")
    result = mem.community.analytics(INSTRUCTOR)
    row = {r.key: r for r in result.rows}["evaluate-impact"]
    # 6 + 1 started = 7 shown: the 1 is hidden, and so is the 6 that would give it away
    assert (str(row.started), str(row.submitted), str(row.awarded)) == ("<5", "6", "6")
    assert row.label == "Evaluate the impact of professional learning"
    assert row.attempts_per_award.value == 1.5
    assert row.reviews.value == 9
    assert str(row.reviewers) == "<5"  # one reviewer: suppressed
    assert row.median_days_to_award.value == pytest.approx(1.0, abs=0.2)
    assert [(name, str(n)) for _, name, n in row.not_yet] == []  # 3 "not yet" < 5
    plan = {r.key: r for r in result.rows}["plan-learning"]
    assert str(plan.started) == "<5"
    assert str(plan.submitted) == "0"
    assert str(result.total.started) == "7"


def test_the_date_range_and_the_course_filter(mem: World) -> None:
    programme(mem)
    late = mem.community.analytics(INSTRUCTOR, since=NOW + timedelta(days=30))
    assert late.rows == ()
    assert mem.community.analytics(ADMIN, course_id="course-9").rows == ()
    with pytest.raises(ValidationError, match="the range is empty"):
        mem.community.analytics(INSTRUCTOR, since=NOW, until=NOW)
    with pytest.raises(ValidationError, match="time zone"):
        mem.community.analytics(INSTRUCTOR, since=NOW.replace(tzinfo=None))
    with pytest.raises(ValidationError, match="by must be"):
        mem.community.analytics(INSTRUCTOR, by="learner")


def test_per_cohort(mem: World) -> None:
    people = programme(mem, 8)
    a = mem.community.create_cohort(INSTRUCTOR, name="Alpha", stack_id=STACK_ID)
    b = mem.community.create_cohort(INSTRUCTOR, name="Beta", stack_id=STACK_ID)
    mem.community.add_members(INSTRUCTOR, a.id, [p.id for p in people[:6]])
    mem.community.add_members(INSTRUCTOR, b.id, [p.id for p in people[6:]])
    result = mem.community.analytics(INSTRUCTOR, by="cohort")
    rows = {r.label: r for r in result.rows}
    assert str(rows["Alpha"].started) == "<5"  # complementary: Beta's 2 would give it away
    assert str(rows["Beta"].started) == "<5"
    assert str(result.total.started) == "8"
    only = mem.community.analytics(INSTRUCTOR, cohort_id=a.id)
    assert [str(r.started) for r in only.rows] == ["6"]


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        (INSTRUCTOR, True),
        (ADMIN, True),
        (COACH, False),
        (learner(1), False),
        (OTHER_INSTRUCTOR, True),  # their own course, which is empty
    ],
)
def test_who_may_see_analytics(mem: World, actor, allowed) -> None:
    if allowed:
        mem.community.analytics(actor)
    else:
        with pytest.raises(PermissionDenied, match="for these roles: admin, instructor"):
            mem.community.analytics(actor)


def test_another_course_is_refused_and_roles_are_configurable(mem: World) -> None:
    with pytest.raises(PermissionDenied, match="your own course"):
        mem.community.analytics(INSTRUCTOR, course_id="course-9")
    tas = Community(mem.service, analytics_roles={Role.TEACHING_ASSISTANT})
    tas.analytics(COACH)
    with pytest.raises(PermissionDenied):
        tas.analytics(INSTRUCTOR)


def test_csv_writes_what_is_shown(mem: World) -> None:
    programme(mem)
    text = mem.community.analytics_csv(INSTRUCTOR)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["group", "key", "started", "submitted", "awarded"]
    assert rows[1][:5] == [
        "Evaluate the impact of professional learning",
        "evaluate-impact",
        "6",
        "6",
        "6",
    ]
    assert rows[2][0] == "All"
    reviewer_header = rows.index(["reviewer", "reviews", "median_turnaround_hours"])
    assert rows[reviewer_header + 1] == ["Tess Teacher", "9", rows[reviewer_header + 1][2]]
    small = mem.community.analytics_csv(INSTRUCTOR, credential_id="plan-learning")
    assert small.count("\n") == 2  # header and total: nothing in that credential


def test_a_lone_reviewer_is_suppressed_in_every_figure(mem: World) -> None:
    sub = mem.submit(learner(1))
    from factories import scores

    mem.service.record_review(INSTRUCTOR, sub.id, scores(design="Beginning", impact="Beginning"))
    result = mem.community.analytics(INSTRUCTOR)
    text = to_csv(result)
    assert "Tess Teacher,<5," in text
    for r in (*result.rows, result.total):
        for name in ("started", "submitted", "reviews", "reviewers"):
            assert str(getattr(r, name)) == "<5"
        assert r.median_turnaround_hours.suppressed
        assert r.not_yet == ()


# --- the suppression rule itself ------------------------------------------------


def test_protect_examples() -> None:
    assert protect([3, 10], 13, 5) == ([True, True], False)
    assert protect([3, 0], 3, 5) == ([True, False], True)
    assert protect([0, 7, 6], 13, 5) == ([False, False, False], False)
    assert protect([2, 2, 9], 13, 5) == ([True, True, False], False)
    assert protect([3], 3, 5) == ([True], True)
    assert protect([4, 0, 0], 12, 5) == ([True, False, False], True)


counts = st.lists(st.integers(0, 40), min_size=1, max_size=8)


@given(column=counts, k=st.integers(2, 10))
def test_no_shown_count_is_small_and_no_hidden_one_is_derivable(column: list[int], k: int) -> None:
    """Shown counts are 0 or at least k; when the total is shown, hidden cells
    are never alone (so no subtraction gives one back)."""
    total = sum(column)
    hidden, total_hidden = protect(column, total, k)
    for n, h in zip(column, hidden, strict=True):
        if not h:
            assert n == 0 or n >= k
    if not total_hidden:
        assert total == 0 or total >= k
        hidden_values = [n for n, h in zip(column, hidden, strict=True) if h]
        assert len(hidden_values) != 1
    # nothing at or above k is hidden unless needed to protect a smaller cell
    if not any(0 < n < k for n in column):
        assert not any(hidden)


@given(
    values=st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)),
        min_size=1,
        max_size=6,
    ),
    k=st.integers(2, 8),
)
def test_reports_never_print_a_small_count(values: list[tuple[int, int, int]], k: int) -> None:
    rows = [
        RawFigures(
            key=f"c{i}",
            started=s,
            submitted=min(s, sub),
            awarded=min(s, sub, aw),
            median_days_to_award=3.0 if aw else None,
            attempts_per_award=1.5 if aw else None,
            reviews=sub,
            reviewers=1 if sub else 0,
            median_turnaround_hours=10.0 if sub else None,
            not_yet=(("c", "design", aw),) if aw else (),
        )
        for i, (s, sub, aw) in enumerate(values)
    ]
    total = RawFigures(
        key="",
        started=sum(r.started for r in rows),
        submitted=sum(r.submitted for r in rows),
        awarded=sum(r.awarded for r in rows),
        reviews=sum(r.reviews for r in rows),
        reviewers=1 if any(r.reviews for r in rows) else 0,
    )
    shown = report(AnalyticsFilter(), rows, total, k=k)
    text = to_csv(shown)
    for r in (*shown.rows, shown.total):
        for name in ("started", "submitted", "awarded", "reviews", "reviewers"):
            figure: Figure = getattr(r, name)
            assert figure.suppressed or figure.value == 0 or (figure.value or 0) >= k
        raw = next((x for x in rows if x.key == r.key), total) if r is not shown.total else total
        if raw.awarded < k:
            assert r.median_days_to_award.value is None
            assert r.attempts_per_award.value is None
        for _, _, n in r.not_yet:
            assert (n.value or 0) >= k
    assert f"<{k}" in text or all(
        v == 0 or v >= k for raw in (*rows, total) for v in (raw.started, raw.submitted)
    )


def test_report_needs_a_real_threshold() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        report(AnalyticsFilter(), [], RawFigures(key=""), k=1)


def test_grouping_all_is_not_a_row_grouping(mem: World) -> None:
    with pytest.raises(ValidationError, match="the total comes with both"):
        mem.community.analytics(INSTRUCTOR, by=Grouping.ALL)
    assert INSTRUCTOR.course_id == COURSE
