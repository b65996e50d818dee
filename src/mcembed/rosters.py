"""Course rosters (from the LMS's Names and Role Provisioning) and progress.

The roster lists everyone the LMS has in the course, including people who
never opened the tool; ``progress`` joins it with their submissions and
awards so a reviewer sees the whole class at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .access import Role
from .awards import Award
from .submissions import Submission, SubmissionState

__all__ = ["ProgressRow", "RosterMember", "progress"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RosterMember:
    """One person in a course, as the LMS lists them."""

    course_id: str
    person_id: str
    user_id: str
    name: str = ""
    email: str = ""
    roles: frozenset[Role] = field(default_factory=lambda: frozenset({Role.LEARNER}))
    active: bool = True
    launched: bool = False
    synced_at: datetime

    @property
    def is_learner(self) -> bool:
        return Role.LEARNER in self.roles and not (self.roles - {Role.LEARNER})


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgressRow:
    """One roster member with the state of each credential they pursue."""

    member: RosterMember
    states: dict[str, SubmissionState] = field(default_factory=dict)
    awarded: tuple[str, ...] = ()

    @property
    def started(self) -> bool:
        return bool(self.states)


def progress(
    members: Iterable[RosterMember],
    submissions: Iterable[Submission],
    awards: Iterable[Award],
    *,
    learners_only: bool = True,
) -> Sequence[ProgressRow]:
    """The progress of every (learner) member, by name: people who never
    launched appear too, with nothing started."""
    latest: dict[str, dict[str, Submission]] = {}
    for sub in submissions:
        mine = latest.setdefault(sub.learner_id, {})
        held = mine.get(sub.credential_id)
        if held is None or (
            sub.state is not SubmissionState.WITHDRAWN
            and (held.state is SubmissionState.WITHDRAWN or sub.updated_at > held.updated_at)
        ):
            mine[sub.credential_id] = sub
    earned: dict[str, list[str]] = {}
    for award in awards:
        earned.setdefault(award.learner_id, []).append(award.credential_id)
    rows = [
        ProgressRow(
            member=m,
            states={cid: s.state for cid, s in sorted(latest.get(m.person_id, {}).items())},
            awarded=tuple(sorted(set(earned.get(m.person_id, ())))),
        )
        for m in members
        if m.active and (m.is_learner or not learners_only)
    ]
    return sorted(rows, key=lambda r: (r.member.name.lower(), r.member.person_id))
