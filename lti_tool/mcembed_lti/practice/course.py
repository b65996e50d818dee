"""The practice course and its people: an instructor, an instructional coach
and five teachers taking the course. Fictional people of a fictional district."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["COURSE", "MEMBERS", "Course", "Member", "member"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Course:
    context_id: str
    label: str
    title: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    user_id: str
    given_name: str
    family_name: str
    roles: tuple[str, ...]
    role_label: str
    about: str

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def email(self) -> str:
        return f"{self.given_name}.{self.family_name}@riverbend.example.org".lower()

    @property
    def is_instructor(self) -> bool:
        return "Instructor" in self.roles

    @property
    def is_learner(self) -> bool:
        return "Learner" in self.roles


COURSE = Course(
    context_id="twe-2027-spring",
    label="TWE 101",
    title="Teaching with Evidence (Spring 2027)",
)

MEMBERS: tuple[Member, ...] = (
    Member(
        user_id="u-amara-okafor",
        given_name="Amara",
        family_name="Okafor",
        roles=("Instructor",),
        role_label="Instructor",
        about="Runs the course: places credentials, reviews evidence, reads the gradebook.",
    ),
    Member(
        user_id="u-jonah-whitfield",
        given_name="Jonah",
        family_name="Whitfield",
        roles=("TeachingAssistant",),
        role_label="Instructional coach",
        about="Co-facilitates the cohort and reviews evidence with the instructor.",
    ),
    Member(
        user_id="u-lena-fischer",
        given_name="Lena",
        family_name="Fischer",
        roles=("Learner",),
        role_label="Learner",
        about="Grade 7 science teacher; has not started a credential yet.",
    ),
    Member(
        user_id="u-marcus-chen",
        given_name="Marcus",
        family_name="Chen",
        roles=("Learner",),
        role_label="Learner",
        about="Grade 8 mathematics teacher; already holds a credential.",
    ),
    Member(
        user_id="u-priya-raman",
        given_name="Priya",
        family_name="Raman",
        roles=("Learner",),
        role_label="Learner",
        about="Grade 6 English teacher; revising after feedback.",
    ),
    Member(
        user_id="u-diego-alvarez",
        given_name="Diego",
        family_name="Alvarez",
        roles=("Learner",),
        role_label="Learner",
        about="Grade 7 history teacher; waiting for a review.",
    ),
    Member(
        user_id="u-sofia-rossi",
        given_name="Sofia",
        family_name="Rossi",
        roles=("Learner",),
        role_label="Learner",
        about="Grade 6 mathematics teacher; drafting her evidence.",
    ),
)

_BY_ID = {m.user_id: m for m in MEMBERS}


def member(user_id: str) -> Member | None:
    """The course member with ``user_id``, if any."""
    return _BY_ID.get(user_id)
