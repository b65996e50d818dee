"""MemoryStore: everything in dicts, for tests, notebooks and offline mode.

Transactions are serialised by one lock and keep an undo log, so a block that
raises leaves the store exactly as it was, like the SQL stores.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from ..awards import Award, AwardKind
from ..catalog import matches_filters, rank
from ..credentials import Credential
from ..errors import AlreadyDecided, Conflict
from ..people import Person
from ..reviews import Review, SelfAssessment
from ..stacks import Stack
from ..submissions import Submission, SubmissionState
from .api_memory import ApiMemoryRepositories, ApiTables
from .base import (
    AwardFilter,
    CatalogHit,
    CatalogQuery,
    PackRecord,
    Page,
    SubmissionFilter,
    Transaction,
)
from .community_memory import CommunityMemoryRepositories, CommunityTables
from .files_base import pack_holder
from .lti_memory import LtiMemoryRepositories, LtiTables

__all__ = ["MemoryStore"]

_MISSING = object()


class _Tables:
    def __init__(self) -> None:
        self.packs: dict[str, PackRecord] = {}
        self.credentials: dict[tuple[str, str], Credential] = {}
        self.latest: dict[str, str] = {}
        self.stacks: dict[tuple[str, str], Stack] = {}
        self.latest_stack: dict[str, str] = {}
        self.people: dict[str, Person] = {}
        self.submissions: dict[str, Submission] = {}
        self.reviews: dict[str, list[Review]] = {}
        self.self_assessments: dict[str, list[SelfAssessment]] = {}
        self.awards: dict[str, Award] = {}
        self.pack_files: dict[str, dict[str, int]] = {}
        self.lti = LtiTables()
        self.community = CommunityTables()
        self.api = ApiTables()


class _MemoryTransaction(LtiMemoryRepositories, CommunityMemoryRepositories, ApiMemoryRepositories):
    t: _Tables

    def __init__(self, tables: _Tables) -> None:
        self.t = tables
        self.lti = tables.lti
        self.community = tables.community
        self.api = tables.api
        self.undo: list[Callable[[], None]] = []

    def _set(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        old = table.get(key, _MISSING)

        def restore() -> None:
            if old is _MISSING:
                table.pop(key, None)
            else:
                table[key] = old

        self.undo.append(restore)
        table[key] = value

    def _append(self, table: dict[str, list[Any]], key: str, value: Any) -> None:
        items = table.setdefault(key, [])
        items.append(value)
        self.undo.append(items.pop)

    def rollback(self) -> None:
        while self.undo:
            self.undo.pop()()

    # packs, credentials, stacks
    def put_pack(self, pack: PackRecord) -> None:
        self._set(self.t.packs, pack.id, pack)

    def find_pack(self, pack_id: str) -> PackRecord | None:
        return self.t.packs.get(pack_id)

    def list_packs(self) -> list[PackRecord]:
        return sorted(self.t.packs.values(), key=lambda p: p.name.lower())

    def add_credential(self, credential: Credential) -> None:
        key = (credential.id, credential.version)
        if key in self.t.credentials:
            raise Conflict(f"credential {credential.ref} already exists")
        self._set(self.t.credentials, key, credential)
        self._set(self.t.latest, credential.id, credential.version)

    def find_credential(self, credential_id: str, version: str | None = None) -> Credential | None:
        if version is None:
            version = self.t.latest.get(credential_id)
            if version is None:
                return None
        return self.t.credentials.get((credential_id, version))

    def list_credentials(self, *, pack_id: str | None = None) -> list[Credential]:
        out = [self.t.credentials[(cid, v)] for cid, v in self.t.latest.items()]
        if pack_id is not None:
            out = [c for c in out if c.pack_id == pack_id]
        return sorted(out, key=lambda c: (c.name.lower(), c.id))

    def list_credential_versions(self, credential_id: str) -> list[Credential]:
        return [c for (cid, _), c in self.t.credentials.items() if cid == credential_id]

    def search_credentials(self, query: CatalogQuery) -> list[CatalogHit]:
        pool = [
            c
            for c in self.list_credentials()
            if matches_filters(c, query.tags, query.framework, query.code)
        ]
        return [CatalogHit(credential=c, score=s) for c, s in rank(pool, query.text)][: query.limit]

    def add_stack(self, stack: Stack) -> None:
        key = (stack.id, stack.version)
        if key in self.t.stacks:
            raise Conflict(f"stack {stack.ref} already exists")
        self._set(self.t.stacks, key, stack)
        self._set(self.t.latest_stack, stack.id, stack.version)

    def find_stack(self, stack_id: str, version: str | None = None) -> Stack | None:
        if version is None:
            version = self.t.latest_stack.get(stack_id)
            if version is None:
                return None
        return self.t.stacks.get((stack_id, version))

    def list_stacks(self, *, pack_id: str | None = None) -> list[Stack]:
        out = [self.t.stacks[(sid, v)] for sid, v in self.t.latest_stack.items()]
        if pack_id is not None:
            out = [s for s in out if s.pack_id == pack_id]
        return sorted(out, key=lambda s: (s.name.lower(), s.id))

    def find_definition_with_image(self, image: str) -> Credential | Stack | None:
        definitions: list[Credential | Stack] = [*self.t.credentials.values()]
        definitions += self.t.stacks.values()
        return next((d for d in definitions if d.image == image), None)

    # people
    def put_person(self, person: Person) -> None:
        self._set(self.t.people, person.id, person)

    def find_person(self, person_id: str) -> Person | None:
        return self.t.people.get(person_id)

    # submissions
    def add_submission(self, submission: Submission) -> None:
        if submission.id in self.t.submissions:
            raise Conflict(f"submission {submission.id} already exists")
        if submission.state is not SubmissionState.WITHDRAWN and self.find_open_submission(
            submission.learner_id, submission.credential_id, submission.course_id
        ):
            raise Conflict(
                f"learner {submission.learner_id} already has an open submission "
                f"for {submission.credential_id}"
            )
        self._set(self.t.submissions, submission.id, submission)

    def find_submission(self, submission_id: str) -> Submission | None:
        return self.t.submissions.get(submission_id)

    def update_submission(self, submission: Submission, expected_revision: int) -> Submission:
        current = self.t.submissions.get(submission.id)
        if current is None or current.revision != expected_revision:
            raise AlreadyDecided(
                f"Submission {submission.id} was changed by someone else "
                "(another reviewer may have decided it); reload it and try again."
            )
        stored = replace(submission, revision=expected_revision + 1)
        self._set(self.t.submissions, submission.id, stored)
        return stored

    def find_open_submission(
        self, learner_id: str, credential_id: str, course_id: str
    ) -> Submission | None:
        for s in self.t.submissions.values():
            if (
                s.learner_id == learner_id
                and s.credential_id == credential_id
                and s.course_id == course_id
                and s.state is not SubmissionState.WITHDRAWN
            ):
                return s
        return None

    def list_submissions(self, where: SubmissionFilter) -> Page[Submission]:
        rows = [
            s
            for s in self.t.submissions.values()
            if (where.course_id is None or s.course_id == where.course_id)
            and (where.learner_id is None or s.learner_id == where.learner_id)
            and (where.credential_id is None or s.credential_id == where.credential_id)
            and (not where.states or s.state in where.states)
        ]
        rows.sort(key=lambda s: (s.updated_at, s.id), reverse=True)
        return Page(items=rows[where.offset : where.offset + where.limit], total=len(rows))

    # reviews
    def add_review(self, review: Review) -> None:
        self._append(self.t.reviews, review.submission_id, review)

    def list_reviews(self, submission_id: str) -> list[Review]:
        return list(self.t.reviews.get(submission_id, ()))

    def add_self_assessment(self, assessment: SelfAssessment) -> None:
        self._append(self.t.self_assessments, assessment.submission_id, assessment)

    def list_self_assessments(self, submission_id: str) -> list[SelfAssessment]:
        return list(self.t.self_assessments.get(submission_id, ()))

    # awards
    def add_award(self, award: Award) -> None:
        if award.id in self.t.awards:
            raise Conflict(f"award {award.id} already exists")
        if award.submission_id and self.find_award_for_submission(award.submission_id):
            raise Conflict(f"submission {award.submission_id} already has an award")
        if award.kind is AwardKind.STACK and self.find_stack_award(
            award.learner_id, award.credential_id, award.course_id
        ):
            raise Conflict(f"learner {award.learner_id} already holds stack {award.credential_id}")
        self._set(self.t.awards, award.id, award)

    def find_latest_award(
        self, learner_id: str, credential_id: str, course_id: str
    ) -> Award | None:
        key = (learner_id, credential_id, course_id)
        mine = [
            a for a in self.t.awards.values() if (a.learner_id, a.credential_id, a.course_id) == key
        ]
        return max(mine, key=lambda a: (a.issued_at, a.id), default=None)

    def find_award(self, award_id: str) -> Award | None:
        return self.t.awards.get(award_id)

    def find_award_for_submission(self, submission_id: str) -> Award | None:
        for a in self.t.awards.values():
            if a.submission_id == submission_id:
                return a
        return None

    def find_stack_award(self, learner_id: str, stack_id: str, course_id: str) -> Award | None:
        for a in self.t.awards.values():
            if (
                a.kind is AwardKind.STACK
                and a.learner_id == learner_id
                and a.credential_id == stack_id
                and a.course_id == course_id
            ):
                return a
        return None

    def update_award(self, award: Award) -> None:
        if award.id not in self.t.awards:
            raise Conflict(f"award {award.id} does not exist")
        self._set(self.t.awards, award.id, award)

    def list_awards(self, where: AwardFilter) -> Page[Award]:
        rows = [
            a
            for a in self.t.awards.values()
            if (where.course_id is None or a.course_id == where.course_id)
            and (where.learner_id is None or a.learner_id == where.learner_id)
            and (where.credential_id is None or a.credential_id == where.credential_id)
            and (where.status is None or a.status is where.status)
        ]
        rows.sort(key=lambda a: (a.issued_at, a.id), reverse=True)
        return Page(items=rows[where.offset : where.offset + where.limit], total=len(rows))

    # files (submissions' holdings are read from the submissions themselves)
    def lock_file(self, sha256: str) -> None:
        """Nothing to take: the store's lock already serialises every transaction."""

    def list_held_files(self, sha256s: Sequence[str]) -> set[str]:
        wanted = set(sha256s)
        held = {sha for files in self.t.pack_files.values() for sha in files if sha in wanted}
        for submission in self.t.submissions.values():
            held.update(sha for sha in submission.files if sha in wanted)
        return held

    def list_learner_files(self, learner_id: str, *, except_submission: str = "") -> dict[str, int]:
        found: dict[str, int] = {}
        for submission in self.t.submissions.values():
            if submission.learner_id == learner_id and submission.id != except_submission:
                found.update(submission.files)
        return found

    def add_pack_files(self, pack_id: str, files: Mapping[str, int]) -> None:
        key = pack_holder(pack_id)
        self._set(self.t.pack_files, key, {**files, **self.t.pack_files.get(key, {})})

    # bulk award
    def put_people(self, people: Sequence[Person]) -> None:
        for person in people:
            self.put_person(person)

    def find_latest_awards(
        self, learner_ids: Sequence[str], credential_id: str, course_id: str
    ) -> dict[str, Award]:
        wanted = set(learner_ids)
        found: dict[str, Award] = {}
        for a in sorted(self.t.awards.values(), key=lambda a: (a.issued_at, a.id)):
            if a.learner_id in wanted and (a.credential_id, a.course_id) == (
                credential_id,
                course_id,
            ):
                found[a.learner_id] = a
        return found

    def add_awards(self, awards: Sequence[Award]) -> None:
        mark = len(self.undo)
        try:
            for award in awards:
                self.add_award(award)
        except Conflict:
            while len(self.undo) > mark:
                self.undo.pop()()
            raise


class MemoryStore:
    """A ``Store`` in memory. Nothing survives the process."""

    def __init__(self) -> None:
        self._tables = _Tables()
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._lock:
            tx = _MemoryTransaction(self._tables)
            try:
                yield tx
            except BaseException:
                tx.rollback()
                raise

    def close(self) -> None:
        """Nothing to release."""
