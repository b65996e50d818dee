"""API tokens: who a program acts as when it calls the REST API.

A token is a random secret (32 bytes, URL-safe, behind the ``mce_`` prefix);
only its SHA-256 is stored, with the first characters kept to show in lists.
Each token is bound to one person and one course (placement), carries
scopes and expires; a revoked or expired token stops working at once.

- A **personal** token is made by a learner on their page (scope ``learner``;
  an instructor may add ``review``), bound to the person and course of the
  launch, expiring after one of ``PERSONAL_EXPIRIES`` days (default 30).
- An **integration** token is made by an administrator (``mcembed token
  create``) with explicit scopes for one course; it acts as an instructor of
  that course when it has ``review``.

Rules:

- The scopes bound what a token may do, the roles bound who it is: the
  ``Actor`` a token resolves to keeps the reviewer roles only with ``review``
  and the learner role only with ``learner``. Every use case then checks its
  own permissions (``access``) as for a page.
- A learner lists and revokes their own tokens; an administrator all.

Idempotent retries: a POST or PUT repeated with the same ``Idempotency-Key``
by the same person returns the first answer, kept for ``IDEMPOTENCY_HOURS``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from . import access
from .access import Actor, Role
from .errors import McembedError, NotFound, PermissionDenied, ValidationError, excerpt

if TYPE_CHECKING:
    from .clock import Clock, Ids
    from .storage.base import Store

__all__ = [
    "DEFAULT_PERSONAL_DAYS",
    "IDEMPOTENCY_HOURS",
    "PERSONAL_EXPIRIES",
    "ApiToken",
    "IdempotentResponse",
    "NewToken",
    "Scope",
    "TokenKind",
    "TokenProblem",
    "Tokens",
    "Unauthenticated",
    "hash_secret",
    "new_secret",
    "parse_duration",
    "require_scope",
]

PREFIX = "mce_"
PREFIX_SHOWN = 12  # "mce_" and 8 characters of the secret
PERSONAL_EXPIRIES = (7, 30, 90)
DEFAULT_PERSONAL_DAYS = 30
MAX_INTEGRATION_DAYS = 730
IDEMPOTENCY_HOURS = 24
MAX_ACTIVE_PERSONAL = 20  # per person and course
TOUCH_SECONDS = 60  # "last used" is written at most this often per token
_MAX_NAME = 80
_SECRET = re.compile(r"mce_[A-Za-z0-9_-]{43}")


class Scope(StrEnum):
    LEARNER = "learner"
    REVIEW = "review"


class TokenKind(StrEnum):
    PERSONAL = "personal"
    INTEGRATION = "integration"


class TokenProblem(StrEnum):
    """Why a bearer token was refused (the API's error codes)."""

    MISSING = "unauthenticated"
    EXPIRED = "token_expired"
    REVOKED = "token_revoked"


class Unauthenticated(McembedError):
    """No usable token: missing, unknown, expired or revoked (``.problem`` says which;
    ``.presented``: whether a token was sent at all)."""

    def __init__(
        self,
        message: str,
        problem: TokenProblem = TokenProblem.MISSING,
        *,
        presented: bool = True,
    ) -> None:
        self.problem = problem
        self.presented = presented
        super().__init__(message)


def new_secret() -> str:
    """A new token secret: ``mce_`` and 256 random bits, URL-safe."""
    import secrets

    return PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """What is stored for a secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_duration(text: str) -> timedelta:
    """``"90d"``, ``"12h"``, ``"2w"`` -> the duration.

    Raises:
        ValidationError: not a number followed by h, d or w, or longer than two years.
    """
    found = re.fullmatch(r"\s*(\d{1,5})\s*([hdw])\s*", text.lower())
    if not found:
        raise ValidationError(
            f"{excerpt(text)} is not a duration; write a number and h, d or w (e.g. 90d)"
        )
    number, unit = int(found.group(1)), found.group(2)
    delta = {"h": timedelta(hours=number), "d": timedelta(days=number)}.get(
        unit, timedelta(weeks=number)
    )
    if delta <= timedelta(0) or delta > timedelta(days=MAX_INTEGRATION_DAYS):
        raise ValidationError(
            f"a token lasts from one hour to {MAX_INTEGRATION_DAYS} days (got {excerpt(text)})"
        )
    return delta


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiToken:
    """A token as stored: never the secret, only its hash and its first characters."""

    id: str
    kind: TokenKind = TokenKind.PERSONAL
    name: str = ""
    prefix: str
    secret_hash: str
    person_id: str
    person_name: str = ""
    email: str = ""
    course_id: str
    placement_id: str = ""
    roles: frozenset[Role] = field(default_factory=lambda: frozenset({Role.LEARNER}))
    scopes: frozenset[Scope] = field(default_factory=lambda: frozenset({Scope.LEARNER}))
    created_by: str = ""
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[0-9a-f]{64}", self.secret_hash):
            raise ValueError("a token keeps the SHA-256 of its secret, not the secret")
        if not self.scopes:
            raise ValueError("a token needs at least one scope")
        if len(self.name) > _MAX_NAME:
            raise ValueError(f"a token's name may be at most {_MAX_NAME} characters")

    def status(self, now: datetime) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        if now >= self.expires_at:
            return "expired"
        return "active"

    @property
    def actor(self) -> Actor:
        """Who the token acts as: its person in its course, with the roles its
        scopes allow (reviewer roles only with ``review``)."""
        roles: set[Role] = set()
        if Scope.LEARNER in self.scopes:
            roles.add(Role.LEARNER)
        if Scope.REVIEW in self.scopes:
            roles |= self.roles & access.REVIEWER_ROLES
        return Actor(
            id=self.person_id,
            roles=frozenset(roles),
            course_id=self.course_id,
            name=self.person_name,
            email=self.email,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class NewToken:
    """A token just made: ``secret`` is shown once and never stored."""

    token: ApiToken
    secret: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IdempotentResponse:
    """The first answer to a request sent with an ``Idempotency-Key``."""

    owner_id: str
    key: str
    request_hash: str
    status: int
    media_type: str = "application/json"
    body: str = ""
    created_at: datetime


def require_scope(token: ApiToken, scope: Scope) -> None:
    """The token carries ``scope``.

    Raises:
        PermissionDenied: it does not; the message names the scope needed.
    """
    if scope not in token.scopes:
        have = ", ".join(sorted(s.value for s in token.scopes))
        raise PermissionDenied(
            f"This needs a token with the {scope.value!r} scope; this token has {have}."
        )


def _scopes(scopes: Iterable[Scope | str]) -> frozenset[Scope]:
    out = set()
    for scope in scopes:
        try:
            out.add(Scope(scope))
        except ValueError:
            known = ", ".join(s.value for s in Scope)
            raise ValidationError(
                f"{excerpt(scope)} is not a scope; the scopes are {known}"
            ) from None
    if not out:
        raise ValidationError("a token needs at least one scope (learner or review)")
    return frozenset(out)


def _name(name: str) -> str:
    name = name.strip()
    if len(name) > _MAX_NAME:
        raise ValidationError(f"a token's name may be at most {_MAX_NAME} characters")
    return name


class Tokens:
    """Making, listing, revoking and resolving API tokens (one transaction each).

    Args:
        store: where tokens are kept (hashed).
        clock: the time.
        ids: id factory.
    """

    def __init__(self, store: Store, clock: Clock, ids: Ids) -> None:
        self.store = store
        self.clock = clock
        self.ids = ids

    def _make(self, *, limit: int | None = None, **values: object) -> NewToken:
        secret = new_secret()
        token = ApiToken(
            id=self.ids.new("tok"),
            prefix=secret[:PREFIX_SHOWN],
            secret_hash=hash_secret(secret),
            created_at=self.clock.now(),
            **values,  # type: ignore[arg-type]
        )
        with self.store.transaction() as tx:
            if limit is not None:
                now = self.clock.now()
                mine = tx.list_api_tokens(person_id=token.person_id, course_id=token.course_id)
                active = [t for t in mine if t.kind is token.kind and t.status(now) == "active"]
                if len(active) >= limit:
                    raise ValidationError(
                        f"You have {len(active)} active tokens here, the most allowed; "
                        "revoke one you no longer use first."
                    )
            tx.add_api_token(token)
        return NewToken(token=token, secret=secret)

    def create_personal(
        self,
        actor: Actor,
        *,
        name: str = "",
        days: int = DEFAULT_PERSONAL_DAYS,
        scopes: Iterable[Scope | str] = (Scope.LEARNER,),
        placement_id: str = "",
    ) -> NewToken:
        """A personal token for ``actor`` in their course.

        Raises:
            ValidationError: ``days`` is not one of ``PERSONAL_EXPIRIES``, an
                unknown scope, or ``MAX_ACTIVE_PERSONAL`` active tokens already.
            PermissionDenied: ``review`` asked by someone who is no reviewer, or
                outside any course.
        """
        if days not in PERSONAL_EXPIRIES:
            allowed = ", ".join(str(d) for d in PERSONAL_EXPIRIES)
            raise ValidationError(f"a personal token lasts {allowed} days (got {days})")
        chosen = _scopes(scopes)
        if not actor.course_id:
            raise PermissionDenied("A personal token belongs to a course: open mcembed from one.")
        if Scope.REVIEW in chosen and not actor.is_reviewer:
            raise PermissionDenied(
                "The 'review' scope needs the instructor or teaching-assistant role in the course."
            )
        return self._make(
            limit=MAX_ACTIVE_PERSONAL,
            kind=TokenKind.PERSONAL,
            name=_name(name) or "Personal token",
            person_id=actor.id,
            person_name=actor.name,
            email=actor.email,
            course_id=actor.course_id,
            placement_id=placement_id,
            roles=actor.roles - {Role.ADMIN},
            scopes=chosen,
            created_by=actor.id,
            expires_at=self.clock.now() + timedelta(days=days),
        )

    def create_integration(
        self,
        actor: Actor,
        *,
        name: str,
        scopes: Iterable[Scope | str],
        course_id: str,
        expires_in: timedelta,
        person_id: str = "",
    ) -> NewToken:
        """An integration token (administrators only) for one course.

        With ``review`` it acts as an instructor of the course; ``person_id``
        (default: the token's own id) is who it acts as.
        """
        access.require_admin(actor)
        if not course_id.strip():
            raise ValidationError("an integration token needs the course it acts in (--course)")
        if expires_in <= timedelta(0) or expires_in > timedelta(days=MAX_INTEGRATION_DAYS):
            raise ValidationError(f"a token lasts from one hour to {MAX_INTEGRATION_DAYS} days")
        chosen = _scopes(scopes)
        token_name = _name(name)
        if not token_name:
            raise ValidationError("an integration token needs a name (--name)")
        roles = {Role.LEARNER}
        if Scope.REVIEW in chosen:
            roles.add(Role.INSTRUCTOR)
        return self._make(
            kind=TokenKind.INTEGRATION,
            name=token_name,
            person_id=person_id.strip() or f"integration:{token_name}",
            person_name=token_name,
            course_id=course_id.strip(),
            roles=frozenset(roles),
            scopes=chosen,
            created_by=actor.id,
            expires_at=self.clock.now() + expires_in,
        )

    def list_tokens(self, actor: Actor, *, all_people: bool = False) -> list[ApiToken]:
        """The actor's own tokens in their course (``all_people``: every token,
        administrators only), newest first."""
        with self.store.transaction() as tx:
            if all_people:
                access.require_admin(actor)
                return tx.list_api_tokens()
            return tx.list_api_tokens(person_id=actor.id, course_id=actor.course_id)

    def revoke(self, actor: Actor, token_id: str) -> ApiToken:
        """Revoke a token (its person, or an administrator); safe to repeat.

        Raises:
            NotFound: no such token among those the actor may see.
        """
        now = self.clock.now()
        with self.store.transaction() as tx:
            token = tx.find_api_token(token_id)
            if token is None or not (
                actor.is_admin
                or (token.person_id == actor.id and token.course_id == actor.course_id)
            ):
                raise NotFound(f"No token {excerpt(token_id)} of yours.")
            if token.revoked_at is not None:
                return token
            revoked = replace(token, revoked_at=now)
            tx.update_api_token(revoked)
            return revoked

    def resolve(self, secret: str) -> ApiToken:
        """The token of a bearer secret, if it may be used now.

        Raises:
            Unauthenticated: unknown (``unauthenticated``), expired
                (``token_expired``) or revoked (``token_revoked``).
        """
        if not _SECRET.fullmatch(secret):
            raise Unauthenticated("This is not an mcembed token (they start with 'mce_').")
        now = self.clock.now()
        with self.store.transaction() as tx:
            token = tx.find_api_token_by_hash(hash_secret(secret))
            if token is None:
                raise Unauthenticated("This token is not known here.")
            if token.revoked_at is not None:
                raise Unauthenticated(
                    f"Token {token.prefix}… was revoked; make a new one on your learner page.",
                    TokenProblem.REVOKED,
                )
            if now >= token.expires_at:
                raise Unauthenticated(
                    f"Token {token.prefix}… expired on {token.expires_at:%Y-%m-%d %H:%M} UTC; "
                    "make a new one on your learner page.",
                    TokenProblem.EXPIRED,
                )
            last = token.last_used_at
            if last is None or (now - last).total_seconds() >= TOUCH_SECONDS:
                token = replace(token, last_used_at=now)
                tx.update_api_token(token)
            return token

    # --- idempotent retries -----------------------------------------------------

    def find_response(self, owner_id: str, key: str) -> IdempotentResponse | None:
        """The kept answer for ``key`` of ``owner_id``, if still fresh."""
        with self.store.transaction() as tx:
            found = tx.find_idempotent_response(owner_id, key)
        if found is None:
            return None
        if self.clock.now() - found.created_at > timedelta(hours=IDEMPOTENCY_HOURS):
            return None
        return found

    def keep_response(self, response: IdempotentResponse) -> IdempotentResponse:
        """Keep the first answer for a key; if another request kept one first
        (a race), that one is returned. Stale answers are dropped here."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            tx.remove_idempotent_responses(before=now - timedelta(hours=IDEMPOTENCY_HOURS))
            found = tx.find_idempotent_response(response.owner_id, response.key)
            if found is not None:
                return found
            tx.add_idempotent_response(response)
            return response
