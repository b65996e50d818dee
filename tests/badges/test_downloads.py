"""An award's badge as files (baked PNG and SVG, JSON, VC-JWT), and the instance's verifier."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from badge_helpers import LEARNER, make_award, make_issuer, recognizer_for
from factories import NOW, make_credential
from mcembed import FixedClock, Settings
from mcembed.badges import (
    IdentityKind,
    IssuerIdentity,
    IssuerProfile,
    KeyRing,
    KeyType,
    ProofFormat,
    award_files,
    badge_images,
    has_issuer,
    init_issuer,
    instance_verifier,
    unbake,
)
from mcembed.errors import BadgeError
from mcembed.storage.blobs import MemoryBlobStore

PACK_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
    b'<title>Pack art</title><circle cx="32" cy="32" r="30" fill="#123456"/></svg>'
)


def did_key_issuer(ring: KeyRing, **overrides: Any) -> IssuerIdentity:
    return make_issuer(
        ring, identity=IdentityKind.DID_KEY, base_url="", jwt_alg=KeyType.ED25519, **overrides
    )


def test_an_award_becomes_four_files_named_after_the_credential(ring: KeyRing) -> None:
    """PNG and SVG carry the VC-JWT baked in; the JSON has its proof; the JWT is the token."""
    issuer = did_key_issuer(ring)
    credential = make_credential()
    award = make_award()
    award = replace(award, documents=recognizer_for(issuer).recognize(award, credential, LEARNER))
    files = award_files(award, credential, MemoryBlobStore())
    assert [(f.name, f.media_type) for f in files] == [
        ("evaluate-impact.png", "image/png"),
        ("evaluate-impact.svg", "image/svg+xml"),
        ("evaluate-impact.json", "application/json"),
        ("evaluate-impact.jwt", "application/jwt"),
    ]
    png, svg, document, token = files
    for image, kind in ((png, "png"), (svg, "svg")):
        baked = unbake(image.data)
        assert baked is not None
        assert (baked.image, baked.text) == (kind, award.documents["jwt"])
    assert b'"proof"' in document.data
    assert token.data.decode() == award.documents["jwt"]


def test_files_verify_offline_with_a_did_key_issuer(tmp_path: Path) -> None:
    """The instance's verifier needs no network for a did:key issuer; a changed file fails."""
    settings = Settings(instance=tmp_path / "instance")
    assert not has_issuer(settings)
    issuer = init_issuer(
        settings,
        IssuerProfile(
            name="Workshop",
            url="https://workshop.example",
            identity=IdentityKind.DID_KEY,
            jwt_alg=KeyType.ED25519,
        ),
    )
    assert has_issuer(settings)
    credential = make_credential()
    award = make_award(expires_at=None)
    award = replace(award, documents=recognizer_for(issuer).recognize(award, credential, LEARNER))
    verifier = instance_verifier(settings, None, clock=FixedClock(NOW))
    assert verifier.fetch is None
    for file in award_files(award, credential, MemoryBlobStore()):
        result = verifier.verify(file.data)
        assert result.status == "valid", (file.name, result.checks)
        assert result.credential is not None
        assert result.credential["issuer"]["id"] == issuer.id
    png = award_files(award, credential, MemoryBlobStore())[0]
    baked_copy = verifier.verify(png.data).check("baked copy")
    assert baked_copy is not None
    assert (baked_copy.passed, baked_copy.message) == (
        None,
        "No hosted copy to compare the baked one with.",
    )
    tampered = award.documents["jwt"][:-4] + "AAAA"
    assert verifier.verify(tampered).status == "invalid"


def test_a_stranger_verifier_knows_a_did_key_issuer_too(tmp_path: Path, ring: KeyRing) -> None:
    """Another instance (no issuer of its own, nothing fetched) still verifies a did:key badge."""
    issuer = did_key_issuer(ring)
    credential = make_credential()
    award = make_award(expires_at=None)
    award = replace(award, documents=recognizer_for(issuer).recognize(award, credential, LEARNER))
    verifier = instance_verifier(Settings(instance=tmp_path), None, clock=FixedClock(NOW))
    png = award_files(award, credential, MemoryBlobStore())[0]
    assert verifier.verify(png.data).valid


def test_the_credentials_own_image_is_used_where_it_has_one() -> None:
    """A pack SVG is the SVG badge; the PNG is generated art (there is no PNG of it)."""
    blobs = MemoryBlobStore()
    ref = blobs.put(PACK_SVG, "art.svg", max_bytes=10_000)
    credential = make_credential(image=f"sha256:{ref.sha256}")
    png, svg = badge_images(credential, blobs)
    assert svg == PACK_SVG
    assert png.startswith(b"\x89PNG")
    missing = make_credential(image="sha256:" + "0" * 64)
    assert badge_images(missing, blobs)[1].startswith(b"<svg")


def test_only_a_proved_json_and_an_issued_jwt_are_offered(ring: KeyRing) -> None:
    """A VC-JWT-only issuer gives no JSON file (its JSON carries no proof of its own)."""
    issuer = make_issuer(ring, proofs=(ProofFormat.VC_JWT,))
    credential = make_credential()
    award = make_award()
    award = replace(award, documents=recognizer_for(issuer).recognize(award, credential, LEARNER))
    names = [f.name for f in award_files(award, credential, MemoryBlobStore(), stem="lee's badge")]
    assert names == ["lee-s-badge.png", "lee-s-badge.svg", "lee-s-badge.jwt"]


def test_an_award_without_signed_documents_has_no_files() -> None:
    """Awards made before the instance had an issuer say so, and how to get one."""
    with pytest.raises(BadgeError, match=r"no signed credential.*mcembed issuer init"):
        award_files(make_award(), make_credential(), MemoryBlobStore())
