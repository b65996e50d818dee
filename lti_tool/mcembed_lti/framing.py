"""Who may frame the tool's pages: ``Content-Security-Policy: frame-ancestors``.

- **A page of a launch** (everything a launch opens, its forms, errors and
  files): only the launching platform's origins, chosen at the launch and kept
  with it (``LaunchContext.frame_origins``, from
  ``mcembed.launches.frame_origins``: the LMS page that posted the launch, its
  return URL, and the platform's registered URLs).
- **The LTI steps before a launch exists** (``/lti/login`` and its cookie and
  storage checks, a refused launch, Dynamic Registration) and error pages
  outside a launch: any site. Which LMS frames them is not known yet (a
  Canvas course is framed from the school's own host), and they offer nothing
  to click but "open in a new window".
- **Public pages** (a credential's share-and-verify page and its downloads,
  the issuer's pages, the revocation list, ``/verify``, a portfolio share
  link): any site. They need no sign-in and change nothing (``/verify`` only
  reads what it is given), so a frame cannot trick anyone into an action, and
  they are meant to be shown: a badge in an e-portfolio, the verifier in a
  course or on a school's site.
- Everything else (the REST API, static files): no site.

``X-Frame-Options`` cannot list origins: it is sent (``DENY``) only where no
site may frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, g, request

from mcembed.launches import LaunchContext, frame_origins

from .api.errors import is_api_request

__all__ = ["ANY", "NONE", "frame_ancestors", "set_frame_policy"]

ANY = "*"
NONE = "'none'"

# the blueprints of the public pages and of the LTI steps before a launch
BLUEPRINTS = {"public": ANY, "shared": ANY, "lti": ANY}


def _launch_sources(tool: Any, launch: LaunchContext) -> str:
    origins = launch.frame_origins
    if not origins:
        # a launch recorded before its origins were kept: its platform's, as now
        key = ("frame-origins", launch.id)
        origins = tool.recent.get(key)
        if origins is None:
            try:
                platform = tool.lms.get_platform(launch.platform_id)
            except LookupError:
                origins = ()
            else:
                settings = launch.deep_linking if isinstance(launch.deep_linking, Mapping) else {}
                origins = frame_origins(
                    platform,
                    return_url=launch.return_url,
                    deep_link_return_url=str(settings.get("deep_link_return_url") or ""),
                )
            tool.recent.put(key, origins)
    return " ".join(origins) or NONE


def frame_ancestors(tool: Any, response: Response) -> str:
    """The ``frame-ancestors`` sources for the response to this request."""
    launch: LaunchContext | None = g.get("launch")
    if launch is not None:
        return _launch_sources(tool, launch)
    if is_api_request():
        return NONE
    blueprint = request.blueprint or ""
    if blueprint in BLUEPRINTS:
        return BLUEPRINTS[blueprint]
    return ANY if response.status_code >= 400 else NONE


def set_frame_policy(tool: Any, response: Response) -> Response:
    """Add ``frame-ancestors`` to the response's policy (and ``X-Frame-Options:
    DENY`` where no site may frame it)."""
    sources = frame_ancestors(tool, response)
    policy = response.headers.get("Content-Security-Policy", "")
    if "frame-ancestors" not in policy:
        directive = f"frame-ancestors {sources}"
        policy = f"{policy.rstrip('; ')}; {directive}" if policy else directive
        response.headers["Content-Security-Policy"] = policy
    if sources == NONE:
        response.headers.setdefault("X-Frame-Options", "DENY")
    return response
