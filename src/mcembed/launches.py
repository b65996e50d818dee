"""Logins and launches: what an LTI launch leaves behind for the pages after it.

A ``LoginState`` is written when a platform starts the OIDC login and taken
(read and deleted, once) when the launch comes back: its nonce must be the one
in the signed id_token, so a launch form cannot be replayed. A
``LaunchContext`` is what a verified launch established (who, in which course
and resource link, with which LMS services); pages carry its ``id`` in their
links and forms instead of a cookie, and check its ``csrf_token`` on every
form.

Course and person keys are scoped by platform (and course by deployment), so
one platform, deployment or course never sees another's data.

A launch also keeps the web origins that may frame its pages
(``frame_origins``): the launching platform's, and no one else's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from .access import Actor, Role
from .platforms import Platform, web_origin

__all__ = [
    "MAX_FRAME_ORIGINS",
    "AgsEndpoint",
    "LaunchContext",
    "LoginState",
    "MessageType",
    "course_key",
    "frame_origins",
    "person_key",
]

MAX_FRAME_ORIGINS = 6


class MessageType(StrEnum):
    RESOURCE_LINK = "LtiResourceLinkRequest"
    DEEP_LINKING = "LtiDeepLinkingRequest"


def _bounded(key: str) -> str:
    # ids are stored in 255-character columns; LTI ids may be up to 255 themselves
    if len(key) <= 255:
        return key
    return key[:180] + "~" + hashlib.sha256(key.encode()).hexdigest()


def course_key(platform_id: str, deployment_id: str, context_id: str) -> str:
    """The course id mcembed uses for an LMS course (context) seen through one
    deployment of one platform."""
    return _bounded(f"lti:{platform_id}:{deployment_id}:{context_id}")


def person_key(platform_id: str, subject: str) -> str:
    """The person id mcembed uses for a platform user (the id_token's ``sub``)."""
    return _bounded(f"lti:{platform_id}:{subject}")


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginState:
    """An OIDC login under way: the state and nonce sent to the platform."""

    state: str
    nonce: str
    platform_id: str
    target_link_uri: str = ""
    storage_target: str = ""
    issued_at: datetime
    expires_at: datetime

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at


@dataclass(frozen=True, slots=True, kw_only=True)
class AgsEndpoint:
    """The Assignment and Grade Services claim of a launch."""

    scopes: tuple[str, ...] = ()
    lineitems: str = ""
    lineitem: str = ""

    SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
    LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"

    @property
    def can_score(self) -> bool:
        return self.SCORE in self.scopes

    @property
    def can_create_lineitem(self) -> bool:
        return self.LINEITEM in self.scopes


@dataclass(frozen=True, slots=True, kw_only=True)
class LaunchContext:
    """A verified launch, as the pages after it need it.

    ``frame_origins`` are the origins that may frame the launch's pages (see
    ``frame_origins()``); empty for a launch recorded before they were kept.
    """

    id: str
    platform_id: str
    deployment_id: str
    message_type: MessageType = MessageType.RESOURCE_LINK
    user_id: str
    person_id: str
    course_id: str
    context_id: str = ""
    context_title: str = ""
    resource_link_id: str = ""
    resource_link_title: str = ""
    roles: frozenset[Role] = field(default_factory=lambda: frozenset({Role.LEARNER}))
    lti_roles: tuple[str, ...] = ()
    name: str = ""
    email: str = ""
    custom: Mapping[str, str] = field(default_factory=dict)
    ags: AgsEndpoint | None = None
    nrps_url: str = ""
    deep_linking: Mapping[str, Any] | None = None
    return_url: str = ""
    frame_origins: tuple[str, ...] = ()
    csrf_token: str
    created_at: datetime
    expires_at: datetime

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    @property
    def actor(self) -> Actor:
        """The ``Actor`` every ``Service`` call of this launch acts as."""
        return Actor(
            id=self.person_id,
            roles=self.roles,
            course_id=self.course_id,
            name=self.name,
            email=self.email,
        )

    @property
    def is_reviewer(self) -> bool:
        return self.actor.is_reviewer


def frame_origins(
    platform: Platform,
    *,
    launch_origin: str = "",
    return_url: str = "",
    deep_link_return_url: str = "",
) -> tuple[str, ...]:
    """The web origins that may frame the pages of a launch from ``platform``.

    The issuer alone is not where an LMS shows a tool: Canvas signs as
    ``https://canvas.instructure.com`` and logs in through
    ``sso.canvaslms.com``, while the course page that frames the tool is on the
    school's own host (``https://school.instructure.com``). So the origins are,
    in this order and each once:

    - ``launch_origin``: the ``Origin`` the browser sent with the id_token post,
      which is the page the LMS posted it from (its own host);
    - ``return_url``: the signed ``launch_presentation.return_url``, a page of
      the course;
    - ``deep_link_return_url``: the signed Deep Linking return address;
    - the platform's registered issuer and login URLs (Moodle, Brightspace and
      the practice LMS frame from these).

    Only https origins count, and http ones on this machine (a development LMS,
    the demo); at most ``MAX_FRAME_ORIGINS``.
    """
    found: list[str] = []
    for url in (
        launch_origin,
        return_url,
        deep_link_return_url,
        platform.issuer,
        platform.auth_login_url,
    ):
        origin = web_origin(url) if url else None
        if origin is not None and origin not in found:
            found.append(origin)
    return tuple(found[:MAX_FRAME_ORIGINS])
