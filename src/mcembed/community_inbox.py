"""The notification inbox, and what every community use case shares.

``InboxUseCases`` is the base of the ``Community`` mixins: it declares the
store, clock and ids they use, and writes notifications (once per key).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from .access import Actor, Role
from .clock import Clock, Ids
from .clr import ClrSigner
from .errors import NotFound, ValidationError, excerpt
from .notifications import Notification, NotificationKind
from .storage.base import Page, Store, Transaction
from .storage.blobs import BlobStore

if TYPE_CHECKING:
    from .service import Service

__all__ = ["InboxUseCases"]


class InboxUseCases:
    service: Service
    store: Store
    clock: Clock
    ids: Ids
    blobs: BlobStore
    analytics_roles: frozenset[Role]
    moderation_roles: frozenset[Role]
    min_group: int
    clr_signer: ClrSigner | None

    def notifications(
        self, actor: Actor, *, unread_only: bool = False, limit: int = 50
    ) -> Page[Notification]:
        """The actor's own notifications, newest first (``total``: all that match)."""
        if not 1 <= limit <= 200:
            raise ValidationError(f"limit must be between 1 and 200 (got {limit})")
        with self.store.transaction() as tx:
            return tx.list_notifications(actor.id, unread_only=unread_only, limit=limit)

    def mark_read(self, actor: Actor, notification_id: str) -> Notification:
        """Mark one of the actor's notifications read (a second time changes nothing).

        Raises:
            NotFound: no such notification for the actor (someone else's is not
                confirmed to exist).
        """
        with self.store.transaction() as tx:
            found = tx.find_notification(notification_id)
            if found is None or found.person_id != actor.id:
                raise NotFound(f"No notification {excerpt(notification_id)} for you.")
            updated = found.mark_read(self.clock.now())
            if updated is not found:
                tx.update_notification(updated)
            return updated

    def mark_all_read(self, actor: Actor) -> int:
        """Mark every unread notification of the actor read; returns how many."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            unread = tx.list_notifications(actor.id, unread_only=True, limit=10_000).items
            for n in unread:
                tx.update_notification(replace(n, read_at=now))
            return len(unread)

    def _notify(
        self,
        tx: Transaction,
        person_id: str,
        kind: NotificationKind,
        title: str,
        *,
        body: str = "",
        link: Mapping[str, str] | None = None,
        key: str = "",
        save: bool = True,
    ) -> Notification | None:
        """Write a notification (unless not ``save``); ``None`` when one with
        ``key`` exists already."""
        if key and tx.find_notification_by_key(person_id, key) is not None:
            return None
        notification = Notification(
            id=self.ids.new("ntf"),
            person_id=person_id,
            kind=kind,
            title=title,
            body=body,
            link=dict(link or {}),
            key=key,
            created_at=self.clock.now(),
        )
        if save:
            tx.add_notification(notification)
        return notification
