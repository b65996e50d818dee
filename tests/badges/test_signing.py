"""VC-JWT and Data Integrity proofs, checked by an independent verifier
(the ``openbadgeslib`` package, which shares no code with mcembed)."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from openbadgeslib.ob3 import OB3LdpVerifier, OB3VerificationError, OB3Verifier
from pyld import jsonld

from badge_helpers import LEARNER, make_award, make_issuer, recognizer_for
from factories import NOW, make_credential
from mcembed import ValidityPeriod
from mcembed.badges import (
    ContextLoader,
    IssuerIdentity,
    KeyRing,
    KeyType,
    ProofFormat,
    add_data_integrity_proof,
    sign_jwt,
)
from mcembed.badges.signing import Canonicalizer
from mcembed.errors import SigningError


def pem(issuer: IssuerIdentity, key_type: KeyType) -> bytes:
    return issuer.signing_key(key_type).public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def part(token: str, n: int) -> dict[str, Any]:
    segment = token.split(".")[n]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def test_jwt_header_holds_only_alg_kid_typ(issued: dict[str, Any], issuer: IssuerIdentity) -> None:
    key = issuer.signing_key(KeyType.RSA)
    assert part(issued["jwt"], 0) == {"alg": "RS256", "kid": f"{issuer.id}#{key.kid}", "typ": "JWT"}


def test_jwt_claims_equal_the_credential_fields(issued: dict[str, Any]) -> None:
    payload = part(issued["jwt"], 1)
    assert payload["iss"] == payload["issuer"]["id"]
    assert payload["jti"] == payload["id"]
    assert payload["nbf"] == 1788253200  # 2026-09-01T09:00:00Z
    assert payload["exp"] == 1851411600  # 2028-09-01T09:00:00Z (731 days later)
    assert "sub" not in payload  # the subject has no id, only a hashed email


def test_jwt_sub_is_the_subject_id(issuer: IssuerIdentity) -> None:
    from mcembed import Person

    documents = recognizer_for(issuer).recognize(
        make_award(), make_credential(), Person(id="did:example:lee")
    )
    assert part(documents["jwt"], 1)["sub"] == "did:example:lee"


def test_data_integrity_proof_is_an_array(issued: dict[str, Any], issuer: IssuerIdentity) -> None:
    (proof,) = issued["credential"]["proof"]
    key = issuer.signing_key(KeyType.ED25519)
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"] == f"{issuer.id}#{key.kid}"
    assert proof["proofValue"].startswith("z")
    assert proof["created"] == "2026-09-01T09:00:00Z"


def test_independent_verifier_accepts_the_rs256_jwt(
    issued: dict[str, Any], issuer: IssuerIdentity
) -> None:
    credential = OB3Verifier(pem(issuer, KeyType.RSA)).verify(issued["jwt"])
    assert credential.id == issued["credential"]["id"]


def test_independent_verifier_accepts_the_eddsa_jwt(ring: KeyRing) -> None:
    issuer = make_issuer(ring, jwt_alg=KeyType.ED25519, proofs=(ProofFormat.VC_JWT,))
    documents = recognizer_for(issuer).recognize(make_award(), make_credential(), LEARNER)
    assert "proof" not in documents["credential"]
    assert part(documents["jwt"], 0)["alg"] == "EdDSA"
    OB3Verifier(pem(issuer, KeyType.ED25519)).verify(documents["jwt"])


def test_independent_verifier_accepts_the_data_integrity_proof(
    issued: dict[str, Any], issuer: IssuerIdentity
) -> None:
    verified = OB3LdpVerifier(pem(issuer, KeyType.ED25519)).verify(json.dumps(issued["credential"]))
    assert verified.id == issued["credential"]["id"]


def test_independent_verifier_accepts_a_did_key_credential(ring: KeyRing) -> None:
    from mcembed.badges import IdentityKind

    issuer = make_issuer(ring, identity=IdentityKind.DID_KEY, base_url="", jwt_alg=KeyType.ED25519)
    documents = recognizer_for(issuer).recognize(make_award(), make_credential(), LEARNER)
    # resolved from the did:key itself: no key is handed over
    OB3LdpVerifier().verify(json.dumps(documents["credential"]))
    OB3Verifier.for_issuer_did(issuer.id).verify(documents["jwt"])


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.__setitem__("name", "Something else"),
        lambda d: d["credentialSubject"]["result"][0].__setitem__("achievedLevel", "x:y"),
        lambda d: d.__setitem__("validUntil", "2099-01-01T00:00:00Z"),
    ],
    ids=["name", "result", "validUntil"],
)
def test_independent_verifier_rejects_a_changed_field(
    issued: dict[str, Any], issuer: IssuerIdentity, change: Any
) -> None:
    document = copy.deepcopy(issued["credential"])
    change(document)
    with pytest.raises(OB3VerificationError):
        OB3LdpVerifier(pem(issuer, KeyType.ED25519)).verify(json.dumps(document))


def test_independent_verifier_rejects_another_key(
    issued: dict[str, Any], other_ring: KeyRing
) -> None:
    other = make_issuer(other_ring)
    with pytest.raises(OB3VerificationError):
        OB3Verifier(pem(other, KeyType.RSA)).verify(issued["jwt"])
    with pytest.raises(OB3VerificationError):
        OB3LdpVerifier(pem(other, KeyType.ED25519)).verify(json.dumps(issued["credential"]))


def test_independent_verifier_rejects_an_expired_jwt(ring: KeyRing) -> None:
    issuer = make_issuer(ring)
    award = make_award(issued_at=NOW.replace(year=2020), expires_at=NOW.replace(year=2021))
    documents = recognizer_for(issuer).recognize(
        award, make_credential(validity=ValidityPeriod(years=1)), LEARNER
    )
    with pytest.raises(OB3VerificationError, match="expired"):
        OB3Verifier(pem(issuer, KeyType.RSA)).verify(documents["jwt"])


def test_memoised_canonicalisation_equals_plain_pyld(issued: dict[str, Any]) -> None:
    """The context memo is only a speed-up: the N-Quads are pyld's own."""
    loader = ContextLoader()
    unsecured = {k: v for k, v in issued["credential"].items() if k != "proof"}
    plain = jsonld.normalize(
        copy.deepcopy(unsecured),
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader.pyld},
    )
    fast = Canonicalizer(loader)
    for _ in range(3):
        assert fast.canonize(unsecured) == plain


@pytest.mark.parametrize("created", ["2026-09-01T09:00:00Z", "2031-12-31T23:59:59Z"])
def test_proof_options_template_equals_full_canonicalisation(created: str) -> None:
    c = Canonicalizer()
    options = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": created,
        "verificationMethod": "did:key:z6Mk#z6Mk",
        "proofPurpose": "assertionMethod",
    }
    c.proof_options_nquads({**options, "created": "2000-02-02T00:00:00Z"})
    assert c.proof_options_nquads(options) == c.canonize(options)


def test_signing_does_not_change_the_input(issuer: IssuerIdentity) -> None:
    from mcembed.badges import CredentialBuilder

    document = CredentialBuilder(issuer).build(make_award(), make_credential(), LEARNER)
    before = copy.deepcopy(document)
    key = issuer.signing_key(KeyType.ED25519)
    add_data_integrity_proof(document, key, verification_method="x#y", created=NOW)
    sign_jwt(document, key, kid="x#y")
    assert document == before


def test_data_integrity_refuses_rsa_and_unpinned_contexts(issuer: IssuerIdentity) -> None:
    document = {"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:x"}
    with pytest.raises(SigningError, match="Ed25519"):
        add_data_integrity_proof(
            document, issuer.signing_key(KeyType.RSA), verification_method="x#y", created=NOW
        )
    evil = {**document, "@context": [*document["@context"], "https://evil.example/ctx"]}
    with pytest.raises(SigningError, match="not an allowed"):
        add_data_integrity_proof(
            evil, issuer.signing_key(KeyType.ED25519), verification_method="x#y", created=NOW
        )
