"""The issuer's identity: its profile, how its id resolves, and the documents
that publish its public keys.

Three ways to be identified, none needing a special service:

- ``https``: the id is ``{base}/issuers/{slug}``; the web tool serves
  ``profile_document()`` there (an OB 3.0 ``Profile`` listing every public
  key as a verification method).
- ``did:web``: the id is ``did:web:{host}:issuers:{slug}``, which resolves to
  ``https://{host}/issuers/{slug}/did.json``; serve ``did_document()`` there.
- ``did:key``: the id is the Ed25519 key itself (``did:key:z6Mk...``);
  resolves offline, for workshops without a server. It cannot rotate.

The profile lives in ``issuer.json`` of the instance's ``keys/`` folder.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..errors import ConfigError, ValidationError, excerpt
from .contexts import CONTEXT_OB3, CONTEXT_VC2
from .keys import IssuerKey, KeyRing, KeyType

__all__ = [
    "IdentityKind",
    "IssuerIdentity",
    "IssuerProfile",
    "ProofFormat",
    "load_profile",
    "save_profile",
]

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
JWS2020_CONTEXT = "https://w3id.org/security/suites/jws-2020/v1"


class IdentityKind(StrEnum):
    HTTPS = "https"
    DID_WEB = "did:web"
    DID_KEY = "did:key"


class ProofFormat(StrEnum):
    """How an issued credential is secured (both, by default)."""

    VC_JWT = "vc-jwt"
    DATA_INTEGRITY = "data-integrity"


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuerProfile:
    """Who issues, and how credentials are secured.

    Args:
        name: the organisation's name, shown to holders and verifiers.
        url: its home page.
        email, description, image: optional profile fields (image is a URL).
        identity: how the issuer id resolves.
        base_url: the tool's public URL (needed for https and did:web).
        slug: the issuer's path segment under ``/issuers/``.
        jwt_alg: the VC-JWT algorithm (``RS256`` by default, ``EdDSA``).
        proofs: the proof formats every credential gets.
    """

    name: str
    url: str
    email: str = ""
    description: str = ""
    image: str = ""
    identity: IdentityKind = IdentityKind.HTTPS
    base_url: str = ""
    slug: str = "main"
    jwt_alg: KeyType = KeyType.RSA
    proofs: tuple[ProofFormat, ...] = (ProofFormat.VC_JWT, ProofFormat.DATA_INTEGRITY)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValidationError("An issuer needs a name.")
        if not self.url.startswith(("https://", "http://")):
            raise ValidationError(
                f"The issuer url must be an http(s) URL (got {excerpt(self.url)})."
            )
        needs_base = self.identity is not IdentityKind.DID_KEY
        if needs_base and not (self.base_url.startswith("https://") or _is_local(self.base_url)):
            raise ValidationError(
                f"An issuer identified by {self.identity} needs the tool's public "
                f"https:// base URL (MCEMBED_BASE_URL or --base-url; got "
                f"{self.base_url or 'none'}); use --id did:key for an offline workshop."
            )
        if not self.proofs:
            raise ValidationError("An issuer needs at least one proof format.")


def _is_local(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    return url.startswith("http://") and host in ("localhost", "127.0.0.1")


@dataclass(frozen=True, slots=True)
class IssuerIdentity:
    """An issuer profile with its keys: everything needed to sign and to publish."""

    profile: IssuerProfile
    keys: KeyRing

    @property
    def id(self) -> str:
        """The issuer id written into every credential."""
        p = self.profile
        if p.identity is IdentityKind.DID_KEY:
            return "did:key:" + self._did_key().multibase
        if p.identity is IdentityKind.DID_WEB:
            parts = urllib.parse.urlsplit(p.base_url)
            host = urllib.parse.quote(parts.netloc, safe="")
            path = [s for s in parts.path.split("/") if s]
            return ":".join(["did:web", host, *path, "issuers", p.slug])
        return f"{p.base_url}/issuers/{p.slug}"

    def _did_key(self) -> IssuerKey:
        # the oldest Ed25519 key: a did:key issuer is that key
        for key in self.keys.keys:
            if key.type is KeyType.ED25519:
                return key
        raise ConfigError("A did:key issuer needs an Ed25519 key.")

    def signing_key(self, key_type: KeyType) -> IssuerKey:
        """The key that signs with ``key_type`` now."""
        if self.profile.identity is IdentityKind.DID_KEY:
            if key_type is not KeyType.ED25519:
                raise ConfigError("A did:key issuer signs with Ed25519 (EdDSA) only.")
            return self._did_key()
        return self.keys.current(key_type)

    def verification_method(self, key: IssuerKey) -> str:
        """The id of ``key`` as a verification method of the issuer."""
        if self.profile.identity is IdentityKind.DID_KEY:
            return f"{self.id}#{key.multibase}"
        return f"{self.id}#{key.kid}"

    def verification_methods(self) -> list[dict[str, Any]]:
        """Every public key (old ones too): Ed25519 as Multikey, RSA as JsonWebKey."""
        out: list[dict[str, Any]] = []
        keys = self.keys.keys
        if self.profile.identity is IdentityKind.DID_KEY:
            keys = (self._did_key(),)
        for key in keys:
            method: dict[str, Any] = {
                "id": self.verification_method(key),
                "controller": self.id,
            }
            if key.type is KeyType.ED25519:
                method["type"] = "Multikey"
                method["publicKeyMultibase"] = key.multibase
            else:
                method["type"] = "JsonWebKey"
                method["publicKeyJwk"] = {
                    k: v for k, v in key.public_jwk().items() if k not in ("use",)
                }
            out.append(method)
        return out

    def profile_document(self) -> dict[str, Any]:
        """The OB 3.0 issuer ``Profile`` to serve at the issuer's https id,
        with the public keys (``verificationMethod``) that verify its credentials."""
        p = self.profile
        doc: dict[str, Any] = {
            "@context": [CONTEXT_VC2, CONTEXT_OB3],
            "id": self.id,
            "type": ["Profile"],
            "name": p.name,
            "url": p.url,
        }
        if p.email:
            doc["email"] = p.email
        if p.description:
            doc["description"] = p.description
        if p.image:
            doc["image"] = {"id": p.image, "type": "Image"}
        methods = self.verification_methods()
        doc["verificationMethod"] = methods
        doc["assertionMethod"] = [m["id"] for m in methods]
        return doc

    def did_document(self) -> dict[str, Any]:
        """The DID document of a did:web (serve at ``/issuers/<slug>/did.json``)
        or did:key issuer."""
        methods = self.verification_methods()
        return {
            "@context": [DID_CONTEXT, MULTIKEY_CONTEXT, JWS2020_CONTEXT],
            "id": self.id,
            "verificationMethod": methods,
            "assertionMethod": [m["id"] for m in methods],
            "authentication": [m["id"] for m in methods],
        }

    def profile_ref(self) -> dict[str, Any]:
        """The issuer as embedded in a credential."""
        p = self.profile
        ref: dict[str, Any] = {"id": self.id, "type": ["Profile"], "name": p.name, "url": p.url}
        if p.email:
            ref["email"] = p.email
        if p.image:
            ref["image"] = {"id": p.image, "type": "Image"}
        return ref


def save_profile(profile: IssuerProfile, folder: Path) -> None:
    """Write ``issuer.json`` (replaced atomically)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = asdict(profile)
    data["proofs"] = [str(p) for p in profile.proofs]
    data["identity"] = str(profile.identity)
    data["jwt_alg"] = str(profile.jwt_alg)
    temp = folder / "issuer.json.part"
    temp.write_text(json.dumps(data, indent=2) + "\n")
    temp.replace(folder / "issuer.json")


def load_profile(folder: Path) -> IssuerProfile:
    """Read ``issuer.json``.

    Raises:
        ConfigError: there is none yet, or it is unreadable.
    """
    path = folder / "issuer.json"
    if not path.exists():
        raise ConfigError(f"No issuer profile in {folder}; create it with `mcembed issuer init`.")
    try:
        data = json.loads(path.read_text())
        return IssuerProfile(
            name=data["name"],
            url=data["url"],
            email=data.get("email", ""),
            description=data.get("description", ""),
            image=data.get("image", ""),
            identity=IdentityKind(data.get("identity", "https")),
            base_url=data.get("base_url", ""),
            slug=data.get("slug", "main"),
            jwt_alg=KeyType(data.get("jwt_alg", "RS256")),
            proofs=tuple(ProofFormat(p) for p in data.get("proofs", ("vc-jwt",))),
            extra=data.get("extra", {}),
        )
    except (KeyError, ValueError) as e:
        raise ConfigError(f"{path} cannot be read: {e}") from None
