"""Badge fixtures: one issuer key ring per session (keys are generated, never
committed), an issuer, and one issued award's documents."""

from __future__ import annotations

from typing import Any

import pytest

from badge_helpers import LEARNER, make_award, make_issuer, make_verifier, recognizer_for
from factories import NOW, make_credential
from mcembed import ValidityPeriod
from mcembed.badges import IssuerIdentity, KeyRing, Verifier


@pytest.fixture(scope="session")
def ring() -> KeyRing:
    return KeyRing.generate(NOW)


@pytest.fixture(scope="session")
def other_ring() -> KeyRing:
    return KeyRing.generate(NOW)


@pytest.fixture
def issuer(ring: KeyRing) -> IssuerIdentity:
    return make_issuer(ring)


@pytest.fixture
def issued(issuer: IssuerIdentity) -> dict[str, Any]:
    """The documents of one award: ``credential`` (Data Integrity) and ``jwt`` (RS256)."""
    credential = make_credential(validity=ValidityPeriod(years=2))
    return dict(recognizer_for(issuer).recognize(make_award(), credential, LEARNER))


@pytest.fixture
def verifier(issuer: IssuerIdentity) -> Verifier:
    return make_verifier(issuer)
