"""The file repositories of ``SqlStore``: who holds each stored file
(``files_base``), mixed into its transaction.

A submission's rows in ``file_holders`` are rewritten when a write changes the
files it holds (rarely: an upload); a write that changes state only (a review,
a withdrawal) leaves them alone. File locks are PostgreSQL advisory locks held
to the end of the transaction; on SQLite every transaction already holds the
database's write lock (``BEGIN IMMEDIATE``), which serialises them all.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, text

from ..submissions import Submission
from . import tables as t
from .files_base import pack_holder

__all__ = ["FilesSqlRepositories"]

# the first key of the two-key advisory locks of files ("file"); the second is
# taken from the hash (two files sharing it only wait for each other)
_LOCK_SPACE = 0x66696C65
_CHUNK = 500


class _F:
    h = t.file_holders
    lock = text("SELECT pg_advisory_xact_lock(:space, :key)")
    held = (
        select(h.c.sha256)
        .where(h.c.sha256.in_(bindparam("shas", expanding=True)))
        .group_by(h.c.sha256)
    )
    learner = (
        select(h.c.sha256, func.max(h.c.size).label("size"))
        .where(
            h.c.learner_id == bindparam("learner"),
            h.c.holder_id != bindparam("holder"),
            h.c.holder_id.notlike(pack_holder("%")),
        )
        .group_by(h.c.sha256)
    )
    clear = delete(h).where(h.c.holder_id == bindparam("holder"))
    add = insert(h)


@functools.cache
def _insert_missing(sqlite: bool) -> Any:
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return (sqlite_insert if sqlite else pg_insert)(t.file_holders).on_conflict_do_nothing()


def _lock_key(sha256: str) -> int:
    # a signed 32-bit integer from the hash's first eight hex digits
    return int(sha256[:8], 16) - (1 << 31)


class FilesSqlRepositories:
    """Needs ``self.conn`` and ``self.sqlite`` (the SQL transaction's)."""

    conn: Any
    sqlite: bool

    def lock_file(self, sha256: str) -> None:
        if self.sqlite:
            return
        # a lock that only reads must still begin the transaction it lasts for
        self.conn.begin_write()
        self.conn.execute(_F.lock, {"space": _LOCK_SPACE, "key": _lock_key(sha256)})

    def list_held_files(self, sha256s: Sequence[str]) -> set[str]:
        wanted = sorted(set(sha256s))
        held: set[str] = set()
        for start in range(0, len(wanted), _CHUNK):
            shas = wanted[start : start + _CHUNK]
            held.update(self.conn.execute(_F.held, {"shas": shas}).scalars())
        return held

    def list_learner_files(self, learner_id: str, *, except_submission: str = "") -> dict[str, int]:
        rows = self.conn.execute(_F.learner, {"learner": learner_id, "holder": except_submission})
        return {row.sha256: int(row.size) for row in rows}

    def add_pack_files(self, pack_id: str, files: Mapping[str, int]) -> None:
        if not files:
            return
        holder = pack_holder(pack_id)
        self.conn.execute(
            _insert_missing(self.sqlite),
            [
                {"sha256": sha, "holder_id": holder, "learner_id": "", "size": size}
                for sha, size in sorted(files.items())
            ],
        )

    def _hold_files(self, submission: Submission, before: Mapping[str, int] | None) -> None:
        """Record the files ``submission`` holds; ``before``: those it held
        (``None``: not known here, so rewrite them)."""
        files = submission.files
        if before is not None and dict(before) == files:
            return
        if before is None or before:
            self.conn.execute(_F.clear, {"holder": submission.id})
        if files:
            self.conn.execute(
                _F.add,
                [
                    {
                        "sha256": sha,
                        "holder_id": submission.id,
                        "learner_id": submission.learner_id,
                        "size": size,
                    }
                    for sha, size in sorted(files.items())
                ],
            )
