"""A workshop: one learner's submission for one credential, and the widgets on it.

A facilitator's notebook makes one ``Workshop`` and places its widgets between
the learning cells::

    import mcembed_jupyter as mj
    ws = mj.Workshop("analyse-assessment-data-python", pack="../professional-learning")
    ws.card()
    ws.code_check("code-parse-score")      # after the cell where parse_score is written
    ws.reflection("interpretation-reflection")
    ws.submit_panel()

The widgets share the workshop's submission: when one saves evidence, the
others (progress on the card, what is missing on the submit panel) refresh.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcembed import (
    Actor,
    Credential,
    EvidenceItem,
    EvidenceKind,
    EvidenceRequirement,
    McembedError,
    Submission,
    SubmissionDetail,
    ValidationError,
)

from . import context
from .backend import Backend, LocalBackend
from .code_checks import DEFAULT_TIME_LIMIT
from .connection import connected_backend
from .drafts import DraftStore

if TYPE_CHECKING:
    from .code_check_form import CodeCheckForm
    from .credential_card import CredentialCard
    from .evidence_forms import ArtifactForm, AttestationForm, LinkForm, ReflectionForm
    from .review_view import ReviewView
    from .self_assessment import SelfAssessmentForm
    from .submit_view import SubmitView

__all__ = ["Workshop"]

_FACTORY = {
    EvidenceKind.REFLECTION: "reflection",
    EvidenceKind.ARTIFACT: "upload",
    EvidenceKind.LINK: "link",
    EvidenceKind.CODE_CHECK: "code_check",
    EvidenceKind.ATTESTATION: "attestation",
}


class Workshop:
    """One learner's work on one credential, offline or connected.

    Args:
        credential_id: the credential the workshop earns.
        pack: offline: a pack folder to load (relative to ``folder``); connected,
            the tool has the pack.
        folder: the workshop folder (default: the kernel's working directory,
            which Jupyter sets to the notebook's folder).
        backend: where evidence goes (default: the kernel's connection to the tool,
            from ``mj.connect()`` or ``MCEMBED_URL``/``MCEMBED_TOKEN``; else
            ``LocalBackend`` in ``folder``, offline).
        learner: offline: who is learning (default: ``MCEMBED_LEARNER`` or the login).
        namespace: the learner's variables for code checks (default: the kernel's).
        time_limit: seconds each code check may run.
    """

    def __init__(
        self,
        credential_id: str,
        *,
        pack: str | os.PathLike[str] | None = None,
        folder: str | os.PathLike[str] | None = None,
        backend: Backend | None = None,
        learner: Actor | str | None = None,
        namespace: MutableMapping[str, Any] | None = None,
        time_limit: float = DEFAULT_TIME_LIMIT,
    ) -> None:
        self.folder = Path(folder) if folder is not None else Path.cwd()
        actor = Actor(id=learner, name=learner) if isinstance(learner, str) else learner
        if backend is None:
            backend = connected_backend(self.folder)
        if backend is None:
            backend = LocalBackend.open(self.folder, actor=actor, pack=pack)
        self.backend = backend
        self._namespace = namespace
        self.time_limit = time_limit
        self.submission: Submission = backend.start_submission(credential_id)
        self.credential: Credential = backend.get_credential(
            credential_id, self.submission.credential_version
        )
        self.drafts = DraftStore(backend.drafts_folder, backend.actor.id, credential_id)
        self._listeners: list[Callable[[], None]] = []
        self._pending: list[Callable[[], None]] = []
        self._detail: SubmissionDetail | None = None
        self._quiet = False
        self._unannounced = False

    # --- state shared by the widgets ------------------------------------------------

    @property
    def namespace(self) -> MutableMapping[str, Any]:
        """The learner's live variables (the kernel's, unless one was given)."""
        if self._namespace is not None:
            return self._namespace
        found = context.kernel_namespace()
        if found is None:
            raise ValidationError(
                "Code checks need the learner's variables: run this in a Jupyter kernel, "
                "or pass namespace=globals() to Workshop."
            )
        return found

    def peek_namespace(self) -> MutableMapping[str, Any]:
        """The learner's variables if there are any, else an empty mapping."""
        if self._namespace is not None:
            return self._namespace
        return context.kernel_namespace() or {}

    def requirement(
        self, evidence_id: str, kind: EvidenceKind | None = None
    ) -> EvidenceRequirement:
        """The credential's requirement ``evidence_id``, checked to be of ``kind``."""
        requirement = self.credential.requirement(evidence_id)
        if kind is not None and requirement.kind is not kind:
            raise ValidationError(
                f"Evidence {evidence_id!r} of {self.credential.id} is {requirement.kind.value} "
                f"evidence; show it with ws.{_FACTORY[requirement.kind]}({evidence_id!r})."
            )
        return requirement

    def detail(self, *, fresh: bool = True) -> SubmissionDetail:
        """The submission with reviews, award and what is missing.

        Args:
            fresh: ask the backend now; else the one fetched since the last
                change is reused (the widgets refreshing after one change ask once).
        """
        if fresh or self._detail is None:
            self._detail = self.backend.get_submission(self.submission.id)
            self.submission = self._detail.submission
        return self._detail

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` whenever the submission changes."""
        self._listeners.append(listener)

    def on_save_all(self, flush: Callable[[], None]) -> None:
        """Register a form's "save what is typed" for ``save_all``."""
        self._pending.append(flush)

    def changed(self, submission: Submission) -> None:
        self.submission = submission
        self._detail = None
        if self._quiet:
            self._unannounced = True
            return
        self._unannounced = False
        for listener in self._listeners:
            listener()

    def save(self, items: Iterable[EvidenceItem]) -> Submission:
        """Save evidence into the submission and tell the other widgets.

        Raises:
            McembedError: the core refused it (the widget shows why).
        """
        stored = self.backend.save_draft(self.submission.id, items)
        self.changed(stored)
        return stored

    def attach(self, evidence_id: str, filename: str, data: bytes) -> Submission:
        stored = self.backend.attach_file(self.submission.id, evidence_id, filename, data)
        self.changed(stored)
        return stored

    def save_all(self, *, announce: bool = True) -> None:
        """Ask every form to save what is typed but not saved yet.

        The other widgets hear of it once at the end, or (``announce=False``)
        with the ``submit`` that follows: connected, each refresh is a round
        trip to the tool.
        """
        self._quiet = True
        try:
            for flush in self._pending:
                flush()
        finally:
            self._quiet = False
        if announce and self._unannounced:
            self.changed(self.submission)

    def submit(self) -> Submission:
        try:
            stored = self.backend.submit(self.submission.id)
        except McembedError:
            if self._unannounced:  # what save_all saved is shown all the same
                self.changed(self.submission)
            raise
        self.changed(stored)
        return stored

    def metadata(self, evidence_id: str, cell_id: str) -> dict[str, str]:
        """Where a piece of evidence came from: its widget and notebook, as far as known."""
        return {
            "evidence_id": evidence_id,
            **context.notebook_identity(self.folder, cell_id=cell_id),
        }

    # --- the widgets ----------------------------------------------------------------------

    def card(self) -> CredentialCard:
        """The credential: competency, requirements, rubric, passing rule, progress."""
        from .credential_card import CredentialCard

        return CredentialCard(self)

    def reflection(self, evidence_id: str) -> ReflectionForm:
        """A reflection box with its prompt and a live word count."""
        from .evidence_forms import ReflectionForm

        return ReflectionForm(self, evidence_id)

    def code_check(self, evidence_id: str, *, editor: bool | None = None) -> CodeCheckForm:
        """The checks of a ``code_check`` requirement, run against the live kernel.

        Args:
            editor: show a code box to edit the function in the widget itself
                (default: only under Voila, where cells cannot be edited).
        """
        from .code_check_form import CodeCheckForm

        return CodeCheckForm(self, evidence_id, editor=editor)

    def upload(self, evidence_id: str) -> ArtifactForm:
        """A file upload for an ``artifact`` requirement (types and size from the pack)."""
        from .evidence_forms import ArtifactForm

        return ArtifactForm(self, evidence_id)

    def link(self, evidence_id: str) -> LinkForm:
        from .evidence_forms import LinkForm

        return LinkForm(self, evidence_id)

    def attestation(self, evidence_id: str) -> AttestationForm:
        from .evidence_forms import AttestationForm

        return AttestationForm(self, evidence_id)

    def self_assessment(self) -> SelfAssessmentForm:
        """The rubric, for the learner to place their own work on it."""
        from .self_assessment import SelfAssessmentForm

        return SelfAssessmentForm(self)

    def submit_panel(self) -> SubmitView:
        """What is missing, the submit button, then state, feedback, attempts and badge."""
        from .submit_view import SubmitView

        return SubmitView(self)

    def review(self, reviewer: str = "facilitator") -> ReviewView:
        """Offline: the facilitator's review queue for this credential."""
        from .review_view import ReviewView

        if not isinstance(self.backend, LocalBackend):
            raise ValidationError(
                "Reviewing in the notebook is for offline workshops; "
                "connected reviews happen in the LMS."
            )
        return ReviewView(self.backend.as_facilitator(reviewer), credential_id=self.credential.id)
