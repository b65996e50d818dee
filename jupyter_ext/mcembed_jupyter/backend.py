"""Where a workshop's evidence goes: the ``Backend`` seam the widgets talk to.

Widgets never call the core directly; they hold one ``Backend`` bound to the
person at the keyboard and call its methods, which mirror ``mcembed.Service``
minus the actor. ``LocalBackend`` is the offline mode: the core ``Service`` on
SQLite in the workshop folder. ``ApiBackend`` (``api_backend.py``: the LTI
tool's REST API v1, with the learner's personal token) implements the same
protocol, so the widgets do not change between the two.

Offline, awards are signed by the workshop instance's own issuer, when it has
one: the facilitator creates it explicitly (``mcembed issuer init --id
did:key``, or ``LocalBackend.create_issuer`` behind the review widget's
"Badge issuer" box); nothing creates keys on its own.

Every method may raise ``mcembed.McembedError`` (bad evidence, a state that
does not allow the step, a permission the person lacks); widgets show those
messages. A connected backend translates its transport errors into the same
tree at its edge.
"""

from __future__ import annotations

import dataclasses
import getpass
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from mcembed import (
    Actor,
    Award,
    AwardKind,
    Board,
    BoardRow,
    CoachingNeed,
    Cohort,
    CohortView,
    ConfigError,
    Credential,
    CriterionScore,
    EvidenceItem,
    ReviewOutcome,
    Role,
    SelfAssessment,
    Service,
    Settings,
    Submission,
    SubmissionDetail,
    SubmissionState,
    load_pack,
    open_service,
)
from mcembed.badges import (
    BadgeFile,
    BadgeRecognizer,
    IdentityKind,
    IssuerIdentity,
    IssuerProfile,
    KeyResolver,
    KeyType,
    Verification,
    Verifier,
    award_files,
    has_issuer,
    init_issuer,
    instance_verifier,
    open_recognizer,
)

__all__ = ["Backend", "LocalBackend", "default_learner"]

WAITING = (SubmissionState.SUBMITTED, SubmissionState.RESUBMITTED, SubmissionState.IN_REVIEW)


@runtime_checkable
class Backend(Protocol):
    """The calls a workshop makes, on behalf of one person (``actor``)."""

    @property
    def actor(self) -> Actor:
        """Who is acting: the learner in a workshop, the facilitator in a review."""
        ...

    @property
    def drafts_folder(self) -> Path:
        """Where typed but unsent evidence is kept on this machine."""
        ...

    def get_credential(self, credential_id: str, version: str | None = None) -> Credential:
        """A credential at ``version`` (default: its latest)."""
        ...

    def read_check_module(self, credential: Credential, requirement_id: str) -> str:
        """The Python source of the checks a ``code_check`` requirement runs."""
        ...

    def start_submission(self, credential_id: str) -> Submission:
        """The learner's open (or awarded) submission, or a new draft. Safe to repeat."""
        ...

    def get_submission(self, submission_id: str) -> SubmissionDetail:
        """A submission with its reviews, self-assessments, award and what is missing."""
        ...

    def save_draft(self, submission_id: str, items: Iterable[EvidenceItem]) -> Submission:
        """Replace the evidence these items answer."""
        ...

    def attach_file(
        self, submission_id: str, requirement_id: str, filename: str, data: bytes
    ) -> Submission:
        """Store an uploaded file as an artifact's evidence."""
        ...

    def submit(self, submission_id: str) -> Submission:
        """Submit, or resubmit after "not yet"."""
        ...

    def self_assess(
        self, submission_id: str, scores: Iterable[CriterionScore], note: str = ""
    ) -> SelfAssessment:
        """Record the learner's reading of the rubric."""
        ...

    def read_evidence_file(self, submission_id: str, sha256: str) -> bytes:
        """A file given as evidence (its learner's or, for reviewers, their course's)."""
        ...

    def list_submissions(
        self, *, credential_id: str | None = None, states: Sequence[SubmissionState] = ()
    ) -> list[Submission]:
        """Submissions the actor may see; for a reviewer, the review queue."""
        ...

    def record_review(
        self,
        submission_id: str,
        scores: Iterable[CriterionScore],
        *,
        feedback: str = "",
        expected_revision: int | None = None,
    ) -> ReviewOutcome:
        """Score the latest attempt; the rubric decides award or "not yet"."""
        ...

    def list_awards(self) -> list[Award]:
        """The awards the actor may see."""
        ...

    def badge_files(self, award: Award) -> tuple[BadgeFile, ...]:
        """The award's badge to download: baked PNG and SVG, JSON credential, VC-JWT.

        Raises:
            BadgeError: the award carries no signed credential.
        """
        ...

    def verify_badge(self, data: bytes) -> Verification:
        """The core ``Verifier``'s checks on a badge (image, JSON or JWT)."""
        ...

    def list_cohorts(self) -> list[Cohort]:
        """The cohorts the actor may see in their course."""
        ...

    def get_cohort(self, cohort_id: str) -> CohortView:
        """A cohort as the actor may see it: members, their own place, whether they manage it."""
        ...

    def my_progress(self, cohort_id: str) -> BoardRow:
        """The actor's own row of the cohort's board (active members)."""
        ...

    def progress_board(self, cohort_id: str) -> Board:
        """Members × checkpoints (those who manage the cohort)."""
        ...

    def board_chart(self, cohort_id: str) -> str:
        """The board as the tool draws it: the core's accessible SVG chart (text)."""
        ...

    def coaching_list(self, cohort_id: str) -> list[CoachingNeed]:
        """Who needs a coaching visit, and why (those who manage the cohort)."""
        ...


def default_learner() -> Actor:
    """The learner at this keyboard, offline: ``MCEMBED_LEARNER`` or the login name."""
    ident = os.environ.get("MCEMBED_LEARNER", "").strip() or _login()
    return Actor(id=ident, name=ident)


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry inside some containers
        return "learner"


class LocalBackend:
    """Offline mode: the core ``Service`` (SQLite in the workshop folder).

    Args:
        service: the core service, e.g. from ``LocalBackend.open``.
        actor: the person acting; a facilitator reviewing needs a reviewer role.
        drafts_folder: where unsent drafts are kept (default: ``drafts`` beside the
            instance's evidence files).
        settings: the instance's settings (where its issuer's keys are); without
            them no issuer can be created or picked up here.
    """

    def __init__(
        self,
        service: Service,
        actor: Actor,
        *,
        drafts_folder: str | os.PathLike[str] | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.service = service
        self.settings = settings
        self._actor = actor
        self._files: dict[str, tuple[BadgeFile, ...]] = {}
        root = getattr(service.blobs, "root", None)
        if drafts_folder is None:
            drafts_folder = Path(root).parent / "drafts" if root is not None else Path("drafts")
        self._drafts_folder = Path(drafts_folder)

    @classmethod
    def open(
        cls,
        folder: str | os.PathLike[str] = ".",
        *,
        actor: Actor | None = None,
        pack: str | os.PathLike[str] | None = None,
        instance: str | os.PathLike[str] | None = None,
    ) -> LocalBackend:
        """The workshop folder's instance, with ``pack`` loaded (new versions only).

        Args:
            folder: the workshop folder (the notebook's); relative paths start here.
            actor: who acts (default: the learner at this keyboard).
            pack: a pack folder to load, relative to ``folder``.
            instance: the instance folder (default: ``MCEMBED_INSTANCE``, else
                ``instance`` in ``folder``).
        """
        base = Path(folder)
        settings = Settings.from_env()
        where = Path(instance) if instance is not None else settings.instance
        if not where.is_absolute():
            where = base / where
        # every other setting (database, upload cap, the issuer key's passphrase) as set
        settings = dataclasses.replace(settings, instance=where)
        service = open_service(settings)  # signs awards when the instance has an issuer
        if pack is not None:
            service.add_pack(Actor.system(), load_pack(base / pack), source=str(pack))
        return cls(service, actor or default_learner(), settings=settings)

    def as_actor(self, actor: Actor) -> LocalBackend:
        """The same instance, acting as someone else (e.g. the facilitator)."""
        return LocalBackend(
            self.service, actor, drafts_folder=self._drafts_folder, settings=self.settings
        )

    def as_facilitator(self, ident: str = "facilitator", name: str = "Facilitator") -> LocalBackend:
        """The same instance, acting as the workshop's reviewer (offline: no course)."""
        return self.as_actor(
            Actor(id=ident, name=name, roles=frozenset({Role.INSTRUCTOR}), course_id="")
        )

    @property
    def actor(self) -> Actor:
        return self._actor

    @property
    def drafts_folder(self) -> Path:
        return self._drafts_folder

    def get_credential(self, credential_id: str, version: str | None = None) -> Credential:
        return self.service.get_credential(credential_id, version)

    def read_check_module(self, credential: Credential, requirement_id: str) -> str:
        return self.service.read_check_module(credential, requirement_id)

    def start_submission(self, credential_id: str) -> Submission:
        return self.service.start_submission(self._actor, credential_id)

    def get_submission(self, submission_id: str) -> SubmissionDetail:
        return self.service.get_submission(self._actor, submission_id)

    def save_draft(self, submission_id: str, items: Iterable[EvidenceItem]) -> Submission:
        return self.service.save_draft(self._actor, submission_id, items)

    def attach_file(
        self, submission_id: str, requirement_id: str, filename: str, data: bytes
    ) -> Submission:
        return self.service.attach_file(self._actor, submission_id, requirement_id, filename, data)

    def submit(self, submission_id: str) -> Submission:
        return self.service.submit(self._actor, submission_id)

    def self_assess(
        self, submission_id: str, scores: Iterable[CriterionScore], note: str = ""
    ) -> SelfAssessment:
        return self.service.self_assess(self._actor, submission_id, scores, note=note)

    def read_evidence_file(self, submission_id: str, sha256: str) -> bytes:
        return self.service.read_evidence_file(self._actor, submission_id, sha256)

    def list_submissions(
        self, *, credential_id: str | None = None, states: Sequence[SubmissionState] = ()
    ) -> list[Submission]:
        page = self.service.list_submissions(
            self._actor, credential_id=credential_id, states=states, limit=500
        )
        return list(page.items)

    def record_review(
        self,
        submission_id: str,
        scores: Iterable[CriterionScore],
        *,
        feedback: str = "",
        expected_revision: int | None = None,
    ) -> ReviewOutcome:
        _ = self.issuer  # sign this award with an issuer created since the backend opened
        return self.service.record_review(
            self._actor,
            submission_id,
            scores,
            feedback=feedback,
            expected_revision=expected_revision,
        )

    def list_awards(self) -> list[Award]:
        return self.service.list_awards(self._actor)

    def badge_files(self, award: Award) -> tuple[BadgeFile, ...]:
        found = self._files.get(award.id)
        if found is None:
            # an award's documents never change: bake its images once
            definition = (
                self.service.get_stack(award.credential_id, award.credential_version)
                if award.kind is AwardKind.STACK
                else self.service.get_credential(award.credential_id, award.credential_version)
            )
            found = self._files[award.id] = award_files(award, definition, self.service.blobs)
        return found

    def verify_badge(self, data: bytes) -> Verification:
        # offline: a did:key issuer's key is its id; this instance's own
        # revocation list and credentials are read from its database
        if self.settings is None:
            return Verifier(KeyResolver(None), fetch=None).verify(data)
        verifier = instance_verifier(self.settings, self.service.store, clock=self.service.clock)
        return verifier.verify(data)

    # --- cohorts (the core's community use cases) ---------------------------------------

    def list_cohorts(self) -> list[Cohort]:
        return self.service.community.list_cohorts(self._actor)

    def get_cohort(self, cohort_id: str) -> CohortView:
        return self.service.community.get_cohort(self._actor, cohort_id)

    def my_progress(self, cohort_id: str) -> BoardRow:
        return self.service.community.my_progress(self._actor, cohort_id)

    def progress_board(self, cohort_id: str) -> Board:
        return self.service.community.progress_board(self._actor, cohort_id)

    def board_chart(self, cohort_id: str) -> str:
        return self.service.community.board_chart(self._actor, cohort_id)

    def coaching_list(self, cohort_id: str) -> list[CoachingNeed]:
        return self.service.community.coaching_list(self._actor, cohort_id)

    # --- the workshop's badge issuer (offline) ----------------------------------------

    @property
    def issuer(self) -> IssuerIdentity | None:
        """The issuer that signs this instance's awards, or None when it has none yet.

        An issuer created meanwhile (``mcembed issuer init`` in a terminal) is
        picked up here, so the next award is signed.
        """
        recognizer = self.service.recognizer
        if recognizer is None and self.settings is not None and has_issuer(self.settings):
            recognizer = self.service.recognizer = open_recognizer(self.settings)
        return recognizer.issuer if isinstance(recognizer, BadgeRecognizer) else None

    @property
    def keys_folder(self) -> Path | None:
        """Where the issuer's keys are (or would be) kept."""
        return None if self.settings is None else self.settings.instance / "keys"

    def create_issuer(
        self, *, name: str, url: str, email: str = "", description: str = ""
    ) -> IssuerIdentity:
        """Create the workshop instance's own did:key issuer; awards are signed from now on.

        A new Ed25519 key is written to the instance's ``keys/`` folder on this
        machine; a did:key issuer is that key, so its badges verify anywhere
        without a server (it cannot rotate: keep the folder private).

        Args:
            name: the organisation (or workshop) that issues, as holders see it.
            url: its home page (http or https).

        Raises:
            ValidationError: a name or URL that cannot be used.
            Conflict: the instance already has an issuer.
            ConfigError: this backend was made without its instance settings.
        """
        if self.settings is None:
            raise ConfigError(
                "This workshop's backend does not know its instance folder; "
                "open it with LocalBackend.open(folder) to create an issuer."
            )
        profile = IssuerProfile(
            name=name.strip(),
            url=url.strip(),
            email=email.strip(),
            description=description.strip(),
            identity=IdentityKind.DID_KEY,
            jwt_alg=KeyType.ED25519,  # a did:key is one Ed25519 key
        )
        identity = init_issuer(self.settings, profile, clock=self.service.clock)
        self.service.recognizer = open_recognizer(self.settings)
        return identity
