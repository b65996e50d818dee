"""A completed stack as a Comprehensive Learner Record 2.0 ``ClrCredential``.

The record bundles the Open Badges 3.0 credentials of a stack and of the
credentials that earned it (``credentialSubject.verifiableCredential``, each
as it was signed), lists their achievements, and says that the stack's
achievement is the parent of each of its members' (``association``,
``isParentOf``). The structure follows the CLR 2.0 data model
(``ClrCredential``, ``ClrSubject``, ``Association``) and its JSON-LD context
``context-2.0.1.json``.

``clr_credential`` builds the unsigned document. Signing it (Data Integrity
and/or VC-JWT, like the badges) is a ``ClrSigner``'s job: the issuer's keys
live with the badges, which provide one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

__all__ = [
    "CLR_CONTEXTS",
    "CLR_SCHEMA_URL",
    "ClrSigner",
    "achievement_id",
    "clr_credential",
]

CONTEXT_VC2 = "https://www.w3.org/ns/credentials/v2"
CONTEXT_CLR2 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
CONTEXT_OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXT_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
CLR_CONTEXTS: tuple[str, ...] = (CONTEXT_VC2, CONTEXT_CLR2, CONTEXT_OB3, CONTEXT_EXTENSIONS)
CLR_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
)
SCHEMA_VALIDATOR = "1EdTechJsonSchemaValidator2019"


class ClrSigner(Protocol):
    """Secures a ``ClrCredential`` with the issuer's proofs.

    Returns the documents to hand out, as a ``Recognizer`` does for an award:
    ``credential`` (the document with its embedded proof) and/or ``jwt``.
    """

    def sign_clr(self, document: Mapping[str, Any]) -> Mapping[str, Any]: ...


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def achievement_id(document: Mapping[str, Any]) -> str:
    """The id of the achievement an Open Badges 3.0 credential is about.

    Raises:
        ValueError: the document is not an OB 3.0 credential with an achievement id.
    """
    if "VerifiableCredential" not in _types(document.get("type")):
        raise ValueError("not a verifiable credential: 'type' lacks 'VerifiableCredential'")
    subject = document.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    ident = achievement.get("id") if isinstance(achievement, Mapping) else None
    if not isinstance(ident, str) or not ident:
        raise ValueError("the credential has no 'credentialSubject.achievement.id'")
    return ident


def clr_credential(
    *,
    id: str,
    name: str,
    stack_credential: Mapping[str, Any],
    member_credentials: Sequence[Mapping[str, Any]],
    valid_from: datetime,
    description: str = "",
    partial: bool = False,
) -> dict[str, Any]:
    """The unsigned ``ClrCredential`` of a completed stack.

    Args:
        id: the record's URI (``urn:uuid:...`` or a URL of the instance).
        name: e.g. "Instructional Leadership: learner record of Lee Learner".
        stack_credential: the stack award's OB 3.0 credential (as signed); its
            issuer issues the record and its subject's ``id``/``identifier``
            name the learner.
        member_credentials: the OB 3.0 credentials of the stack's members the
            learner holds (as signed), in the stack's order.
        valid_from: when the record is issued.
        partial: the record leaves out achievements the learner holds.

    Raises:
        ValueError: a credential is not OB 3.0 with an achievement id, names
            the same achievement twice, or has no issuer.
    """
    if not member_credentials:
        raise ValueError("a learner record of a stack needs the credentials that earned it")
    parent = achievement_id(stack_credential)
    issuer = stack_credential.get("issuer")
    if not issuer:
        raise ValueError("the stack's credential has no issuer")
    achievements: list[Any] = [stack_credential["credentialSubject"]["achievement"]]
    seen = {parent}
    associations = []
    for n, member in enumerate(member_credentials):
        try:
            child = achievement_id(member)
        except ValueError as e:
            raise ValueError(f"member credential {n + 1}: {e}") from None
        if child in seen:
            raise ValueError(f"member credential {n + 1}: achievement {child!r} is listed twice")
        seen.add(child)
        achievements.append(member["credentialSubject"]["achievement"])
        associations.append(
            {
                "type": "Association",
                "associationType": "isParentOf",
                "sourceId": parent,
                "targetId": child,
            }
        )
    learner = stack_credential["credentialSubject"]
    subject: dict[str, Any] = {"type": ["ClrSubject"]}
    if learner.get("id"):
        subject["id"] = learner["id"]
    if learner.get("identifier"):
        subject["identifier"] = learner["identifier"]
    subject["achievement"] = achievements
    subject["verifiableCredential"] = [dict(stack_credential), *map(dict, member_credentials)]
    subject["association"] = associations
    document: dict[str, Any] = {
        "@context": list(CLR_CONTEXTS),
        "id": id,
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": issuer,
        "name": name,
    }
    if description:
        document["description"] = description
    document["validFrom"] = _iso(valid_from)
    awarded = stack_credential.get("validFrom") or stack_credential.get("awardedDate")
    if isinstance(awarded, str):
        document["awardedDate"] = awarded
    if partial:
        document["partial"] = True
    document["credentialSubject"] = subject
    document["credentialSchema"] = [{"id": CLR_SCHEMA_URL, "type": SCHEMA_VALIDATOR}]
    return document
