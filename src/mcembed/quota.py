"""A learner's storage quota: the bytes their submissions' files may take.

Counted over every file a learner's submissions hold, in drafts and in every
submitted attempt; one file held twice (two attempts, two credentials) counts
once. A change that adds a file may not take the learner over the quota, nor
further over it when a lowered quota finds them above it already. Changes that
add no bytes (text, links, a smaller replacement) are always allowed, so nobody
is locked out of finishing their evidence.
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import Location, Problem, QuotaExceeded
from .evidence import EvidenceItem, format_size

__all__ = ["DEFAULT_QUOTA", "check_quota", "usage"]

DEFAULT_QUOTA = 250_000_000


def usage(files: Mapping[str, int]) -> int:
    """The bytes ``files`` (SHA-256 to size) take."""
    return sum(files.values())


def check_quota(
    quota: int, before: Mapping[str, int], after: Mapping[str, int], item: EvidenceItem
) -> None:
    """Refuse a change that takes a learner's files over ``quota`` bytes.

    Args:
        quota: the learner's quota in bytes; 0 or less: no quota.
        before: every file the learner's submissions hold now (SHA-256 to size).
        after: the same once the change is saved.
        item: the evidence item that brings the new file (named in the message).

    Raises:
        QuotaExceeded: ``after`` is over the quota and above ``before``.
    """
    used, will_use = usage(before), usage(after)
    if quota <= 0 or will_use <= quota or will_use <= used:
        return
    blob = item.blob
    name, size = (blob.filename, blob.size) if blob is not None else ("this file", 0)
    text = (
        f"file {name!r} ({format_size(size)}) was not saved: it would take your files over "
        f"your storage quota of {format_size(quota)} (they take {format_size(used)} already). "
        "Replace a draft's file with a smaller one, or ask the tool's administrator for more "
        "room."
    )
    raise QuotaExceeded(
        text,
        [Problem(Location(path=f"evidence.{item.requirement_id}"), text)],
        quota=quota,
        used=used,
        size=size,
    )
