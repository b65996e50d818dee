"""Issuer keys on disk: never readable by others, rotation keeps old keys published."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from factories import NOW
from mcembed import Settings
from mcembed.badges import (
    IdentityKind,
    IssuerProfile,
    KeyType,
    init_issuer,
    load_issuer,
    rotate_issuer_key,
)
from mcembed.badges.keys import jwk_thumbprint, load_keyring
from mcembed.errors import ConfigError, Conflict, ValidationError

PROFILE = IssuerProfile(
    name="Riverbend", url="https://riverbend.example", base_url="https://badges.example"
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_writes_private_keys_0600_in_a_0700_folder(tmp_path: Path) -> None:
    settings = Settings(instance=tmp_path)
    issuer = init_issuer(settings, PROFILE)
    folder = tmp_path / "keys"
    assert mode(folder) == 0o700
    assert mode(folder / "private") == 0o700
    private = sorted((folder / "private").iterdir())
    assert len(private) == 2
    assert all(mode(p) == 0o600 for p in private)
    assert b"PRIVATE KEY" not in (folder / "keys.json").read_bytes()
    assert load_issuer(settings).id == issuer.id == "https://badges.example/issuers/main"


def test_a_second_init_is_refused(tmp_path: Path) -> None:
    init_issuer(Settings(instance=tmp_path), PROFILE)
    with pytest.raises(Conflict, match="rotate-key"):
        init_issuer(Settings(instance=tmp_path), PROFILE)


def test_a_world_readable_private_key_is_refused(tmp_path: Path) -> None:
    init_issuer(Settings(instance=tmp_path), PROFILE)
    key = next((tmp_path / "keys" / "private").iterdir())
    os.chmod(key, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_issuer(Settings(instance=tmp_path))


def test_keys_can_be_encrypted_with_a_passphrase(tmp_path: Path) -> None:
    settings = Settings(instance=tmp_path, issuer_key_passphrase="correct horse")
    init_issuer(settings, PROFILE)
    key = next((tmp_path / "keys" / "private").iterdir())
    assert b"ENCRYPTED PRIVATE KEY" in key.read_bytes()
    assert load_issuer(settings).signing_key(KeyType.RSA).private_key is not None
    with pytest.raises(ConfigError, match="MCEMBED_ISSUER_KEY_PASSPHRASE"):
        load_issuer(Settings(instance=tmp_path, issuer_key_passphrase="wrong"))


def test_rotation_adds_keys_and_keeps_the_old_ones_published(tmp_path: Path) -> None:
    settings = Settings(instance=tmp_path)
    before = init_issuer(settings, PROFILE)
    after = rotate_issuer_key(settings)
    assert len(after.keys.keys) == 4
    assert after.signing_key(KeyType.ED25519).kid != before.signing_key(KeyType.ED25519).kid
    published = {m["id"] for m in load_issuer(settings).profile_document()["verificationMethod"]}
    assert before.verification_method(before.signing_key(KeyType.RSA)) in published
    assert len(load_keyring(tmp_path / "keys").jwks()["keys"]) == 4


def test_a_did_key_issuer_cannot_rotate(tmp_path: Path) -> None:
    settings = Settings(instance=tmp_path)
    profile = IssuerProfile(
        name="Workshop", url="https://example.org", identity=IdentityKind.DID_KEY
    )
    issuer = init_issuer(settings, profile)
    assert issuer.id.startswith("did:key:z6Mk")
    with pytest.raises(ConfigError, match="did:key issuer is its key"):
        rotate_issuer_key(settings)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": " "}, "needs a name"),
        ({"url": "riverbend.example"}, r"must be an http\(s\) URL"),
        ({"base_url": ""}, "needs the tool's public https:// base URL"),
        ({"base_url": "http://badges.example"}, "base URL"),
        ({"proofs": ()}, "at least one proof"),
    ],
)
def test_bad_profiles_are_refused(overrides: dict[str, object], message: str) -> None:
    values: dict[str, object] = {
        "name": "R",
        "url": "https://r.example",
        "base_url": "https://b.example",
        **overrides,
    }
    with pytest.raises(ValidationError, match=message):
        IssuerProfile(**values)  # type: ignore[arg-type]


def test_kid_is_the_rfc7638_thumbprint() -> None:
    # RFC 7638 section 3.1's example key and thumbprint
    jwk = {
        "kty": "RSA",
        "e": "AQAB",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    }
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_generated_keys_have_the_issue_date() -> None:
    from mcembed.badges import KeyRing

    ring = KeyRing.generate(NOW)
    assert {k.created_at for k in ring.keys} == {NOW}
    assert {k.type for k in ring.keys} == {KeyType.ED25519, KeyType.RSA}
