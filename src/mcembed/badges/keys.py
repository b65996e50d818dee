"""Issuer key pairs: generation, rotation, JWKS, Multikey, and their files.

An issuer holds a ring of keys, newest last: Ed25519 (VC-JWT ``EdDSA`` and
Data Integrity ``eddsa-rdfc-2022``) and RSA-2048 (VC-JWT ``RS256``, the
algorithm every Open Badges 3.0 verifier must support). Rotation adds a new
pair and keeps the old public keys published, so credentials signed before
still verify. A key's id is its RFC 7638 JWK thumbprint.

On disk (the instance's ``keys/`` folder, mode 0700): ``keys.json`` lists
the public keys; ``private/<kid>.pem`` holds each private key, created with
mode 0600 and encrypted when a passphrase is given
(``MCEMBED_ISSUER_KEY_PASSPHRASE``). A private key file that others can
read is refused on load.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from ..errors import ConfigError, SigningError, excerpt

__all__ = [
    "IssuerKey",
    "KeyRing",
    "KeyType",
    "jwk_thumbprint",
    "load_keyring",
    "multikey_to_public",
    "public_from_jwk",
    "save_keyring",
]

PrivateKey = ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey
PublicKey = ed25519.Ed25519PublicKey | rsa.RSAPublicKey

_ED25519_MULTICODEC = b"\xed\x01"
_PKCS1 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()


class KeyType(StrEnum):
    """The kinds of issuer key, named by their JOSE algorithm."""

    ED25519 = "EdDSA"
    RSA = "RS256"


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _int_b64u(n: int) -> str:
    return _b64u(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def _public_jwk(public: PublicKey) -> dict[str, str]:
    if isinstance(public, ed25519.Ed25519PublicKey):
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64u(raw)}
    numbers = public.public_numbers()
    return {"kty": "RSA", "n": _int_b64u(numbers.n), "e": _int_b64u(numbers.e)}


def jwk_thumbprint(jwk: dict[str, str]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a public JWK (base64url)."""
    members = ("crv", "kty", "x") if jwk["kty"] == "OKP" else ("e", "kty", "n")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return _b64u(hashlib.sha256(canonical.encode()).digest())


def public_from_jwk(jwk: dict[str, Any]) -> PublicKey:
    """A public key from a JWK (OKP Ed25519 or RSA).

    Raises:
        ValueError: the JWK is of another kind or malformed.
    """
    kty = jwk.get("kty")
    if kty == "OKP" and jwk.get("crv") == "Ed25519":
        return ed25519.Ed25519PublicKey.from_public_bytes(_b64u_decode(str(jwk["x"])))
    if kty == "RSA":
        n = int.from_bytes(_b64u_decode(str(jwk["n"])), "big")
        e = int.from_bytes(_b64u_decode(str(jwk["e"])), "big")
        if n.bit_length() < 2048:
            raise ValueError(f"RSA keys shorter than 2048 bits are refused (got {n.bit_length()})")
        return rsa.RSAPublicNumbers(e, n).public_key()
    raise ValueError(f"unsupported JWK (kty {excerpt(kty)}); Ed25519 (OKP) and RSA are supported")


def multikey_to_public(multibase: str) -> ed25519.Ed25519PublicKey:
    """An Ed25519 public key from its Multikey ``publicKeyMultibase`` (``z6Mk...``).

    Raises:
        ValueError: not a base58btc Ed25519 Multikey.
    """
    if not multibase.startswith("z"):
        raise ValueError("a Multikey must be base58btc encoded (start with 'z')")
    raw = base58.b58decode(multibase[1:])
    if raw[:2] != _ED25519_MULTICODEC or len(raw) != 34:
        raise ValueError("only Ed25519 Multikeys (z6Mk...) are supported")
    return ed25519.Ed25519PublicKey.from_public_bytes(raw[2:])


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuerKey:
    """One key of the issuer. ``private_key`` is None for a key known only
    by its public half (a verifier's view)."""

    kid: str
    type: KeyType
    created_at: datetime
    public_key: PublicKey = field(repr=False, compare=False)
    private_key: PrivateKey | None = field(default=None, repr=False, compare=False)

    @classmethod
    def generate(cls, key_type: KeyType, created_at: datetime) -> IssuerKey:
        """A new key pair (Ed25519, or RSA-2048 with exponent 65537)."""
        private: PrivateKey
        if key_type is KeyType.ED25519:
            private = ed25519.Ed25519PrivateKey.generate()
        else:
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = private.public_key()
        return cls(
            kid=jwk_thumbprint(_public_jwk(public)),
            type=key_type,
            created_at=created_at,
            public_key=public,
            private_key=private,
        )

    @property
    def alg(self) -> str:
        """The JOSE algorithm: ``EdDSA`` or ``RS256``."""
        return self.type.value

    def public_jwk(self) -> dict[str, str]:
        """The public key as a JWK with ``kid``, ``alg`` and ``use``."""
        return {**_public_jwk(self.public_key), "kid": self.kid, "alg": self.alg, "use": "sig"}

    @property
    def multibase(self) -> str:
        """The Ed25519 public key as a Multikey ``publicKeyMultibase`` (``z6Mk...``)."""
        if not isinstance(self.public_key, ed25519.Ed25519PublicKey):
            raise SigningError(f"key {self.kid} is RSA; only Ed25519 keys have a Multikey form")
        raw = self.public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return "z" + base58.b58encode(_ED25519_MULTICODEC + raw).decode()

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` (Ed25519, or RSASSA-PKCS1-v1_5 with SHA-256).

        Raises:
            SigningError: only the public half of this key is known.
        """
        key = self.private_key
        if key is None:
            raise SigningError(f"key {self.kid} has no private key here; it cannot sign")
        if isinstance(key, ed25519.Ed25519PrivateKey):
            return key.sign(data)
        return key.sign(data, _PKCS1, _SHA256)

    def verify(self, signature: bytes, data: bytes) -> bool:
        """Whether ``signature`` over ``data`` was made with this key."""
        return verify_signature(self.public_key, signature, data)


def verify_signature(public: PublicKey, signature: bytes, data: bytes) -> bool:
    """Whether ``signature`` over ``data`` verifies with ``public``."""
    try:
        if isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(signature, data)
        else:
            public.verify(signature, data, _PKCS1, _SHA256)
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True, slots=True)
class KeyRing:
    """The issuer's keys, oldest first. The newest key of a type signs."""

    keys: tuple[IssuerKey, ...] = ()

    @classmethod
    def generate(cls, created_at: datetime) -> KeyRing:
        """A new ring with one Ed25519 and one RSA-2048 key."""
        return cls(
            (
                IssuerKey.generate(KeyType.ED25519, created_at),
                IssuerKey.generate(KeyType.RSA, created_at),
            )
        )

    def rotate(self, created_at: datetime) -> KeyRing:
        """A ring with a new key of each type added; old keys stay published."""
        return replace(self, keys=self.keys + KeyRing.generate(created_at).keys)

    def current(self, key_type: KeyType) -> IssuerKey:
        """The newest key of ``key_type`` that can sign.

        Raises:
            SigningError: the ring holds no such private key.
        """
        for key in reversed(self.keys):
            if key.type is key_type and key.private_key is not None:
                return key
        raise SigningError(
            f"The issuer has no {key_type.value} signing key; run `mcembed issuer rotate-key`."
        )

    def find(self, kid: str) -> IssuerKey | None:
        for key in self.keys:
            if key.kid == kid:
                return key
        return None

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """Every public key as a JSON Web Key Set (old keys included)."""
        return {"keys": [k.public_jwk() for k in self.keys]}


def _private_pem(key: PrivateKey, passphrase: bytes | None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def _write_private(path: Path, data: bytes) -> None:
    # O_EXCL + mode 0600 at creation: the key is never readable by others,
    # not even for the moment between writing and a chmod.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def save_keyring(ring: KeyRing, folder: Path, *, passphrase: bytes | None = None) -> None:
    """Write ``ring`` into ``folder``: new private keys once, the public list every time."""
    private_dir = folder / "private"
    private_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    os.chmod(private_dir, 0o700)
    for key in ring.keys:
        path = private_dir / f"{key.kid}.pem"
        if key.private_key is not None and not path.exists():
            _write_private(path, _private_pem(key.private_key, passphrase))
    listing = [
        {
            "kid": k.kid,
            "type": k.type.value,
            "created_at": k.created_at.isoformat(),
            "jwk": _public_jwk(k.public_key),
        }
        for k in ring.keys
    ]
    temp = folder / "keys.json.part"
    temp.write_text(json.dumps(listing, indent=2) + "\n")
    temp.replace(folder / "keys.json")


def load_keyring(folder: Path, *, passphrase: bytes | None = None) -> KeyRing:
    """Read the ring ``save_keyring`` wrote.

    Raises:
        ConfigError: there are no keys, a private key file is readable by
            others, or it cannot be decrypted.
    """
    listing_path = folder / "keys.json"
    if not listing_path.exists():
        raise ConfigError(f"No issuer keys in {folder}; create them with `mcembed issuer init`.")
    keys: list[IssuerKey] = []
    for entry in json.loads(listing_path.read_text()):
        public = public_from_jwk(entry["jwk"])
        private: PrivateKey | None = None
        path = folder / "private" / f"{entry['kid']}.pem"
        if path.exists():
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                raise ConfigError(
                    f"The private key {path} can be read by other users (mode {mode:o}); "
                    f"run `chmod 600 {path}`."
                )
            try:
                loaded = serialization.load_pem_private_key(path.read_bytes(), passphrase)
            except (TypeError, ValueError) as e:
                raise ConfigError(
                    f"Cannot read the private key {path}: {e} "
                    "(is MCEMBED_ISSUER_KEY_PASSPHRASE right?)"
                ) from None
            if not isinstance(loaded, ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey):
                raise ConfigError(f"{path} is not an Ed25519 or RSA private key")
            private = loaded
        keys.append(
            IssuerKey(
                kid=entry["kid"],
                type=KeyType(entry["type"]),
                created_at=datetime.fromisoformat(entry["created_at"]),
                public_key=public,
                private_key=private,
            )
        )
    return KeyRing(tuple(keys))
