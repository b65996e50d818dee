"""The LTI repositories of ``MemoryStore`` (platforms, logins, launches,
placements, grade deliveries, rosters, tool keys), mixed into its transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from ..errors import Conflict, NotFound
from ..grades import DeliveryState, GradeDelivery
from ..launches import LaunchContext, LoginState
from ..people import Person
from ..placements import Placement
from ..platforms import Deployment, Platform, ToolKey
from ..registration_links import RegistrationLink
from ..rosters import RosterMember
from .base import DeliveryFilter, Page

__all__ = ["LtiMemoryRepositories", "LtiTables"]


class LtiTables:
    def __init__(self) -> None:
        self.platforms: dict[str, Platform] = {}
        self.deployments: dict[tuple[str, str], Deployment] = {}
        self.logins: dict[str, LoginState] = {}
        self.launches: dict[str, LaunchContext] = {}
        self.placements: dict[str, Placement] = {}
        self.deliveries: dict[str, GradeDelivery] = {}
        self.tokens: dict[str, str] = {}
        self.roster: dict[tuple[str, str], RosterMember] = {}
        self.keys: dict[str, ToolKey] = {}
        self.links: dict[str, RegistrationLink] = {}


class LtiMemoryRepositories:
    """Needs ``self.lti`` (``LtiTables``) and ``self._set`` (the undo log)."""

    lti: LtiTables

    def _set(self, table: dict[Any, Any], key: Any, value: Any) -> None:  # pragma: no cover
        raise NotImplementedError

    def _pop(self, table: dict[Any, Any], key: Any) -> Any:
        if key not in table:
            return None
        value = table[key]
        self._set(table, key, value)  # records the undo step
        del table[key]
        return value

    # platforms and deployments
    def add_platform(self, platform: Platform) -> None:
        if self.find_platform_by_client(platform.issuer, platform.client_id) is not None:
            raise Conflict(
                f"a platform with issuer {platform.issuer!r} and client id "
                f"{platform.client_id!r} is registered already"
            )
        if platform.id in self.lti.platforms:
            raise Conflict(f"platform {platform.id} already exists")
        self._set(self.lti.platforms, platform.id, platform)

    def find_platform(self, platform_id: str) -> Platform | None:
        return self.lti.platforms.get(platform_id)

    def find_platform_by_client(self, issuer: str, client_id: str) -> Platform | None:
        for p in self.lti.platforms.values():
            if p.issuer == issuer and p.client_id == client_id:
                return p
        return None

    def list_platforms(self, *, issuer: str | None = None) -> list[Platform]:
        found = [p for p in self.lti.platforms.values() if issuer is None or p.issuer == issuer]
        return sorted(found, key=lambda p: (p.issuer, p.client_id))

    def remove_platform(self, platform_id: str) -> None:
        if self._pop(self.lti.platforms, platform_id) is None:
            raise NotFound(f"No platform {platform_id!r}.")
        for key in [k for k in self.lti.deployments if k[0] == platform_id]:
            self._pop(self.lti.deployments, key)

    def add_deployment(self, deployment: Deployment) -> None:
        key = (deployment.platform_id, deployment.deployment_id)
        if key in self.lti.deployments:
            raise Conflict(f"deployment {deployment.deployment_id!r} is registered already")
        self._set(self.lti.deployments, key, deployment)

    def find_deployment(self, platform_id: str, deployment_id: str) -> Deployment | None:
        return self.lti.deployments.get((platform_id, deployment_id))

    def list_deployments(self, platform_id: str) -> list[Deployment]:
        found = [d for (pid, _), d in self.lti.deployments.items() if pid == platform_id]
        return sorted(found, key=lambda d: (d.created_at, d.deployment_id))

    # logins and launches
    def add_login_state(self, login: LoginState) -> None:
        if login.state in self.lti.logins:
            raise Conflict("login state already exists")
        self._set(self.lti.logins, login.state, login)

    def find_login_state(self, state: str) -> LoginState | None:
        return self.lti.logins.get(state)

    def take_login_state(self, state: str) -> LoginState | None:
        found: LoginState | None = self._pop(self.lti.logins, state)
        return found

    def add_launch(self, launch: LaunchContext) -> None:
        if launch.id in self.lti.launches:
            raise Conflict("launch already exists")
        self._set(self.lti.launches, launch.id, launch)

    def find_launch(self, launch_id: str) -> LaunchContext | None:
        return self.lti.launches.get(launch_id)

    def save_launch(
        self, person: Person, member: RosterMember | None, launch: LaunchContext
    ) -> None:
        self.put_person(person)  # type: ignore[attr-defined]
        if member is not None:
            self.put_roster_member(member)
        self.add_launch(launch)

    def remove_expired(self, now: datetime, *, limit: int | None = None) -> int:
        gone = 0
        tables: tuple[dict[str, Any], ...] = (self.lti.logins, self.lti.launches)
        for table in tables:
            expired = sorted((v.expires_at, k) for k, v in table.items() if v.is_expired(now))
            for _, key in expired[:limit]:
                self._pop(table, key)
                gone += 1
        return gone

    # placements
    def put_placement(self, placement: Placement) -> Placement:
        for p in self.lti.placements.values():
            if (p.course_id, p.resource_link_id) == (
                placement.course_id,
                placement.resource_link_id,
            ):
                if placement.same_as(p):
                    return p
                placement = replace(placement, id=p.id, created_at=p.created_at)
                break
        self._set(self.lti.placements, placement.id, placement)
        return placement

    def find_placement(self, placement_id: str) -> Placement | None:
        return self.lti.placements.get(placement_id)

    def list_placements(
        self, course_id: str, *, credential_id: str | None = None
    ) -> list[Placement]:
        found = [
            p
            for p in self.lti.placements.values()
            if p.course_id == course_id
            and (credential_id is None or p.credential_id == credential_id)
        ]
        return sorted(found, key=lambda p: (p.created_at, p.id))

    # grade deliveries
    def add_grade_delivery(self, delivery: GradeDelivery) -> None:
        if delivery.id in self.lti.deliveries:
            raise Conflict(f"grade delivery {delivery.id} already exists")
        for d in list(self.lti.deliveries.values()):
            if (
                d.placement_id == delivery.placement_id
                and d.person_id == delivery.person_id
                and d.state is DeliveryState.PENDING
            ):
                self._set(self.lti.deliveries, d.id, replace(d, state=DeliveryState.SUPERSEDED))
        self._set(self.lti.deliveries, delivery.id, delivery)

    def find_grade_delivery(self, delivery_id: str) -> GradeDelivery | None:
        return self.lti.deliveries.get(delivery_id)

    def list_grade_deliveries(self, where: DeliveryFilter) -> Page[GradeDelivery]:
        rows = [
            d
            for d in self.lti.deliveries.values()
            if (where.course_id is None or d.course_id == where.course_id)
            and (where.placement_id is None or d.placement_id == where.placement_id)
            and (where.person_id is None or d.person_id == where.person_id)
            and (not where.states or d.state in where.states)
            and (not where.failing or d.failing)
        ]
        rows.sort(key=lambda d: (d.created_at, d.id), reverse=True)
        return Page(items=rows[where.offset : where.offset + where.limit], total=len(rows))

    def _due(self, d: GradeDelivery, now: datetime) -> bool:
        if d.state is DeliveryState.PENDING:
            return d.next_attempt_at <= now
        if d.state is DeliveryState.SENDING:
            return d.lease_until is not None and d.lease_until <= now
        return False

    def list_due_deliveries(self, now: datetime, limit: int) -> list[str]:
        due = [d for d in self.lti.deliveries.values() if self._due(d, now)]
        due.sort(key=lambda d: (d.next_attempt_at, d.id))
        return [d.id for d in due[:limit]]

    def claim_grade_delivery(
        self, delivery_id: str, now: datetime, lease_until: datetime, token: str
    ) -> GradeDelivery | None:
        d = self.lti.deliveries.get(delivery_id)
        if d is None or not self._due(d, now):
            return None
        claimed = replace(d, state=DeliveryState.SENDING, lease_until=lease_until)
        self._set(self.lti.deliveries, d.id, claimed)
        self._set(self.lti.tokens, d.id, token)
        return claimed

    def finish_grade_delivery(self, delivery: GradeDelivery, token: str) -> bool:
        current = self.lti.deliveries.get(delivery.id)
        if (
            current is None
            or current.state is not DeliveryState.SENDING
            or self.lti.tokens.get(delivery.id) != token
        ):
            return False
        self._set(self.lti.deliveries, delivery.id, delivery)
        return True

    def update_grade_delivery(self, delivery: GradeDelivery) -> None:
        if delivery.id not in self.lti.deliveries:
            raise NotFound(f"No grade delivery {delivery.id!r}.")
        self._set(self.lti.deliveries, delivery.id, delivery)

    # rosters
    def put_roster_member(self, member: RosterMember) -> None:
        self._set(self.lti.roster, (member.course_id, member.person_id), member)

    def find_member_and_placement(
        self, course_id: str, person_id: str, resource_link_id: str
    ) -> tuple[RosterMember | None, Placement | None]:
        placement = next(
            (
                p
                for p in self.lti.placements.values()
                if (p.course_id, p.resource_link_id) == (course_id, resource_link_id)
            ),
            None,
        )
        return self.find_roster_member(course_id, person_id), placement

    def find_roster_member(self, course_id: str, person_id: str) -> RosterMember | None:
        return self.lti.roster.get((course_id, person_id))

    def list_roster(self, course_id: str) -> list[RosterMember]:
        found = [m for (cid, _), m in self.lti.roster.items() if cid == course_id]
        return sorted(found, key=lambda m: (m.name.lower(), m.person_id))

    # tool keys
    def add_tool_key(self, key: ToolKey) -> None:
        if key.kid in self.lti.keys:
            raise Conflict(f"tool key {key.kid} already exists")
        self._set(self.lti.keys, key.kid, key)

    def list_tool_keys(self) -> list[ToolKey]:
        return sorted(self.lti.keys.values(), key=lambda k: (k.created_at, k.kid))

    def update_tool_key(self, key: ToolKey) -> None:
        if key.kid not in self.lti.keys:
            raise NotFound(f"No tool key {key.kid!r}.")
        self._set(self.lti.keys, key.kid, key)

    # registration links
    def add_registration_link(self, link: RegistrationLink) -> None:
        if link.id in self.lti.links or self.find_registration_link(link.secret_hash):
            raise Conflict(f"registration link {link.id} already exists")
        self._set(self.lti.links, link.id, link)

    def find_registration_link(self, secret_hash: str) -> RegistrationLink | None:
        return next((x for x in self.lti.links.values() if x.secret_hash == secret_hash), None)

    def take_registration_link(self, secret_hash: str, now: datetime) -> RegistrationLink | None:
        link = self.find_registration_link(secret_hash)
        if link is None or link.status(now) != "active":
            return None
        taken = replace(link, used_at=now)
        self._set(self.lti.links, link.id, taken)
        return taken

    def update_registration_link(self, link: RegistrationLink) -> None:
        if link.id not in self.lti.links:
            raise NotFound(f"No registration link {link.id!r}.")
        self._set(self.lti.links, link.id, link)

    def list_registration_links(self) -> list[RegistrationLink]:
        return sorted(self.lti.links.values(), key=lambda x: (x.created_at, x.id), reverse=True)
