"""Reported recommendations, for the roles the instance lets moderate
(``MCEMBED_MODERATION_ROLES``, default administrators): who reported what and
why, who sent it (anonymous or not: only here), and the core's two actions,
withdraw it from the recipient or keep it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, request

from mcembed.access import can_moderate, require_moderation
from mcembed.boards import format_day

from ..forms import community
from ..pages import current_launch, launched, lurl

bp = Blueprint("moderation", __name__, url_prefix="/community/moderation")

NOTICES = {
    "withdrawn": "Withdrawn: the recipient no longer sees it.",
    "kept": "Report closed; the recommendation stays as it was.",
}


@bp.app_context_processor
def nav() -> dict[str, Any]:
    """Whether the launch's actor moderates (for the menu)."""

    def allowed() -> bool:
        launch = g.get("launch")
        return launch is not None and can_moderate(launch.actor, community().moderation_roles)

    return {"moderation_allowed": allowed}


@bp.route("/")
@launched
def index() -> Any:
    actor = current_launch().actor
    require_moderation(actor, community().moderation_roles)
    return render_template(
        "community/moderation.html",
        cases=community().moderation_queue(actor),
        format_day=format_day,
        notice=NOTICES.get(request.args.get("notice", ""), ""),
    )


@bp.route("/<recommendation_id>", methods=["POST"])
@launched
def resolve(recommendation_id: str) -> Any:
    withdraw = request.form.get("action") == "withdraw"
    community().resolve_report(current_launch().actor, recommendation_id, withdraw=withdraw)
    notice = "withdrawn" if withdraw else "kept"
    return redirect(lurl("moderation.index", notice=notice), code=303)
