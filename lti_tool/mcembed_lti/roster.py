"""Names and Role Provisioning: the course roster from the LMS."""

from __future__ import annotations

from typing import Any

from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector

from mcembed.launches import LaunchContext, person_key
from mcembed.rosters import RosterMember

from .config import registration_for
from .launch import lti_roles_to_roles

__all__ = ["fetch_roster"]


def fetch_roster(tool: Any, launch: LaunchContext) -> list[RosterMember]:
    """Everyone the LMS lists in the launch's course, page after page."""
    platform = tool.lms.get_platform(launch.platform_id)
    connector = ServiceConnector(registration_for(platform, tool.keys), tool.http)
    nrps = NamesRolesProvisioningService(connector, {"context_memberships_url": launch.nrps_url})
    now = tool.lms.clock.now()
    members = []
    for m in nrps.get_members():
        user_id = str(m.get("user_id") or "")
        if not user_id:
            continue
        name = str(
            m.get("name")
            or " ".join(str(m.get(k) or "") for k in ("given_name", "family_name")).strip()
        )
        members.append(
            RosterMember(
                course_id=launch.course_id,
                person_id=person_key(platform.id, user_id),
                user_id=user_id,
                name=name,
                email=str(m.get("email") or ""),
                roles=lti_roles_to_roles(list(m.get("roles") or []), tool.settings.reviewer_roles),
                active=(m.get("status") or "Active") == "Active",
                synced_at=now,
            )
        )
    return members
