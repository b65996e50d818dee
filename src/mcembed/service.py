"""The use cases: one method each, one transaction each.

``Service`` wraps the pure rules (rubric decisions, the submission state
machine, evidence checks, permissions) with storage, time, ids and files.
Adapters (the LTI tool, the notebook widgets, the CLI) hold one ``Service`` and
call these methods with the acting ``Actor``; they hold no rules of their own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from . import access, files
from .access import Actor
from .awards import Award, AwardKind, AwardStatus
from .clock import Clock, Ids, RandomIds, SystemClock
from .credentials import Credential
from .errors import (
    AlreadyDecided,
    Conflict,
    Location,
    McembedError,
    NotFound,
    PackError,
    PermissionDenied,
    Problem,
    ValidationError,
    did_you_mean,
    excerpt,
)
from .evidence import EvidenceItem, check_items, check_upload, missing, raise_for
from .files import FileSweep
from .packs.loader import Pack
from .people import Person
from .quota import DEFAULT_QUOTA, check_quota
from .reviews import CriterionScore, Review, SelfAssessment, decide
from .stacks import Stack, is_complete
from .storage.base import (
    AwardFilter,
    CatalogHit,
    CatalogQuery,
    PackRecord,
    Page,
    Store,
    SubmissionFilter,
    Transaction,
)
from .storage.blobs import BlobStore, StagedBlob
from .submissions import Action, Submission, SubmissionState

if TYPE_CHECKING:
    from .community import Community

__all__ = [
    "Event",
    "EventListener",
    "PackChanges",
    "Recognizer",
    "ReviewOutcome",
    "Service",
    "SubmissionDetail",
]

log = logging.getLogger(__name__)

OPEN_STATES = (
    SubmissionState.DRAFT,
    SubmissionState.SUBMITTED,
    SubmissionState.IN_REVIEW,
    SubmissionState.NEEDS_REVISION,
    SubmissionState.RESUBMITTED,
)


class Recognizer(Protocol):
    """Turns a new award into its portable documents (signed Open Badges).

    Called inside the award's transaction: if it raises, nothing is awarded.
    """

    def recognize(
        self, award: Award, definition: Credential | Stack, learner: Person
    ) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Something that happened, for listeners that must record it in the same
    transaction (grade deliveries, notifications)."""

    name: str
    submission: Submission | None = None
    award: Award | None = None
    review: Review | None = None


EventListener = Callable[[Event, Transaction], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class PackChanges:
    """What ``add_pack`` did."""

    pack_id: str
    added: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewOutcome:
    submission: Submission
    review: Review
    award: Award | None = None
    stack_awards: tuple[Award, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmissionDetail:
    """A submission with what a page about it shows."""

    submission: Submission
    credential: Credential
    reviews: tuple[Review, ...] = ()
    self_assessments: tuple[SelfAssessment, ...] = ()
    award: Award | None = None
    missing: tuple[str, ...] = field(default_factory=tuple)


class Service:
    """Every use case of mcembed.

    Args:
        store: where everything is kept.
        blobs: where evidence files and pack images are kept.
        clock: the time (default: the system clock).
        ids: id factory (default: random, time-ordered ids).
        recognizer: signs awards as Open Badges (default: none, plain awards).
        listeners: called with each ``Event`` inside its transaction.
        max_upload_bytes: the largest evidence file accepted.
        learner_quota_bytes: the bytes each learner's submissions' files may
            take in all (``quota``); 0 for no quota.
    """

    def __init__(
        self,
        store: Store,
        blobs: BlobStore,
        *,
        clock: Clock | None = None,
        ids: Ids | None = None,
        recognizer: Recognizer | None = None,
        listeners: Sequence[EventListener] = (),
        max_upload_bytes: int = 25 * 1024 * 1024,
        learner_quota_bytes: int = DEFAULT_QUOTA,
    ) -> None:
        self.store = store
        self.blobs = blobs
        self.clock = clock or SystemClock()
        self.ids = ids or RandomIds()
        self.recognizer = recognizer
        self.listeners = list(listeners)
        self.max_upload_bytes = max_upload_bytes
        self.learner_quota_bytes = learner_quota_bytes
        self._community: Community | None = None

    @property
    def community(self) -> Community:
        """Cohorts, recommendations, portfolio, directory and analytics on this
        service's store (``mcembed.community``); built on first use."""
        if self._community is None:
            from .community import Community

            self._community = Community(self)
        return self._community

    @community.setter
    def community(self, community: Community) -> None:
        self._community = community

    # --- packs and the catalog ------------------------------------------------

    def add_pack(self, actor: Actor, pack: Pack, *, source: str = "") -> PackChanges:
        """Load ``pack`` into the instance: new credentials and versions are added,
        unchanged ones are left alone.

        Raises:
            PackError: a credential or stack changed without a new version, or an
                id belongs to another pack. Nothing is loaded then.
        """
        access.require_admin(actor)
        staged: list[StagedBlob] = []
        try:
            for path, data in pack.files.items():
                name = path.rsplit("/", 1)[-1]
                staged.append(self.blobs.stage(data, name, max_bytes=max(len(data), 1)))
            return self._add_pack(pack, dict(zip(pack.files, staged, strict=True)), source)
        finally:
            for blob in staged:
                blob.discard()

    def _add_pack(self, pack: Pack, staged: Mapping[str, StagedBlob], source: str) -> PackChanges:
        file_refs = {path: blob.ref.sha256 for path, blob in staged.items()}
        added: list[str] = []
        unchanged: list[str] = []
        problems: list[Problem] = []
        with self.store.transaction() as tx:
            definitions: list[tuple[Credential | Stack, Callable[..., Any], Callable[..., Any]]] = [
                *((c, tx.find_credential, tx.add_credential) for c in pack.credentials),
                *((s, tx.find_stack, tx.add_stack) for s in pack.stacks),
            ]
            for definition, find, add in definitions:
                where = Location(path=f"{definition.id}.version")
                latest = find(definition.id)
                if latest is not None and latest.pack_id != pack.id:
                    problems.append(
                        Problem(
                            where,
                            f"id {definition.id!r} already belongs to pack {latest.pack_id!r}",
                        )
                    )
                    continue
                same = find(definition.id, definition.version)
                if same is None:
                    add(_with_file_refs(definition, file_refs))
                    added.append(definition.ref)
                elif same.content_hash == definition.content_hash:
                    unchanged.append(definition.ref)
                else:
                    problems.append(
                        Problem(
                            where,
                            f"{definition.id!r} changed but its version is still "
                            f"{definition.version!r}; give it a new version so learners keep "
                            "the definition they were judged against",
                        )
                    )
            if problems:
                raise PackError(problems, pack=pack.root or pack.id)
            issuer = pack.issuer
            if issuer.image:
                issuer = replace(issuer, image=_ref(file_refs, issuer.image))
            tx.put_pack(
                PackRecord(
                    id=pack.id,
                    name=pack.name,
                    description=pack.description,
                    issuer=issuer,
                    loaded_at=self.clock.now(),
                    source=source,
                )
            )
            # the pack holds its files for good: issued badges point at its images
            tx.add_pack_files(pack.id, {b.ref.sha256: b.ref.size for b in staged.values()})
            for sha in sorted(set(file_refs.values())):
                tx.lock_file(sha)
            for blob in staged.values():
                blob.store()
        return PackChanges(pack_id=pack.id, added=tuple(added), unchanged=tuple(unchanged))

    def list_packs(self) -> list[PackRecord]:
        with self.store.transaction() as tx:
            return tx.list_packs()

    def list_credentials(self, *, pack_id: str | None = None) -> list[Credential]:
        """The latest version of every credential, by name."""
        with self.store.transaction() as tx:
            return tx.list_credentials(pack_id=pack_id)

    def get_credential(self, credential_id: str, version: str | None = None) -> Credential:
        """A credential at ``version`` (default: its latest).

        Raises:
            NotFound: no such credential or version.
        """
        with self.store.transaction() as tx:
            found = tx.find_credential(credential_id, version)
            if found is None:
                names = [c.id for c in tx.list_credentials()]
                raise NotFound(_unknown("credential", credential_id, version, names))
            return found

    def list_stacks(self, *, pack_id: str | None = None) -> list[Stack]:
        with self.store.transaction() as tx:
            return tx.list_stacks(pack_id=pack_id)

    def get_stack(self, stack_id: str, version: str | None = None) -> Stack:
        with self.store.transaction() as tx:
            found = tx.find_stack(stack_id, version)
            if found is None:
                names = [s.id for s in tx.list_stacks()]
                raise NotFound(_unknown("stack", stack_id, version, names))
            return found

    def search_catalog(
        self,
        text: str = "",
        *,
        tags: Iterable[str] = (),
        framework: str = "",
        code: str = "",
        limit: int = 20,
    ) -> list[CatalogHit]:
        """Credentials for a problem described in plain words, best first.

        Args:
            text: e.g. "students tune out during group work"; empty lists all.
            tags: only credentials carrying every one of these tags.
            framework: only credentials aligned to a framework whose name contains this.
            code: only credentials aligned to this framework code.
            limit: at most this many results (1 to 100).
        """
        if not 1 <= limit <= 100:
            raise ValidationError(f"limit must be between 1 and 100 (got {limit})")
        if len(text) > 500:
            raise ValidationError("a search may be at most 500 characters long")
        query = CatalogQuery(
            text=text.strip(), tags=tuple(tags), framework=framework, code=code, limit=limit
        )
        with self.store.transaction() as tx:
            return tx.search_credentials(query)

    # --- the learner's path ------------------------------------------------------

    def start_submission(self, actor: Actor, credential_id: str) -> Submission:
        """The actor's submission for a credential: the open one, the awarded one,
        or a new draft on the credential's latest version. Safe to repeat."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            credential = tx.find_credential(credential_id)
            if credential is None:
                names = [c.id for c in tx.list_credentials()]
                raise NotFound(_unknown("credential", credential_id, None, names))
            tx.put_person(Person(id=actor.id, name=actor.name, email=actor.email))
            found = tx.find_open_submission(actor.id, credential_id, actor.course_id)
            if found is not None:
                return found
            latest = tx.find_latest_award(actor.id, credential_id, actor.course_id)
            if latest is not None and latest.submission_id and latest.is_active(now):
                held = tx.find_submission(latest.submission_id)
                if held is not None:
                    return held
            submission = Submission(
                id=self.ids.new("sub"),
                credential_id=credential.id,
                credential_version=credential.version,
                learner_id=actor.id,
                course_id=actor.course_id,
                created_at=now,
                updated_at=now,
            )
            tx.add_submission(submission)
            self._emit(tx, Event(name="submission_started", submission=submission))
            return submission

    def save_draft(
        self,
        actor: Actor,
        submission_id: str,
        items: Iterable[EvidenceItem],
        *,
        expected_revision: int | None = None,
    ) -> Submission:
        """Replace the evidence for the requirements ``items`` answer; others stay.

        Drafts may be incomplete, never invalid: a wrong file type, a bad URL or
        too many words is refused with an ``EvidenceError``. A file an item
        names must be one the submission holds already (files come through
        ``attach_file``); it is kept with its stored name and type. A file the
        change leaves nothing holding is deleted once the change is saved.
        """
        stored, dropped = self._save_items(
            actor, submission_id, list(items), expected_revision=expected_revision
        )
        self._remove_dropped(dropped)
        return stored

    def attach_file(
        self,
        actor: Actor,
        submission_id: str,
        requirement_id: str,
        filename: str,
        data: bytes | BinaryIO,
    ) -> Submission:
        """Store an uploaded file as the evidence for an artifact requirement.

        The file is capped at the requirement's size limit (and the instance's),
        checked against the allowed types, counted against the learner's
        storage quota, and stored under its SHA-256. The file it replaces is
        deleted once the change is saved, unless something else holds it (the
        same bytes in an earlier attempt, another learner's upload, a pack).

        Raises:
            EvidenceError: the file is empty, too large, or of a type not allowed.
            QuotaExceeded: it would take the learner's files over their quota;
                nothing is stored then.
        """
        with self.store.transaction() as tx:
            submission, credential = self._load(tx, submission_id)
            access.require_owner(actor, submission)
            requirement = credential.requirement(requirement_id)
        limit = min(requirement.max_bytes or self.max_upload_bytes, self.max_upload_bytes)
        # the name is checked before a byte is read, the content while it streams
        raise_for(check_upload(requirement, filename), "This file cannot be attached:")
        # read outside any transaction: an upload may take minutes
        with self.blobs.stage(data, filename, max_bytes=limit) as staged:
            item = EvidenceItem(
                requirement_id=requirement_id, kind=requirement.kind, blob=staged.ref
            )
            stored, dropped = self._save_items(actor, submission_id, [item], staged=staged)
        self._remove_dropped(dropped)
        return stored

    def _save_items(
        self,
        actor: Actor,
        submission_id: str,
        items: list[EvidenceItem],
        *,
        expected_revision: int | None = None,
        staged: StagedBlob | None = None,
    ) -> tuple[Submission, list[str]]:
        """Save a draft's items in one transaction; the new file (``staged``) is
        stored under its lock in it. Returns the stored submission and the
        files it no longer holds."""
        with self.store.transaction() as tx:
            submission, credential = self._load(tx, submission_id)
            access.require_owner(actor, submission)
            _check_expected(submission, expected_revision)
            items = _with_held_files(submission, items, staged)
            raise_for(check_items(credential, items), "This evidence cannot be saved:")
            given = {i.requirement_id: i for i in items}
            merged = [given.pop(i.requirement_id, i) for i in submission.items]
            merged += [i for i in items if i.requirement_id in given]
            order = {r.id: n for n, r in enumerate(credential.evidence)}
            merged.sort(key=lambda i: order[i.requirement_id])
            updated = replace(submission, items=tuple(merged)).apply(
                Action.SAVE_DRAFT, actor_id=actor.id, at=self.clock.now()
            )
            before, after = submission.files, updated.files
            new = [i for i in items if i.blob is not None and i.blob.sha256 not in before]
            if new:
                others = tx.list_learner_files(
                    submission.learner_id, except_submission=submission.id
                )
                check_quota(
                    self.learner_quota_bytes, {**others, **before}, {**others, **after}, new[0]
                )
            stored = tx.update_submission(updated, submission.revision)
            if staged is not None:
                # stored only now, under its lock, in the transaction that records
                # its holder: a sweep cannot delete it between the two
                tx.lock_file(staged.ref.sha256)
                staged.store()
        return stored, [sha for sha in before if sha not in after]

    def _remove_dropped(self, sha256s: Sequence[str]) -> None:
        """Delete files a committed change dropped, if nothing else holds them.
        The change is saved whatever happens here; what this cannot remove, the
        next sweep (``sweep_files``) does."""
        if not sha256s:
            return
        try:
            files.remove_unheld(self.store, self.blobs, sha256s)
        except (McembedError, OSError) as e:
            log.warning("replaced files %s stay until the next sweep: %s", ", ".join(sha256s), e)

    def sweep_files(self, actor: Actor) -> FileSweep:
        """Delete every stored file no submission or pack holds any more (what
        a crash or a failed removal left), and uploads left unfinished for a
        day; administrators only. Safe to run at any time, as often as wanted.
        """
        access.require_admin(actor)
        return files.sweep(self.store, self.blobs, self.clock.now())

    def submit(self, actor: Actor, submission_id: str) -> Submission:
        """Submit (or resubmit after "not yet") for review; all required evidence
        must be there and valid. The evidence is frozen as a new attempt."""
        with self.store.transaction() as tx:
            submission, credential = self._load(tx, submission_id)
            access.require_owner(actor, submission)
            action = (
                Action.RESUBMIT
                if submission.state is SubmissionState.NEEDS_REVISION
                else Action.SUBMIT
            )
            updated = submission.apply(action, actor_id=actor.id, at=self.clock.now())
            raise_for(
                check_items(credential, submission.items, final=True),
                f"Submission {submission.id} cannot be submitted yet:",
            )
            stored = tx.update_submission(updated, submission.revision)
            self._emit(tx, Event(name="submitted", submission=stored))
            return stored

    def withdraw(self, actor: Actor, submission_id: str, *, reason: str = "") -> Submission:
        """Withdraw a submission that is not being reviewed or decided."""
        with self.store.transaction() as tx:
            submission, _ = self._load(tx, submission_id)
            access.require_owner(actor, submission)
            updated = submission.apply(
                Action.WITHDRAW, actor_id=actor.id, at=self.clock.now(), note=reason
            )
            stored = tx.update_submission(updated, submission.revision)
            self._emit(tx, Event(name="withdrawn", submission=stored))
            return stored

    def self_assess(
        self, actor: Actor, submission_id: str, scores: Iterable[CriterionScore], *, note: str = ""
    ) -> SelfAssessment:
        """Record the learner's own reading of the rubric (never decides anything)."""
        scores = tuple(scores)
        with self.store.transaction() as tx:
            submission, credential = self._load(tx, submission_id)
            access.require_owner(actor, submission)
            assessment = SelfAssessment(
                id=self.ids.new("sa"),
                submission_id=submission.id,
                attempt=submission.attempt + (1 if submission.editable else 0),
                learner_id=actor.id,
                scores=scores,
                note=note,
                decision=decide(credential.rubric, scores),
                created_at=self.clock.now(),
            )
            tx.add_self_assessment(assessment)
            return assessment

    # --- review -------------------------------------------------------------------

    def start_review(self, actor: Actor, submission_id: str) -> Submission:
        """Claim a submitted attempt for review."""
        with self.store.transaction() as tx:
            submission, _ = self._load(tx, submission_id)
            access.require_reviewer_of(actor, submission)
            updated = submission.apply(Action.START_REVIEW, actor_id=actor.id, at=self.clock.now())
            return tx.update_submission(updated, submission.revision)

    def release_review(self, actor: Actor, submission_id: str) -> Submission:
        """Put a claimed submission back in the queue undecided."""
        with self.store.transaction() as tx:
            submission, _ = self._load(tx, submission_id)
            access.require_reviewer_of(actor, submission)
            updated = submission.apply(Action.RELEASE, actor_id=actor.id, at=self.clock.now())
            return tx.update_submission(updated, submission.revision)

    def record_review(
        self,
        actor: Actor,
        submission_id: str,
        scores: Iterable[CriterionScore],
        *,
        feedback: str = "",
        expected_revision: int | None = None,
    ) -> ReviewOutcome:
        """Score the latest attempt and decide: the rubric's passing rule awards
        the credential or returns it for revision with the reasons.

        Args:
            expected_revision: the revision the reviewer saw; if someone changed
                the submission since, ``AlreadyDecided`` is raised and nothing is
                recorded.

        Raises:
            AlreadyDecided: another reviewer decided (or the learner withdrew) first.
            InvalidTransition: the submission is not waiting for a review.
            ValidationError: a criterion has no level or an unknown one.
        """
        scores = tuple(scores)
        now = self.clock.now()
        with self.store.transaction() as tx:
            submission, credential = self._load(tx, submission_id)
            access.require_reviewer_of(actor, submission)
            _check_expected(submission, expected_revision)
            decision = decide(credential.rubric, scores)
            claimed = submission
            if submission.state in (SubmissionState.SUBMITTED, SubmissionState.RESUBMITTED):
                claimed = submission.apply(Action.START_REVIEW, actor_id=actor.id, at=now)
            action = Action.AWARD if decision.passed else Action.REQUEST_REVISION
            decided = claimed.apply(action, actor_id=actor.id, at=now)
            stored = tx.update_submission(decided, submission.revision)
            review = Review(
                id=self.ids.new("rev"),
                submission_id=submission.id,
                attempt=submission.attempt,
                reviewer_id=actor.id,
                scores=scores,
                feedback=feedback,
                decision=decision,
                created_at=now,
            )
            tx.add_review(review)
            award = None
            stack_awards: tuple[Award, ...] = ()
            if decision.passed:
                award = self._award_credential(tx, stored, credential, review)
                stack_awards = self._award_stacks(tx, stored.learner_id, stored.course_id)
            self._emit(tx, Event(name="reviewed", submission=stored, review=review, award=award))
            return ReviewOutcome(
                submission=stored, review=review, award=award, stack_awards=stack_awards
            )

    def _award_credential(
        self, tx: Transaction, submission: Submission, credential: Credential, review: Review
    ) -> Award:
        now = self.clock.now()
        award = Award(
            id=self.ids.new("awd"),
            kind=AwardKind.CREDENTIAL,
            credential_id=credential.id,
            credential_version=credential.version,
            learner_id=submission.learner_id,
            course_id=submission.course_id,
            submission_id=submission.id,
            issued_at=now,
            expires_at=credential.validity.expires(now) if credential.validity else None,
            scores=review.scores,
            total=review.decision.total,
            max_total=review.decision.max_total,
        )
        return self._issue(tx, award, credential)

    def _award_stacks(self, tx: Transaction, learner_id: str, course_id: str) -> tuple[Award, ...]:
        """Award every stack whose rule the learner now meets (nested stacks too)."""
        now = self.clock.now()
        stacks = tx.list_stacks()
        if not stacks:
            return ()
        held = {
            a.credential_id
            for a in tx.list_awards(AwardFilter(learner_id=learner_id, course_id=course_id)).items
            if a.is_active(now)
        }
        new: list[Award] = []
        progress = True
        while progress:
            progress = False
            for stack in stacks:
                if stack.id in held or not is_complete(stack, held):
                    continue
                if tx.find_stack_award(learner_id, stack.id, course_id) is not None:
                    continue
                award = Award(
                    id=self.ids.new("awd"),
                    kind=AwardKind.STACK,
                    credential_id=stack.id,
                    credential_version=stack.version,
                    learner_id=learner_id,
                    course_id=course_id,
                    issued_at=now,
                )
                new.append(self._issue(tx, award, stack))
                held.add(stack.id)
                progress = True
        return tuple(new)

    def _issue(self, tx: Transaction, award: Award, definition: Credential | Stack) -> Award:
        if self.recognizer is not None:
            person = tx.find_person(award.learner_id) or Person(id=award.learner_id)
            award = replace(
                award, documents=dict(self.recognizer.recognize(award, definition, person))
            )
        tx.add_award(award)
        self._emit(tx, Event(name="awarded", award=award))
        return award

    def award_learners(
        self,
        actor: Actor,
        credential_id: str,
        learners: Sequence[Person],
        *,
        course_id: str = "",
    ) -> list[tuple[Award, bool]]:
        """Award a credential directly to each of ``learners`` (a cohort, from a
        list), in one transaction; administrators only.

        Safe to repeat: a learner who already holds an award of this credential
        in this course (active, expired or revoked) gets it back, not a second one.

        Returns:
            ``(award, created)`` per learner, in order.
        """
        access.require_admin(actor)
        now = self.clock.now()
        out: list[tuple[Award, bool]] = []
        with self.store.transaction() as tx:
            credential = tx.find_credential(credential_id)
            if credential is None:
                names = [c.id for c in tx.list_credentials()]
                raise NotFound(_unknown("credential", credential_id, None, names))
            # one statement per batch, not per learner: a cohort is thousands
            tx.put_people(learners)
            held = tx.find_latest_awards([p.id for p in learners], credential.id, course_id)
            new: list[Award] = []
            for person in learners:
                found = held.get(person.id)
                if found is not None:
                    out.append((found, False))
                    continue
                award = Award(
                    id=self.ids.new("awd"),
                    kind=AwardKind.CREDENTIAL,
                    credential_id=credential.id,
                    credential_version=credential.version,
                    learner_id=person.id,
                    course_id=course_id,
                    issued_at=now,
                    expires_at=credential.validity.expires(now) if credential.validity else None,
                )
                if self.recognizer is not None:
                    documents = self.recognizer.recognize(award, credential, person)
                    award = replace(award, documents=dict(documents))
                held[person.id] = award
                new.append(award)
                out.append((award, True))
            tx.add_awards(new)
            for award in new:
                self._emit(tx, Event(name="awarded", award=award))
        return out

    def revoke(self, actor: Actor, award_id: str, *, reason: str) -> Award:
        """Revoke an award (administrators, or instructors of its course).

        Raises:
            ValidationError: no reason was given.
            Conflict: it is already revoked.
        """
        if not reason.strip():
            raise ValidationError(
                "A revocation needs a reason; it is shown to the holder and to verifiers."
            )
        with self.store.transaction() as tx:
            award = tx.find_award(award_id)
            if award is None:
                raise NotFound(f"No award {excerpt(award_id)}.")
            if not (
                actor.is_admin
                or (access.Role.INSTRUCTOR in actor.roles and actor.course_id == award.course_id)
            ):
                raise PermissionDenied(
                    "Revoking needs the administrator role "
                    "or the instructor role in the award's course."
                )
            if award.status is AwardStatus.REVOKED:
                raise Conflict(f"Award {award_id} is already revoked ({award.revocation_reason}).")
            now = self.clock.now()
            revoked = replace(
                award, status=AwardStatus.REVOKED, revoked_at=now, revocation_reason=reason.strip()
            )
            tx.update_award(revoked)
            if award.submission_id:
                submission = tx.find_submission(award.submission_id)
                if submission is not None:
                    noted = submission.apply(
                        Action.REVOKE, actor_id=actor.id, at=now, note=reason.strip()
                    )
                    tx.update_submission(noted, submission.revision)
            self._emit(tx, Event(name="revoked", award=revoked))
            return revoked

    # --- reading ------------------------------------------------------------------

    def get_submission(self, actor: Actor, submission_id: str) -> SubmissionDetail:
        """A submission with its credential version, reviews, self-assessments and award."""
        with self.store.transaction() as tx:
            submission, credential = self._load(tx, submission_id)
            access.require_see_submission(actor, submission)
            return SubmissionDetail(
                submission=submission,
                credential=credential,
                reviews=tuple(tx.list_reviews(submission.id)),
                self_assessments=tuple(tx.list_self_assessments(submission.id))
                if actor.id == submission.learner_id or actor.is_reviewer
                else (),
                award=tx.find_award_for_submission(submission.id),
                missing=tuple(missing(credential, submission.items)),
            )

    def list_submissions(
        self,
        actor: Actor,
        *,
        credential_id: str | None = None,
        learner_id: str | None = None,
        states: Iterable[SubmissionState] = (),
        limit: int = 50,
        offset: int = 0,
    ) -> Page[Submission]:
        """Submissions the actor may see: a learner their own, a reviewer their
        course's (the review queue), an administrator all."""
        if not 1 <= limit <= 500 or offset < 0:
            raise ValidationError(
                f"limit must be 1 to 500 and offset 0 or more (got {limit}, {offset})"
            )
        course_id: str | None = actor.course_id
        if actor.is_admin:
            course_id = None
        elif not actor.is_reviewer:
            if learner_id not in (None, actor.id):
                raise PermissionDenied("Learners can only list their own submissions.")
            learner_id = actor.id
        where = SubmissionFilter(
            course_id=course_id,
            learner_id=learner_id,
            credential_id=credential_id,
            states=tuple(SubmissionState(s) for s in states),
            limit=limit,
            offset=offset,
        )
        with self.store.transaction() as tx:
            return tx.list_submissions(where)

    def list_awards(self, actor: Actor, *, learner_id: str | None = None) -> list[Award]:
        """Awards the actor may see (their own; their course's for reviewers)."""
        course_id: str | None = actor.course_id
        if actor.is_admin:
            course_id = None
        elif not actor.is_reviewer:
            if learner_id not in (None, actor.id):
                raise PermissionDenied("Learners can only list their own awards.")
            learner_id = actor.id
        with self.store.transaction() as tx:
            return list(
                tx.list_awards(AwardFilter(course_id=course_id, learner_id=learner_id)).items
            )

    def get_award(self, actor: Actor, award_id: str) -> Award:
        with self.store.transaction() as tx:
            award = tx.find_award(award_id)
            if award is None:
                raise NotFound(f"No award {excerpt(award_id)}.")
            access.require_see_award(actor, award)
            return award

    def read_evidence_file(self, actor: Actor, submission_id: str, sha256: str) -> bytes:
        """The bytes of a file given as evidence in a submission (any attempt).

        Raises:
            PermissionDenied: the actor may not see the submission.
            NotFound: the submission holds no file with this SHA-256.
        """
        with self.store.transaction() as tx:
            submission, _ = self._load(tx, submission_id)
            access.require_see_submission(actor, submission)
        items = [*submission.items, *(i for a in submission.attempts for i in a.items)]
        if not any(i.blob is not None and i.blob.sha256 == sha256 for i in items):
            raise NotFound(f"Submission {submission_id} holds no file {excerpt(sha256)}.")
        return self.blobs.read(sha256)

    def read_check_module(self, credential: Credential, requirement_id: str) -> str:
        """The Python source of the code checks a ``code_check`` requirement names.

        Raises:
            NotFound: no such requirement, or it names no check module.
        """
        requirement = credential.requirement(requirement_id)
        if not requirement.module:
            raise NotFound(
                f"Evidence {excerpt(requirement_id)} of {credential.ref} names no check module."
            )
        ref = requirement.module
        if not ref.startswith("sha256:"):
            raise NotFound(
                f"The check module of {credential.ref} ({ref}) was not stored with the pack; "
                "load the pack with add_pack."
            )
        return self.blobs.read(ref.removeprefix("sha256:")).decode("utf-8")

    def find_public_award(self, award_id: str) -> Award | None:
        """An award as anyone holding its link may see it (for verification pages)."""
        with self.store.transaction() as tx:
            return tx.find_award(award_id)

    # --- internals ----------------------------------------------------------------

    def _load(self, tx: Transaction, submission_id: str) -> tuple[Submission, Credential]:
        submission = tx.find_submission(submission_id)
        if submission is None:
            raise NotFound(f"No submission {excerpt(submission_id)}.")
        credential = tx.find_credential(submission.credential_id, submission.credential_version)
        if credential is None:  # pragma: no cover - versions are never deleted
            raise NotFound(
                f"Credential {submission.credential_id}@{submission.credential_version} is gone."
            )
        return submission, credential

    def _emit(self, tx: Transaction, event: Event) -> None:
        for listener in self.listeners:
            listener(event, tx)


def _with_held_files(
    submission: Submission, items: list[EvidenceItem], staged: StagedBlob | None
) -> list[EvidenceItem]:
    """``items`` with each file reference replaced by the one the submission
    holds (its stored name and type); the file being attached (``staged``) is
    the only one it need not hold yet.

    Raises:
        EvidenceError: an item names a file the submission does not hold.
    """
    held = {
        (i.requirement_id, i.blob.sha256): i.blob
        for i in (*submission.items, *(i for a in submission.attempts for i in a.items))
        if i.blob is not None
    }
    out: list[EvidenceItem] = []
    problems: list[Problem] = []
    for item in items:
        if item.blob is None or (staged is not None and item.blob == staged.ref):
            out.append(item)
            continue
        kept = held.get((item.requirement_id, item.blob.sha256))
        if kept is None:
            problems.append(
                Problem(
                    Location(path=f"evidence.{item.requirement_id}"),
                    f"names a file this submission does not hold ({item.blob.filename!r}); "
                    "upload the file instead",
                )
            )
            continue
        out.append(replace(item, blob=kept))
    raise_for(problems, "This evidence cannot be saved:")
    return out


def _check_expected(submission: Submission, expected_revision: int | None) -> None:
    if expected_revision is not None and expected_revision != submission.revision:
        raise AlreadyDecided(
            f"Submission {submission.id} changed since you opened it "
            f"(now '{submission.state}'); reload it to see the latest."
        )


def _ref(file_refs: Mapping[str, str], path: str) -> str:
    return f"sha256:{file_refs[path]}" if path in file_refs else path


def _with_file_refs(definition: Any, file_refs: Mapping[str, str]) -> Any:
    """Point a definition's image and check modules at the stored copies."""
    if definition.image:
        definition = replace(definition, image=_ref(file_refs, definition.image))
    if isinstance(definition, Credential):
        evidence = tuple(
            replace(r, module=_ref(file_refs, r.module)) if r.module else r
            for r in definition.evidence
        )
        definition = replace(definition, evidence=evidence)
    return definition


def _unknown(kind: str, ident: str, version: str | None, names: Sequence[str]) -> str:
    if version is not None and ident in names:
        return f"No version {excerpt(version)} of {kind} {excerpt(ident)}."
    return f"No {kind} {excerpt(ident)}{did_you_mean(ident, names)}."
