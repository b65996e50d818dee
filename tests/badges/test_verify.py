"""``Verifier``: every check in words, and every kind of tampering refused."""

from __future__ import annotations

import base64
import copy
import io
import json
from datetime import timedelta
from typing import Any

import png as png_module
import pytest

from badge_helpers import BASE, LEARNER, make_award, make_issuer, make_verifier, recognizer_for
from factories import NOW, make_credential
from mcembed import AwardStatus
from mcembed.badges import (
    IdentityKind,
    IssuerIdentity,
    KeyResolver,
    KeyRing,
    KeyType,
    OBVersion,
    ProofFormat,
    Verifier,
    badge_png,
    badge_svg,
    bake,
)
from mcembed.clock import FixedClock
from mcembed.errors import BadgeError


def failed(result: Any) -> dict[str, str]:
    return {c.name: c.message for c in result.checks if c.passed is False}


def reencode(token: str, change: Any) -> str:
    """The JWT with its payload changed and the old signature kept."""
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    change(data)
    raw = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{header}.{raw}.{signature}"


def test_valid_jwt_reports_every_check(issued: dict[str, Any], verifier: Verifier) -> None:
    result = verifier.verify(issued["jwt"])
    assert result.valid, failed(result)
    assert [c.name for c in result.checks] == [
        "format",
        "schema",
        "issuer key",
        "proof",
        "claims",
        "proof",
        "validity dates",
        "revocation",
    ]
    assert result.check("proof").message == "The VC-JWT signature (RS256) is valid."
    assert result.check("validity dates").message == "Valid from 2026-09-01 until 2028-09-01."
    assert result.to_data()["status"] == "valid"


def test_valid_json_credential(issued: dict[str, Any], verifier: Verifier) -> None:
    result = verifier.verify(json.dumps(issued["credential"]).encode())
    assert result.valid, failed(result)
    assert "eddsa-rdfc-2022" in result.check("proof").message


@pytest.mark.parametrize("image", ["png", "svg"])
@pytest.mark.parametrize("which", ["jwt", "credential"])
def test_baked_credentials_verify(
    issued: dict[str, Any], verifier: Verifier, image: str, which: str
) -> None:
    art = badge_png("Evaluate", "e") if image == "png" else badge_svg("Evaluate", "e")
    text = issued["jwt"] if which == "jwt" else json.dumps(issued["credential"])
    result = verifier.verify(bake(art, text))
    assert result.valid, failed(result)
    assert f"baked into a {image.upper()} image" in result.check("format").message


def test_baked_copy_is_compared_with_the_hosted_one(
    issued: dict[str, Any], issuer: IssuerIdentity
) -> None:
    hosted = {f"{BASE}/credentials/awd_1": issued["jwt"].encode()}
    base = make_verifier(issuer)
    status = base.fetch

    def fetch(url: str) -> bytes:
        return hosted[url] if url in hosted else status(url)  # type: ignore[misc]

    verifier = Verifier(base.resolver, fetch=fetch, clock=FixedClock(NOW))
    art = badge_png("Evaluate", "e")
    same = verifier.verify(bake(art, json.dumps(issued["credential"])))
    assert same.check("baked copy").passed is True, same.checks
    hosted[f"{BASE}/credentials/awd_1"] = b'{"id": "something else"}'
    different = verifier.verify(bake(art, issued["jwt"]))
    assert different.check("baked copy").passed is False
    assert not different.valid


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.__setitem__("name", "Brain surgery"), "does not match"),
        (
            lambda d: d["credentialSubject"]["identifier"][0].__setitem__("salt", "x"),
            "does not match",
        ),
        (lambda d: d.__setitem__("validUntil", "2099-01-01T00:00:00Z"), "does not match"),
        (lambda d: d.__setitem__("exp", 4070908800), "does not match"),
    ],
    ids=["name", "recipient", "validUntil", "exp-claim"],
)
def test_a_changed_jwt_field_fails(
    issued: dict[str, Any], verifier: Verifier, change: Any, message: str
) -> None:
    result = verifier.verify(reencode(issued["jwt"], change))
    assert not result.valid
    assert message in failed(result)["proof"]


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.__setitem__("name", "Brain surgery"),
        lambda d: d["credentialSubject"]["achievement"].__setitem__("name", "Other"),
        lambda d: d["credentialSubject"]["result"][0].__setitem__("achievedLevel", "urn:x:y"),
        lambda d: d["proof"][0].__setitem__("created", "2020-01-01T00:00:00Z"),
        lambda d: d.__setitem__("validFrom", "2026-01-01T00:00:00Z"),
    ],
    ids=["name", "achievement", "result", "proof-created", "validFrom"],
)
def test_a_changed_json_field_fails(
    issued: dict[str, Any], verifier: Verifier, change: Any
) -> None:
    document = copy.deepcopy(issued["credential"])
    change(document)
    result = verifier.verify(json.dumps(document))
    assert result.status == "invalid"
    assert "changed after it was signed" in failed(result)["proof"]


def test_claims_that_disagree_with_the_fields_fail(ring: KeyRing) -> None:
    from mcembed.badges import sign_jwt

    issuer = make_issuer(ring, proofs=(ProofFormat.VC_JWT,))
    credential = recognizer_for(issuer).recognize(make_award(), make_credential(), LEARNER)[
        "credential"
    ]
    key = issuer.signing_key(KeyType.RSA)
    token = sign_jwt(
        {**credential, "id": "urn:uuid:other"}, key, kid=issuer.verification_method(key)
    )
    token = reencode(token, lambda d: d.__setitem__("id", credential["id"]))
    assert "proof" in failed(make_verifier(issuer).verify(token))


def test_a_credential_signed_with_another_key_fails(
    issued: dict[str, Any], issuer: IssuerIdentity, other_ring: KeyRing
) -> None:
    forged = recognizer_for(make_issuer(other_ring)).recognize(
        make_award(), make_credential(), LEARNER
    )
    verifier = make_verifier(issuer)
    for source in (forged["jwt"], json.dumps(forged["credential"])):
        result = verifier.verify(source)
        assert not result.valid
        assert "issuer key" in failed(result)


def test_a_key_of_another_issuer_is_refused(issued: dict[str, Any], ring: KeyRing) -> None:
    """The kid names a key the verifier knows, but of another issuer id."""
    other = make_issuer(ring, slug="other")
    result = make_verifier(other).verify(issued["jwt"])
    assert (
        "does not belong to the issuer" in failed(result)["issuer key"]
        or "not known" in failed(result)["issuer key"]
    )


def test_revoked_credential_reports_revoked(issued: dict[str, Any], issuer: IssuerIdentity) -> None:
    revoked = make_award(
        status=AwardStatus.REVOKED,
        revoked_at=NOW,
        revocation_reason="The evidence was not the learner's own work",
    )
    verifier = make_verifier(issuer, revoked=lambda: [revoked])
    for source in (issued["jwt"], json.dumps(issued["credential"])):
        result = verifier.verify(source)
        assert result.status == "revoked"
        assert failed(result) == {
            "revocation": "Revoked by the issuer: The evidence was not the learner's own work."
        }


def test_expired_and_not_yet_valid(issued: dict[str, Any], issuer: IssuerIdentity) -> None:
    late = make_verifier(issuer, at=NOW + timedelta(days=800))
    result = late.verify(issued["jwt"])
    assert result.status == "expired"
    assert failed(result) == {"validity dates": "Expired on 2028-09-01."}
    early = make_verifier(issuer, at=NOW - timedelta(days=1))
    assert early.verify(issued["jwt"]).status == "not yet valid"


def test_an_unsigned_revocation_list_is_not_trusted(
    issued: dict[str, Any], issuer: IssuerIdentity
) -> None:
    verifier = Verifier(
        KeyResolver(None, [issuer]),
        fetch=lambda url: b'{"revokedCredentials": []}',
        clock=FixedClock(NOW),
    )
    assert "not signed" in failed(verifier.verify(issued["jwt"]))["revocation"]


def test_an_unreachable_revocation_list_fails_closed(
    issued: dict[str, Any], issuer: IssuerIdentity
) -> None:
    def down(url: str) -> bytes:
        raise BadgeError("connection refused")

    verifier = Verifier(KeyResolver(None, [issuer]), fetch=down, clock=FixedClock(NOW))
    result = verifier.verify(issued["jwt"])
    assert result.status == "invalid"
    assert "could not be checked" in failed(result)["revocation"]


def test_did_key_credential_verifies_fully_offline(ring: KeyRing) -> None:
    """VC-JWT EdDSA from a did:key issuer: no network, no JSON-LD, no status list."""
    issuer = make_issuer(
        ring,
        identity=IdentityKind.DID_KEY,
        base_url="",
        jwt_alg=KeyType.ED25519,
        proofs=(ProofFormat.VC_JWT,),
    )
    documents = recognizer_for(issuer).recognize(make_award(), make_credential(), LEARNER)
    result = Verifier(fetch=None, clock=FixedClock(NOW)).verify(documents["jwt"])
    assert result.valid, failed(result)
    assert result.check("revocation").message.startswith("The issuer publishes no")


def test_did_web_issuer_is_resolved_through_its_did_document(ring: KeyRing) -> None:
    issuer = make_issuer(ring, identity=IdentityKind.DID_WEB)
    documents = recognizer_for(issuer).recognize(make_award(), make_credential(), LEARNER)
    seen: list[str] = []
    status = make_verifier(issuer).fetch

    def fetch(url: str) -> bytes:
        seen.append(url)
        if url == "https://badges.riverbend.example/issuers/main/did.json":
            return json.dumps(issuer.did_document()).encode()
        return status(url)  # type: ignore[misc]

    result = Verifier(fetch=fetch, clock=FixedClock(NOW)).verify(documents["jwt"])
    assert result.valid, failed(result)
    assert seen[0].endswith("/did.json")


def test_https_issuer_is_resolved_through_its_profile(
    issued: dict[str, Any], issuer: IssuerIdentity
) -> None:
    status = make_verifier(issuer).fetch

    def fetch(url: str) -> bytes:
        if url == issuer.id:
            return json.dumps(issuer.profile_document()).encode()
        return status(url)  # type: ignore[misc]

    result = Verifier(fetch=fetch, clock=FixedClock(NOW)).verify(json.dumps(issued["credential"]))
    assert result.valid, failed(result)


def test_old_credentials_verify_after_a_key_rotation(ring: KeyRing) -> None:
    old = make_issuer(ring)
    documents = recognizer_for(old).recognize(make_award(), make_credential(), LEARNER)
    rotated = make_issuer(ring.rotate(NOW))
    assert rotated.signing_key(KeyType.RSA).kid != old.signing_key(KeyType.RSA).kid
    verifier = make_verifier(rotated)
    assert verifier.verify(documents["jwt"]).valid
    assert verifier.verify(json.dumps(documents["credential"])).valid


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (b"\x00\x01binary", "nor a PNG or SVG badge image"),
        (b"not json", "neither a credential"),
        (b"{not json", "is not valid JSON"),
        (b"[1, 2]", "not a credential"),
        (b"x" * (1024 * 1024 + 1), "larger than 1 MiB"),
        (b"\x89PNG\r\n\x1a\nbroken", "not a readable PNG"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "carries no credential"),
        (
            b"<?xml version='1.0'?><!DOCTYPE svg [<!ENTITY a 'aaaa'>]><svg>&a;</svg>",
            "not a readable SVG",
        ),
    ],
)
def test_bad_input_is_reported_not_raised(verifier: Verifier, source: bytes, message: str) -> None:
    result = verifier.verify(source)
    assert result.status == "invalid"
    assert message in failed(result)["format"]


def test_a_document_without_a_proof_is_invalid(issued: dict[str, Any], verifier: Verifier) -> None:
    document = {k: v for k, v in issued["credential"].items() if k != "proof"}
    assert "anyone could have written it" in failed(verifier.verify(document))["proof"]


def test_contexts_outside_the_allow_list_are_never_fetched(
    issued: dict[str, Any], issuer: IssuerIdentity
) -> None:
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        raise BadgeError("no")

    document = copy.deepcopy(issued["credential"])
    document["@context"].append("https://evil.example/context.jsonld")
    result = Verifier(KeyResolver(None, [issuer]), fetch=fetch).verify(document)
    assert "not an allowed, pinned context" in failed(result)["proof"]
    inline = copy.deepcopy(issued["credential"])
    inline["@context"].append({"name": "https://evil.example/name"})
    assert "not an allowed" in failed(make_verifier(issuer).verify(inline))["proof"]
    assert not any("evil" in url for url in fetched)


def test_schema_problems_are_named(issued: dict[str, Any], verifier: Verifier) -> None:
    document = {k: v for k, v in issued["credential"].items() if k != "validFrom"}
    assert "validFrom" in failed(verifier.verify(document))["schema"]


def test_ob2_baked_images_are_pointed_elsewhere(verifier: Verifier) -> None:
    image = bake(badge_png("x", "x"), '{"type": "Assertion"}', OBVersion.V2)
    assert "Open Badges 2.0" in failed(verifier.verify(image))["format"]


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"alg": "none", "kid": "x"}, "'none' is not accepted"),
        ({"alg": "HS256", "kid": "x"}, "'HS256' is not accepted"),
        ({"alg": "EdDSA", "crit": ["exp"]}, "critical header extensions"),
    ],
)
def test_jwt_headers_that_are_refused(
    issued: dict[str, Any], verifier: Verifier, header: dict[str, Any], message: str
) -> None:
    _, payload, signature = issued["jwt"].split(".")
    result = verifier.verify(f"{_b64(header)}.{payload}.{signature}")
    assert result.status == "invalid"
    assert message in failed(result)["format"]


def test_an_rs256_header_on_an_ed25519_key_is_refused(
    issued: dict[str, Any], issuer: IssuerIdentity, verifier: Verifier
) -> None:
    """The key decides the algorithm, never the header."""
    ed = issuer.signing_key(KeyType.ED25519)
    _, payload, signature = issued["jwt"].split(".")
    header = {"alg": "RS256", "kid": issuer.verification_method(ed), "typ": "JWT"}
    result = verifier.verify(f"{_b64(header)}.{payload}.{signature}")
    assert "but the issuer's key is for EdDSA" in failed(result)["proof"]


def test_a_poison_graph_is_refused_quickly(issued: dict[str, Any], verifier: Verifier) -> None:
    """Symmetric blank nodes make canonicalisation factorial: the work is capped."""
    import time

    n = 9  # unchecked, pyld would work for minutes on this clique
    link = "https://example.org/knows"
    clique = [
        {"@id": f"_:b{i}", link: [{"@id": f"_:b{j}"} for j in range(n) if j != i]} for i in range(n)
    ]
    document = {**issued["credential"], "credentialSubject": clique}
    start = time.perf_counter()
    result = verifier.verify(document)
    assert time.perf_counter() - start < 10
    assert "too much work" in failed(result)["proof"]


def test_an_image_carrying_two_credentials_is_invalid(issuer: IssuerIdentity) -> None:
    """Each credential verifies on its own; one image with both does not."""
    recognizer = recognizer_for(issuer)
    first = recognizer.recognize(make_award(), make_credential(), LEARNER)
    second = recognizer.recognize(make_award(id="awd_2"), make_credential(), LEARNER)
    verifier = make_verifier(issuer)
    png = bake(badge_png("Evaluate", "e"), first["jwt"])
    buffer = io.BytesIO()
    png_module.write_chunk(buffer, b"tEXt", b"openbadgecredential\0" + second["jwt"].encode())
    two = png[:-12] + buffer.getvalue() + png[-12:]  # before the IEND chunk
    assert verifier.verify(png).valid
    result = verifier.verify(two)
    assert result.status == "invalid"
    assert "This PNG image carries 2 credentials" in failed(result)["format"]
    svg = bake(badge_svg("Evaluate", "e"), first["jwt"]).replace(
        b"</svg>",
        b'<ob:credential xmlns:ob="https://purl.imsglobal.org/ob/v3p0" verify="'
        + second["jwt"].encode()
        + b'"/></svg>',
    )
    result = verifier.verify(svg)
    assert result.status == "invalid"
    assert "This SVG image carries 2 credentials" in failed(result)["format"]
