"""The Recognizer seam: every award made through the Service carries its
signed documents, on every store; and ``open_service`` wires the instance's issuer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from badge_helpers import make_issuer, make_verifier, recognizer_for
from factories import ADMIN, LEARNER, REVIEWER, make_credential, scores, submitted
from mcembed import AwardStatus, FixedClock, Person, SequentialIds, Service, Settings, open_service
from mcembed.badges import BadgeRecognizer, IssuerIdentity, IssuerProfile, KeyRing, init_issuer
from mcembed.badges.issuing import instance_fetcher, instance_revocation_list
from mcembed.errors import NotFound, PermissionDenied
from mcembed.storage import MemoryBlobStore


@pytest.fixture
def signing_service(store: Any, clock: FixedClock, ring: KeyRing) -> tuple[Service, IssuerIdentity]:
    issuer = make_issuer(ring)
    svc = Service(
        store,
        MemoryBlobStore(),
        clock=clock,
        ids=SequentialIds(),
        recognizer=recognizer_for(issuer),
    )
    with store.transaction() as tx:
        tx.add_credential(make_credential())
    return svc, issuer


def test_an_award_carries_its_signed_credential(
    signing_service: tuple[Service, IssuerIdentity],
) -> None:
    service, issuer = signing_service
    sub = submitted(service)
    outcome = service.record_review(
        REVIEWER, sub.id, scores(design="Proficient", impact="Exemplary")
    )
    assert outcome.award is not None
    stored = service.get_award(LEARNER, outcome.award.id)
    assert set(stored.documents) == {"credential", "jwt"}
    credential = stored.documents["credential"]
    assert credential["id"].endswith(f"/credentials/{stored.id}")
    verifier = make_verifier(issuer)
    assert verifier.verify(stored.documents["jwt"]).valid
    assert verifier.verify(json.dumps(credential)).valid


def test_a_recognizer_that_fails_awards_nothing(store: Any, clock: FixedClock) -> None:
    class Broken:
        def recognize(self, *args: Any) -> dict[str, Any]:
            raise RuntimeError("the key is gone")

    service = Service(
        store, MemoryBlobStore(), clock=clock, ids=SequentialIds(), recognizer=Broken()
    )
    with store.transaction() as tx:
        tx.add_credential(make_credential())
    sub = submitted(service)
    with pytest.raises(RuntimeError):
        service.record_review(REVIEWER, sub.id, scores(design="Proficient", impact="Proficient"))
    assert service.list_awards(ADMIN) == []
    assert service.get_submission(LEARNER, sub.id).submission.state == "submitted"


def test_award_learners_is_idempotent(signing_service: tuple[Service, IssuerIdentity]) -> None:
    service, _ = signing_service
    people = [Person(id=f"p{n}", email=f"p{n}@example.org") for n in range(3)]
    first = service.award_learners(ADMIN, "evaluate-impact", people)
    assert [created for _, created in first] == [True, True, True]
    again = service.award_learners(ADMIN, "evaluate-impact", people)
    assert [created for _, created in again] == [False, False, False]
    assert [a.id for a, _ in again] == [a.id for a, _ in first]
    service.revoke(ADMIN, first[0][0].id, reason="mistake")
    after = service.award_learners(ADMIN, "evaluate-impact", people[:1])
    assert after[0][0].status is AwardStatus.REVOKED  # revoked stays revoked: not re-issued
    assert all(a.documents for a, _ in first)


def test_award_learners_needs_an_admin_and_a_credential(
    signing_service: tuple[Service, IssuerIdentity],
) -> None:
    service, _ = signing_service
    with pytest.raises(PermissionDenied):
        service.award_learners(REVIEWER, "evaluate-impact", [Person(id="x")])
    with pytest.raises(NotFound, match="did you mean 'evaluate-impact'"):
        service.award_learners(ADMIN, "evaluate-impakt", [Person(id="x")])


def test_revocation_is_published_in_the_signed_list(
    signing_service: tuple[Service, IssuerIdentity],
) -> None:
    service, issuer = signing_service
    (award, _), (other, _) = service.award_learners(
        ADMIN, "evaluate-impact", [Person(id="a"), Person(id="b")]
    )
    service.revoke(ADMIN, award.id, reason="Plagiarised evidence")
    document, signed = instance_revocation_list(service.store, issuer, clock=service.clock)
    assert [e["id"] for e in document["revokedCredentials"]] == [
        award.documents["credential"]["id"]
    ]
    assert document["revokedCredentials"][0]["revocationReason"] == "Plagiarised evidence"
    from mcembed.badges import KeyResolver, Verifier

    fetch = instance_fetcher(service.store, issuer)
    verifier = Verifier(KeyResolver(fetch, [issuer]), fetch=fetch, clock=service.clock)
    assert verifier.verify(award.documents["jwt"]).status == "revoked"
    assert verifier.verify(other.documents["jwt"]).status == "valid"
    assert signed.count(".") == 2


def test_open_service_signs_awards_with_the_instance_issuer(tmp_path: Path) -> None:
    settings = Settings(instance=tmp_path)
    plain = open_service(settings)
    assert plain.recognizer is None
    plain.store.close()
    init_issuer(
        settings, IssuerProfile(name="R", url="https://r.example", base_url="https://b.example")
    )
    service = open_service(settings)
    try:
        assert isinstance(service.recognizer, BadgeRecognizer)
        assert service.recognizer.issuer.id == "https://b.example/issuers/main"
    finally:
        service.store.close()


def test_a_completed_stack_exports_a_signed_learner_record(
    store: Any, clock: FixedClock, ring: KeyRing
) -> None:
    """The CLR 2.0 record is a VC-JWT of the issuer, its claims those of the record."""
    from mcembed import AwardKind, Stack
    from mcembed.badges.jws import parse_compact, verify_compact
    from mcembed.community import Community

    issuer = make_issuer(ring)
    recognizer = recognizer_for(issuer)
    service = Service(
        store, MemoryBlobStore(), clock=clock, ids=SequentialIds(), recognizer=recognizer
    )
    with store.transaction() as tx:
        tx.add_credential(make_credential())
        tx.add_stack(
            Stack(
                id="lead", version="1", name="Lead", summary="Leads.", members=("evaluate-impact",)
            )
        )
    sub = submitted(service)
    service.record_review(REVIEWER, sub.id, scores(design="Proficient", impact="Exemplary"))
    stack_award = next(a for a in service.list_awards(LEARNER) if a.kind is AwardKind.STACK)
    export = Community(service, clr_signer=recognizer).export_clr(LEARNER, stack_award.id)
    assert export.signed
    jws = parse_compact(export.documents["jwt"])
    key = issuer.signing_key(issuer.profile.jwt_alg)
    assert verify_compact(jws, key.public_key)
    claims = json.loads(jws.payload)
    assert claims["type"] == ["VerifiableCredential", "ClrCredential"]
    assert claims["jti"] == export.document["id"]
    assert claims["iss"] == stack_award.documents["credential"]["issuer"]["id"]
    assert export.documents["credential"] == export.document


def test_the_instance_signs_learner_records_with_its_issuer(tmp_path: Path) -> None:
    from mcembed.badges.issuing import BadgeRecognizer

    settings = Settings(instance=tmp_path / "instance")
    init_issuer(
        settings,
        IssuerProfile(
            name="Riverbend",
            url="https://riverbend.example",
            base_url="https://badges.riverbend.example",
        ),
    )
    service = open_service(settings)
    assert isinstance(service.community.clr_signer, BadgeRecognizer)
