"""Stored files that nothing holds any more, and their removal.

Evidence files and pack images are kept by content (``storage.blobs``), so a
file is deleted only when no submission (draft or any attempt) and no pack
holds it (``storage.files_base``). Two ways remove them:

- inline: when a change to a submission drops a file (a draft's file replaced),
  ``Service`` removes it right after that change commits, if nothing else holds it;
- a sweep over every stored file (``Service.sweep_files``, ``mcembed files
  sweep``, and daily in ``mcembed lti worker``), for what a crash left behind:
  a file stored by a transaction that then failed, an inline removal that did
  not happen, an upload killed halfway.

Both check and delete each file under its lock (``Transaction.lock_file``), as
uploads store them: a file is never deleted while an upload that brings it is
being committed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .storage.base import Store
from .storage.blobs import BlobStore

__all__ = ["UPLOAD_GRACE", "FileSweep", "remove_unheld", "sweep"]

# An upload still being received is rewritten every moment; one untouched for a
# day belongs to a process that died.
UPLOAD_GRACE = timedelta(days=1)
SWEEP_BATCH = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class FileSweep:
    """What a sweep of the stored files did."""

    checked: int = 0
    removed: tuple[str, ...] = ()
    stale_uploads: int = 0


def remove_unheld(store: Store, blobs: BlobStore, sha256s: Iterable[str]) -> list[str]:
    """Delete those of ``sha256s`` that no submission or pack holds, in one
    transaction, each under its lock; returns the SHA-256 of those deleted."""
    wanted = sorted(set(sha256s))
    if not wanted:
        return []
    removed = []
    with store.transaction() as tx:
        for sha in wanted:  # in order: two sweeps never wait for each other in a circle
            tx.lock_file(sha)
        held = tx.list_held_files(wanted)
        for sha in wanted:
            if sha not in held and blobs.delete(sha):
                removed.append(sha)
    return removed


def sweep(store: Store, blobs: BlobStore, now: datetime, *, batch: int = SWEEP_BATCH) -> FileSweep:
    """Delete every stored file nothing holds, ``batch`` files a transaction,
    and uploads left unfinished for a day (``UPLOAD_GRACE``)."""
    stale = blobs.remove_stale_uploads(now - UPLOAD_GRACE)
    checked = 0
    removed: list[str] = []
    files = iter(blobs.list_files())
    while chunk := list(itertools.islice(files, batch)):
        checked += len(chunk)
        removed += remove_unheld(store, blobs, chunk)
    return FileSweep(checked=checked, removed=tuple(removed), stale_uploads=stale)
