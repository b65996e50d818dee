"""Awards: the record of an earned credential or stack.

The signed Open Badges document is attached by a ``Recognizer`` (see
``service.Recognizer``) when the award is made; the award itself is the source
of truth for status, validity and revocation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from .reviews import CriterionScore

__all__ = ["Award", "AwardKind", "AwardStatus"]


class AwardStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"


class AwardKind(StrEnum):
    CREDENTIAL = "credential"
    STACK = "stack"


@dataclass(frozen=True, slots=True, kw_only=True)
class Award:
    """One issued credential (or stack) held by one learner.

    ``status`` stores what was decided (active or revoked); ``status_at(now)``
    also tells whether it has expired.
    """

    id: str
    kind: AwardKind = AwardKind.CREDENTIAL
    credential_id: str
    credential_version: str
    learner_id: str
    course_id: str = ""
    submission_id: str | None = None
    issued_at: datetime
    expires_at: datetime | None = None
    status: AwardStatus = AwardStatus.ACTIVE
    revoked_at: datetime | None = None
    revocation_reason: str = ""
    scores: tuple[CriterionScore, ...] = ()
    total: int | None = None
    max_total: int | None = None
    documents: Mapping[str, Any] = field(default_factory=dict)

    def status_at(self, now: datetime) -> AwardStatus:
        """Active, revoked, or expired at ``now``."""
        if self.status is AwardStatus.REVOKED:
            return AwardStatus.REVOKED
        if self.expires_at is not None and now >= self.expires_at:
            return AwardStatus.EXPIRED
        return AwardStatus.ACTIVE

    def is_active(self, now: datetime) -> bool:
        return self.status_at(now) is AwardStatus.ACTIVE
