"""Verifying a credential: JSON, a VC-JWT, or a PNG or SVG with one baked in.

``Verifier.verify`` runs every check and reports each one in plain words
(``Verification.checks``): the format, the baked copy against the hosted
one, the Open Badges 3.0 JSON Schema, the issuer's key, the proof, the JWT
claims, the validity dates and the revocation status. Nothing from the
document runs: the input is size-capped, JSON-LD contexts come only from
the pinned allow-list, and fetches (issuer keys, status lists) go through
the outbound fetcher (``mcembed.fetching``): public https addresses only,
size-capped and time-limited.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import base58

from ..clock import Clock, SystemClock
from ..codec import parse_json
from ..errors import BadgeError, ValidationError, excerpt
from .baking import BakedCredential, image_kind, unbake
from .contexts import UnknownContext
from .jws import CompactJws, algorithm_for, is_compact, parse_compact, verify_compact
from .keys import PublicKey, verify_signature
from .resolve import Fetcher, KeyResolver, https_fetch, https_fetcher
from .schemas import validate_schema
from .signing import CRYPTOSUITE, Canonicalizer, canonical_hash_data, default_canonicalizer
from .status import find_revocation

__all__ = [
    "Check",
    "Fetcher",
    "KeyResolver",
    "Verification",
    "Verifier",
    "https_fetch",
    "https_fetcher",
    "validate_schema",
]

MAX_DOCUMENT_BYTES = 1024 * 1024
_JWT_CLAIMS = ("iss", "jti", "sub", "nbf", "exp", "iat")


@dataclass(frozen=True, slots=True)
class Check:
    """One check: its name, whether it passed (None: not applicable), and why."""

    name: str
    passed: bool | None
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Verification:
    """Every check on one credential, and the credential as read."""

    checks: tuple[Check, ...]
    credential: Mapping[str, Any] | None = None
    status: str = "invalid"

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    def check(self, name: str) -> Check | None:
        for c in self.checks:
            if c.name == name:
                return c
        return None

    def to_data(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "valid": self.valid,
            "status": self.status,
            "id": (self.credential or {}).get("id"),
            "checks": [
                {"name": c.name, "passed": c.passed, "message": c.message} for c in self.checks
            ],
        }


class _Failed(Exception):
    def __init__(self, check: Check) -> None:
        self.check = check


def _json(text: str | bytes, what: str) -> Any:
    try:
        return parse_json(text, what=what)
    except ValidationError as e:
        raise BadgeError(str(e).removesuffix(".")) from None


def _parse_date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _without_claims(credential: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in credential.items() if k not in _JWT_CLAIMS}


def _as_credential(body: bytes) -> dict[str, Any] | None:
    """A hosted copy (JSON or a JWT) as the credential it carries, unverified."""
    text = body.decode("utf-8", "replace").strip()
    try:
        found = parse_compact(text).json_payload() if is_compact(text) else parse_json(text)
    except (BadgeError, ValidationError):
        return None
    return _without_claims(found) if isinstance(found, dict) else None


def _issuer_id(credential: Mapping[str, Any]) -> str:
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    if not isinstance(issuer, str):
        raise _Failed(Check("issuer key", False, "The credential names no issuer id."))
    return issuer


@dataclass
class _Run:
    checks: list[Check] = field(default_factory=list)
    credential: Mapping[str, Any] | None = None
    jwt: str | None = None
    token: CompactJws | None = None
    baked: BakedCredential | None = None

    def add(self, name: str, passed: bool | None, message: str) -> None:
        self.checks.append(Check(name, passed, message))


class Verifier:
    """Verifies Open Badges 3.0 credentials.

    Args:
        resolver: finds issuer keys (default: fetch over https).
        fetch: reads status lists and hosted credentials (default: https; None: offline).
        clock: the time validity dates are checked against.
        canonicalizer: for Data Integrity proofs (default: the shipped contexts).
        status_ttl: seconds a fetched status list is reused.
    """

    def __init__(
        self,
        resolver: KeyResolver | None = None,
        *,
        fetch: Fetcher | None = https_fetch,
        clock: Clock | None = None,
        canonicalizer: Canonicalizer | None = None,
        status_ttl: float = 60.0,
    ) -> None:
        self.fetch = fetch
        self.resolver = resolver or KeyResolver(fetch)
        self.clock = clock or SystemClock()
        self.canonicalizer = canonicalizer
        self.status_ttl = status_ttl
        self._lists: dict[str, tuple[float, Mapping[str, Any]]] = {}

    def verify(self, source: bytes | str | Mapping[str, Any]) -> Verification:
        """Run every check on ``source``: JSON, a JWT, or PNG/SVG bytes. Never raises
        for a bad credential; the checks say what is wrong."""
        run = _Run()
        try:
            self._read(run, source)
            self._checks(run)
        except _Failed as failed:
            run.checks.append(failed.check)
        return Verification(
            checks=tuple(run.checks), credential=run.credential, status=self._status(run)
        )

    # --- reading -----------------------------------------------------------------

    def _read(self, run: _Run, source: bytes | str | Mapping[str, Any]) -> None:
        if isinstance(source, Mapping):
            run.credential = source
            run.add("format", True, "Open Badges 3.0 credential (JSON).")
            return
        data = source.encode() if isinstance(source, str) else source
        if len(data) > MAX_DOCUMENT_BYTES * 8:
            raise _Failed(Check("format", False, "The file is too large to be a badge."))
        text: str
        kind = image_kind(data)
        if kind is not None:
            try:
                baked = unbake(data)
            except BadgeError as e:
                raise _Failed(Check("format", False, str(e))) from None
            if baked is None:
                raise _Failed(
                    Check("format", False, f"This {kind.upper()} image carries no credential.")
                )
            if baked.version != "3.0":
                raise _Failed(
                    Check(
                        "format",
                        False,
                        "This image carries an Open Badges 2.0 assertion; "
                        "it is verified by fetching its hosted copy, not here.",
                    )
                )
            run.baked = baked
            text = baked.text
        else:
            if len(data) > MAX_DOCUMENT_BYTES:
                raise _Failed(Check("format", False, "The credential is larger than 1 MiB."))
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise _Failed(
                    Check("format", False, "This is neither a credential nor a badge image.")
                ) from None
        text = text.strip()
        where = f" baked into a {run.baked.image.upper()} image" if run.baked else ""
        if is_compact(text):
            run.jwt = text
            try:
                run.token = parse_compact(text)
                credential = run.token.json_payload()
            except BadgeError as e:
                raise _Failed(Check("format", False, f"This JWT cannot be read: {e}.")) from None
            if not isinstance(credential, dict):
                raise _Failed(Check("format", False, "The JWT payload is not a credential."))
            run.credential = credential
            run.add("format", True, f"Open Badges 3.0 credential secured as a VC-JWT{where}.")
            return
        if not text.startswith(("{", "[")):
            raise _Failed(
                Check(
                    "format",
                    False,
                    "This is neither a credential (JSON or a JWT) nor a PNG or SVG badge image.",
                )
            )
        try:
            credential = _json(text, "The credential")
        except BadgeError as e:
            raise _Failed(Check("format", False, str(e))) from None
        if not isinstance(credential, dict):
            raise _Failed(Check("format", False, "This JSON is not a credential."))
        run.credential = credential
        run.add("format", True, f"Open Badges 3.0 credential (JSON){where}.")

    # --- checks --------------------------------------------------------------------

    def _checks(self, run: _Run) -> None:
        credential = run.credential
        assert credential is not None
        self._baked_copy(run)
        problem = validate_schema(credential)
        if problem:
            run.add("schema", False, f"It does not follow the Open Badges 3.0 schema: {problem}.")
        else:
            run.add("schema", True, "It follows the Open Badges 3.0 schema.")
        issuer = _issuer_id(credential)
        proved = False
        if run.jwt is not None:
            proved = self._jwt_proof(run, issuer)
        if "proof" in credential:
            proved = self._data_integrity(run, issuer) or proved
        elif run.jwt is None:
            run.add(
                "proof", False, "The credential carries no proof: anyone could have written it."
            )
        if proved:
            self._dates(run)
            self._revocation(run, issuer)

    def _baked_copy(self, run: _Run) -> None:
        if run.baked is None:
            return
        credential_id = (run.credential or {}).get("id")
        # an offline issuer's credential ids are urn:uuid URNs: nothing hosts them
        if (
            not isinstance(credential_id, str)
            or not credential_id.startswith(("https://", "http://"))
            or self.fetch is None
        ):
            run.add("baked copy", None, "No hosted copy to compare the baked one with.")
            return
        try:
            hosted = self.fetch(credential_id).strip()
        except BadgeError as e:
            run.add("baked copy", None, f"The hosted copy could not be read ({e}).")
            return
        same = hosted.decode("utf-8", "replace") == run.baked.text.strip()
        if not same:
            same = _as_credential(hosted) == _without_claims(run.credential or {})
        if same:
            run.add("baked copy", True, "The baked copy is the same as the one the issuer hosts.")
        else:
            run.add(
                "baked copy",
                False,
                "The baked copy differs from the one the issuer hosts at its id.",
            )

    def _key(self, run: _Run, method: Any, issuer: str) -> PublicKey | None:
        if not isinstance(method, str):
            run.add("issuer key", False, "The proof does not say which key signed it.")
            return None
        try:
            key = self.resolver.resolve(method, issuer)
        except (BadgeError, ValueError) as e:
            run.add("issuer key", False, f"The issuer's key could not be found: {e}.")
            return None
        if not any(c.name == "issuer key" and c.passed for c in run.checks):
            run.add("issuer key", True, f"Signed with a key the issuer {issuer} publishes.")
        return key

    def _jwt_proof(self, run: _Run, issuer: str) -> bool:
        token = run.token
        assert token is not None
        key = self._key(run, token.header.get("kid"), issuer)
        if key is None:
            return False
        try:
            good = verify_compact(token, key)
        except BadgeError as e:
            run.add("proof", False, f"The VC-JWT cannot be checked: {e}.")
            return False
        if not good:
            run.add(
                "proof",
                False,
                "The VC-JWT signature does not match: the credential was "
                "changed after it was signed, or signed with another key.",
            )
            return False
        run.add("proof", True, f"The VC-JWT signature ({algorithm_for(key)}) is valid.")
        return self._claims(run)

    def _claims(self, run: _Run) -> bool:
        from .signing import jwt_claims

        credential = run.credential
        assert credential is not None
        try:
            expected = jwt_claims(credential)
        except (KeyError, TypeError, ValueError):
            run.add("claims", False, "The JWT claims cannot be compared with the credential.")
            return False
        wrong = [
            name
            for name in ("iss", "jti", "sub", "nbf", "exp")
            if credential.get(name) != expected.get(name)
        ]
        if wrong:
            run.add(
                "claims",
                False,
                f"The JWT claims {', '.join(wrong)} do not match the credential's fields.",
            )
            return False
        run.add("claims", True, "The JWT claims match the credential's fields.")
        return True

    def _data_integrity(self, run: _Run, issuer: str) -> bool:
        credential = run.credential
        assert credential is not None
        proofs = credential["proof"]
        if isinstance(proofs, Mapping):
            proofs = [proofs]
        if not isinstance(proofs, list):
            run.add("proof", False, "The proof is neither an object nor a list.")
            return False
        ours = [
            p
            for p in proofs
            if isinstance(p, Mapping)
            and p.get("type") == "DataIntegrityProof"
            and p.get("cryptosuite") == CRYPTOSUITE
        ]
        if len(ours) != 1 or len(proofs) != 1:
            run.add("proof", False, "Expected exactly one eddsa-rdfc-2022 Data Integrity proof.")
            return False
        proof = ours[0]
        if proof.get("proofPurpose") != "assertionMethod":
            run.add("proof", False, "The proof's purpose is not assertionMethod.")
            return False
        value = proof.get("proofValue")
        try:
            if not isinstance(value, str) or not value.startswith("z"):
                raise ValueError
            signature = base58.b58decode(value[1:])
        except ValueError:
            run.add("proof", False, "The proof value is not a base58btc signature.")
            return False
        key = self._key(run, proof.get("verificationMethod"), issuer)
        if key is None:
            return False
        if run.jwt is not None:
            # the JWT's registered claims sit beside the credential's members
            # but are not part of what the embedded proof signed
            credential = {k: v for k, v in credential.items() if k not in _JWT_CLAIMS}
        config = {k: v for k, v in proof.items() if k != "proofValue"}
        config["@context"] = credential.get("@context")
        try:
            data = canonical_hash_data(
                credential, config, self.canonicalizer or default_canonicalizer()
            )
        except UnknownContext as e:
            run.add("proof", False, f"The credential's JSON-LD cannot be checked: {e}")
            return False
        if not verify_signature(key, signature, data):
            run.add(
                "proof",
                False,
                "The Data Integrity proof does not match: the credential was "
                "changed after it was signed, or signed with another key.",
            )
            return False
        run.add("proof", True, "The Data Integrity proof (eddsa-rdfc-2022) is valid.")
        return True

    def _dates(self, run: _Run) -> None:
        credential = run.credential
        assert credential is not None
        now = self.clock.now()
        valid_from = _parse_date(credential.get("validFrom"))
        valid_until = _parse_date(credential.get("validUntil"))
        if valid_from is None:
            run.add("validity dates", False, "The credential has no readable validFrom date.")
        elif now < valid_from:
            run.add(
                "validity dates",
                False,
                f"Not valid yet: it becomes valid on {valid_from:%Y-%m-%d}.",
            )
        elif valid_until is not None and now >= valid_until:
            run.add("validity dates", False, f"Expired on {valid_until:%Y-%m-%d}.")
        elif "validUntil" in credential and valid_until is None:
            run.add("validity dates", False, "The validUntil date cannot be read.")
        elif valid_until is not None:
            run.add(
                "validity dates",
                True,
                f"Valid from {valid_from:%Y-%m-%d} until {valid_until:%Y-%m-%d}.",
            )
        else:
            run.add(
                "validity dates", True, f"Valid since {valid_from:%Y-%m-%d}; it does not expire."
            )

    def _revocation(self, run: _Run, issuer: str) -> None:
        credential = run.credential
        assert credential is not None
        status = credential.get("credentialStatus")
        if status is None:
            run.add("revocation", True, "The issuer publishes no revocation list for it.")
            return
        if not isinstance(status, Mapping) or status.get("type") != "1EdTechRevocationList":
            kind = status.get("type") if isinstance(status, Mapping) else status
            run.add(
                "revocation", False, f"The revocation method {excerpt(kind)} is not supported here."
            )
            return
        url = status.get("id")
        if not isinstance(url, str) or self.fetch is None:
            run.add("revocation", False, "The revocation list could not be checked (offline).")
            return
        try:
            document = self._status_list(url, issuer)
        except BadgeError as e:
            run.add("revocation", False, f"The revocation list could not be checked: {e}.")
            return
        entry = find_revocation(document, str(credential.get("id")))
        if entry is not None:
            reason = entry.get("revocationReason") or "no reason given"
            run.add("revocation", False, f"Revoked by the issuer: {reason}.")
        else:
            run.add("revocation", True, "Not revoked (checked the issuer's revocation list).")

    def _status_list(self, url: str, issuer: str) -> Mapping[str, Any]:
        cached = self._lists.get(url)
        if cached is not None and time.monotonic() - cached[0] < self.status_ttl:
            return cached[1]
        assert self.fetch is not None
        body = self.fetch(url).strip()
        text = body.decode("utf-8", "replace")
        if not is_compact(text):
            raise BadgeError("the revocation list is not signed by the issuer")
        token = parse_compact(text)
        key = self.resolver.resolve(str(token.header.get("kid")), issuer)
        if not verify_compact(token, key):
            raise BadgeError("the revocation list's signature is not valid")
        payload = token.payload
        document = _json(payload, "the revocation list")
        if not isinstance(document, dict) or document.get("id") != url:
            raise BadgeError("the revocation list is not the one the credential names")
        if document.get("issuer") != issuer:
            raise BadgeError("the revocation list belongs to another issuer")
        self._lists[url] = (time.monotonic(), document)
        return document

    @staticmethod
    def _status(run: _Run) -> str:
        if any(c.passed is False for c in run.checks):
            for c in run.checks:
                if c.name == "revocation" and c.passed is False and c.message.startswith("Revoked"):
                    return "revoked"
                if c.name == "validity dates" and c.passed is False:
                    return "expired" if c.message.startswith("Expired") else "not yet valid"
            return "invalid"
        if not any(c.name == "proof" and c.passed for c in run.checks):
            return "invalid"
        return "valid"
