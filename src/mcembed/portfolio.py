"""A learner's portfolio: their awards, rubric results and the evidence they show.

Evidence is private by default. For each awarded submission the learner
chooses which evidence items (by requirement) to share; only those appear on
their share page, in a cohort's showcase, or to anyone but them and their
reviewers.

A share link is a random token (``secrets.token_urlsafe``); only its SHA-256
is stored, so a copy of the database does not open anyone's portfolio. A
revoked link is dead at once.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .awards import Award, AwardKind, AwardStatus
from .credentials import Credential
from .evidence import EvidenceItem
from .stacks import Stack
from .submissions import Submission

__all__ = [
    "EvidenceShare",
    "Portfolio",
    "PortfolioEntry",
    "PublicEntry",
    "PublicPortfolio",
    "RubricResult",
    "ShareLink",
    "awarded_items",
    "bundle",
    "hash_token",
    "new_token",
    "rubric_results",
]

_MAX_LABEL = 120


def new_token() -> str:
    """An unguessable share token (256 random bits, URL-safe)."""
    import secrets

    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """What is stored for a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceShare:
    """Which evidence items of an awarded submission its learner shares."""

    award_id: str
    learner_id: str
    requirement_ids: tuple[str, ...] = ()
    updated_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ShareLink:
    """A public link to a learner's portfolio; ``token_hash`` is all that is kept."""

    id: str
    learner_id: str
    token_hash: str
    label: str = ""
    created_at: datetime
    revoked_at: datetime | None = None

    def __post_init__(self) -> None:
        if len(self.label) > _MAX_LABEL:
            raise ValueError(f"a link's label may be at most {_MAX_LABEL} characters")
        if not re.fullmatch(r"[0-9a-f]{64}", self.token_hash):
            raise ValueError("a share link keeps the SHA-256 of its token, not the token")

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True, kw_only=True)
class RubricResult:
    """One criterion of an award: the level reached and what it means."""

    criterion_id: str
    criterion_name: str
    level: str
    points: int
    max_points: int
    descriptor: str = ""
    feedback: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PortfolioEntry:
    """One award as its holder sees it: every evidence item, and which are shared."""

    award: Award
    name: str
    summary: str
    status: AwardStatus
    rubric: tuple[RubricResult, ...] = ()
    evidence: tuple[EvidenceItem, ...] = ()
    shared: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Portfolio:
    person_id: str
    name: str
    entries: tuple[PortfolioEntry, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicEntry:
    """One award as anyone may see it: no feedback, no course, only shared evidence."""

    award_id: str
    kind: AwardKind
    credential_id: str
    name: str
    summary: str
    issued_at: datetime
    expires_at: datetime | None
    status: AwardStatus
    rubric: tuple[RubricResult, ...] = ()
    evidence: tuple[EvidenceItem, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicPortfolio:
    name: str
    entries: tuple[PublicEntry, ...]


def rubric_results(
    definition: Credential | Stack, award: Award, *, feedback: bool
) -> tuple[RubricResult, ...]:
    """The levels an award records, with each criterion's name and descriptor.

    Args:
        feedback: include the reviewer's feedback (only for the holder).
    """
    if isinstance(definition, Stack):
        return ()
    out = []
    for score in award.scores:
        try:
            criterion = definition.rubric.criterion(score.criterion_id)
            level = criterion.level(score.level)
        except ValueError:  # pragma: no cover - scores are checked when recorded
            continue
        out.append(
            RubricResult(
                criterion_id=criterion.id,
                criterion_name=criterion.name,
                level=level.label,
                points=level.points,
                max_points=criterion.max_points,
                descriptor=level.descriptor,
                feedback=score.feedback if feedback else "",
            )
        )
    return tuple(out)


def awarded_items(submission: Submission | None) -> tuple[EvidenceItem, ...]:
    """The evidence of the attempt that earned the award (the last one)."""
    if submission is None:
        return ()
    if submission.attempts:
        return submission.attempts[-1].items
    return submission.items  # pragma: no cover - an award follows a submit


def _shared(items: Iterable[EvidenceItem], share: EvidenceShare | None) -> tuple[EvidenceItem, ...]:
    if share is None:
        return ()
    chosen = set(share.requirement_ids)
    return tuple(i for i in items if i.requirement_id in chosen)


def public_entry(
    award: Award,
    definition: Credential | Stack,
    submission: Submission | None,
    share: EvidenceShare | None,
    now: datetime,
) -> PublicEntry:
    """What anyone may see of an award: shared evidence only."""
    return PublicEntry(
        award_id=award.id,
        kind=award.kind,
        credential_id=award.credential_id,
        name=definition.name,
        summary=definition.summary,
        issued_at=award.issued_at,
        expires_at=award.expires_at,
        status=award.status_at(now),
        rubric=rubric_results(definition, award, feedback=False),
        evidence=_shared(awarded_items(submission), share),
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "credential"


def bundle(
    awards: Sequence[Award],
    names: Mapping[str, str],
    *,
    holder: str,
    now: datetime,
) -> bytes:
    """Every award's documents in one zip: ``credentials/<name>-<award>.json``
    (the Open Badges 3.0 credential), ``.jwt`` (its VC-JWT) and any other
    document, with ``manifest.json`` listing each award.

    Revoked awards are left out. Awards without documents (an instance with no
    issuer) are listed in the manifest with no files.

    Args:
        names: credential or stack id -> name.
        holder: the holder's name, for the manifest.
    """
    import io
    import zipfile

    stamp = now.timetuple()[:6]
    buffer = io.BytesIO()
    manifest: list[dict[str, Any]] = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def write(name: str, data: str) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)

        for award in sorted(awards, key=lambda a: (a.issued_at, a.id)):
            if award.status is AwardStatus.REVOKED:
                continue
            name = names.get(award.credential_id, award.credential_id)
            base = f"credentials/{_slug(name)}-{award.id}"
            files = []
            for key, value in sorted(award.documents.items()):
                if key == "credential":
                    path = f"{base}.json"
                elif key == "jwt":
                    path = f"{base}.jwt"
                else:
                    path = f"{base}.{_slug(key)}.{'txt' if isinstance(value, str) else 'json'}"
                text = value if isinstance(value, str) else json.dumps(value, indent=2)
                write(path, text)
                files.append(path)
            manifest.append(
                {
                    "award": award.id,
                    "kind": award.kind.value,
                    "credential": award.credential_id,
                    "version": award.credential_version,
                    "name": name,
                    "issued": award.issued_at.isoformat(),
                    "expires": award.expires_at.isoformat() if award.expires_at else None,
                    "status": award.status_at(now).value,
                    "files": files,
                }
            )
        write(
            "manifest.json",
            json.dumps(
                {"holder": holder, "exported": now.isoformat(), "awards": manifest}, indent=2
            ),
        )
    return buffer.getvalue()
