"""The LTI repositories of ``SqlStore`` (platforms, logins, launches, placements,
grade deliveries, rosters, tool keys), mixed into its transaction.

Values are kept as JSON documents; what is looked up, made unique, or tested
in a condition has its own column. ``take_login_state`` and the grade
delivery claim are single conditional statements, so of two workers racing
for one row exactly one wins on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError

from ..codec import from_data, to_data
from ..errors import Conflict, NotFound
from ..grades import DeliveryState, GradeDelivery
from ..launches import LaunchContext, LoginState
from ..people import Person
from ..placements import Placement
from ..platforms import Deployment, Platform, ToolKey
from ..registration_links import RegistrationLink
from ..rosters import RosterMember
from . import tables as t
from .base import DeliveryFilter, Page

__all__ = ["LtiSqlRepositories"]


class _L:
    """Statements of a launch, built once: building a statement costs more than
    SQLite takes to run it, and a launch runs a dozen."""

    s = t.lti_login_states
    la = t.lti_launches
    p = t.lti_placements
    r = t.lti_roster
    login_insert = insert(s)
    login_find = select(s.c.document).where(s.c.state == bindparam("state"))
    login_take = delete(s).where(s.c.state == bindparam("state")).returning(s.c.document)
    launch_insert = insert(la)
    launch_find = select(la.c.document).where(la.c.id == bindparam("id"))
    placement_by_link = select(p.c.document).where(
        p.c.course_id == bindparam("course"), p.c.resource_link_id == bindparam("link")
    )
    roster_find = select(r.c.document).where(
        r.c.course_id == bindparam("course"), r.c.person_id == bindparam("person")
    )
    member_and_placement = union_all(
        select(literal_column("'member'").label("kind"), r.c.document).where(
            r.c.course_id == bindparam("course"), r.c.person_id == bindparam("person")
        ),
        select(literal_column("'placement'").label("kind"), p.c.document).where(
            p.c.course_id == bindparam("course"), p.c.resource_link_id == bindparam("link")
        ),
    )
    _upserts: ClassVar[dict[str, Any]] = {}

    @staticmethod
    @functools.cache
    def pg_save_launch(with_member: bool) -> Any:
        """One round trip instead of three on PostgreSQL: the person's (and the
        roster entry's) upsert ride along with the launch's insert as
        data-modifying CTEs. The tables have no foreign keys between them, so
        no statement needs to see another's rows."""
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        people, la, r = t.people, t.lti_launches, t.lti_roster
        person = pg_insert(people).values(
            id=bindparam("person_id"),
            name=bindparam("person_name"),
            email=bindparam("person_email"),
        )
        stmt: Any = insert(la).values(
            id=bindparam("launch_id"),
            expires_at=bindparam("launch_expires", type_=la.c.expires_at.type),
            document=bindparam("launch_doc", type_=la.c.document.type),
        )
        stmt = stmt.add_cte(
            person.on_conflict_do_update(
                index_elements=[people.c.id],
                set_={"name": person.excluded.name, "email": person.excluded.email},
                where=(people.c.name != person.excluded.name)
                | (people.c.email != person.excluded.email),
            ).cte("person_upsert")
        )
        if with_member:
            roster = pg_insert(r).values(
                course_id=bindparam("roster_course"),
                person_id=bindparam("roster_person"),
                document=bindparam("roster_doc", type_=r.c.document.type),
            )
            stmt = stmt.add_cte(
                roster.on_conflict_do_update(
                    index_elements=[r.c.course_id, r.c.person_id],
                    set_={"document": roster.excluded.document},
                ).cte("roster_upsert")
            )
        return stmt

    @classmethod
    def roster_upsert(cls, dialect: str) -> Any:
        """One statement (an upsert) instead of update-then-insert under a savepoint."""
        found = cls._upserts.get(dialect)
        if found is None:
            from sqlalchemy.dialects import postgresql, sqlite

            dialect_insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
            upsert = dialect_insert(cls.r)
            found = cls._upserts[dialect] = upsert.on_conflict_do_update(
                index_elements=[cls.r.c.course_id, cls.r.c.person_id],
                set_={"document": upsert.excluded.document},
            )
        return found


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _delivery_row(d: GradeDelivery) -> dict[str, Any]:
    return {
        "course_id": d.course_id,
        "placement_id": d.placement_id,
        "person_id": d.person_id,
        "state": d.state.value,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at,
        "lease_until": d.lease_until,
        "created_at": d.created_at,
        "document": to_data(d),
    }


def _delivery(row: Any) -> GradeDelivery:
    # the columns hold the latest state; the document the rest
    d = from_data(GradeDelivery, row.document)
    return replace(
        d,
        state=DeliveryState(row.state),
        attempts=row.attempts,
        next_attempt_at=_aware(row.next_attempt_at) or d.next_attempt_at,
        lease_until=_aware(row.lease_until),
    )


class LtiSqlRepositories:
    """Needs ``self.conn`` (the transaction's connection)."""

    conn: Connection

    # --- platforms and deployments ----------------------------------------------
    def add_platform(self, platform: Platform) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(t.lti_platforms).values(
                        id=platform.id,
                        issuer=platform.issuer,
                        client_id=platform.client_id,
                        document=to_data(platform),
                    )
                )
        except IntegrityError:
            raise Conflict(
                f"a platform with issuer {platform.issuer!r} and client id "
                f"{platform.client_id!r} is registered already"
            ) from None

    def find_platform(self, platform_id: str) -> Platform | None:
        p = t.lti_platforms
        row = self.conn.execute(select(p.c.document).where(p.c.id == platform_id)).first()
        return from_data(Platform, row.document) if row else None

    def find_platform_by_client(self, issuer: str, client_id: str) -> Platform | None:
        p = t.lti_platforms
        row = self.conn.execute(
            select(p.c.document).where(p.c.issuer == issuer, p.c.client_id == client_id)
        ).first()
        return from_data(Platform, row.document) if row else None

    def list_platforms(self, *, issuer: str | None = None) -> list[Platform]:
        p = t.lti_platforms
        query = select(p.c.document).order_by(p.c.issuer, p.c.client_id)
        if issuer is not None:
            query = query.where(p.c.issuer == issuer)
        return [from_data(Platform, r.document) for r in self.conn.execute(query)]

    def remove_platform(self, platform_id: str) -> None:
        self.conn.execute(
            delete(t.lti_deployments).where(t.lti_deployments.c.platform_id == platform_id)
        )
        done = self.conn.execute(delete(t.lti_platforms).where(t.lti_platforms.c.id == platform_id))
        if done.rowcount != 1:
            raise NotFound(f"No platform {platform_id!r}.")

    def add_deployment(self, deployment: Deployment) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(t.lti_deployments).values(
                        platform_id=deployment.platform_id,
                        deployment_id=deployment.deployment_id,
                        created_at=deployment.created_at,
                        document=to_data(deployment),
                    )
                )
        except IntegrityError:
            raise Conflict(
                f"deployment {deployment.deployment_id!r} is registered already"
            ) from None

    def find_deployment(self, platform_id: str, deployment_id: str) -> Deployment | None:
        d = t.lti_deployments
        row = self.conn.execute(
            select(d.c.document).where(
                d.c.platform_id == platform_id, d.c.deployment_id == deployment_id
            )
        ).first()
        return from_data(Deployment, row.document) if row else None

    def list_deployments(self, platform_id: str) -> list[Deployment]:
        d = t.lti_deployments
        rows = self.conn.execute(
            select(d.c.document)
            .where(d.c.platform_id == platform_id)
            .order_by(d.c.created_at, d.c.deployment_id)
        )
        return [from_data(Deployment, r.document) for r in rows]

    # --- logins and launches -------------------------------------------------------
    def add_login_state(self, login: LoginState) -> None:
        self.conn.execute(
            _L.login_insert,
            {"state": login.state, "expires_at": login.expires_at, "document": to_data(login)},
        )

    def find_login_state(self, state: str) -> LoginState | None:
        row = self.conn.execute(_L.login_find, {"state": state}).first()
        return from_data(LoginState, row.document) if row else None

    def take_login_state(self, state: str) -> LoginState | None:
        row = self.conn.execute(_L.login_take, {"state": state}).first()
        return from_data(LoginState, row.document) if row else None

    def add_launch(self, launch: LaunchContext) -> None:
        self.conn.execute(
            _L.launch_insert,
            {"id": launch.id, "expires_at": launch.expires_at, "document": to_data(launch)},
        )

    def find_launch(self, launch_id: str) -> LaunchContext | None:
        row = self.conn.execute(_L.launch_find, {"id": launch_id}).first()
        return from_data(LaunchContext, row.document) if row else None

    def save_launch(
        self, person: Person, member: RosterMember | None, launch: LaunchContext
    ) -> None:
        if self.conn.dialect.name != "postgresql":
            self.put_person(person)  # type: ignore[attr-defined]
            if member is not None:
                self.put_roster_member(member)
            self.add_launch(launch)
            return
        params: dict[str, Any] = {
            "person_id": person.id,
            "person_name": person.name,
            "person_email": person.email,
            "launch_id": launch.id,
            "launch_expires": launch.expires_at,
            "launch_doc": to_data(launch),
        }
        if member is not None:
            params["roster_course"] = member.course_id
            params["roster_person"] = member.person_id
            params["roster_doc"] = to_data(member)
        self.conn.execute(_L.pg_save_launch(member is not None), params)

    def remove_expired(self, now: datetime, *, limit: int | None = None) -> int:
        gone = 0
        for table, key in (
            (t.lti_login_states, t.lti_login_states.c.state),
            (t.lti_launches, t.lti_launches.c.id),
        ):
            # expired at ``now`` as the domain says (LoginState.is_expired)
            expired: Any = table.c.expires_at <= now
            if limit is not None:
                expired = key.in_(
                    select(key).where(expired).order_by(table.c.expires_at).limit(limit)
                )
            gone += self.conn.execute(delete(table).where(expired)).rowcount
        return gone

    # --- placements ----------------------------------------------------------------
    def put_placement(self, placement: Placement) -> Placement:
        p = t.lti_placements
        row = self.conn.execute(
            _L.placement_by_link,
            {"course": placement.course_id, "link": placement.resource_link_id},
        ).first()
        if row is not None:
            old = from_data(Placement, row.document)
            if placement.same_as(old):
                return old
            placement = replace(placement, id=old.id, created_at=old.created_at)
            self.conn.execute(
                update(p)
                .where(p.c.id == old.id)
                .values(credential_id=placement.credential_id, document=to_data(placement))
            )
            return placement
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(p).values(
                        id=placement.id,
                        course_id=placement.course_id,
                        resource_link_id=placement.resource_link_id,
                        credential_id=placement.credential_id,
                        created_at=placement.created_at,
                        document=to_data(placement),
                    )
                )
        except IntegrityError:
            # a concurrent first launch of the same link stored it a moment ago
            return self.put_placement(placement)
        return placement

    def find_placement(self, placement_id: str) -> Placement | None:
        p = t.lti_placements
        row = self.conn.execute(select(p.c.document).where(p.c.id == placement_id)).first()
        return from_data(Placement, row.document) if row else None

    def list_placements(
        self, course_id: str, *, credential_id: str | None = None
    ) -> list[Placement]:
        p = t.lti_placements
        query = select(p.c.document).where(p.c.course_id == course_id)
        if credential_id is not None:
            query = query.where(p.c.credential_id == credential_id)
        rows = self.conn.execute(query.order_by(p.c.created_at, p.c.id))
        return [from_data(Placement, r.document) for r in rows]

    # --- grade deliveries -----------------------------------------------------------
    def add_grade_delivery(self, delivery: GradeDelivery) -> None:
        g = t.grade_deliveries
        self.conn.execute(
            update(g)
            .where(
                g.c.placement_id == delivery.placement_id,
                g.c.person_id == delivery.person_id,
                g.c.state == DeliveryState.PENDING.value,
            )
            .values(state=DeliveryState.SUPERSEDED.value)
        )
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(g).values(id=delivery.id, claim_token="", **_delivery_row(delivery))
                )
        except IntegrityError:
            raise Conflict(f"grade delivery {delivery.id} already exists") from None

    def find_grade_delivery(self, delivery_id: str) -> GradeDelivery | None:
        g = t.grade_deliveries
        row = self.conn.execute(select(g).where(g.c.id == delivery_id)).first()
        return _delivery(row) if row else None

    def list_grade_deliveries(self, where: DeliveryFilter) -> Page[GradeDelivery]:
        g = t.grade_deliveries
        conds: list[Any] = []
        if where.course_id is not None:
            conds.append(g.c.course_id == where.course_id)
        if where.placement_id is not None:
            conds.append(g.c.placement_id == where.placement_id)
        if where.person_id is not None:
            conds.append(g.c.person_id == where.person_id)
        if where.states:
            conds.append(g.c.state.in_([s.value for s in where.states]))
        if where.failing:
            conds.append(g.c.attempts > 0)
            conds.append(g.c.state.in_([DeliveryState.PENDING.value, DeliveryState.SENDING.value]))
        total = self.conn.execute(select(func.count()).select_from(g).where(*conds)).scalar_one()
        rows = self.conn.execute(
            select(g)
            .where(*conds)
            .order_by(g.c.created_at.desc(), g.c.id.desc())
            .limit(where.limit)
            .offset(where.offset)
        )
        return Page(items=[_delivery(r) for r in rows], total=total)

    def _due(self, now: datetime) -> Any:
        g = t.grade_deliveries
        return or_(
            and_(g.c.state == DeliveryState.PENDING.value, g.c.next_attempt_at <= now),
            and_(g.c.state == DeliveryState.SENDING.value, g.c.lease_until <= now),
        )

    def list_due_deliveries(self, now: datetime, limit: int) -> list[str]:
        g = t.grade_deliveries
        rows = self.conn.execute(
            select(g.c.id).where(self._due(now)).order_by(g.c.next_attempt_at, g.c.id).limit(limit)
        )
        return [r.id for r in rows]

    def claim_grade_delivery(
        self, delivery_id: str, now: datetime, lease_until: datetime, token: str
    ) -> GradeDelivery | None:
        g = t.grade_deliveries
        done = self.conn.execute(
            update(g)
            .where(g.c.id == delivery_id, self._due(now))
            .values(state=DeliveryState.SENDING.value, lease_until=lease_until, claim_token=token)
        )
        if done.rowcount != 1:
            return None
        return self.find_grade_delivery(delivery_id)

    def finish_grade_delivery(self, delivery: GradeDelivery, token: str) -> bool:
        g = t.grade_deliveries
        done = self.conn.execute(
            update(g)
            .where(
                g.c.id == delivery.id,
                g.c.state == DeliveryState.SENDING.value,
                g.c.claim_token == token,
            )
            .values(claim_token="", **_delivery_row(delivery))
        )
        return bool(done.rowcount == 1)

    def update_grade_delivery(self, delivery: GradeDelivery) -> None:
        g = t.grade_deliveries
        done = self.conn.execute(
            update(g).where(g.c.id == delivery.id).values(**_delivery_row(delivery))
        )
        if done.rowcount != 1:
            raise NotFound(f"No grade delivery {delivery.id!r}.")

    # --- rosters ---------------------------------------------------------------------
    def put_roster_member(self, member: RosterMember) -> None:
        self.conn.execute(
            _L.roster_upsert(self.conn.dialect.name),
            {
                "course_id": member.course_id,
                "person_id": member.person_id,
                "document": to_data(member),
            },
        )

    def find_member_and_placement(
        self, course_id: str, person_id: str, resource_link_id: str
    ) -> tuple[RosterMember | None, Placement | None]:
        rows = self.conn.execute(
            _L.member_and_placement,
            {"course": course_id, "person": person_id, "link": resource_link_id},
        )
        found = {row.kind: row.document for row in rows}
        member, placement = found.get("member"), found.get("placement")
        return (
            from_data(RosterMember, member) if member is not None else None,
            from_data(Placement, placement) if placement is not None else None,
        )

    def find_roster_member(self, course_id: str, person_id: str) -> RosterMember | None:
        row = self.conn.execute(_L.roster_find, {"course": course_id, "person": person_id}).first()
        return from_data(RosterMember, row.document) if row else None

    def list_roster(self, course_id: str) -> list[RosterMember]:
        r = t.lti_roster
        rows = self.conn.execute(select(r.c.document).where(r.c.course_id == course_id))
        members = [from_data(RosterMember, row.document) for row in rows]
        return sorted(members, key=lambda m: (m.name.lower(), m.person_id))

    # --- tool keys ----------------------------------------------------------------------
    def add_tool_key(self, key: ToolKey) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(t.lti_tool_keys).values(
                        kid=key.kid, created_at=key.created_at, document=to_data(key)
                    )
                )
        except IntegrityError:
            raise Conflict(f"tool key {key.kid} already exists") from None

    def list_tool_keys(self) -> list[ToolKey]:
        k = t.lti_tool_keys
        rows = self.conn.execute(select(k.c.document).order_by(k.c.created_at, k.c.kid))
        return [from_data(ToolKey, r.document) for r in rows]

    def update_tool_key(self, key: ToolKey) -> None:
        k = t.lti_tool_keys
        done = self.conn.execute(update(k).where(k.c.kid == key.kid).values(document=to_data(key)))
        if done.rowcount != 1:
            raise NotFound(f"No tool key {key.kid!r}.")

    # --- registration links ------------------------------------------------------------
    # the used_at column is the truth (a link is taken by a conditional update
    # of it alone); the document holds the rest
    @staticmethod
    def _link(row: Any) -> RegistrationLink:
        used = row.used_at
        if used is not None and used.tzinfo is None:  # SQLite keeps no zone
            used = used.replace(tzinfo=UTC)
        return replace(from_data(RegistrationLink, row.document), used_at=used)

    def add_registration_link(self, link: RegistrationLink) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(t.lti_registration_links).values(
                        id=link.id,
                        secret_hash=link.secret_hash,
                        created_at=link.created_at,
                        expires_at=link.expires_at,
                        used_at=link.used_at,
                        document=to_data(link),
                    )
                )
        except IntegrityError:
            raise Conflict(f"registration link {link.id} already exists") from None

    def find_registration_link(self, secret_hash: str) -> RegistrationLink | None:
        x = t.lti_registration_links
        row = self.conn.execute(
            select(x.c.document, x.c.used_at).where(x.c.secret_hash == secret_hash)
        ).first()
        return self._link(row) if row else None

    def take_registration_link(self, secret_hash: str, now: datetime) -> RegistrationLink | None:
        x = t.lti_registration_links
        row = self.conn.execute(
            update(x)
            .where(x.c.secret_hash == secret_hash, x.c.used_at.is_(None), x.c.expires_at > now)
            .values(used_at=now)
            .returning(x.c.document, x.c.used_at)
        ).first()
        return self._link(row) if row else None

    def update_registration_link(self, link: RegistrationLink) -> None:
        x = t.lti_registration_links
        done = self.conn.execute(
            update(x).where(x.c.id == link.id).values(used_at=link.used_at, document=to_data(link))
        )
        if done.rowcount != 1:
            raise NotFound(f"No registration link {link.id!r}.")

    def list_registration_links(self) -> list[RegistrationLink]:
        x = t.lti_registration_links
        rows = self.conn.execute(
            select(x.c.document, x.c.used_at).order_by(x.c.created_at.desc(), x.c.id.desc())
        )
        return [self._link(r) for r in rows]
