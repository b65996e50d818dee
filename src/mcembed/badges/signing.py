"""Securing credentials: VC-JWT (compact JWS) and Data Integrity ``eddsa-rdfc-2022``.

VC-JWT (Open Badges 3.0 §8.2): the JWT payload *is* the credential, with the
registered claims ``iss``, ``jti``, ``sub``, ``nbf`` and ``exp`` set from its
fields; the header holds only ``alg``, ``kid`` and ``typ``. ``RS256`` and
``EdDSA``. It needs no JSON-LD and runs offline. The compact form is built
here with ``cryptography`` directly (JWS compact serialisation is two base64
strings and a signature), because signing is the hot path of a bulk award;
verification parses untrusted tokens and uses ``joserfc`` (``verify.py``).

Data Integrity (W3C vc-di-eddsa, ``eddsa-rdfc-2022``): the document without
its proof and the proof options are each canonicalised with RDFC-1.0 (pyld),
hashed with SHA-256, and the concatenation (proof options first) is signed
with Ed25519; the proof is added as an array, as the OB 3.0 schema wants.
JSON-LD context processing dominates that work, so processed contexts are
memoised across documents (``rdfc.MemoProcessor``), and the canonical form of the
proof options is computed once per verification method and reused with only
its ``created`` date replaced.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import base58
import orjson
import pybase64

from ..errors import SigningError, excerpt
from .contexts import PINNED, ContextLoader, UnknownContext
from .keys import IssuerKey, KeyType

__all__ = [
    "CRYPTOSUITE",
    "Canonicalizer",
    "add_data_integrity_proof",
    "canonical_hash_data",
    "default_canonicalizer",
    "jwt_claims",
    "sign_jwt",
]

CRYPTOSUITE = "eddsa-rdfc-2022"
_HEADERS: dict[tuple[str, str], bytes] = {}


def _b64u(data: bytes) -> bytes:
    # pybase64 (SIMD) encodes a 6 KB credential in 2 us where the standard
    # library takes 15: a fifth of an Ed25519 signature
    return pybase64.urlsafe_b64encode(data).rstrip(b"=")


def _seconds(value: str) -> int:
    return int(datetime.fromisoformat(value).timestamp())


def jwt_claims(credential: Mapping[str, Any]) -> dict[str, Any]:
    """The registered JWT claims OB 3.0 derives from a credential's fields."""
    issuer = credential["issuer"]
    claims: dict[str, Any] = {
        "iss": issuer["id"] if isinstance(issuer, Mapping) else issuer,
        "jti": credential["id"],
        "nbf": _seconds(credential["validFrom"]),
    }
    subject = credential.get("credentialSubject", {})
    if isinstance(subject, Mapping) and "id" in subject:
        claims["sub"] = subject["id"]
    if "validUntil" in credential:
        claims["exp"] = _seconds(credential["validUntil"])
    return claims


def sign_jwt(credential: Mapping[str, Any], key: IssuerKey, *, kid: str) -> str:
    """The credential as a VC-JWT, signed with ``key`` (``RS256`` or ``EdDSA``).

    Args:
        credential: the (unsigned, or Data Integrity signed) credential.
        key: an issuer key with its private half.
        kid: the verification method id the verifier resolves the key from.

    Raises:
        SigningError: the key cannot sign.
    """
    header = _HEADERS.get((key.alg, kid))
    if header is None:
        header = _b64u(orjson.dumps({"alg": key.alg, "kid": kid, "typ": "JWT"}))
        if len(_HEADERS) > 1000:
            _HEADERS.clear()
        _HEADERS[(key.alg, kid)] = header
    payload = {**credential, **jwt_claims(credential)}
    try:
        signing_input = header + b"." + _b64u(orjson.dumps(payload))
    except TypeError as e:
        raise SigningError(f"The credential is not plain JSON: {e}") from None
    return (signing_input + b"." + _b64u(key.sign(signing_input))).decode()


# --- Data Integrity -------------------------------------------------------------------


class Canonicalizer:
    """RDFC-1.0 canonical N-Quads of JSON-LD documents whose contexts are pinned."""

    def __init__(self, loader: ContextLoader | None = None) -> None:
        self.loader = loader or ContextLoader()
        self._processor: Any = None  # pyld's, made on first use (pyld is slow to import)
        self._lock = threading.Lock()
        self._proof_templates: dict[tuple[Any, ...], tuple[str, str]] = {}

    def check_contexts(self, document: Mapping[str, Any]) -> None:
        """Refuse a document whose ``@context`` is anything but pinned URLs."""
        contexts = document.get("@context")
        if not isinstance(contexts, list) or not contexts:
            raise UnknownContext("The document has no @context list.")
        for c in contexts:
            if not isinstance(c, str) or c not in PINNED:
                raise UnknownContext(
                    f"The @context entry {excerpt(c)} is not an allowed, pinned context URL."
                )

    def canonize(self, document: Mapping[str, Any]) -> str:
        """The canonical N-Quads of ``document``.

        Raises:
            UnknownContext: a context is not pinned, the document is not valid
                JSON-LD, or canonicalising it would take more work than any
                real credential needs (a "poison graph" of symmetric blank nodes).
        """
        self.check_contexts(document)
        options = {
            "documentLoader": self.loader.pyld,
            "extractAllScripts": True,
            "processingMode": "json-ld-1.1",
            "produceGeneralizedRdf": False,
        }
        from pyld.jsonld import JsonLdError

        from .rdfc import MAX_CANONICALIZATION_WORK, BudgetedRdfc, MemoProcessor

        with self._lock:
            if self._processor is None:
                self._processor = MemoProcessor()
            try:
                dataset = self._processor.to_rdf(dict(document), options)
                return str(
                    BudgetedRdfc(MAX_CANONICALIZATION_WORK).main(
                        dataset, {"format": "application/n-quads"}
                    )
                )
            except JsonLdError as e:
                cause: Any = e
                while getattr(cause, "cause", None) is not None:
                    cause = cause.cause
                if isinstance(cause, UnknownContext):
                    raise cause from None
                raise UnknownContext(f"The document is not valid JSON-LD: {e}") from None

    def proof_options_nquads(self, proof_config: Mapping[str, Any]) -> str:
        """Canonical N-Quads of the proof options (with the document's @context).

        The options differ between proofs of one key only in ``created``; the
        canonical form of the rest is computed once and ``created`` put back in.
        A ``created`` that is not a plain UTC date is canonicalised in full.
        """
        created = proof_config.get("created")
        fixed = {k: v for k, v in proof_config.items() if k != "created"}
        key = tuple(sorted((k, repr(v)) for k, v in fixed.items()))
        if not isinstance(created, str) or not _plain_date(created):
            return self.canonize(proof_config)
        template = self._proof_templates.get(key)
        if template is None:
            placeholder = "2000-01-01T00:00:00Z"
            nquads = self.canonize({**fixed, "created": placeholder})
            if nquads.count(f'"{placeholder}"') != 1:
                return self.canonize(proof_config)
            template = (nquads, placeholder)
            self._proof_templates[key] = template
        nquads, placeholder = template
        return nquads.replace(f'"{placeholder}"', f'"{created}"')


def _plain_date(value: str) -> bool:
    return (
        len(value) == 20
        and value.endswith("Z")
        and value[4] == "-"
        and value[10] == "T"
        and value.replace("-", "").replace(":", "").replace("T", "").rstrip("Z").isdigit()
    )


_DEFAULT: Canonicalizer | None = None


def default_canonicalizer() -> Canonicalizer:
    """The process-wide canonicaliser on the shipped contexts."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Canonicalizer()
    return _DEFAULT


def canonical_hash_data(
    document: Mapping[str, Any],
    proof_config: Mapping[str, Any],
    canonicalizer: Canonicalizer | None = None,
) -> bytes:
    """``SHA-256(canonical proof options) || SHA-256(canonical document)``:
    the bytes an ``eddsa-rdfc-2022`` proof signs."""
    c = canonicalizer or default_canonicalizer()
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    doc_hash = hashlib.sha256(c.canonize(unsecured).encode()).digest()
    options_hash = hashlib.sha256(c.proof_options_nquads(proof_config).encode()).digest()
    return options_hash + doc_hash


def add_data_integrity_proof(
    document: Mapping[str, Any],
    key: IssuerKey,
    *,
    verification_method: str,
    created: datetime,
    canonicalizer: Canonicalizer | None = None,
) -> dict[str, Any]:
    """A copy of ``document`` with an ``eddsa-rdfc-2022`` proof (as an array).

    Raises:
        SigningError: the key is not Ed25519, the document already has a
            proof, or it names a context that is not pinned.
    """
    if key.type is not KeyType.ED25519:
        raise SigningError("eddsa-rdfc-2022 needs an Ed25519 key")
    if "proof" in document:
        raise SigningError("The document already carries a proof.")
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    try:
        data = canonical_hash_data(
            document, {**proof, "@context": document.get("@context")}, canonicalizer
        )
    except UnknownContext as e:
        raise SigningError(f"Cannot sign: {e}") from None
    proof["proofValue"] = "z" + base58.b58encode(key.sign(data)).decode()
    return {**document, "proof": [proof]}
