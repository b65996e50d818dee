"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from mcembed import Action, Criterion, Level, PassingRule, Rubric

labels = st.lists(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=12
    ),
    min_size=2,
    max_size=5,
    unique=True,
)


@st.composite
def criteria(draw: st.DrawFn, criterion_id: str) -> Criterion:
    names = draw(labels)
    steps = draw(st.lists(st.integers(1, 5), min_size=len(names), max_size=len(names)))
    start = draw(st.integers(0, 3))
    points, total = [], start
    for step in steps:
        points.append(total)
        total += step
    return Criterion(
        id=criterion_id,
        name=criterion_id,
        levels=tuple(Level(label=n, points=p) for n, p in zip(names, points, strict=True)),
    )


@st.composite
def rubrics(draw: st.DrawFn) -> Rubric:
    count = draw(st.integers(1, 5))
    crits = tuple(draw(criteria(f"c{i}")) for i in range(count))
    min_levels = {}
    for c in crits:
        if draw(st.booleans()):
            min_levels[c.id] = draw(st.sampled_from([lv.label for lv in c.levels]))
    max_points = sum(c.max_points for c in crits)
    min_total = draw(st.none() | st.integers(0, max_points))
    if not min_levels and min_total is None:
        min_total = draw(st.integers(0, max_points))
    return Rubric(criteria=crits, passing=PassingRule(min_levels=min_levels, min_total=min_total))


@st.composite
def rubric_and_levels(draw: st.DrawFn) -> tuple[Rubric, dict[str, str]]:
    rubric = draw(rubrics())
    levels = {c.id: draw(st.sampled_from([lv.label for lv in c.levels])) for c in rubric.criteria}
    return rubric, levels


actions = st.lists(st.sampled_from(list(Action)), max_size=30)
