"""Value factories and actors shared by the tests (import: ``from factories import ...``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mcembed import (
    Actor,
    Credential,
    Criterion,
    CriterionScore,
    EvidenceItem,
    EvidenceKind,
    EvidenceRequirement,
    Level,
    PassingRule,
    Role,
    Rubric,
    Service,
    Submission,
)

NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)

LEVELS = (
    ("Beginning", 1),
    ("Developing", 2),
    ("Proficient", 3),
    ("Exemplary", 4),
)


def make_criterion(criterion_id: str = "quality", **overrides: Any) -> Criterion:
    values: dict[str, Any] = {
        "id": criterion_id,
        "name": criterion_id.replace("-", " ").title(),
        "levels": tuple(
            Level(label=label, points=points, descriptor=f"{label} {criterion_id}")
            for label, points in LEVELS
        ),
    }
    values.update(overrides)
    return Criterion(**values)


def make_rubric(
    criteria: tuple[str, ...] = ("design", "impact"),
    *,
    each: str | None = "Proficient",
    min_total: int | None = None,
) -> Rubric:
    return Rubric(
        criteria=tuple(make_criterion(c) for c in criteria),
        passing=PassingRule(
            min_levels=dict.fromkeys(criteria, each) if each else {}, min_total=min_total
        ),
    )


def make_credential(credential_id: str = "evaluate-impact", **overrides: Any) -> Credential:
    """A small, valid credential: a reflection and an artifact feeding two criteria."""
    values: dict[str, Any] = {
        "id": credential_id,
        "version": "1",
        "name": "Evaluate the impact of professional learning",
        "summary": "Plans and runs an evaluation of a professional learning programme.",
        "competency": "Evaluates professional learning with evidence of its effect on students.",
        "evidence": (
            EvidenceRequirement(
                id="reflection",
                kind=EvidenceKind.REFLECTION,
                title="Reflection",
                prompt="What changed?",
                criteria=("design",),
                min_words=5,
                max_words=50,
            ),
            EvidenceRequirement(
                id="plan",
                kind=EvidenceKind.ARTIFACT,
                title="Evaluation plan",
                criteria=("impact",),
                file_types=("pdf", "txt"),
                max_bytes=10_000,
            ),
            EvidenceRequirement(
                id="portfolio",
                kind=EvidenceKind.LINK,
                title="Portfolio link",
                criteria=("impact",),
                required=False,
            ),
        ),
        "rubric": make_rubric(),
        "tags": ("evaluation",),
        "pack_id": "test-pack",
        "content_hash": "h1",
    }
    values.update(overrides)
    return Credential(**values)


def reflection(text: str = "I changed how we plan our meetings together.") -> EvidenceItem:
    return EvidenceItem(requirement_id="reflection", kind=EvidenceKind.REFLECTION, text=text)


def scores(**levels: str) -> list[CriterionScore]:
    return [
        CriterionScore(criterion_id=c, level=lv, feedback=f"about {c}") for c, lv in levels.items()
    ]


LEARNER = Actor(id="learner-1", course_id="course-1", name="Lee Learner", email="lee@example.org")
OTHER_LEARNER = Actor(id="learner-2", course_id="course-1", name="Ola Other")
REVIEWER = Actor(
    id="teacher-1", course_id="course-1", roles=frozenset({Role.INSTRUCTOR}), name="Tess Teacher"
)
TA = Actor(id="ta-1", course_id="course-1", roles=frozenset({Role.TEACHING_ASSISTANT}))
FOREIGN_REVIEWER = Actor(id="teacher-9", course_id="course-9", roles=frozenset({Role.INSTRUCTOR}))
ADMIN = Actor.system()


def submitted(service: Service, actor: Actor = LEARNER) -> Submission:
    """A submission of ``actor`` with valid evidence, submitted."""
    sub = service.start_submission(actor, "evaluate-impact")
    service.save_draft(actor, sub.id, [reflection()])
    service.attach_file(actor, sub.id, "plan", "plan.txt", b"Week 1: survey; week 6: observe.")
    return service.submit(actor, sub.id)
