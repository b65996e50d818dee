"""Reviews and self-assessments: levels and feedback per rubric criterion.

The reviewer picks a level and writes feedback for each criterion; the decision
(award or not yet) is never picked by hand, it follows from the rubric and its
passing rule (``decide``). A learner's self-assessment is kept apart from the
reviewer's scores and never decides anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .rubrics import Decision, Rubric, evaluate

__all__ = ["CriterionScore", "Review", "SelfAssessment", "decide"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CriterionScore:
    """The level given for one criterion, with feedback for the learner."""

    criterion_id: str
    level: str
    feedback: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Review:
    """A reviewer's scoring of one attempt and the decision it leads to."""

    id: str
    submission_id: str
    attempt: int
    reviewer_id: str
    scores: tuple[CriterionScore, ...]
    feedback: str
    decision: Decision
    created_at: datetime

    @property
    def passed(self) -> bool:
        return self.decision.passed

    def score(self, criterion_id: str) -> CriterionScore | None:
        for s in self.scores:
            if s.criterion_id == criterion_id:
                return s
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class SelfAssessment:
    """The learner's own reading of their work against the rubric."""

    id: str
    submission_id: str
    attempt: int
    learner_id: str
    scores: tuple[CriterionScore, ...]
    note: str
    decision: Decision
    created_at: datetime


def decide(rubric: Rubric, scores: Iterable[CriterionScore]) -> Decision:
    """The decision ``scores`` lead to under ``rubric`` (see ``rubrics.evaluate``)."""
    return evaluate(rubric, {s.criterion_id: s.level for s in scores})
