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
- Cohorts belong to a course. Instructors of the course and the cohort's
  facilitators manage it; its members see it; notes on a member are read by
  the cohort's facilitators only (and administrators).
- Analytics are for the roles the instance allows (``MCEMBED_ANALYTICS_ROLES``),
  in their own course; administrators see every course.
- Reported recommendations, with their senders, are for the roles the instance
  allows to moderate (``MCEMBED_MODERATION_ROLES``, default administrators), in
  their own course.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from .awards import Award
from .cohorts import Cohort, CohortMember, MemberStatus
from .errors import ConfigError, PermissionDenied, did_you_mean, excerpt
from .submissions import Submission

__all__ = [
    "DEFAULT_ANALYTICS_ROLES",
    "DEFAULT_MODERATION_ROLES",
    "REVIEWER_ROLES",
    "Actor",
    "Role",
    "can_manage_cohort",
    "can_moderate",
    "can_read_member_notes",
    "can_review",
    "can_see_analytics",
    "can_see_award",
    "can_see_cohort",
    "can_see_submission",
    "parse_roles",
    "require_admin",
    "require_analytics",
    "require_cohort_creator",
    "require_manage_cohort",
    "require_member_notes",
    "require_moderation",
    "require_owner",
    "require_reviewer",
    "require_reviewer_of",
    "require_see_award",
    "require_see_cohort",
    "require_see_submission",
]


class Role(StrEnum):
    LEARNER = "learner"
    TEACHING_ASSISTANT = "teaching_assistant"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


REVIEWER_ROLES = frozenset({Role.INSTRUCTOR, Role.TEACHING_ASSISTANT, Role.ADMIN})
DEFAULT_ANALYTICS_ROLES = frozenset({Role.INSTRUCTOR, Role.ADMIN})
DEFAULT_MODERATION_ROLES = frozenset({Role.ADMIN})


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


# --- cohorts ------------------------------------------------------------------------


def _is_instructor_in(actor: Actor, course_id: str) -> bool:
    return Role.INSTRUCTOR in actor.roles and _same_course(actor, course_id)


def require_cohort_creator(actor: Actor, course_id: str) -> None:
    """Creating a cohort needs the instructor role in its course (or admin)."""
    if not (actor.is_admin or _is_instructor_in(actor, course_id)):
        raise PermissionDenied("Creating a cohort needs the instructor role in the course.")


def can_manage_cohort(actor: Actor, cohort: Cohort) -> bool:
    """Administrators, and in the cohort's course its facilitators and instructors."""
    if actor.is_admin:
        return True
    if not _same_course(actor, cohort.course_id):
        return False
    return cohort.is_facilitator(actor.id) or Role.INSTRUCTOR in actor.roles


def can_see_cohort(actor: Actor, cohort: Cohort, member: CohortMember | None) -> bool:
    """Those who manage it, and its invited or active members (in its course)."""
    if can_manage_cohort(actor, cohort):
        return True
    return (
        _same_course(actor, cohort.course_id)
        and member is not None
        and member.person_id == actor.id
        and member.status in (MemberStatus.INVITED, MemberStatus.ACTIVE)
    )


def can_read_member_notes(actor: Actor, cohort: Cohort) -> bool:
    """Only the cohort's facilitators, in its course (and administrators)."""
    if actor.is_admin:
        return True
    return _same_course(actor, cohort.course_id) and cohort.is_facilitator(actor.id)


def require_manage_cohort(actor: Actor, cohort: Cohort) -> None:
    if not can_manage_cohort(actor, cohort):
        raise PermissionDenied(
            f"You cannot change cohort {cohort.name!r}: only its facilitators and the "
            "instructors of its course can."
        )


def require_see_cohort(actor: Actor, cohort: Cohort, member: CohortMember | None) -> None:
    if not can_see_cohort(actor, cohort, member):
        # a cohort of another course is not even confirmed to exist
        raise PermissionDenied("You cannot see this cohort: it is not one of yours.")


def require_member_notes(actor: Actor, cohort: Cohort) -> None:
    if not can_read_member_notes(actor, cohort):
        raise PermissionDenied(
            f"Notes on the members of {cohort.name!r} are for its facilitators only."
        )


# --- analytics ----------------------------------------------------------------------


def parse_roles(value: str, *, setting: str = "MCEMBED_ANALYTICS_ROLES") -> frozenset[Role]:
    """``"instructor, admin"`` -> the roles; an unknown name raises ``ConfigError``."""
    names = [n.strip().lower() for n in value.split(",") if n.strip()]
    if not names:
        raise ConfigError(f"{setting} names no role; use e.g. 'instructor,admin'")
    known = [r.value for r in Role]
    roles = set()
    for name in names:
        if name not in known:
            raise ConfigError(
                f"{setting}: {excerpt(name)} is not a role{did_you_mean(name, known)}; "
                f"the roles are {', '.join(known)}"
            )
        roles.add(Role(name))
    return frozenset(roles)


def can_see_analytics(actor: Actor, course_id: str | None, roles: Iterable[Role]) -> bool:
    """One of ``roles``, and (unless an administrator) only the actor's own course."""
    if not actor.roles & frozenset(roles):
        return False
    if actor.is_admin:
        return True
    return course_id is not None and _same_course(actor, course_id)


def require_analytics(actor: Actor, course_id: str | None, roles: Iterable[Role]) -> None:
    roles = frozenset(roles)
    if not actor.roles & roles:
        allowed = ", ".join(sorted(r.value for r in roles))
        raise PermissionDenied(f"Programme analytics are for these roles: {allowed}.")
    if not can_see_analytics(actor, course_id, roles):
        raise PermissionDenied("You can see the analytics of your own course only.")


# --- moderation ---------------------------------------------------------------------


def can_moderate(actor: Actor, roles: Iterable[Role]) -> bool:
    """One of the moderation ``roles`` (the actor's own course's reports only,
    unless they have no course: the operator's ``Actor.system()``)."""
    return bool(actor.roles & frozenset(roles))


def require_moderation(actor: Actor, roles: Iterable[Role]) -> None:
    if not can_moderate(actor, roles):
        raise PermissionDenied(
            "Reported recommendations are for the instance's moderators (MCEMBED_MODERATION_ROLES)."
        )
