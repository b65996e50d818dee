"""The use cases of an LMS integration: platforms, launches, placements, grades, rosters.

``Lms`` sits beside ``Service`` on the same store. The LTI tool holds one of
each; ``Lms.on_event`` is given to ``Service(listeners=[...])`` so every grade
delivery is written in the same transaction as the submission or award it
reports. Each method is one transaction; permissions are checked here, never
in the adapter.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from . import access
from .access import Actor
from .awards import AwardKind, AwardStatus
from .clock import Clock, Ids, RandomIds, SystemClock
from .errors import Conflict, NotFound, ValidationError, excerpt
from .grades import DeliveryState, GradeDelivery, backoff, score_for, superseded_by
from .launches import LaunchContext, LoginState
from .people import Person
from .placements import Placement, PlacementKind
from .platforms import Deployment, DeploymentPolicy, Platform, ToolKey, admit_deployment
from .registration_links import RegistrationLinks
from .rosters import ProgressRow, RosterMember, progress
from .storage.base import AwardFilter, DeliveryFilter, Page, Store, SubmissionFilter, Transaction
from .submissions import Submission

__all__ = ["ClaimedDelivery", "Lms", "PlacementRequest"]

LEASE = timedelta(seconds=60)
PURGE_BATCH = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class PlacementRequest:
    """What a launch says about the resource link it came through."""

    kind: PlacementKind
    credential_id: str
    title: str = ""
    score_maximum: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimedDelivery:
    """A delivery this worker holds until ``delivery.lease_until``, with its target."""

    delivery: GradeDelivery
    placement: Placement
    platform: Platform
    token: str


class Lms:
    """Platforms, launches, placements, grade deliveries and rosters.

    The registration links that open Dynamic Registration are ``links``
    (``RegistrationLinks``).

    Args:
        store: the same store the ``Service`` uses.
        clock: the time (default: the system clock).
        ids: id factory (default: random, time-ordered ids).
    """

    def __init__(self, store: Store, *, clock: Clock | None = None, ids: Ids | None = None):
        self.store = store
        self.clock = clock or SystemClock()
        self.ids = ids or RandomIds()
        self.links = RegistrationLinks(store, self.clock, self.ids)

    # --- platforms and deployments ------------------------------------------------

    def add_platform(
        self,
        actor: Actor,
        *,
        issuer: str,
        client_id: str,
        auth_login_url: str,
        auth_token_url: str,
        key_set_url: str,
        name: str = "",
        auth_audience: str = "",
        deployment_policy: DeploymentPolicy = DeploymentPolicy.LISTED,
        product: str = "",
        deployment_ids: Iterable[str] = (),
    ) -> Platform:
        """Register a platform (and any deployments known in advance).

        Raises:
            ValidationError: an URL is not https, or the issuer or client id is empty.
            Conflict: the issuer and client id are registered already.
        """
        access.require_admin(actor)
        now = self.clock.now()
        try:
            platform = Platform(
                id=self.ids.new("plt"),
                issuer=issuer.strip(),
                client_id=client_id.strip(),
                name=name.strip(),
                auth_login_url=auth_login_url.strip(),
                auth_token_url=auth_token_url.strip(),
                key_set_url=key_set_url.strip(),
                auth_audience=auth_audience.strip(),
                deployment_policy=DeploymentPolicy(deployment_policy),
                product=product,
                created_at=now,
            )
        except ValueError as e:
            raise ValidationError(f"Cannot register the platform: {e}") from None
        with self.store.transaction() as tx:
            tx.add_platform(platform)
            for deployment_id in deployment_ids:
                if deployment_id.strip():
                    tx.add_deployment(
                        Deployment(
                            platform_id=platform.id,
                            deployment_id=deployment_id.strip(),
                            created_at=now,
                        )
                    )
        return platform

    def list_platforms(self) -> list[Platform]:
        with self.store.transaction() as tx:
            return tx.list_platforms()

    def get_platform(self, platform_id: str) -> Platform:
        with self.store.transaction() as tx:
            found = tx.find_platform(platform_id)
        if found is None:
            raise NotFound(
                f"No platform {excerpt(platform_id)}; `mcembed lti list-platforms` lists them."
            )
        return found

    def find_platform(self, issuer: str, client_id: str | None) -> Platform | None:
        """The platform of a message: by issuer and client id, or by issuer alone
        when the message names no client id and only one is registered for it."""
        with self.store.transaction() as tx:
            if client_id:
                return tx.find_platform_by_client(issuer, client_id)
            found = tx.list_platforms(issuer=issuer)
        return found[0] if len(found) == 1 else None

    def remove_platform(self, actor: Actor, platform_id: str) -> None:
        """Forget a platform and its deployments (its courses' data stays)."""
        access.require_admin(actor)
        with self.store.transaction() as tx:
            tx.remove_platform(platform_id)

    def add_deployment(
        self, actor: Actor, platform_id: str, deployment_id: str, *, name: str = ""
    ) -> Deployment:
        access.require_admin(actor)
        if not deployment_id.strip():
            raise ValidationError("A deployment id must not be empty.")
        with self.store.transaction() as tx:
            if tx.find_platform(platform_id) is None:
                raise NotFound(f"No platform {excerpt(platform_id)}.")
            deployment = Deployment(
                platform_id=platform_id,
                deployment_id=deployment_id.strip(),
                name=name,
                created_at=self.clock.now(),
            )
            tx.add_deployment(deployment)
            return deployment

    def list_deployments(self, platform_id: str) -> list[Deployment]:
        with self.store.transaction() as tx:
            return tx.list_deployments(platform_id)

    def admit_deployment(self, platform: Platform, deployment_id: str) -> Deployment:
        """The deployment a verified launch came through, recorded on first sight
        when the platform's policy allows it.

        Raises:
            PermissionDenied: the policy only accepts listed deployments.
        """
        with self.store.transaction() as tx:
            known = tx.find_deployment(platform.id, deployment_id)
            if not admit_deployment(platform, known, deployment_id):
                assert known is not None
                return known
            deployment = Deployment(
                platform_id=platform.id,
                deployment_id=deployment_id,
                auto=True,
                created_at=self.clock.now(),
            )
            with contextlib.suppress(Conflict):  # a concurrent launch recorded it first
                tx.add_deployment(deployment)
            return deployment

    # --- logins and launches -----------------------------------------------------------

    def add_login_state(self, login: LoginState) -> None:
        with self.store.transaction() as tx:
            tx.add_login_state(login)

    def find_login_state(self, state: str) -> LoginState | None:
        """A login under way, without taking it (None when unknown or expired)."""
        with self.store.transaction() as tx:
            found = tx.find_login_state(state)
        if found is None or found.is_expired(self.clock.now()):
            return None
        return found

    def take_login_state(self, state: str) -> LoginState | None:
        """Take a login once: a second take (a replayed launch) gets ``None``."""
        with self.store.transaction() as tx:
            found = tx.take_login_state(state)
        if found is None or found.is_expired(self.clock.now()):
            return None
        return found

    def new_launch_id(self) -> str:
        """An unguessable launch id (it stands in for a session cookie)."""
        return "lch_" + secrets.token_urlsafe(32)

    def record_launch(
        self, launch: LaunchContext, *, placement: PlacementRequest | None = None
    ) -> LaunchContext:
        """Keep a verified launch: the person, their roster entry, the placement
        of the resource link, and the launch context itself, in one transaction."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            member, placed = tx.find_member_and_placement(
                launch.course_id, launch.person_id, launch.resource_link_id
            )
            current = RosterMember(
                course_id=launch.course_id,
                person_id=launch.person_id,
                user_id=launch.user_id,
                name=launch.name or (member.name if member else ""),
                email=launch.email or (member.email if member else ""),
                roles=launch.roles,
                launched=True,
                synced_at=member.synced_at if member else now,
            )
            if placement is not None and launch.resource_link_id:
                ags = launch.ags
                wanted = Placement(
                    id=self.ids.new("plc"),
                    platform_id=launch.platform_id,
                    course_id=launch.course_id,
                    resource_link_id=launch.resource_link_id,
                    kind=placement.kind,
                    credential_id=placement.credential_id,
                    title=placement.title or launch.resource_link_title,
                    line_item_url=ags.lineitem if ags else "",
                    lineitems_url=ags.lineitems if ags else "",
                    score_maximum=placement.score_maximum,
                    can_score=bool(ags and ags.can_score),
                    created_at=now,
                    updated_at=now,
                )
                if placed is None or not wanted.same_as(placed):
                    tx.put_placement(wanted)
            tx.save_launch(
                Person(id=launch.person_id, name=launch.name, email=launch.email),
                current if current != member else None,
                launch,
            )
        return launch

    def get_launch(self, launch_id: str) -> LaunchContext:
        """The launch a page belongs to.

        Raises:
            NotFound: unknown or expired; the person relaunches from their course.
        """
        with self.store.transaction() as tx:
            found = tx.find_launch(launch_id) if launch_id else None
        if found is None or found.is_expired(self.clock.now()):
            raise NotFound(
                "This page belongs to a launch that has ended or is unknown. "
                "Open the tool again from your course."
            )
        return found

    def remove_expired(self, *, batch: int = PURGE_BATCH) -> int:
        """Drop expired login states and launches, and with them the names and
        e-mail addresses a launch brought; returns how many.

        A page opened with a removed launch's id says to open the tool again
        from the course, as it does for any expired launch. Removed in
        transactions of at most ``batch`` of each, so a long backlog never
        holds one long transaction (nor the SQLite write lock).

        Raises:
            ValueError: ``batch`` is below 1.
        """
        if batch < 1:
            raise ValueError(f"batch must be at least 1 (got {batch})")
        now = self.clock.now()
        total = 0
        while True:
            with self.store.transaction() as tx:
                gone = tx.remove_expired(now, limit=batch)
            total += gone
            # fewer than a batch in all: fewer than a batch of each, none left
            if gone < batch:
                return total

    def find_placement(self, course_id: str, resource_link_id: str) -> Placement | None:
        with self.store.transaction() as tx:
            for p in tx.list_placements(course_id):
                if p.resource_link_id == resource_link_id:
                    return p
        return None

    def list_placements(self, course_id: str) -> list[Placement]:
        """Every credential and stack placed in a course (by Deep Linking or a launch)."""
        with self.store.transaction() as tx:
            return tx.list_placements(course_id)

    # --- grade deliveries ---------------------------------------------------------------

    def on_event(self, event: object, tx: Transaction) -> None:
        """``Service`` listener: write the gradebook scores an event causes, in
        its transaction (see ``grades`` for which event sends what)."""
        from .service import Event

        if not isinstance(event, Event):  # pragma: no cover - Service sends only Events
            return
        now = self.clock.now()
        if event.name == "submitted" and event.submission is not None:
            s = event.submission
            self._deliver(
                tx,
                s.course_id,
                s.credential_id,
                PlacementKind.CREDENTIAL,
                s.learner_id,
                "submitted",
                submission_id=s.id,
                at=now,
            )
        elif event.name == "reviewed" and event.submission and event.review:
            s, decision = event.submission, event.review.decision
            name = "awarded" if decision.passed else "not_yet"
            comment = (
                "" if decision.passed else "Not yet: " + "; ".join(r.reason for r in decision.unmet)
            )
            self._deliver(
                tx,
                s.course_id,
                s.credential_id,
                PlacementKind.CREDENTIAL,
                s.learner_id,
                name,
                submission_id=s.id,
                at=now,
                points=decision.total,
                max_points=decision.max_total,
                comment=comment,
            )
        elif event.name == "awarded" and event.award and event.award.kind is AwardKind.STACK:
            a = event.award
            self._deliver(
                tx,
                a.course_id,
                a.credential_id,
                PlacementKind.STACK,
                a.learner_id,
                "stack_awarded",
                at=now,
            )
        elif event.name == "revoked" and event.award is not None:
            a = event.award
            kind = PlacementKind.STACK if a.kind is AwardKind.STACK else PlacementKind.CREDENTIAL
            self._deliver(
                tx,
                a.course_id,
                a.credential_id,
                kind,
                a.learner_id,
                "revoked",
                submission_id=a.submission_id or "",
                at=now,
                comment=f"Revoked: {a.revocation_reason}",
            )

    def _deliver(
        self,
        tx: Transaction,
        course_id: str,
        credential_id: str,
        kind: PlacementKind,
        person_id: str,
        event: str,
        *,
        at: datetime,
        submission_id: str = "",
        points: int | None = None,
        max_points: int | None = None,
        comment: str = "",
    ) -> None:
        if not course_id:
            return
        placements = [
            p
            for p in tx.list_placements(course_id, credential_id=credential_id)
            if p.kind is kind and p.can_score
        ]
        if not placements:
            return
        member = tx.find_roster_member(course_id, person_id)
        if member is None:
            return
        for placement in placements:
            score = score_for(
                event,
                user_id=member.user_id,
                at=at,
                points=points,
                max_points=max_points if max_points is not None else placement.score_maximum,
                comment=comment,
            )
            if score is None:
                continue
            tx.add_grade_delivery(
                GradeDelivery(
                    id=self.ids.new("gd"),
                    platform_id=placement.platform_id,
                    course_id=course_id,
                    placement_id=placement.id,
                    person_id=person_id,
                    submission_id=submission_id,
                    event=event,
                    score=score,
                    next_attempt_at=at,
                    created_at=at,
                )
            )

    def due_deliveries(self, limit: int = 100) -> list[str]:
        """Ids of deliveries to send now (new, retry due, or abandoned by a dead worker)."""
        with self.store.transaction() as tx:
            return tx.list_due_deliveries(self.clock.now(), limit)

    def claim_delivery(
        self, delivery_id: str, *, lease: timedelta = LEASE
    ) -> ClaimedDelivery | None:
        """Hold a due delivery for one send; ``None`` when another worker holds
        it, it was sent, or it is not due yet.

        A delivery that a newer score for the same line item and learner has
        made stale (``grades.superseded_by``; its first worker died mid-send
        while the newer one went out) is marked superseded instead, and
        ``None`` returned: it is never sent.
        """
        token = secrets.token_hex(16)
        now = self.clock.now()
        with self.store.transaction() as tx:
            claimed = tx.claim_grade_delivery(delivery_id, now, now + lease, token)
            if claimed is None:
                return None
            siblings = tx.list_grade_deliveries(
                DeliveryFilter(
                    placement_id=claimed.placement_id,
                    person_id=claimed.person_id,
                    states=(DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.SENT),
                )
            ).items
            if superseded_by(claimed, siblings) is not None:
                tx.finish_grade_delivery(
                    replace(claimed, state=DeliveryState.SUPERSEDED, lease_until=None),
                    token,
                )
                return None
            placement = tx.find_placement(claimed.placement_id)
            platform = tx.find_platform(claimed.platform_id)
            if placement is None or platform is None:
                # the platform was removed: nothing can be sent, ever
                tx.finish_grade_delivery(
                    replace(
                        claimed,
                        state=DeliveryState.SUPERSEDED,
                        last_error="the platform or placement no longer exists",
                    ),
                    token,
                )
                return None
        return ClaimedDelivery(
            delivery=claimed, placement=placement, platform=platform, token=token
        )

    def finish_delivery(
        self, claimed: ClaimedDelivery, *, error: str = "", line_item_url: str = ""
    ) -> GradeDelivery | None:
        """Record a send: sent, or failed with ``error`` and the next try set by
        the back-off. ``None`` when the lease was lost (another worker took over).

        Args:
            line_item_url: a line item the sender found or created for the placement.
        """
        now = self.clock.now()
        d = claimed.delivery
        if error:
            attempts = d.attempts + 1
            done = replace(
                d,
                state=DeliveryState.PENDING,
                attempts=attempts,
                next_attempt_at=now + backoff(attempts),
                lease_until=None,
                last_error=error[:1000],
            )
        else:
            done = replace(
                d, state=DeliveryState.SENT, lease_until=None, sent_at=now, last_error=""
            )
        with self.store.transaction() as tx:
            if not tx.finish_grade_delivery(done, claimed.token):
                return None
            if line_item_url and not claimed.placement.line_item_url:
                tx.put_placement(
                    replace(claimed.placement, line_item_url=line_item_url, updated_at=now)
                )
        return done

    def list_deliveries(
        self,
        actor: Actor,
        course_id: str,
        *,
        failing: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[GradeDelivery]:
        """A course's grade deliveries (reviewers of the course)."""
        access.require_reviewer(actor, course_id)
        with self.store.transaction() as tx:
            return tx.list_grade_deliveries(
                DeliveryFilter(course_id=course_id, failing=failing, limit=limit, offset=offset)
            )

    def retry_delivery(self, actor: Actor, delivery_id: str) -> GradeDelivery:
        """Send a failing delivery again now."""
        with self.store.transaction() as tx:
            d = tx.find_grade_delivery(delivery_id)
            if d is None:
                raise NotFound(f"No grade delivery {delivery_id!r}.")
            access.require_reviewer(actor, d.course_id)
            if d.state is not DeliveryState.PENDING:
                return d
            again = replace(d, next_attempt_at=self.clock.now())
            tx.update_grade_delivery(again)
            return again

    # --- rosters ---------------------------------------------------------------------------

    def sync_roster(self, actor: Actor, course_id: str, members: Sequence[RosterMember]) -> int:
        """Replace a course's roster with what the LMS lists now; people no longer
        listed are kept as inactive, and who has launched is remembered."""
        access.require_reviewer(actor, course_id)
        now = self.clock.now()
        with self.store.transaction() as tx:
            old = {m.person_id: m for m in tx.list_roster(course_id)}
            seen = set()
            for m in members:
                before = old.get(m.person_id)
                tx.put_roster_member(
                    replace(
                        m,
                        course_id=course_id,
                        launched=bool(before and before.launched),
                        synced_at=now,
                    )
                )
                tx.put_person(Person(id=m.person_id, name=m.name, email=m.email))
                seen.add(m.person_id)
            for pid, m in old.items():
                if pid not in seen and m.active:
                    tx.put_roster_member(replace(m, active=False, synced_at=now))
        return len(members)

    def course_progress(self, actor: Actor, course_id: str) -> Sequence[ProgressRow]:
        """Every learner of the course with the state of each credential (reviewers)."""
        access.require_reviewer(actor, course_id)
        now = self.clock.now()
        with self.store.transaction() as tx:
            roster = tx.list_roster(course_id)
            subs: list[Submission] = []
            offset = 0
            while True:
                page = tx.list_submissions(
                    SubmissionFilter(course_id=course_id, limit=500, offset=offset)
                )
                subs.extend(page.items)
                offset += 500
                if offset >= page.total:
                    break
            awards = [
                a
                for a in tx.list_awards(AwardFilter(course_id=course_id, limit=100_000)).items
                if a.status is AwardStatus.ACTIVE and a.is_active(now)
            ]
        return progress(roster, subs, awards)

    def roster_synced_at(self, course_id: str) -> datetime | None:
        with self.store.transaction() as tx:
            times = [m.synced_at for m in tx.list_roster(course_id) if not m.launched]
        return max(times, default=None)

    # --- the tool's keys -----------------------------------------------------------------

    def list_tool_keys(self) -> list[ToolKey]:
        with self.store.transaction() as tx:
            return tx.list_tool_keys()

    def add_tool_key(self, key: ToolKey) -> None:
        with self.store.transaction() as tx:
            tx.add_tool_key(key)

    def retire_tool_key(self, actor: Actor, kid: str) -> ToolKey:
        """Stop publishing a key (after platforms have had time to see its successor)."""
        access.require_admin(actor)
        with self.store.transaction() as tx:
            keys = {k.kid: k for k in tx.list_tool_keys()}
            if kid not in keys:
                raise NotFound(f"No tool key {kid!r}.")
            active = [k for k in keys.values() if k.active]
            if keys[kid].active and len(active) == 1:
                raise ValidationError(
                    f"Key {kid} is the only active key; rotate first (mcembed lti rotate-key)."
                )
            retired = replace(keys[kid], retired_at=self.clock.now())
            tx.update_tool_key(retired)
            return retired
