"""Awards as Open Badges 3.0 credentials and Open Badges 2.0 documents."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from badge_helpers import BASE, LEARNER, make_award, make_issuer, schema
from factories import NOW, make_credential
from mcembed import AwardKind, Person, Stack, ValidityPeriod
from mcembed.badges import (
    CredentialBuilder,
    IdentityKind,
    IssuerIdentity,
    KeyRing,
    PublicUrls,
    ob2_assertion,
    ob2_badge_class,
    ob2_issuer,
)
from mcembed.credentials import Alignment

GOLDEN = Path(__file__).parent / "data" / "golden_credential.json"
CREDENTIAL_SCHEMA = jsonschema.Draft201909Validator(
    schema("ob_v3p0_achievementcredential_schema.json"),
    format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER,
)
PROFILE_SCHEMA = jsonschema.Draft201909Validator(schema("ob_v3p0_profile_schema.json"))


def builder(issuer: IssuerIdentity) -> CredentialBuilder:
    return CredentialBuilder(issuer, salt=lambda award: f"salt-{award.id}")


def schema_errors(validator: Any, document: dict[str, Any]) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]


def full_credential() -> Any:
    return make_credential(
        validity=ValidityPeriod(years=2),
        image="https://riverbend.example/images/impact.png",
        alignments=(
            Alignment(framework="Learning Forward Standards", code="LF-6", name="Outcomes"),
            Alignment(framework="ISTE", url="https://iste.org/standards/educators"),
        ),
    )


def test_credential_matches_the_golden_file(issuer: IssuerIdentity) -> None:
    """Same award, same issuer id and salt: the same credential, byte for byte."""
    document = builder(issuer).build(make_award(), full_credential(), LEARNER)
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()


@pytest.mark.parametrize(
    ("award", "learner", "credential"),
    [
        (make_award(), LEARNER, full_credential()),
        (make_award(expires_at=None), Person(id="learner-9"), make_credential()),
        (make_award(), Person(id="did:example:lee", email="lee@example.org"), make_credential()),
    ],
    ids=["full", "no-email-no-expiry", "subject-did"],
)
def test_credential_meets_the_official_schema(
    issuer: IssuerIdentity, award: Any, learner: Person, credential: Any
) -> None:
    """Every variant validates against 1EdTech's AchievementCredential schema."""
    document = builder(issuer).build(award, credential, learner)
    assert schema_errors(CREDENTIAL_SCHEMA, document) == []


def test_stack_credential_meets_the_official_schema(issuer: IssuerIdentity) -> None:
    stack = Stack(
        id="data-practice",
        version="2",
        name="Data practice",
        summary="Both.",
        members=("evaluate-impact", "item-analysis"),
    )
    award = make_award(kind=AwardKind.STACK, credential_id=stack.id, scores=(), total=None)
    document = builder(issuer).build(award, stack, LEARNER)
    assert schema_errors(CREDENTIAL_SCHEMA, document) == []
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["criteria"]["narrative"].startswith(
        "Earned by holding all 2 of these credentials:"
    )
    assert "- item-analysis" in achievement["criteria"]["narrative"]
    assert "result" not in document["credentialSubject"]


def test_contexts_come_in_the_required_order(issuer: IssuerIdentity) -> None:
    document = builder(issuer).build(make_award(), make_credential(), LEARNER)
    assert document["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    ]
    assert document["credentialStatus"] == {
        "id": f"{BASE}/status/main",
        "type": "1EdTechRevocationList",
    }
    assert document["credentialSchema"][0]["type"] == "1EdTechJsonSchemaValidator2019"


def test_one_result_description_per_criterion_with_its_levels(issuer: IssuerIdentity) -> None:
    credential = make_credential()
    document = builder(issuer).build(make_award(), credential, LEARNER)
    achievement = document["credentialSubject"]["achievement"]
    descriptions = {rd["name"]: rd for rd in achievement["resultDescription"]}
    assert set(descriptions) == {"Design", "Impact", "Total points"}
    design = descriptions["Design"]
    assert design["resultType"] == "RubricCriterionLevel"
    assert [lv["name"] for lv in design["rubricCriterionLevel"]] == [
        "Beginning",
        "Developing",
        "Proficient",
        "Exemplary",
    ]
    assert design["requiredLevel"] == design["rubricCriterionLevel"][2]["id"]
    assert descriptions["Total points"]["valueMax"] == "8"
    narrative = achievement["criteria"]["narrative"]
    assert "- Reflection (reflection): What changed?" in narrative
    assert "- Portfolio link (link) (optional)" in narrative
    assert "every criterion at Proficient or above" in narrative


def test_results_name_the_level_achieved_per_criterion(issuer: IssuerIdentity) -> None:
    document = builder(issuer).build(make_award(), make_credential(), LEARNER)
    levels = {
        lv["id"]: lv["name"]
        for rd in document["credentialSubject"]["achievement"]["resultDescription"]
        for lv in rd.get("rubricCriterionLevel", [])
    }
    achieved = [levels.get(r.get("achievedLevel")) for r in document["credentialSubject"]["result"]]
    assert achieved == ["Proficient", "Exemplary", None]
    assert document["credentialSubject"]["result"][-1]["value"] == "7"


def test_recipient_is_a_salted_hash_of_the_lowercased_email(issuer: IssuerIdentity) -> None:
    import hashlib

    document = builder(issuer).build(make_award(), make_credential(), LEARNER)
    identity = document["credentialSubject"]["identifier"][0]
    expected = hashlib.sha256(b"lee@example.orgsalt-awd_1").hexdigest()
    assert identity == {
        "type": "IdentityObject",
        "identityHash": f"sha256${expected}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": "salt-awd_1",
    }
    assert "Lee@Example.org" not in json.dumps(document)


def test_validity_period_sets_valid_until(issuer: IssuerIdentity) -> None:
    document = builder(issuer).build(make_award(), make_credential(), LEARNER)
    assert document["validFrom"] == "2026-09-01T09:00:00Z"
    assert document["validUntil"] == "2028-09-01T09:00:00Z"


def test_offline_issuer_uses_urns_and_no_status_list(ring: KeyRing) -> None:
    issuer = make_issuer(ring, identity=IdentityKind.DID_KEY, base_url="")
    document = builder(issuer).build(make_award(), make_credential(), LEARNER)
    assert document["id"].startswith("urn:uuid:")
    assert document["issuer"]["id"].startswith("did:key:z6Mk")
    assert "credentialStatus" not in document
    assert schema_errors(CREDENTIAL_SCHEMA, document) == []


@pytest.mark.parametrize(
    ("identity", "expected"),
    [
        (IdentityKind.HTTPS, f"{BASE}/issuers/main"),
        (IdentityKind.DID_WEB, "did:web:badges.riverbend.example:issuers:main"),
    ],
)
def test_issuer_ids(ring: KeyRing, identity: IdentityKind, expected: str) -> None:
    assert make_issuer(ring, identity=identity).id == expected


def test_did_web_with_a_port_encodes_it(ring: KeyRing) -> None:
    issuer = make_issuer(ring, identity=IdentityKind.DID_WEB, base_url="http://localhost:5000")
    assert issuer.id == "did:web:localhost%3A5000:issuers:main"


def test_profile_document_publishes_every_key_and_meets_the_schema(ring: KeyRing) -> None:
    rotated = make_issuer(ring.rotate(NOW))
    profile = rotated.profile_document()
    assert schema_errors(PROFILE_SCHEMA, profile) == []
    assert len(profile["verificationMethod"]) == 4
    assert {m["type"] for m in profile["verificationMethod"]} == {"Multikey", "JsonWebKey"}
    assert profile["assertionMethod"] == [m["id"] for m in profile["verificationMethod"]]
    assert all(m["controller"] == rotated.id for m in profile["verificationMethod"])


def test_did_document_of_a_did_key_issuer_has_one_key(ring: KeyRing) -> None:
    issuer = make_issuer(ring, identity=IdentityKind.DID_KEY, base_url="")
    did = issuer.did_document()
    (method,) = did["verificationMethod"]
    assert method["id"] == f"{issuer.id}#{issuer.id.removeprefix('did:key:')}"


def test_ob2_documents(issuer: IssuerIdentity) -> None:
    b = builder(issuer)
    credential = full_credential()
    assertion = ob2_assertion(b, make_award(), credential, LEARNER, salt="s")
    badge = ob2_badge_class(b, credential)
    profile = ob2_issuer(issuer)
    assert assertion["@context"] == badge["@context"] == "https://w3id.org/openbadges/v2"
    assert assertion["id"] == f"{BASE}/credentials/awd_1/ob2"
    assert assertion["badge"] == badge["id"] == f"{BASE}/achievements/evaluate-impact/1/ob2"
    assert badge["issuer"] == profile["id"] == f"{BASE}/issuers/main/ob2"
    assert assertion["recipient"]["type"] == "email"
    assert assertion["recipient"]["hashed"]
    assert assertion["verification"] == {"type": "hosted"}
    assert assertion["expires"] == "2028-09-01T09:00:00Z"
    assert badge["image"] == "https://riverbend.example/images/impact.png"
    assert badge["alignment"][0]["targetCode"] == "LF-6"
    assert profile["email"] == "badges@riverbend.example"


def test_ob2_assertion_of_a_revoked_award_says_so(issuer: IssuerIdentity) -> None:
    award = make_award(revoked_at=NOW, revocation_reason="Evidence was not the learner's")
    assertion = ob2_assertion(builder(issuer), award, make_credential(), LEARNER)
    assert assertion["revoked"] is True
    assert assertion["revocationReason"] == "Evidence was not the learner's"


def test_public_urls_without_a_base_are_stable_urns() -> None:
    urls = PublicUrls()
    assert urls.credential("awd_1") == urls.credential("awd_1")
    assert urls.credential("awd_1") != urls.credential("awd_2")
    assert urls.status_list() is None


def test_the_hosted_ob2_assertion_names_the_recipient_as_the_signed_credential(
    issuer: IssuerIdentity,
) -> None:
    """Same salt and hash as the OB 3.0 credential, at every request."""
    from dataclasses import replace

    from mcembed.badges import ob2_hosted_assertion

    b = builder(issuer)
    award = make_award()
    credential = b.build(award, full_credential(), LEARNER)
    signed = replace(award, documents={"credential": credential})
    hosted = ob2_hosted_assertion(b, signed, full_credential())
    identity = credential["credentialSubject"]["identifier"][0]
    assert hosted["recipient"] == {
        "type": "email",
        "hashed": True,
        "salt": identity["salt"],
        "identity": identity["identityHash"],
    }
    assert hosted == ob2_hosted_assertion(b, signed, full_credential())
    assert hosted == ob2_assertion(b, award, full_credential(), LEARNER, salt=identity["salt"])
    with pytest.raises(ValueError, match="no credential with a hashed recipient"):
        ob2_hosted_assertion(b, award, full_credential())
