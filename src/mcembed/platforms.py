"""LMS platforms the instance trusts, their deployments, and the tool's own keys.

A ``Platform`` is one LTI 1.3 registration, keyed by issuer *and* client id:
Canvas cloud shares one issuer among all its tenants, so the issuer alone
names no one. A ``Deployment`` is one install of the tool in that platform
(Canvas makes a new one each time the tool is added to an account or course).

Which deployments are accepted is the platform's ``DeploymentPolicy``:

- ``listed``: only deployment ids registered in advance (``mcembed lti add-platform
  --deployment``); any other launch is refused and the page says which id to add.
- ``auto``: a deployment id seen for the first time in a launch whose signature,
  issuer and audience all check out is recorded and accepted (the platform's
  key vouches for it), the way Canvas admins expect installs to just work.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from .errors import PermissionDenied, excerpt

__all__ = [
    "Deployment",
    "DeploymentPolicy",
    "Platform",
    "ToolKey",
    "admit_deployment",
    "check_platform_url",
    "web_origin",
]


class DeploymentPolicy(StrEnum):
    """Which deployment ids of a platform are accepted."""

    LISTED = "listed"
    AUTO = "auto"


def _is_local(host: str) -> bool:
    return host in ("localhost", "127.0.0.1", "::1") or host.endswith(".localhost")


def check_platform_url(name: str, url: str) -> str:
    """``url`` if it is an https URL (http only on this machine), else ``ValueError``
    naming the field."""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = urlsplit("")
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and _is_local(host):
        return url
    raise ValueError(
        f"{name} must be an https:// URL (http:// only for localhost) (got {excerpt(url)})"
    )


_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def web_origin(url: str) -> str | None:
    """The origin (``scheme://host[:port]``) of an https URL, or of an http URL on
    this machine; ``None`` for anything else.

    The result is fit for a ``Content-Security-Policy`` source list: a host
    name or IPv4 address (an international name in its ASCII form), a port
    only when it is not the scheme's own. IPv6 addresses, which CSP cannot
    name, an ``Origin: null`` and text that is not a URL give ``None``.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii").lower()
    except (ValueError, UnicodeError):
        return None
    if parts.scheme == "https" or (parts.scheme == "http" and _is_local(host)):
        if not _HOST.fullmatch(host):
            return None
        default = 443 if parts.scheme == "https" else 80
        suffix = f":{port}" if port is not None and port != default else ""
        return f"{parts.scheme}://{host}{suffix}"
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Platform:
    """One LTI 1.3 registration: an issuer and a client id, with its endpoints."""

    id: str
    issuer: str
    client_id: str
    name: str = ""
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    auth_audience: str = ""
    deployment_policy: DeploymentPolicy = DeploymentPolicy.LISTED
    product: str = ""
    created_at: datetime

    def __post_init__(self) -> None:
        if not self.issuer.strip():
            raise ValueError("issuer must not be empty")
        if not self.client_id.strip():
            raise ValueError("client id must not be empty")
        check_platform_url("login (auth) URL", self.auth_login_url)
        check_platform_url("token URL", self.auth_token_url)
        check_platform_url("key set URL", self.key_set_url)

    @property
    def label(self) -> str:
        """How pages and commands name the platform."""
        return self.name or urlsplit(self.issuer).hostname or self.issuer

    @property
    def origin(self) -> str:
        """The origin the platform's browser messages come from (its login URL's)."""
        parts = urlsplit(self.auth_login_url)
        return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Deployment:
    """One install of the tool in a platform."""

    platform_id: str
    deployment_id: str
    name: str = ""
    auto: bool = False
    created_at: datetime


def admit_deployment(platform: Platform, known: Deployment | None, deployment_id: str) -> bool:
    """Whether a launch through ``deployment_id`` may go on.

    Returns:
        ``False`` when it is already known, ``True`` when the policy accepts it as
        new (the caller records it).

    Raises:
        PermissionDenied: the platform only accepts listed deployments and this
            one is not listed.
    """
    if known is not None:
        return False
    if platform.deployment_policy is DeploymentPolicy.AUTO:
        return True
    raise PermissionDenied(
        f"Deployment {excerpt(deployment_id)} of {platform.label} is not registered with "
        "this tool. "
        f"An administrator can add it with: mcembed lti add-deployment {platform.id} "
        f"{deployment_id}"
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolKey:
    """One of the tool's signing keys: the newest active one signs, every
    unretired one is published in the tool's JWKS so platforms can still check
    what an older key signed."""

    kid: str
    private_pem: str
    public_jwk: Mapping[str, Any] = field(default_factory=dict)
    created_at: datetime
    retired_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.retired_at is None
