"""Notifications: a small inbox per person, shown on their page.

Cohort reminders, recommendations, invitations and mentoring requests all
arrive here. The LTI tool may also forward them to the LMS where the platform
allows it; the inbox is what every front end can show.

A notification may carry a ``key``: a second notification with the same key
for the same person is never created, so sending reminders twice (two
workers, a retried job) tells a person once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

__all__ = ["MAX_NOTIFICATION_TEXT", "Notification", "NotificationKind"]

MAX_NOTIFICATION_TEXT = 2000


class NotificationKind(StrEnum):
    REMINDER = "reminder"
    COHORT_INVITATION = "cohort_invitation"
    RECOMMENDATION = "recommendation"
    MENTORING_REQUEST = "mentoring_request"


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification:
    """One message to one person.

    ``link`` names what the message is about (``{"cohort_id": ...}``,
    ``{"recommendation_id": ...}``) so a page can link to it; it never holds
    anything the person may not know (an anonymous sender, for one).
    """

    id: str
    person_id: str
    kind: NotificationKind
    title: str
    body: str = ""
    link: Mapping[str, str] = field(default_factory=dict)
    key: str = ""
    created_at: datetime
    read_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise ValueError("a notification needs a title")
        if len(self.body) > MAX_NOTIFICATION_TEXT:
            raise ValueError(
                f"a notification's text may be at most {MAX_NOTIFICATION_TEXT} characters "
                f"(got {len(self.body)})"
            )

    @property
    def unread(self) -> bool:
        return self.read_at is None

    def mark_read(self, at: datetime) -> Notification:
        """The notification as read at ``at`` (the first reading is kept)."""
        return self if self.read_at is not None else replace(self, read_at=at)
