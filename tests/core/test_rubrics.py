"""Rubric decisions: the passing rule, stated reasons, and bad scores."""

from __future__ import annotations

import pytest
from hypothesis import given

from factories import make_criterion, make_rubric
from mcembed import PassingRule, Rubric, ValidationError, evaluate
from strategies import rubric_and_levels


def test_each_criterion_at_or_above_its_level_passes() -> None:
    """Proficient everywhere meets an each-at-least-Proficient rule."""
    decision = evaluate(make_rubric(), {"design": "Proficient", "impact": "Exemplary"})
    assert decision.passed
    assert decision.total == 7
    assert decision.reasons == (
        "Design: Proficient meets the required Proficient",
        "Impact: Exemplary meets the required Proficient",
    )


def test_one_criterion_below_its_level_is_not_yet_with_the_reason() -> None:
    """A single criterion below its level decides "not yet" and says which."""
    decision = evaluate(make_rubric(), {"design": "Developing", "impact": "Exemplary"})
    assert not decision.passed
    assert [r.criterion_id for r in decision.unmet] == ["design"]
    assert "Design: Developing is below the required Proficient" in decision.reasons


def test_minimum_total_alone_decides() -> None:
    """With only a minimum total, low criteria can be made up by high ones."""
    rubric = make_rubric(each=None, min_total=6)
    assert evaluate(rubric, {"design": "Beginning", "impact": "Exemplary"}).passed is False
    decision = evaluate(rubric, {"design": "Developing", "impact": "Exemplary"})
    assert decision.passed
    assert decision.reasons[-1] == "Total: 6 of 8 points reaches the required 6"


def test_both_parts_of_the_rule_must_hold() -> None:
    """Levels met but total short is still not yet."""
    rubric = make_rubric(min_total=8)
    decision = evaluate(rubric, {"design": "Proficient", "impact": "Exemplary"})
    assert not decision.passed
    assert decision.reasons[-1] == "Total: 7 of 8 points is below the required 8"


@pytest.mark.parametrize(
    ("levels", "fragment"),
    [
        ({"design": "Proficient"}, "scores.impact: no level was given"),
        (
            {"design": "Profficient", "impact": "Exemplary"},
            "no level 'Profficient' (did you mean 'Proficient'?)",
        ),
        (
            {"design": "Proficient", "impact": "Exemplary", "desing": "Proficient"},
            "no criterion 'desing' (did you mean 'design'?)",
        ),
    ],
)
def test_bad_scores_are_refused_with_the_field(levels: dict[str, str], fragment: str) -> None:
    with pytest.raises(ValidationError) as err:
        evaluate(make_rubric(), levels)
    assert fragment in str(err.value)


def test_a_passing_rule_needs_a_part() -> None:
    with pytest.raises(ValueError, match="needs per-criterion levels, a minimum total, or both"):
        PassingRule()


def test_a_rubric_refuses_a_passing_level_it_lacks() -> None:
    with pytest.raises(ValidationError, match="did you mean 'Proficient'"):
        Rubric(criteria=(make_criterion("a"),), passing=PassingRule(min_levels={"a": "Proficeint"}))


def test_levels_must_rise() -> None:
    from mcembed import Level

    with pytest.raises(ValueError, match="lowest to the highest"):
        make_criterion("a", levels=(Level(label="x", points=2), Level(label="y", points=1)))


@given(rubric_and_levels())
def test_decision_matches_the_rule(case: tuple[Rubric, dict[str, str]]) -> None:
    """Passed exactly when every required level is met and the total is reached."""
    rubric, levels = case
    decision = evaluate(rubric, levels)
    total = sum(rubric.criterion(c).level(lv).points for c, lv in levels.items())
    levels_ok = all(
        rubric.criterion(c).rank(levels[c]) >= rubric.criterion(c).rank(req)
        for c, req in rubric.passing.min_levels.items()
    )
    total_ok = rubric.passing.min_total is None or total >= rubric.passing.min_total
    assert decision.total == total
    assert decision.passed == (levels_ok and total_ok)
    assert len(decision.criteria) == len(rubric.criteria)
    assert all(not r.met for r in decision.unmet)


@given(rubric_and_levels())
def test_raising_a_level_never_turns_a_pass_into_not_yet(
    case: tuple[Rubric, dict[str, str]],
) -> None:
    """Monotonic: better work never scores a worse decision."""
    rubric, levels = case
    before = evaluate(rubric, levels)
    for c in rubric.criteria:
        rank = c.rank(levels[c.id])
        if rank + 1 < len(c.levels):
            better = dict(levels, **{c.id: c.levels[rank + 1].label})
            if before.passed:
                assert evaluate(rubric, better).passed
