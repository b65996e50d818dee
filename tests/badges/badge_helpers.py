"""Helpers for the badge tests: an issuer for each kind of identity, awards,
a recognizer with a fixed salt, and a verifier that answers the issuer's own
URLs (its revocation list) without a network."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from importlib import resources
from typing import Any

from factories import NOW, scores
from mcembed import Award, FixedClock, Person, ValidityPeriod
from mcembed.badges import (
    BadgeRecognizer,
    IssuerIdentity,
    IssuerProfile,
    KeyResolver,
    KeyRing,
    Verifier,
    revocation_list,
    signed_revocation_list,
)
from mcembed.errors import BadgeError

BASE = "https://badges.riverbend.example"
LEARNER = Person(id="learner-1", name="Lee Learner", email="Lee@Example.org")


def schema(name: str) -> dict[str, Any]:
    """An official 1EdTech JSON Schema shipped with mcembed."""
    path = resources.files("mcembed.badges") / "data" / "schemas" / name
    return json.loads(path.read_text())


def make_issuer(ring: KeyRing, **overrides: Any) -> IssuerIdentity:
    values: dict[str, Any] = {
        "name": "Riverbend Unified School District",
        "url": "https://riverbend.example",
        "email": "badges@riverbend.example",
        "base_url": BASE,
    }
    values.update(overrides)
    return IssuerIdentity(IssuerProfile(**values), ring)


def make_award(**overrides: Any) -> Award:
    values: dict[str, Any] = {
        "id": "awd_1",
        "credential_id": "evaluate-impact",
        "credential_version": "1",
        "learner_id": LEARNER.id,
        "issued_at": NOW,
        "expires_at": ValidityPeriod(years=2).expires(NOW),
        "scores": tuple(scores(design="Proficient", impact="Exemplary")),
        "total": 7,
        "max_total": 8,
    }
    values.update(overrides)
    return Award(**values)


def recognizer_for(issuer: IssuerIdentity) -> BadgeRecognizer:
    return BadgeRecognizer(issuer, salt=lambda award: f"salt-{award.id}")


def status_fetcher(
    issuer: IssuerIdentity, revoked: Callable[[], Iterable[Award]] = list
) -> Callable[[str], bytes]:
    def fetch(url: str) -> bytes:
        if url == f"{BASE}/status/{issuer.profile.slug}":
            return signed_revocation_list(
                issuer, revocation_list(issuer, revoked(), now=NOW)
            ).encode()
        raise BadgeError(f"offline test: no {url}")

    return fetch


def make_verifier(
    issuer: IssuerIdentity, *, revoked: Callable[[], Iterable[Award]] = list, at: Any = NOW
) -> Verifier:
    return Verifier(
        KeyResolver(None, [issuer]), fetch=status_fetcher(issuer, revoked), clock=FixedClock(at)
    )
