"""Awards as Open Badges documents (plain dicts).

``CredentialBuilder.build`` turns an ``Award`` and its definition into an Open
Badges 3.0 ``OpenBadgeCredential`` (W3C VC Data Model 2.0): the achievement
(name, description, a criteria narrative written from the evidence
requirements and the rubric, image, alignments, one ``ResultDescription`` per
rubric criterion with its levels), the recipient as a salted hash of their
email, the level achieved per criterion, evidence entries, validity dates,
``credentialStatus`` and ``credentialSchema``. The OB words (Achievement,
AchievementSubject, ResultDescription, RubricCriterionLevel) live only here.

``ob2_assertion`` (``ob2_hosted_assertion`` for a signed award),
``ob2_badge_class`` and ``ob2_issuer`` export the Open Badges 2.0 hosted
documents for backpacks that only read 2.0; ``hosting`` serves them.

Public URLs (the web tool serves them; nothing here needs it running):

| document | URL |
|---|---|
| issuer profile (OB 3.0, JSON) | ``{base}/issuers/{slug}`` |
| issuer (OB 2.0) | ``{base}/issuers/{slug}/ob2`` |
| did:web document | ``{base}/issuers/{slug}/did.json`` |
| credential (award) | ``{base}/credentials/{award_id}`` |
| assertion (OB 2.0) | ``{base}/credentials/{award_id}/ob2`` |
| achievement / BadgeClass | ``{base}/achievements/{id}/{version}`` (OB 2.0: ``.../ob2``) |
| revocation list | ``{base}/status/{slug}`` |
| badge image | ``{base}/images/{sha256}`` |
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..awards import Award
from ..credentials import Alignment, Credential
from ..people import Person
from ..rubrics import Rubric
from ..stacks import EarningRule, Stack
from .contexts import CONTEXT_EXTENSIONS, CONTEXT_OB2, CONTEXT_OB3, CONTEXT_VC2
from .issuers import IssuerIdentity

__all__ = [
    "CONTEXTS",
    "SCHEMA_URL",
    "CredentialBuilder",
    "PublicUrls",
    "criteria_narrative",
    "iso",
    "ob2_assertion",
    "ob2_badge_class",
    "ob2_hosted_assertion",
    "ob2_issuer",
]

# VC 2.0 first, then OB 3.0, then the 1EdTech extensions that define
# 1EdTechJsonSchemaValidator2019 and 1EdTechRevocationList (without it, Data
# Integrity verifiers drop those terms and reject the document).
CONTEXTS: tuple[str, ...] = (CONTEXT_VC2, CONTEXT_OB3, CONTEXT_EXTENSIONS)
SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
REVOCATION_LIST = "1EdTechRevocationList"


def iso(moment: datetime) -> str:
    """``2026-09-01T09:00:00Z``: UTC, whole seconds, as VC 2.0 dates are usually written."""
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


@dataclass(frozen=True, slots=True)
class PublicUrls:
    """The public URLs of an instance (see the table in the module docstring).

    ``base_url`` may be empty (an offline workshop): ids then become
    ``urn:uuid:`` URNs and no status list is referenced.
    """

    base_url: str = ""
    slug: str = "main"

    def credential(self, award_id: str) -> str:
        if self.base_url:
            return f"{self.base_url}/credentials/{award_id}"
        return uuid.uuid5(uuid.NAMESPACE_URL, f"mcembed:award:{award_id}").urn

    def achievement(self, definition_id: str, version: str) -> str:
        if self.base_url:
            return f"{self.base_url}/achievements/{definition_id}/{version}"
        return uuid.uuid5(uuid.NAMESPACE_URL, f"mcembed:achievement:{definition_id}@{version}").urn

    def status_list(self) -> str | None:
        return f"{self.base_url}/status/{self.slug}" if self.base_url else None

    def image(self, sha256: str) -> str | None:
        return f"{self.base_url}/images/{sha256}" if self.base_url else None

    def ob2(self, url: str) -> str:
        return f"{url}/ob2"


def _passing_words(rubric: Rubric) -> str:
    parts = []
    levels = dict(rubric.passing.min_levels)
    if levels and len(set(levels.values())) == 1 and len(levels) == len(rubric.criteria):
        parts.append(f"every criterion at {next(iter(levels.values()))} or above")
    else:
        for cid, label in levels.items():
            parts.append(f"{rubric.criterion(cid).name} at {label} or above")
    if rubric.passing.min_total is not None:
        parts.append(f"at least {rubric.passing.min_total} of {rubric.max_points} points in all")
    return " and ".join(parts)


def criteria_narrative(definition: Credential | Stack) -> str:
    """The criteria in words (Markdown): what evidence is asked for, and how
    the rubric decides."""
    if isinstance(definition, Stack):
        need = (
            f"all {len(definition.members)} of these"
            if definition.rule is EarningRule.ALL_OF
            else f"any {definition.required} of these {len(definition.members)}"
        )
        items = "\n".join(f"- {m}" for m in definition.members)
        return f"Earned by holding {need} credentials:\n\n{items}"
    lines = [definition.competency.strip(), "", "Evidence required:", ""]
    for req in definition.evidence:
        optional = "" if req.required else " (optional)"
        detail = f": {req.prompt.strip()}" if req.prompt.strip() else ""
        lines.append(f"- {req.title} ({req.kind}){optional}{detail}")
    lines += ["", "Rubric:", ""]
    for criterion in definition.rubric.criteria:
        labels = ", ".join(lv.label for lv in criterion.levels)
        lines.append(f"- {criterion.name}: {labels}")
    lines += [
        "",
        f"A reviewer scores the evidence against the rubric; it passes with "
        f"{_passing_words(definition.rubric)}.",
    ]
    return "\n".join(lines)


def _alignments(alignments: tuple[Alignment, ...], achievement_id: str) -> list[dict[str, Any]]:
    out = []
    for n, a in enumerate(alignments):
        entry: dict[str, Any] = {
            "type": ["Alignment"],
            "targetName": a.name or a.code or a.framework,
            "targetUrl": a.url or f"{achievement_id}#alignment-{n + 1}",
            "targetFramework": a.framework,
        }
        if a.code:
            entry["targetCode"] = a.code
        out.append(entry)
    return out


def _rd_id(achievement_id: str, criterion_id: str) -> str:
    return f"{achievement_id}#criterion-{criterion_id}"


def _level_id(achievement_id: str, criterion_id: str, n: int) -> str:
    return f"{achievement_id}#criterion-{criterion_id}-level-{n + 1}"


def _result_descriptions(credential: Credential, achievement_id: str) -> list[dict[str, Any]]:
    rubric = credential.rubric
    out: list[dict[str, Any]] = []
    for c in rubric.criteria:
        rd: dict[str, Any] = {
            "id": _rd_id(achievement_id, c.id),
            "type": ["ResultDescription"],
            "name": c.name,
            "resultType": "RubricCriterionLevel",
            "rubricCriterionLevel": [
                {
                    "id": _level_id(achievement_id, c.id, n),
                    "type": ["RubricCriterionLevel"],
                    "name": lv.label,
                    "level": lv.label,
                    **({"description": lv.descriptor} if lv.descriptor else {}),
                    "points": str(lv.points),
                }
                for n, lv in enumerate(c.levels)
            ],
        }
        required = rubric.passing.min_levels.get(c.id)
        if required is not None:
            rd["requiredLevel"] = _level_id(achievement_id, c.id, c.rank(required))
        out.append(rd)
    total: dict[str, Any] = {
        "id": f"{achievement_id}#total",
        "type": ["ResultDescription"],
        "name": "Total points",
        "resultType": "RubricScore",
        "valueMin": "0",
        "valueMax": str(rubric.max_points),
    }
    if rubric.passing.min_total is not None:
        total["requiredValue"] = str(rubric.passing.min_total)
    out.append(total)
    return out


class CredentialBuilder:
    """Builds OB 3.0 credentials for one issuer; achievements are built once
    per definition version and shared (treat the documents as read-only).

    Args:
        issuer: the signing identity (its id and profile go into each credential).
        urls: the public URLs (default: from the issuer's base URL and slug).
        image_url: turns a definition's image reference (``sha256:...`` for
            pack images) into a URL or ``data:`` URI; default: ``urls.image``.
        salt: the salt of each recipient hash (default: 16 random hex digits).
    """

    def __init__(
        self,
        issuer: IssuerIdentity,
        *,
        urls: PublicUrls | None = None,
        image_url: Callable[[str], str | None] | None = None,
        salt: Callable[[Award], str] | None = None,
    ) -> None:
        self.issuer = issuer
        self.urls = urls or PublicUrls(issuer.profile.base_url, issuer.profile.slug)
        self.image_url = image_url or self._default_image
        self.salt = salt or (lambda _award: secrets.token_hex(8))
        self._issuer_ref = issuer.profile_ref()
        self._achievements: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._parts_cache: dict[tuple[str, str, str], _Parts] = {}
        status = self.urls.status_list()
        self._status = {"id": status, "type": REVOCATION_LIST} if status else None
        self._lock = threading.Lock()

    def _default_image(self, ref: str) -> str | None:
        if ref.startswith("sha256:"):
            return self.urls.image(ref.removeprefix("sha256:"))
        return ref if ref.startswith(("https://", "http://", "data:")) else None

    def achievement(self, definition: Credential | Stack) -> dict[str, Any]:
        """The OB 3.0 ``Achievement`` of a credential or stack (cached per version)."""
        key = (definition.id, definition.version, definition.content_hash)
        found = self._achievements.get(key)
        if found is not None:
            return found
        achievement_id = self.urls.achievement(definition.id, definition.version)
        doc: dict[str, Any] = {
            "id": achievement_id,
            "type": ["Achievement"],
            "achievementType": "MicroCredential"
            if isinstance(definition, Credential)
            else "Certificate",
            "name": definition.name,
            "description": definition.summary,
            "criteria": {"narrative": criteria_narrative(definition)},
            "version": definition.version,
            "creator": self._issuer_ref,
        }
        if definition.image:
            url = self.image_url(definition.image)
            if url:
                doc["image"] = {"id": url, "type": "Image", "caption": definition.name}
        if definition.alignments:
            doc["alignment"] = _alignments(definition.alignments, achievement_id)
        if definition.tags:
            doc["tag"] = list(definition.tags)
        if isinstance(definition, Credential):
            doc["resultDescription"] = _result_descriptions(definition, achievement_id)
        with self._lock:
            if len(self._achievements) > 5000:
                self._achievements.clear()
            self._achievements[key] = doc
        return doc

    def _parts(self, definition: Credential | Stack) -> _Parts:
        key = (definition.id, definition.version, definition.content_hash)
        found = self._parts_cache.get(key)
        if found is not None:
            return found
        achievement = self.achievement(definition)
        achievement_id = achievement["id"]
        results: dict[tuple[str, str], dict[str, Any]] = {}
        evidence: list[tuple[str, dict[str, Any]]] = []
        if isinstance(definition, Credential):
            for c in definition.rubric.criteria:
                for n, lv in enumerate(c.levels):
                    results[(c.id, lv.label)] = {
                        "type": ["Result"],
                        "resultDescription": _rd_id(achievement_id, c.id),
                        "achievedLevel": _level_id(achievement_id, c.id, n),
                    }
            for req in definition.evidence:
                criteria = f" ({', '.join(req.criteria)})" if req.criteria else ""
                evidence.append(
                    (
                        f"#evidence-{req.id}",
                        {
                            "type": ["Evidence"],
                            "name": req.title,
                            "genre": str(req.kind),
                            "description": f"{req.title}, reviewed against the rubric{criteria}",
                        },
                    )
                )
        parts = _Parts(
            achievement=achievement,
            name=definition.name,
            graded=isinstance(definition, Credential),
            results=results,
            total_id=f"{achievement_id}#total",
            evidence=tuple(evidence),
        )
        with self._lock:
            if len(self._parts_cache) > 5000:
                self._parts_cache.clear()
            self._parts_cache[key] = parts
        return parts

    def build(
        self, award: Award, definition: Credential | Stack, learner: Person
    ) -> dict[str, Any]:
        """The unsigned ``OpenBadgeCredential`` of ``award``.

        The parts that depend only on the definition (the achievement, the
        result and evidence entries) are built once and shared between
        credentials: treat the returned document as read-only.
        """
        parts = self._parts(definition)
        credential_id = self.urls.credential(award.id)
        subject: dict[str, Any] = {"type": ["AchievementSubject"]}
        if learner.id.startswith(_URI_PREFIXES):
            subject["id"] = learner.id
        salt = self.salt(award)
        if learner.email:
            kind, value = "emailAddress", learner.email.strip().lower()
        else:
            kind, value = "identifier", learner.id
        digest = hashlib.sha256((value + salt).encode()).hexdigest()
        subject["identifier"] = [
            {
                "type": "IdentityObject",
                "identityHash": f"sha256${digest}",
                "identityType": kind,
                "hashed": True,
                "salt": salt,
            }
        ]
        subject["achievement"] = parts.achievement
        if parts.graded:
            results = [
                r
                for r in (parts.results.get((sc.criterion_id, sc.level)) for sc in award.scores)
                if r is not None
            ]
            if award.total is not None:
                results.append(
                    {
                        "type": ["Result"],
                        "resultDescription": parts.total_id,
                        "value": str(award.total),
                        "status": "Completed",
                    }
                )
            subject["result"] = results
        issued = iso(award.issued_at)
        doc: dict[str, Any] = {
            "@context": list(CONTEXTS),
            "id": credential_id,
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": parts.name,
            "issuer": self._issuer_ref,
            "validFrom": issued,
            "awardedDate": issued,
            "credentialSubject": subject,
        }
        if award.expires_at is not None:
            doc["validUntil"] = iso(award.expires_at)
        if parts.evidence:
            doc["evidence"] = [{"id": credential_id + tail, **e} for tail, e in parts.evidence]
        if self._status:
            doc["credentialStatus"] = self._status
        doc["credentialSchema"] = _SCHEMA
        return doc


@dataclass(frozen=True, slots=True, kw_only=True)
class _Parts:
    """What a credential's documents share: built once per definition version."""

    achievement: dict[str, Any]
    name: str
    graded: bool
    results: dict[tuple[str, str], dict[str, Any]]
    total_id: str
    evidence: tuple[tuple[str, dict[str, Any]], ...]


_URI_PREFIXES = ("did:", "https://", "urn:", "mailto:")
_SCHEMA = [{"id": SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}]


# --- Open Badges 2.0 -----------------------------------------------------------------


def ob2_issuer(issuer: IssuerIdentity, urls: PublicUrls | None = None) -> dict[str, Any]:
    """The OB 2.0 ``Issuer`` (``Profile``) document, hosted at ``/issuers/<slug>/ob2``."""
    p = issuer.profile
    urls = urls or PublicUrls(p.base_url, p.slug)
    doc: dict[str, Any] = {
        "@context": CONTEXT_OB2,
        "type": "Issuer",
        "id": urls.ob2(f"{urls.base_url}/issuers/{p.slug}"),
        "name": p.name,
        "url": p.url,
    }
    if p.email:
        doc["email"] = p.email
    if p.description:
        doc["description"] = p.description
    if p.image:
        doc["image"] = p.image
    return doc


def ob2_badge_class(builder: CredentialBuilder, definition: Credential | Stack) -> dict[str, Any]:
    """The OB 2.0 ``BadgeClass`` of a credential or stack."""
    achievement = builder.achievement(definition)
    urls = builder.urls
    doc: dict[str, Any] = {
        "@context": CONTEXT_OB2,
        "type": "BadgeClass",
        "id": urls.ob2(urls.achievement(definition.id, definition.version)),
        "name": definition.name,
        "description": definition.summary,
        "criteria": {"narrative": achievement["criteria"]["narrative"]},
        "issuer": ob2_issuer(builder.issuer, urls)["id"],
    }
    if "image" in achievement:
        doc["image"] = achievement["image"]["id"]
    if definition.tags:
        doc["tags"] = list(definition.tags)
    if definition.alignments:
        doc["alignment"] = [
            {
                "targetName": a["targetName"],
                "targetUrl": a["targetUrl"],
                "targetFramework": a["targetFramework"],
                **({"targetCode": a["targetCode"]} if "targetCode" in a else {}),
            }
            for a in achievement["alignment"]
        ]
    return doc


def ob2_assertion(
    builder: CredentialBuilder,
    award: Award,
    definition: Credential | Stack,
    learner: Person,
    *,
    salt: str | None = None,
) -> dict[str, Any]:
    """The OB 2.0 hosted ``Assertion`` of an award, at ``/credentials/<id>/ob2``.

    A revoked award is published as ``{"id", "revoked": true, "revocationReason"}``,
    as OB 2.0 hosted verification expects.
    """
    salt = salt if salt is not None else secrets.token_hex(8)
    identity = learner.email.strip().lower() if learner.email else learner.id
    recipient = {
        "type": "email" if learner.email else "url",
        "hashed": True,
        "salt": salt,
        "identity": "sha256$" + hashlib.sha256((identity + salt).encode()).hexdigest(),
    }
    return _ob2_assertion(builder, award, definition, recipient)


def ob2_hosted_assertion(
    builder: CredentialBuilder, award: Award, definition: Credential | Stack
) -> dict[str, Any]:
    """The OB 2.0 hosted ``Assertion`` of a signed award, its recipient the one
    its Open Badges 3.0 credential names (the same salt and hash), so the
    assertion is the same at every request and needs no learner record.

    Raises:
        ValueError: the award carries no signed credential with a hashed recipient.
    """
    credential = award.documents.get("credential")
    subject = credential.get("credentialSubject") if isinstance(credential, dict) else None
    identifiers = subject.get("identifier") if isinstance(subject, dict) else None
    found = identifiers[0] if isinstance(identifiers, list) and identifiers else None
    if not isinstance(found, dict) or not found.get("hashed"):
        raise ValueError(f"award {award.id} carries no credential with a hashed recipient")
    recipient = {
        "type": "email" if found.get("identityType") == "emailAddress" else "url",
        "hashed": True,
        "salt": found.get("salt", ""),
        "identity": found["identityHash"],
    }
    return _ob2_assertion(builder, award, definition, recipient)


def _ob2_assertion(
    builder: CredentialBuilder,
    award: Award,
    definition: Credential | Stack,
    recipient: dict[str, Any],
) -> dict[str, Any]:
    urls = builder.urls
    assertion_id = urls.ob2(urls.credential(award.id))
    if award.revoked_at is not None:
        return {
            "@context": CONTEXT_OB2,
            "type": "Assertion",
            "id": assertion_id,
            "revoked": True,
            "revocationReason": award.revocation_reason,
        }
    doc: dict[str, Any] = {
        "@context": CONTEXT_OB2,
        "type": "Assertion",
        "id": assertion_id,
        "recipient": recipient,
        "badge": ob2_badge_class(builder, definition)["id"],
        "issuedOn": iso(award.issued_at),
        "verification": {"type": "hosted"},
    }
    if award.expires_at is not None:
        doc["expires"] = iso(award.expires_at)
    return doc
