"""Personal access tokens: a learner (or an instructor) makes one for a
connected notebook, sees its secret once, lists and revokes them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request

from mcembed import PermissionDenied, ValidationError
from mcembed.tokens import DEFAULT_PERSONAL_DAYS, PERSONAL_EXPIRIES, Scope

from ..pages import current_launch, launched, lurl, service, tool

bp = Blueprint("tokens", __name__, url_prefix="/learn/tokens")

NOTICES = {"revoked": "Token revoked: it stops working at once."}


def _page(*, made: Any = None, errors: list[str] | None = None, status: int = 200) -> Any:
    launch = current_launch()
    found = tool().tokens.list_tokens(launch.actor)
    response = current_app.make_response(
        (
            render_template(
                "tokens.html",
                tokens=found,
                made=made,
                errors=errors or [],
                now=service().clock.now(),
                expiries=PERSONAL_EXPIRIES,
                default_days=DEFAULT_PERSONAL_DAYS,
                can_review=launch.is_reviewer,
                api_url=request.url_root.rstrip("/"),
                notice=NOTICES.get(request.args.get("notice", ""), ""),
            ),
            status,
        )
    )
    # the page may hold a secret: never keep it in a cache
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/")
@launched
def index() -> Any:
    return _page()


@bp.route("/", methods=["POST"])
@launched
def create() -> Any:
    """Make a token; the answer shows its secret, once."""
    launch = current_launch()
    scopes = request.form.getlist("scope") or [Scope.LEARNER.value]
    try:
        days = int(request.form.get("days", DEFAULT_PERSONAL_DAYS))
    except ValueError:
        days = -1
    placement = tool().lms.find_placement(launch.course_id, launch.resource_link_id)
    try:
        made = tool().tokens.create_personal(
            launch.actor,
            name=request.form.get("name", ""),
            days=days,
            scopes=scopes,
            placement_id=placement.id if placement else "",
        )
    except (ValidationError, PermissionDenied) as e:
        return _page(errors=[str(e)], status=400)
    return _page(made=made, status=201)


@bp.route("/<token_id>/revoke", methods=["POST"])
@launched
def revoke(token_id: str) -> Any:
    tool().tokens.revoke(current_launch().actor, token_id)
    return redirect(lurl("tokens.index", notice="revoked"), code=303)
