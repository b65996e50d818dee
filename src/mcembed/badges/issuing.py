"""Issuing: the ``Recognizer`` that signs every award, and the instance's issuer.

``BadgeRecognizer`` is what ``Service(recognizer=...)`` calls inside an
award's transaction: it builds the ``OpenBadgeCredential`` and secures it
with the issuer's proof formats (Data Integrity first, so that a VC-JWT of
the same credential carries the embedded proof too, as OB 3.0 §8 describes).
The award's ``documents`` then hold ``credential`` (the JSON) and ``jwt``.

``init_issuer``, ``rotate_issuer_key`` and ``load_issuer`` manage the issuer
kept in the instance folder (``keys/``); ``open_recognizer`` is what
``mcembed.open_service`` uses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..awards import Award, AwardStatus
from ..clock import Clock, SystemClock
from ..config import Settings
from ..credentials import Credential
from ..errors import ConfigError, Conflict, SigningError
from ..people import Person
from ..stacks import Stack
from ..storage.base import AwardFilter, Store
from .issuers import (
    IdentityKind,
    IssuerIdentity,
    IssuerProfile,
    ProofFormat,
    load_profile,
    save_profile,
)
from .keys import KeyRing, KeyType, load_keyring, save_keyring
from .openbadges import CredentialBuilder, PublicUrls
from .signing import Canonicalizer, add_data_integrity_proof, sign_jwt
from .status import revocation_list, signed_revocation_list
from .verify import Fetcher

__all__ = [
    "BadgeRecognizer",
    "init_issuer",
    "instance_fetcher",
    "instance_revocation_list",
    "keys_dir",
    "load_issuer",
    "open_recognizer",
    "rotate_issuer_key",
]


class BadgeRecognizer:
    """Signs each new award as an Open Badges 3.0 credential.

    Args:
        issuer: the signing identity and its profile (which proofs, which JWT algorithm).
        builder: builds the unsigned credential (default: one for ``issuer``).
        canonicalizer: for Data Integrity proofs (default: the shipped contexts).
        salt: the salt of recipient hashes (default: random per award).
    """

    def __init__(
        self,
        issuer: IssuerIdentity,
        *,
        builder: CredentialBuilder | None = None,
        canonicalizer: Canonicalizer | None = None,
        salt: Callable[[Award], str] | None = None,
    ) -> None:
        self.issuer = issuer
        self.builder = builder or CredentialBuilder(issuer, salt=salt)
        self.canonicalizer = canonicalizer
        proofs = issuer.profile.proofs
        self._jwt_key = (
            issuer.signing_key(issuer.profile.jwt_alg) if ProofFormat.VC_JWT in proofs else None
        )
        self._di_key = (
            issuer.signing_key(KeyType.ED25519) if ProofFormat.DATA_INTEGRITY in proofs else None
        )

    @property
    def urls(self) -> PublicUrls:
        return self.builder.urls

    def recognize(
        self, award: Award, definition: Credential | Stack, learner: Person
    ) -> dict[str, Any]:
        """The signed documents of ``award``: ``credential`` and/or ``jwt``."""
        credential = self.builder.build(award, definition, learner)
        if self._di_key is not None:
            credential = add_data_integrity_proof(
                credential,
                self._di_key,
                verification_method=self.issuer.verification_method(self._di_key),
                created=award.issued_at,
                canonicalizer=self.canonicalizer,
            )
        documents: dict[str, Any] = {"credential": credential}
        if self._jwt_key is not None:
            documents["jwt"] = sign_jwt(
                credential, self._jwt_key, kid=self.issuer.verification_method(self._jwt_key)
            )
        return documents


    def sign_clr(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """A CLR 2.0 learner record secured as a VC-JWT (``jwt``), beside the
        document itself (``credential``).

        The record gets no Data Integrity proof: that would need the CLR 2.0
        JSON-LD context, which is not among the pinned contexts, and contexts
        are never fetched on a document's say-so. A VC-JWT needs no JSON-LD.

        Raises:
            SigningError: the instance's issuer signs no VC-JWTs (its profile
                asks for Data Integrity proofs only).
        """
        if self._jwt_key is None:
            raise SigningError(
                "Learner records are signed as VC-JWTs, and this issuer's profile issues "
                "Data Integrity proofs only; add vc-jwt to its proofs."
            )
        jwt = sign_jwt(document, self._jwt_key, kid=self.issuer.verification_method(self._jwt_key))
        return {"credential": dict(document), "jwt": jwt}


def keys_dir(settings: Settings) -> Path:
    """The instance's ``keys/`` folder (issuer profile and key files)."""
    return settings.instance / "keys"


def _passphrase(settings: Settings) -> bytes | None:
    return settings.issuer_key_passphrase.encode() if settings.issuer_key_passphrase else None


def init_issuer(
    settings: Settings, profile: IssuerProfile, *, clock: Clock | None = None
) -> IssuerIdentity:
    """Create the instance's issuer: its profile and a new key ring.

    Raises:
        Conflict: the instance already has an issuer (rotate its keys instead).
    """
    folder = keys_dir(settings)
    if (folder / "issuer.json").exists() or (folder / "keys.json").exists():
        raise Conflict(
            f"{folder} already holds an issuer; use `mcembed issuer rotate-key` for new keys."
        )
    now = (clock or SystemClock()).now()
    ring = KeyRing.generate(now)
    save_keyring(ring, folder, passphrase=_passphrase(settings))
    save_profile(profile, folder)
    return IssuerIdentity(profile, ring)


def load_issuer(settings: Settings) -> IssuerIdentity:
    """The instance's issuer.

    Raises:
        ConfigError: there is no issuer yet, or its keys cannot be read.
    """
    folder = keys_dir(settings)
    return IssuerIdentity(
        load_profile(folder), load_keyring(folder, passphrase=_passphrase(settings))
    )


def rotate_issuer_key(settings: Settings, *, clock: Clock | None = None) -> IssuerIdentity:
    """Add a new key of each type; the old public keys stay published.

    Raises:
        ConfigError: there is no issuer, or it is a did:key issuer (the key is its id).
    """
    issuer = load_issuer(settings)
    if issuer.profile.identity is IdentityKind.DID_KEY:
        raise ConfigError(
            "A did:key issuer is its key: rotating would change the issuer's id. "
            "Create a new instance issuer, or use https or did:web."
        )
    ring = issuer.keys.rotate((clock or SystemClock()).now())
    save_keyring(ring, keys_dir(settings), passphrase=_passphrase(settings))
    return IssuerIdentity(issuer.profile, ring)


def open_recognizer(settings: Settings) -> BadgeRecognizer | None:
    """The recognizer of the instance's issuer, or None when it has none yet."""
    if not (keys_dir(settings) / "issuer.json").exists():
        return None
    return BadgeRecognizer(load_issuer(settings))


def instance_revocation_list(
    store: Store, issuer: IssuerIdentity, *, clock: Clock | None = None
) -> tuple[dict[str, Any], str]:
    """The instance's revocation list now: the JSON and its signed (JWS) form.

    The web tool serves the signed form at ``/status/<slug>``.
    """
    with store.transaction() as tx:
        revoked = tx.list_awards(AwardFilter(status=AwardStatus.REVOKED, limit=10_000_000)).items
    document = revocation_list(issuer, revoked, now=(clock or SystemClock()).now())
    return document, signed_revocation_list(issuer, document)


def instance_fetcher(
    store: Store,
    issuer: IssuerIdentity,
    *,
    fallback: Fetcher | None = None,
    clock: Clock | None = None,
) -> Fetcher:
    """A fetcher that answers this instance's own public URLs (its revocation
    list, its credentials) from the database, and others with ``fallback``."""
    from ..errors import BadgeError

    urls = PublicUrls(issuer.profile.base_url, issuer.profile.slug)
    status_url = urls.status_list()
    prefix = urls.credential("")

    def fetch(url: str) -> bytes:
        if status_url and url == status_url:
            return instance_revocation_list(store, issuer, clock=clock)[1].encode()
        if prefix.startswith("http") and url.startswith(prefix):
            with store.transaction() as tx:
                award = tx.find_award(url.removeprefix(prefix))
            if award is not None and award.documents:
                token = award.documents.get("jwt")
                if isinstance(token, str):
                    return token.encode()
                import orjson

                return orjson.dumps(award.documents.get("credential"))
        if fallback is None:
            raise BadgeError(f"{url} is not this instance's and fetching is off")
        return fallback(url)

    return fetch
