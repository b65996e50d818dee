"""Who holds each stored file, on every store: submissions (items and every
attempt) and packs; what a learner's submissions hold, for the quota."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from factories import LEARNER, NOW, OTHER_LEARNER
from mcembed import BlobRef, EvidenceItem, EvidenceKind, Submission
from mcembed.submissions import Attempt

A, B, C = "a" * 64, "b" * 64, "c" * 64


def plan(sha: str, size: int) -> EvidenceItem:
    blob = BlobRef(sha256=sha, size=size, media_type="text/plain", filename="plan.txt")
    return EvidenceItem(requirement_id="plan", kind=EvidenceKind.ARTIFACT, blob=blob)


def submission(sid: str, learner: str = LEARNER.id, **over: Any) -> Submission:
    values: dict[str, Any] = {
        "id": sid,
        "credential_id": f"cred-{sid}",
        "credential_version": "1",
        "learner_id": learner,
        "course_id": "course-1",
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(over)
    return Submission(**values)


def test_a_submission_holds_the_files_of_its_items_and_every_attempt(store: Any) -> None:
    first = submission("sub_1", items=(plan(A, 10),))
    with store.transaction() as tx:
        tx.add_submission(first)
        tx.add_submission(submission("sub_2", OTHER_LEARNER.id, items=(plan(B, 20),)))
        assert tx.list_held_files([A, B, C]) == {A, B}
    attempt = Attempt(number=1, items=(plan(A, 10),), submitted_at=NOW)
    with store.transaction() as tx:
        found = tx.find_submission("sub_1")
        tx.update_submission(replace(found, items=(plan(C, 30),), attempts=(attempt,)), 0)
    with store.transaction() as tx:
        assert tx.list_held_files([A, B, C]) == {A, B, C}
        assert tx.list_learner_files(LEARNER.id) == {A: 10, C: 30}
        found = tx.find_submission("sub_1")
        # the draft's file replaced again: the attempt still holds A
        tx.update_submission(replace(found, items=(plan(B, 20),)), 1)
    with store.transaction() as tx:
        assert tx.list_held_files([A, B, C]) == {A, B}
        assert tx.list_learner_files(LEARNER.id) == {A: 10, B: 20}
        assert tx.list_learner_files(LEARNER.id, except_submission="sub_1") == {}
        assert tx.list_learner_files(OTHER_LEARNER.id) == {B: 20}


def test_holdings_follow_a_write_this_process_did_not_read(store: Any) -> None:
    """Another process changed the submission: its holdings are rewritten all the same."""
    with store.transaction() as tx:
        tx.add_submission(submission("sub_1", items=(plan(A, 10),)))
    cache = getattr(store, "_submissions", None)
    if cache is not None:
        cache.clear()  # as in a process that never read it
    with store.transaction() as tx:
        tx.update_submission(submission("sub_1", items=(plan(B, 20),)), 0)
    with store.transaction() as tx:
        assert tx.list_held_files([A, B]) == {B}


def test_a_rolled_back_change_leaves_the_holdings_as_they_were(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_submission(submission("sub_1", items=(plan(A, 10),)))

    def crash_before_the_commit() -> None:
        with store.transaction() as tx:
            found = tx.find_submission("sub_1")
            tx.update_submission(replace(found, items=(plan(B, 20),)), 0)
            tx.add_pack_files("pack-1", {C: 5})
            raise RuntimeError("crash before the commit")

    with pytest.raises(RuntimeError):
        crash_before_the_commit()
    with store.transaction() as tx:
        assert tx.list_held_files([A, B, C]) == {A}


def test_a_pack_holds_its_files_for_good(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_pack_files("pack-1", {A: 100, B: 200})
        tx.add_pack_files("pack-1", {A: 100})  # loaded again
        tx.add_pack_files("pack-2", {})
        tx.lock_file(A)
        tx.lock_file(B)
    with store.transaction() as tx:
        assert tx.list_held_files([A, B, C]) == {A, B}
        assert tx.list_learner_files("") == {}  # pack files count against nobody


def test_many_files_are_checked_at_once(store: Any) -> None:
    shas = [f"{n:064x}" for n in range(1200)]
    with store.transaction() as tx:
        tx.add_pack_files("pack-1", dict.fromkeys(shas[::3], 1))
    with store.transaction() as tx:
        assert tx.list_held_files(shas) == set(shas[::3])
