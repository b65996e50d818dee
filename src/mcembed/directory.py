"""The expertise directory: who holds which skill, for those who opted in.

Nobody is listed without asking to be. A holder opts in for one credential
or for every credential they hold (``ALL``); opting out removes them from
every listing at once. A listed holder appears only while their award is
active (not revoked, not expired). Anyone may ask a listed holder for
mentoring: the holder gets a notification with the asker's message; the
asker never learns the holder's email.

The directory spans the instance: a teacher looking for a mentor looks
beyond their own course, and a holder who opts in agrees to that. It shows
names and credentials only, never a course or any evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from .activity import AwardFact

__all__ = [
    "ALL",
    "MAX_MENTORING_MESSAGE",
    "DirectoryEntry",
    "DirectoryListing",
    "HeldCredential",
    "directory_entries",
    "is_listed",
]

ALL = "*"
MAX_MENTORING_MESSAGE = 1000


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectoryListing:
    """A holder's consent to be listed for one credential, or for ``ALL``."""

    person_id: str
    credential_id: str = ALL
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class HeldCredential:
    credential_id: str
    name: str
    since: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectoryEntry:
    """One listed holder and the credentials they are listed for."""

    person_id: str
    name: str
    credentials: tuple[HeldCredential, ...]


def is_listed(listings: Iterable[DirectoryListing], person_id: str, credential_id: str) -> bool:
    """Whether ``person_id`` consented to be listed for ``credential_id``."""
    return any(
        item.person_id == person_id and item.credential_id in (ALL, credential_id)
        for item in listings
    )


def directory_entries(
    holdings: Iterable[AwardFact],
    listings: Iterable[DirectoryListing],
    *,
    people: Mapping[str, str],
    names: Mapping[str, str],
) -> list[DirectoryEntry]:
    """Listed holders of the given (active) awards, by name.

    Args:
        holdings: active awards of the credentials asked about.
        listings: the consents of their holders.
        people: person id -> name.
        names: credential id -> name.
    """
    consent = list(listings)
    held: dict[str, dict[str, datetime]] = {}
    for award in holdings:
        if award.revoked or not is_listed(consent, award.learner_id, award.credential_id):
            continue
        mine = held.setdefault(award.learner_id, {})
        first = mine.get(award.credential_id)
        mine[award.credential_id] = (
            award.issued_at if first is None else min(first, award.issued_at)
        )
    out = [
        DirectoryEntry(
            person_id=person,
            name=people.get(person, "") or person,
            credentials=tuple(
                HeldCredential(credential_id=cid, name=names.get(cid, cid), since=since)
                for cid, since in sorted(creds.items(), key=lambda kv: names.get(kv[0], kv[0]))
            ),
        )
        for person, creds in held.items()
    ]
    out.sort(key=lambda e: (e.name.lower(), e.person_id))
    return out
