"""Who may see or do what. Every use case in ``Service`` calls these checks.

An ``Actor`` is the person acting, with their roles and the course they act in.
Adapters build it (from an LTI launch, an API token, the CLI) and pass it in;
they never decide permissions themselves.

Rules:

- A learner sees and changes only their own submissions, in their own course.
- A reviewer (instructor or teaching assistant) sees and reviews the
  submissions of their course, never their own.
- An administrator may do anything on the instance.
- One course never sees another course's submissions or awards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .awards import Award
from .errors import PermissionDenied
from .submissions import Submission

__all__ = [
    "REVIEWER_ROLES",
    "Actor",
    "Role",
    "can_review",
    "can_see_award",
    "can_see_submission",
    "require_admin",
    "require_owner",
    "require_reviewer",
    "require_reviewer_of",
    "require_see_award",
    "require_see_submission",
]


class Role(StrEnum):
    LEARNER = "learner"
    TEACHING_ASSISTANT = "teaching_assistant"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


REVIEWER_ROLES = frozenset({Role.INSTRUCTOR, Role.TEACHING_ASSISTANT, Role.ADMIN})


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """The person acting, their roles, and the course they act in.

    ``course_id`` is empty outside any course (offline notebooks, the CLI).
    """

    id: str
    roles: frozenset[Role] = field(default_factory=lambda: frozenset({Role.LEARNER}))
    course_id: str = ""
    name: str = ""
    email: str = ""

    @classmethod
    def system(cls, name: str = "mcembed") -> Actor:
        """The administrator actor used by the CLI and by developers' scripts."""
        return cls(id="system", roles=frozenset({Role.ADMIN}), name=name)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def is_reviewer(self) -> bool:
        return bool(self.roles & REVIEWER_ROLES)


def _same_course(actor: Actor, course_id: str) -> bool:
    return actor.course_id == course_id


def can_see_submission(actor: Actor, submission: Submission) -> bool:
    if actor.is_admin:
        return True
    if not _same_course(actor, submission.course_id):
        return False
    return actor.id == submission.learner_id or actor.is_reviewer


def can_review(actor: Actor, submission: Submission) -> bool:
    if actor.id == submission.learner_id:
        return False
    if actor.is_admin:
        return True
    return actor.is_reviewer and _same_course(actor, submission.course_id)


def can_see_award(actor: Actor, award: Award) -> bool:
    if actor.is_admin:
        return True
    if not _same_course(actor, award.course_id):
        return False
    return actor.id == award.learner_id or actor.is_reviewer


def require_see_submission(actor: Actor, submission: Submission) -> None:
    if not can_see_submission(actor, submission):
        raise PermissionDenied(
            f"You cannot see submission {submission.id}: only its learner and the "
            "reviewers of its course can."
        )


def require_owner(actor: Actor, submission: Submission) -> None:
    """Only the learner, in the course the submission belongs to, may change it."""
    if actor.id != submission.learner_id or not _same_course(actor, submission.course_id):
        raise PermissionDenied(
            f"You cannot change submission {submission.id}: only its learner can."
        )


def require_reviewer_of(actor: Actor, submission: Submission) -> None:
    if actor.id == submission.learner_id:
        raise PermissionDenied(f"You cannot review submission {submission.id}: it is your own.")
    if not can_review(actor, submission):
        raise PermissionDenied(
            f"You cannot review submission {submission.id}: reviewing needs the "
            "instructor or teaching-assistant role in its course."
        )


def require_reviewer(actor: Actor, course_id: str) -> None:
    """Reviewer role in ``course_id`` (or admin), e.g. to list a review queue."""
    if actor.is_admin:
        return
    if not (actor.is_reviewer and _same_course(actor, course_id)):
        raise PermissionDenied(
            "This needs the instructor or teaching-assistant role in the course."
        )


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("This needs the administrator role.")


def require_see_award(actor: Actor, award: Award) -> None:
    if not can_see_award(actor, award):
        raise PermissionDenied(
            f"You cannot see award {award.id}: only its holder and the reviewers of its course can."
        )
