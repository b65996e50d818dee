"""Rubrics, their passing rule, and the decision a set of scores leads to.

A rubric is criteria × performance levels. Each criterion lists its levels from
the lowest to the highest (label, points, descriptor). The passing rule is per
criterion (each at or above a named level) and/or a minimum total. ``evaluate``
turns a reviewer's (or a learner's self-assessed) levels into a ``Decision``
with one stated reason per criterion, so "not yet" always says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import Location, Problem, ValidationError, did_you_mean, excerpt

__all__ = [
    "Criterion",
    "CriterionResult",
    "Decision",
    "Level",
    "PassingRule",
    "Rubric",
    "evaluate",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Level:
    """One performance level of a criterion."""

    label: str
    points: int
    descriptor: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Criterion:
    """One row of a rubric; ``levels`` run from the lowest to the highest."""

    id: str
    name: str
    description: str = ""
    levels: tuple[Level, ...]

    def __post_init__(self) -> None:
        if not self.levels:
            raise ValueError(f"criterion {self.id!r} must have at least one level")
        points = [lv.points for lv in self.levels]
        if points != sorted(points) or len(set(points)) != len(points):
            raise ValueError(
                f"criterion {self.id!r}: levels must run from the lowest to the highest "
                f"points, each different (got {points})"
            )
        labels = [lv.label for lv in self.levels]
        if len(set(labels)) != len(labels):
            raise ValueError(f"criterion {self.id!r}: level labels must be unique (got {labels})")

    def level(self, label: str) -> Level:
        """Return the level called ``label``.

        Raises:
            ValidationError: no such level; the message suggests the nearest label.
        """
        for lv in self.levels:
            if lv.label == label:
                return lv
        labels = [lv.label for lv in self.levels]
        raise ValidationError(
            f"criterion {self.id!r} has no level {excerpt(label)}{did_you_mean(label, labels)}; "
            f"its levels are {', '.join(excerpt(x) for x in labels)}"
        )

    def rank(self, label: str) -> int:
        """Position of a level, 0 for the lowest."""
        return self.levels.index(self.level(label))

    @property
    def max_points(self) -> int:
        return self.levels[-1].points


@dataclass(frozen=True, slots=True, kw_only=True)
class PassingRule:
    """When scores pass: every criterion in ``min_levels`` at or above its level,
    and the total at least ``min_total``. At least one part must be set."""

    min_levels: Mapping[str, str] = field(default_factory=dict)
    min_total: int | None = None

    def __post_init__(self) -> None:
        if not self.min_levels and self.min_total is None:
            raise ValueError("a passing rule needs per-criterion levels, a minimum total, or both")


@dataclass(frozen=True, slots=True, kw_only=True)
class Rubric:
    """Criteria and the rule that decides passing."""

    criteria: tuple[Criterion, ...]
    passing: PassingRule

    def __post_init__(self) -> None:
        ids = [c.id for c in self.criteria]
        if not ids:
            raise ValueError("a rubric needs at least one criterion")
        if len(set(ids)) != len(ids):
            raise ValueError(f"criterion ids must be unique (got {ids})")
        for cid, label in self.passing.min_levels.items():
            if cid not in ids:
                raise ValueError(
                    f"passing rule names criterion {excerpt(cid)}{did_you_mean(cid, ids)}, "
                    "which the rubric lacks"
                )
            self.criterion(cid).level(label)
        if self.passing.min_total is not None and self.passing.min_total > self.max_points:
            raise ValueError(
                f"passing total {self.passing.min_total} is more than the rubric's "
                f"maximum of {self.max_points} points"
            )

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        ids = [c.id for c in self.criteria]
        raise ValidationError(
            f"the rubric has no criterion {excerpt(criterion_id)}{did_you_mean(criterion_id, ids)}"
        )

    @property
    def max_points(self) -> int:
        return sum(c.max_points for c in self.criteria)


@dataclass(frozen=True, slots=True, kw_only=True)
class CriterionResult:
    """How one criterion scored against its part of the passing rule."""

    criterion_id: str
    level: str
    points: int
    required_level: str | None
    met: bool
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """The outcome the rubric gives: passed (award) or not yet, with reasons."""

    passed: bool
    total: int
    max_total: int
    min_total: int | None
    criteria: tuple[CriterionResult, ...]
    reasons: tuple[str, ...]

    @property
    def unmet(self) -> tuple[CriterionResult, ...]:
        """Criteria below their passing level: where the learner should revise."""
        return tuple(r for r in self.criteria if not r.met)


def evaluate(rubric: Rubric, levels: Mapping[str, str]) -> Decision:
    """Decide whether ``levels`` (criterion id -> level label) pass ``rubric``.

    Args:
        rubric: the rubric, with its passing rule.
        levels: one level label for every criterion of the rubric.

    Returns:
        The decision with one reason per criterion and one for the total.

    Raises:
        ValidationError: a criterion is missing or unknown, or a label is not one
            of the criterion's levels; every such problem is listed.
    """
    problems: list[Problem] = []
    known = {c.id for c in rubric.criteria}
    for cid in levels:
        if cid not in known:
            problems.append(
                Problem(
                    Location(path=f"scores.{cid}"),
                    f"the rubric has no criterion {excerpt(cid)}{did_you_mean(cid, known)}",
                )
            )
    results: list[CriterionResult] = []
    for criterion in rubric.criteria:
        label = levels.get(criterion.id)
        if label is None:
            problems.append(Problem(Location(path=f"scores.{criterion.id}"), "no level was given"))
            continue
        try:
            level = criterion.level(label)
        except ValidationError as e:
            problems.append(Problem(Location(path=f"scores.{criterion.id}"), e.message))
            continue
        required = rubric.passing.min_levels.get(criterion.id)
        if required is None:
            met = True
            reason = f"{criterion.name}: {label} ({level.points} points)"
        elif criterion.rank(label) >= criterion.rank(required):
            met = True
            reason = f"{criterion.name}: {label} meets the required {required}"
        else:
            met = False
            reason = f"{criterion.name}: {label} is below the required {required}"
        results.append(
            CriterionResult(
                criterion_id=criterion.id,
                level=label,
                points=level.points,
                required_level=required,
                met=met,
                reason=reason,
            )
        )
    if problems:
        raise ValidationError(problems=problems)

    total = sum(r.points for r in results)
    reasons = [r.reason for r in results]
    total_met = True
    if rubric.passing.min_total is not None:
        total_met = total >= rubric.passing.min_total
        verb = "reaches" if total_met else "is below"
        reasons.append(
            f"Total: {total} of {rubric.max_points} points {verb} "
            f"the required {rubric.passing.min_total}"
        )
    passed = total_met and all(r.met for r in results)
    return Decision(
        passed=passed,
        total=total,
        max_total=rubric.max_points,
        min_total=rubric.passing.min_total,
        criteria=tuple(results),
        reasons=tuple(reasons),
    )
