"""Who holds each stored file: the file repositories of a ``Transaction``.

Files are content addressed, so one file may have many holders: two learners
who uploaded the same bytes, every attempt of a submission that kept it, a pack
whose image or check module it is. The store keeps a submission's holdings
whenever it writes the submission (``Submission.files``: its items and every
attempt); a pack's are added by ``add_pack_files`` and kept for good (issued
badges point at a pack's images).

A file is put into the blob store, or deleted from it, only under its lock
(``lock_file``), inside a transaction that records who holds it (a write) or
has checked that nobody does (a deletion). The lock is held until the
transaction ends, so a deletion never removes a file whose holder is about to
be committed, and a file is deleted only after the transaction that dropped its
last holder has committed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

__all__ = ["FileTransaction", "pack_holder"]


def pack_holder(pack_id: str) -> str:
    """The holder id under which a pack's files are kept."""
    return f"pack:{pack_id}"


class FileTransaction(Protocol):
    def lock_file(self, sha256: str) -> None:
        """Hold the lock of a file until the transaction ends (waiting for
        another transaction that holds it). Take several in sorted order."""
        ...

    def list_held_files(self, sha256s: Sequence[str]) -> set[str]:
        """Those of ``sha256s`` that some submission or pack holds."""
        ...

    def list_learner_files(self, learner_id: str, *, except_submission: str = "") -> dict[str, int]:
        """The files the learner's submissions hold (SHA-256 to size), leaving
        out those ``except_submission`` holds (unless another one does too)."""
        ...

    def add_pack_files(self, pack_id: str, files: Mapping[str, int]) -> None:
        """Record that a pack holds ``files`` (SHA-256 to size); already held ones
        stay as they are."""
        ...
