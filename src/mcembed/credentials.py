"""Credential definitions: what a learner must show to earn one micro-credential.

Open Badges calls this an *Achievement*; here it is a ``Credential``. Values are
immutable; a changed credential is a new ``version``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .errors import NotFound, did_you_mean, excerpt
from .rubrics import Rubric

__all__ = [
    "Alignment",
    "CodeCheck",
    "Credential",
    "EvidenceKind",
    "EvidenceRequirement",
    "Issuer",
    "MethodComponent",
    "Resource",
    "ValidityPeriod",
]


class EvidenceKind(StrEnum):
    """What kind of evidence a requirement asks for."""

    REFLECTION = "reflection"
    ARTIFACT = "artifact"
    LINK = "link"
    CODE_CHECK = "code_check"
    ATTESTATION = "attestation"


@dataclass(frozen=True, slots=True, kw_only=True)
class Resource:
    """A reading, video, tool or study that supports the learning."""

    title: str
    url: str
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Alignment:
    """A link from the credential to a framework (standards, competency sets)."""

    framework: str
    code: str = ""
    name: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MethodComponent:
    """One part of the key method the credential is about."""

    name: str
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeCheck:
    """A named check, written in the pack as a Python function, that the
    learner's code must pass."""

    name: str
    description: str = ""
    hint: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceRequirement:
    """One piece of evidence the learner submits, and the rubric criteria it feeds.

    Only the fields of its ``kind`` are used: word bounds for a reflection, file
    types and a size cap for an artifact, the checks of a code check, the
    statement of an attestation.
    """

    id: str
    kind: EvidenceKind
    title: str
    prompt: str = ""
    criteria: tuple[str, ...] = ()
    required: bool = True
    min_words: int | None = None
    max_words: int | None = None
    file_types: tuple[str, ...] = ()
    max_bytes: int | None = None
    target: str = ""
    module: str = ""
    checks: tuple[CodeCheck, ...] = ()
    statement: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidityPeriod:
    """How long an award stays valid after it is issued."""

    years: int = 0
    months: int = 0
    days: int = 0

    def __post_init__(self) -> None:
        if min(self.years, self.months, self.days) < 0:
            raise ValueError("a validity period cannot be negative")
        if not (self.years or self.months or self.days):
            raise ValueError("a validity period needs years, months or days")

    def expires(self, issued: datetime) -> datetime:
        """The moment an award issued at ``issued`` expires (calendar months and years)."""
        month_index = issued.month - 1 + self.months + 12 * self.years
        year = issued.year + month_index // 12
        month = month_index % 12 + 1
        day = min(issued.day, calendar.monthrange(year, month)[1])
        return issued.replace(year=year, month=month, day=day) + timedelta(days=self.days)

    def __str__(self) -> str:
        parts = []
        for amount, unit in ((self.years, "year"), (self.months, "month"), (self.days, "day")):
            if amount:
                parts.append(f"{amount} {unit}{'s' if amount != 1 else ''}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True, kw_only=True)
class Issuer:
    """The organisation that issues a pack's credentials (Open Badges *Profile*)."""

    name: str
    url: str
    email: str = ""
    description: str = ""
    image: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Credential:
    """One micro-credential definition at one version."""

    id: str
    version: str
    name: str
    summary: str
    competency: str
    key_method: str = ""
    method_components: tuple[MethodComponent, ...] = ()
    research: tuple[Resource, ...] = ()
    resources: tuple[Resource, ...] = ()
    addresses: tuple[str, ...] = ()
    evidence: tuple[EvidenceRequirement, ...] = ()
    rubric: Rubric
    tags: tuple[str, ...] = ()
    alignments: tuple[Alignment, ...] = ()
    validity: ValidityPeriod | None = None
    image: str | None = None
    pack_id: str = ""
    content_hash: str = ""

    def requirement(self, requirement_id: str) -> EvidenceRequirement:
        """Return the evidence requirement with this id.

        Raises:
            NotFound: the credential has no such requirement.
        """
        for req in self.evidence:
            if req.id == requirement_id:
                return req
        ids = [r.id for r in self.evidence]
        raise NotFound(
            f"credential {self.id!r} has no evidence requirement "
            f"{excerpt(requirement_id)}{did_you_mean(requirement_id, ids)}"
        )

    @property
    def ref(self) -> str:
        """``id@version``, the exact definition a submission was made under."""
        return f"{self.id}@{self.version}"
