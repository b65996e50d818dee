"""Registration links: how an administrator lets one LMS register itself.

LTI Dynamic Registration makes the tool fetch documents the LMS names and
ends by trusting a new platform, so it is closed by default: only a
registration link opens it. An administrator makes one (``mcembed lti
registration-link``) and pastes it into the LMS (Moodle: *Tool URL*; Canvas:
*LTI Registration*). A link:

- is a random secret (``mcr_`` and 256 bits) of which only the SHA-256 is
  stored, with its first characters to show in lists;
- expires (default ``DEFAULT_EXPIRY``, at most ``MAX_EXPIRY``);
- registers one platform: it is taken in one conditional statement when the
  registration is posted, so of two registrations racing with one link,
  exactly one goes on. A registration the LMS then refuses gives the link
  back; a registration that succeeds records which platform it made.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from . import access
from .access import Actor
from .errors import PermissionDenied, ValidationError

if TYPE_CHECKING:
    from .clock import Clock, Ids
    from .storage.base import Store

__all__ = [
    "DEFAULT_EXPIRY",
    "MAX_EXPIRY",
    "NewRegistrationLink",
    "RegistrationLink",
    "RegistrationLinks",
    "hash_link_secret",
    "new_link_secret",
    "refuse_link",
]

PREFIX = "mcr_"
PREFIX_SHOWN = 12
DEFAULT_EXPIRY = timedelta(days=1)
MAX_EXPIRY = timedelta(days=30)
_SECRET = re.compile(r"mcr_[A-Za-z0-9_-]{43}")
_MAX_NOTE = 120


def new_link_secret() -> str:
    """A new link secret: ``mcr_`` and 256 random bits, URL-safe."""
    return PREFIX + secrets.token_urlsafe(32)


def hash_link_secret(secret: str) -> str:
    """What is stored for a secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def is_link_secret(text: str) -> bool:
    """Whether ``text`` looks like a link secret at all."""
    return bool(_SECRET.fullmatch(text))


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationLink:
    """A registration link as stored: never the secret, only its hash."""

    id: str
    prefix: str
    secret_hash: str
    note: str = ""
    created_by: str = ""
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    platform_id: str = ""
    issuer: str = ""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[0-9a-f]{64}", self.secret_hash):
            raise ValueError("a registration link keeps the SHA-256 of its secret, not the secret")
        if len(self.note) > _MAX_NOTE:
            raise ValueError(f"a registration link's note may be at most {_MAX_NOTE} characters")
        if self.expires_at <= self.created_at:
            raise ValueError("a registration link must expire after it is made")

    def status(self, now: datetime) -> str:
        """``active``, ``used`` or ``expired``."""
        if self.used_at is not None:
            return "used"
        if now >= self.expires_at:
            return "expired"
        return "active"


@dataclass(frozen=True, slots=True, kw_only=True)
class NewRegistrationLink:
    """A link just made: ``secret`` is shown once and never stored."""

    link: RegistrationLink
    secret: str

    def url(self, base: str) -> str:
        """The URL to paste into the LMS (``base``: the tool's public URL)."""
        return f"{base.rstrip('/')}/lti/register?link={self.secret}"


def refuse_link(link: RegistrationLink | None, now: datetime, *, given: bool) -> None:
    """Refuse a link that cannot register now; the message says what to do.

    Raises:
        PermissionDenied: no link was given, it is unknown, used or expired.
    """
    ask = "Ask the tool's administrator for a new one (mcembed lti registration-link)."
    if not given:
        raise PermissionDenied(
            "Dynamic Registration needs a registration link from the tool's administrator "
            "(/lti/register?link=...); the plain address registers nothing. "
            "An administrator makes one with: mcembed lti registration-link"
        )
    if link is None:
        raise PermissionDenied(f"This registration link is not known here. {ask}")
    if link.used_at is not None:
        raise PermissionDenied(
            f"Registration link {link.prefix}… was used already on "
            f"{link.used_at:%Y-%m-%d %H:%M} UTC; a link registers one platform. {ask}"
        )
    if now >= link.expires_at:
        raise PermissionDenied(
            f"Registration link {link.prefix}… expired on {link.expires_at:%Y-%m-%d %H:%M} UTC. "
            f"{ask}"
        )


class RegistrationLinks:
    """Making, checking and taking registration links (one transaction each).

    Args:
        store: where links are kept (hashed).
        clock: the time.
        ids: id factory.
    """

    def __init__(self, store: Store, clock: Clock, ids: Ids) -> None:
        self.store = store
        self.clock = clock
        self.ids = ids

    def create(
        self, actor: Actor, *, expires_in: timedelta = DEFAULT_EXPIRY, note: str = ""
    ) -> NewRegistrationLink:
        """A new link (administrators only); its secret is in the answer only.

        Raises:
            PermissionDenied: the actor is no administrator.
            ValidationError: ``expires_in`` is not between an hour and ``MAX_EXPIRY``,
                or the note is too long.
        """
        access.require_admin(actor)
        days = MAX_EXPIRY.days
        if expires_in < timedelta(hours=1) or expires_in > MAX_EXPIRY:
            raise ValidationError(
                f"a registration link lasts from one hour to {days} days "
                f"(got {expires_in.total_seconds() / 3600:g} hours)"
            )
        note = note.strip()
        if len(note) > _MAX_NOTE:
            raise ValidationError(
                f"a registration link's note may be at most {_MAX_NOTE} characters "
                f"(got {len(note)})"
            )
        secret = new_link_secret()
        now = self.clock.now()
        link = RegistrationLink(
            id=self.ids.new("reg"),
            prefix=secret[:PREFIX_SHOWN],
            secret_hash=hash_link_secret(secret),
            note=note,
            created_by=actor.id,
            created_at=now,
            expires_at=now + expires_in,
        )
        with self.store.transaction() as tx:
            tx.add_registration_link(link)
        return NewRegistrationLink(link=link, secret=secret)

    def check(self, secret: str) -> RegistrationLink:
        """The link of ``secret`` if it can register now (it is not taken).

        Raises:
            PermissionDenied: none given, unknown, used or expired; the message says which.
        """
        link = None
        if is_link_secret(secret):
            with self.store.transaction() as tx:
                link = tx.find_registration_link(hash_link_secret(secret))
        refuse_link(link, self.clock.now(), given=bool(secret))
        assert link is not None
        return link

    def take(self, secret: str) -> RegistrationLink:
        """Take the link for one registration: of two concurrent takers, one gets it.

        Raises:
            PermissionDenied: as ``check``, or another registration took it first.
        """
        self.check(secret)
        now = self.clock.now()
        with self.store.transaction() as tx:
            taken = tx.take_registration_link(hash_link_secret(secret), now)
            if taken is None:
                refuse_link(tx.find_registration_link(hash_link_secret(secret)), now, given=True)
                raise PermissionDenied("This registration link was used by another registration.")
            return taken

    def give_back(self, link: RegistrationLink) -> RegistrationLink:
        """The registration with a taken link failed: it may be used again."""
        back = replace(link, used_at=None)
        with self.store.transaction() as tx:
            tx.update_registration_link(back)
        return back

    def record(self, link: RegistrationLink, *, platform_id: str, issuer: str) -> RegistrationLink:
        """The registration with a taken link made this platform."""
        done = replace(link, platform_id=platform_id, issuer=issuer)
        with self.store.transaction() as tx:
            tx.update_registration_link(done)
        return done

    def list_links(self, actor: Actor) -> list[RegistrationLink]:
        """Every link, newest first (administrators only)."""
        access.require_admin(actor)
        with self.store.transaction() as tx:
            return tx.list_registration_links()
