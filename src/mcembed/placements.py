"""Placements: a credential (or stack) placed into an LMS course as a resource link.

Deep Linking creates the link with a line item; the first launch of the link
tells mcembed its resource link id and the line item's URL. Grades for the
credential's submissions in that course go to every placement's line item.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

__all__ = ["Placement", "PlacementKind"]


class PlacementKind(StrEnum):
    CREDENTIAL = "credential"
    STACK = "stack"


@dataclass(frozen=True, slots=True, kw_only=True)
class Placement:
    """One resource link in one course that stands for one credential or stack."""

    id: str
    platform_id: str
    course_id: str
    resource_link_id: str
    kind: PlacementKind = PlacementKind.CREDENTIAL
    credential_id: str
    title: str = ""
    line_item_url: str = ""
    lineitems_url: str = ""
    score_maximum: int = 1
    can_score: bool = False
    created_at: datetime
    updated_at: datetime

    def same_as(self, stored: Placement) -> bool:
        """Whether storing this over ``stored`` would change nothing but the
        times (the stored one keeps its id and creation time anyway)."""
        return (
            replace(self, id=stored.id, created_at=stored.created_at, updated_at=stored.updated_at)
            == stored
        )
