"""What every page after a launch shares: the launch it belongs to (carried
in links and forms, not in a cookie), the form token, and template helpers."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import quote

from flask import Flask, current_app, g, request, url_for
from markupsafe import Markup, escape

from mcembed import PermissionDenied, Service, word_count
from mcembed.evidence import format_size
from mcembed.launches import LaunchContext

from .errors import CsrfError

__all__ = ["install", "launched", "lurl", "reviewers_only", "service", "tool"]

F = TypeVar("F", bound=Callable[..., Any])


def tool() -> Any:
    return current_app.extensions["mcembed_lti"]


def service() -> Service:
    return cast(Service, current_app.extensions["mcembed"])


def current_launch() -> LaunchContext:
    launch: LaunchContext | None = g.get("launch")
    if launch is None:
        launch_id = request.values.get("launch", "")
        launch = tool().verifier.current(launch_id)
        g.launch = launch
    return launch


def launched(view: F) -> F:
    """The view belongs to a launch; forms must carry its token (the launch post
    itself, answered with its landing page, carries the id_token instead)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        launch = current_launch()
        if request.method == "POST" and not g.get("landing_url"):
            sent = request.form.get("csrf_token", "")
            if not sent or not hmac.compare_digest(sent, launch.csrf_token):
                raise CsrfError("missing or wrong csrf_token")
        return view(*args, **kwargs)

    return cast(F, wrapper)


def reviewers_only(view: F) -> F:
    """Only reviewers of the launch's course (the core checks again on each call)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_launch().is_reviewer:
            raise PermissionDenied(
                "This page is for reviewers: it needs the instructor or teaching-assistant "
                "role in this course."
            )
        return view(*args, **kwargs)

    return cast(F, launched(wrapper))


def lurl(endpoint: str, **values: Any) -> str:
    """``url_for`` with the current launch id.

    A page's menu links to a dozen pages that take no other value; their paths
    are built once for each script root and the launch id appended (building
    a URL through the routing map costs more than the rest of a menu item).
    """
    if values:
        return url_for(endpoint, launch=current_launch().id, **values)
    key = (endpoint, request.script_root)
    path = _plain_paths.get(key)
    if path is None:
        path = _plain_paths[key] = url_for(endpoint)
    return f"{path}?launch={quote(current_launch().id, safe='')}"


_plain_paths: dict[tuple[str, str], str] = {}


def _csrf_field() -> Markup:
    launch = current_launch()
    return Markup(
        f'<input type="hidden" name="launch" value="{escape(launch.id)}">'
        f'<input type="hidden" name="csrf_token" value="{escape(launch.csrf_token)}">'
    )


def credential_about(credential: Any) -> Markup:
    """A credential's competency, method, resources, evidence, rubric and passing
    rule as HTML: the same for everyone and every page of one version, so
    rendered once for it (it is most of a credential page's rendering)."""
    template = current_app.jinja_env.get_template("learner/_about.html")
    if not credential.content_hash:  # not from a store: nothing names its content
        return Markup(template.render(credential=credential))
    cache: dict[tuple[str, str, str], Markup] = current_app.extensions.setdefault(
        "mcembed_about", {}
    )
    key = (credential.id, credential.version, credential.content_hash)
    found = cache.get(key)
    if found is None:
        if len(cache) > 512:
            cache.clear()
        found = cache[key] = Markup(template.render(credential=credential))
    return found


def install(app: Flask) -> None:
    """Template helpers: ``lurl``, ``csrf_field``, ``launch``, sizes and words."""
    app.jinja_env.globals.update(
        lurl=lurl,
        credential_about=credential_about,
        csrf_field=_csrf_field,
        current_launch=lambda: g.get("launch"),
        format_size=format_size,
        word_count=word_count,
    )
