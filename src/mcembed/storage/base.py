"""The storage seam: a ``Store`` hands out transactions; a ``Transaction`` holds
the repositories. This is the only storage API the rest of mcembed uses.

Contract, shared by every implementation (``MemoryStore``, ``SqlStore``) and
checked by one test-suite run over all of them:

- ``with store.transaction() as tx:`` commits when the block ends and rolls
  everything back when it raises: nothing half-written.
- Verbs: ``add_x`` fails with ``Conflict`` if ``x`` exists; ``get_x`` raises
  ``NotFound``; ``find_x`` returns ``None``; ``list_x`` returns a list;
  ``put_x`` creates or updates.
- ``update_submission(s, expected_revision)`` writes only when the stored
  revision is still ``expected_revision`` and raises ``AlreadyDecided``
  otherwise, so two reviewers cannot both decide one submission. It returns the
  submission with ``revision`` increased by one.
- A learner has at most one open (not withdrawn) submission per credential and
  course; ``add_submission`` raises ``Conflict`` for a second one.
- A submission has at most one award; a learner at most one award per stack and
  course.
- Writing a submission records the stored files it holds (``files_base``).
- ``take_registration_link`` marks an unused, unexpired link used in one
  conditional step: of two concurrent takers, one gets it.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from ..awards import Award, AwardStatus
from ..credentials import Credential, Issuer
from ..grades import DeliveryState, GradeDelivery
from ..launches import LaunchContext, LoginState
from ..people import Person
from ..placements import Placement
from ..platforms import Deployment, Platform, ToolKey
from ..registration_links import RegistrationLink
from ..reviews import Review, SelfAssessment
from ..rosters import RosterMember
from ..stacks import Stack
from ..submissions import Submission, SubmissionState
from .api_base import ApiTransaction
from .community_base import CommunityTransaction
from .files_base import FileTransaction

__all__ = [
    "AwardFilter",
    "CatalogHit",
    "CatalogQuery",
    "DeliveryFilter",
    "PackRecord",
    "Page",
    "Store",
    "SubmissionFilter",
    "Transaction",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class PackRecord:
    """A pack as loaded into the instance."""

    id: str
    name: str
    description: str = ""
    issuer: Issuer
    loaded_at: datetime
    source: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogQuery:
    """A catalog search: free text (a problem in plain words), tags, alignment."""

    text: str = ""
    tags: tuple[str, ...] = ()
    framework: str = ""
    code: str = ""
    limit: int = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogHit:
    credential: Credential
    score: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmissionFilter:
    course_id: str | None = None
    learner_id: str | None = None
    credential_id: str | None = None
    states: tuple[SubmissionState, ...] = ()
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class AwardFilter:
    course_id: str | None = None
    learner_id: str | None = None
    credential_id: str | None = None
    status: AwardStatus | None = None
    limit: int = 1000
    offset: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryFilter:
    """Grade deliveries of a course (or all), of one line item (placement) and
    learner, in some states, or only those failing."""

    course_id: str | None = None
    placement_id: str | None = None
    person_id: str | None = None
    states: tuple[DeliveryState, ...] = ()
    failing: bool = False
    limit: int = 100
    offset: int = 0


T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Page(Generic[T]):
    """One page of a listing and the number of matches in all."""

    items: Sequence[T] = field(default_factory=tuple)
    total: int = 0


class Transaction(CommunityTransaction, ApiTransaction, FileTransaction, Protocol):
    """The repositories, inside one unit of work (the community ones in
    ``community_base``, the API tokens in ``api_base``, who holds each stored
    file in ``files_base``)."""

    # packs, credentials, stacks
    def put_pack(self, pack: PackRecord) -> None: ...
    def find_pack(self, pack_id: str) -> PackRecord | None: ...
    def list_packs(self) -> list[PackRecord]: ...
    def add_credential(self, credential: Credential) -> None: ...
    def find_credential(self, credential_id: str, version: str | None = None) -> Credential | None:
        """The given version, or the latest one when ``version`` is None."""
        ...

    def list_credentials(self, *, pack_id: str | None = None) -> list[Credential]:
        """The latest version of each credential, ordered by name."""
        ...

    def list_credential_versions(self, credential_id: str) -> list[Credential]: ...
    def search_credentials(self, query: CatalogQuery) -> list[CatalogHit]:
        """Latest versions matching ``query``, best first."""
        ...

    def add_stack(self, stack: Stack) -> None: ...
    def find_stack(self, stack_id: str, version: str | None = None) -> Stack | None: ...
    def list_stacks(self, *, pack_id: str | None = None) -> list[Stack]: ...
    def find_definition_with_image(self, image: str) -> Credential | Stack | None:
        """A credential or stack, of any version, whose image is ``image`` (a
        ``sha256:`` reference): what makes a stored file a public badge image."""
        ...

    # people
    def put_person(self, person: Person) -> None: ...
    def find_person(self, person_id: str) -> Person | None: ...

    # submissions
    def add_submission(self, submission: Submission) -> None: ...
    def find_submission(self, submission_id: str) -> Submission | None: ...
    def update_submission(self, submission: Submission, expected_revision: int) -> Submission: ...
    def find_open_submission(
        self, learner_id: str, credential_id: str, course_id: str
    ) -> Submission | None: ...
    def list_submissions(self, where: SubmissionFilter) -> Page[Submission]:
        """Newest change first."""
        ...

    # reviews
    def add_review(self, review: Review) -> None: ...
    def list_reviews(self, submission_id: str) -> list[Review]: ...
    def add_self_assessment(self, assessment: SelfAssessment) -> None: ...
    def list_self_assessments(self, submission_id: str) -> list[SelfAssessment]: ...

    # awards
    def add_award(self, award: Award) -> None: ...
    def find_award(self, award_id: str) -> Award | None: ...
    def find_latest_award(
        self, learner_id: str, credential_id: str, course_id: str
    ) -> Award | None:
        """The newest award of a credential (or stack) to a learner in a course."""
        ...

    def find_award_for_submission(self, submission_id: str) -> Award | None: ...
    def find_stack_award(self, learner_id: str, stack_id: str, course_id: str) -> Award | None: ...
    def update_award(self, award: Award) -> None: ...
    def list_awards(self, where: AwardFilter) -> Page[Award]: ...

    # LTI: platforms, deployments, logins, launches, placements, grades, rosters, keys
    def add_platform(self, platform: Platform) -> None:
        """Raises ``Conflict`` when the issuer and client id are registered already."""
        ...

    def find_platform(self, platform_id: str) -> Platform | None: ...
    def find_platform_by_client(self, issuer: str, client_id: str) -> Platform | None: ...
    def list_platforms(self, *, issuer: str | None = None) -> list[Platform]:
        """Ordered by issuer, then client id."""
        ...

    def remove_platform(self, platform_id: str) -> None:
        """Removes the platform and its deployments; ``NotFound`` if unknown."""
        ...

    def add_deployment(self, deployment: Deployment) -> None: ...
    def find_deployment(self, platform_id: str, deployment_id: str) -> Deployment | None: ...
    def list_deployments(self, platform_id: str) -> list[Deployment]: ...
    def add_login_state(self, login: LoginState) -> None: ...
    def find_login_state(self, state: str) -> LoginState | None: ...
    def take_login_state(self, state: str) -> LoginState | None:
        """Read and delete in one step: of two concurrent takers, one gets it."""
        ...

    def add_launch(self, launch: LaunchContext) -> None: ...
    def save_launch(
        self, person: Person, member: RosterMember | None, launch: LaunchContext
    ) -> None:
        """Keep a launch's person (names brought up to date), its roster entry
        when it changed (``None``: unchanged), and the launch itself; on
        PostgreSQL in one statement."""
        ...

    def find_launch(self, launch_id: str) -> LaunchContext | None: ...
    def remove_expired(self, now: datetime, *, limit: int | None = None) -> int:
        """Drop login states and launches expired at ``now``: all of them, or at
        most ``limit`` of each, the longest expired first. Returns how many."""
        ...

    def put_placement(self, placement: Placement) -> Placement:
        """Create or update the placement of (course, resource link); an existing
        one keeps its id and creation time. Returns what is stored."""
        ...

    def find_placement(self, placement_id: str) -> Placement | None: ...
    def list_placements(
        self, course_id: str, *, credential_id: str | None = None
    ) -> list[Placement]: ...
    def add_grade_delivery(self, delivery: GradeDelivery) -> None:
        """Also marks older pending deliveries of the same placement and person
        as superseded."""
        ...

    def find_grade_delivery(self, delivery_id: str) -> GradeDelivery | None: ...
    def list_grade_deliveries(self, where: DeliveryFilter) -> Page[GradeDelivery]:
        """Newest first."""
        ...

    def list_due_deliveries(self, now: datetime, limit: int) -> list[str]:
        """Ids of pending deliveries due at ``now`` and of sending ones whose lease
        ran out (their worker died), oldest first."""
        ...

    def claim_grade_delivery(
        self, delivery_id: str, now: datetime, lease_until: datetime, token: str
    ) -> GradeDelivery | None:
        """Mark a due delivery ``sending`` under ``token`` until ``lease_until``;
        ``None`` when it is not due or another worker holds it."""
        ...

    def finish_grade_delivery(self, delivery: GradeDelivery, token: str) -> bool:
        """Store the outcome of a claimed delivery, only if ``token`` still holds it."""
        ...

    def update_grade_delivery(self, delivery: GradeDelivery) -> None: ...
    def put_roster_member(self, member: RosterMember) -> None: ...
    def find_roster_member(self, course_id: str, person_id: str) -> RosterMember | None: ...
    def find_member_and_placement(
        self, course_id: str, person_id: str, resource_link_id: str
    ) -> tuple[RosterMember | None, Placement | None]:
        """The roster entry of (course, person) and the placement of (course,
        resource link): what every launch reads, in one query on the SQL stores."""
        ...

    def list_roster(self, course_id: str) -> list[RosterMember]: ...
    def add_tool_key(self, key: ToolKey) -> None: ...
    def list_tool_keys(self) -> list[ToolKey]:
        """Oldest first."""
        ...

    def update_tool_key(self, key: ToolKey) -> None: ...
    def add_registration_link(self, link: RegistrationLink) -> None:
        """Raises ``Conflict`` for a second link with the same id or secret hash."""
        ...

    def find_registration_link(self, secret_hash: str) -> RegistrationLink | None: ...
    def take_registration_link(self, secret_hash: str, now: datetime) -> RegistrationLink | None:
        """Mark the link used at ``now`` if it is unused and unexpired, in one step
        (of two concurrent takers, one gets it); ``None`` otherwise."""
        ...

    def update_registration_link(self, link: RegistrationLink) -> None:
        """``NotFound`` if there is no such link."""
        ...

    def list_registration_links(self) -> list[RegistrationLink]:
        """Newest first."""
        ...

    # bulk award (a cohort in one batch)
    def put_people(self, people: Sequence[Person]) -> None: ...
    def find_latest_awards(
        self, learner_ids: Sequence[str], credential_id: str, course_id: str
    ) -> dict[str, Award]:
        """The newest award of a credential in a course, per learner who has one."""
        ...

    def add_awards(self, awards: Sequence[Award]) -> None:
        """Add every award, or none (``Conflict`` if one exists)."""
        ...


class Store(Protocol):
    """Where everything lives; hands out transactions."""

    def transaction(self) -> AbstractContextManager[Transaction]: ...
    def close(self) -> None: ...
