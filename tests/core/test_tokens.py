"""Token rules without a database: making, scopes, expiry, revocation, resolving."""

from __future__ import annotations

from datetime import timedelta

import pytest

from factories import LEARNER, OTHER_LEARNER, REVIEWER
from mcembed import PermissionDenied, Role, ValidationError
from mcembed.access import Actor
from mcembed.clock import FixedClock, SequentialIds
from mcembed.errors import NotFound
from mcembed.storage import MemoryStore
from mcembed.tokens import (
    Scope,
    TokenProblem,
    Tokens,
    Unauthenticated,
    hash_secret,
    parse_duration,
    require_scope,
)


@pytest.fixture
def tokens(clock: FixedClock) -> Tokens:
    return Tokens(MemoryStore(), clock, SequentialIds())


def test_a_personal_token_resolves_to_its_person_and_course(tokens: Tokens) -> None:
    made = tokens.create_personal(LEARNER, name="laptop")
    found = tokens.resolve(made.secret)
    assert found.actor == Actor(
        id=LEARNER.id, course_id=LEARNER.course_id, name=LEARNER.name, email=LEARNER.email
    )
    assert found.secret_hash == hash_secret(made.secret)
    assert found.expires_at - found.created_at == timedelta(days=30)


def test_scopes_bound_the_roles_a_token_acts_with(tokens: Tokens) -> None:
    """An instructor's learner-only token cannot review; with review it can."""
    learner_only = tokens.resolve(tokens.create_personal(REVIEWER).secret)
    assert not learner_only.actor.is_reviewer
    with pytest.raises(PermissionDenied, match="'review' scope"):
        require_scope(learner_only, Scope.REVIEW)
    both = tokens.resolve(tokens.create_personal(REVIEWER, scopes=("learner", "review")).secret)
    assert both.actor.roles == {Role.LEARNER, Role.INSTRUCTOR}
    review_only = tokens.create_personal(REVIEWER, scopes=("review",)).token
    assert review_only.actor.roles == {Role.INSTRUCTOR}


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"days": 3}, "7, 30, 90 days"),
        ({"scopes": ("admin",)}, "'admin' is not a scope"),
        ({"scopes": ()}, "at least one scope"),
        ({"name": "x" * 81}, "at most 80"),
    ],
)
def test_bad_personal_tokens_are_refused(tokens: Tokens, kwargs: dict, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        tokens.create_personal(LEARNER, **kwargs)


def test_learners_cannot_give_themselves_review(tokens: Tokens) -> None:
    with pytest.raises(PermissionDenied, match="instructor or teaching-assistant"):
        tokens.create_personal(LEARNER, scopes=("review",))
    with pytest.raises(PermissionDenied, match="belongs to a course"):
        tokens.create_personal(Actor(id="x"))


def test_an_admin_role_never_travels_in_a_personal_token(tokens: Tokens) -> None:
    admin = Actor(id="a", course_id="c", roles=frozenset({Role.ADMIN, Role.INSTRUCTOR}))
    token = tokens.create_personal(admin, scopes=("review",)).token
    assert Role.ADMIN not in token.actor.roles


def test_expired_and_revoked_tokens_stop_working(tokens: Tokens, clock: FixedClock) -> None:
    made = tokens.create_personal(LEARNER, days=7)
    clock.advance(days=7)
    with pytest.raises(Unauthenticated, match="expired") as expired:
        tokens.resolve(made.secret)
    assert expired.value.problem is TokenProblem.EXPIRED
    other = tokens.create_personal(LEARNER)
    tokens.revoke(LEARNER, other.token.id)
    with pytest.raises(Unauthenticated, match="revoked") as revoked:
        tokens.resolve(other.secret)
    assert revoked.value.problem is TokenProblem.REVOKED
    assert tokens.revoke(LEARNER, other.token.id).revoked_at is not None  # safe to repeat
    for secret in ("mce_" + "A" * 43, "not-a-token", ""):
        with pytest.raises(Unauthenticated) as unknown:
            tokens.resolve(secret)
        assert unknown.value.problem is TokenProblem.MISSING


def test_only_the_owner_or_an_admin_revokes_and_lists(tokens: Tokens) -> None:
    made = tokens.create_personal(LEARNER)
    with pytest.raises(NotFound):
        tokens.revoke(OTHER_LEARNER, made.token.id)
    assert tokens.list_tokens(OTHER_LEARNER) == []
    assert [t.id for t in tokens.list_tokens(LEARNER)] == [made.token.id]
    with pytest.raises(PermissionDenied):
        tokens.list_tokens(LEARNER, all_people=True)
    assert tokens.revoke(Actor.system(), made.token.id).revoked_at is not None


def test_last_use_is_written_at_most_once_a_minute(tokens: Tokens, clock: FixedClock) -> None:
    made = tokens.create_personal(LEARNER)
    first = tokens.resolve(made.secret).last_used_at
    clock.advance(seconds=30)
    assert tokens.resolve(made.secret).last_used_at == first
    clock.advance(seconds=31)
    assert tokens.resolve(made.secret).last_used_at == clock.now()


def test_integration_tokens_need_an_admin_a_course_and_a_name(tokens: Tokens) -> None:
    with pytest.raises(PermissionDenied):
        tokens.create_integration(
            LEARNER, name="x", scopes=("review",), course_id="c", expires_in=timedelta(days=1)
        )
    with pytest.raises(ValidationError, match="--course"):
        tokens.create_integration(
            Actor.system(), name="x", scopes=("review",), course_id="", expires_in=timedelta(1)
        )
    made = tokens.create_integration(
        Actor.system(),
        name="gradebook sync",
        scopes=("review",),
        course_id="c1",
        expires_in=parse_duration("90d"),
    )
    assert made.token.actor.roles == {Role.INSTRUCTOR}
    assert made.token.actor.course_id == "c1"
    assert made.token.expires_at - made.token.created_at == timedelta(days=90)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("90d", timedelta(days=90)), ("12h", timedelta(hours=12)), ("2w", timedelta(weeks=2))],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "90", "d", "0d", "1000d", "1y"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_duration(text)


def test_a_person_holds_at_most_twenty_active_tokens_per_course(tokens: Tokens) -> None:
    made = [tokens.create_personal(LEARNER) for _ in range(20)]
    with pytest.raises(ValidationError, match="revoke one"):
        tokens.create_personal(LEARNER)
    tokens.create_personal(OTHER_LEARNER)  # others are not counted
    tokens.revoke(LEARNER, made[0].token.id)
    tokens.create_personal(LEARNER)
