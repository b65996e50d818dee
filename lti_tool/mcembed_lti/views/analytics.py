"""Programme analytics for the roles the instance allows
(``MCEMBED_ANALYTICS_ROLES``): per credential or per cohort, with a chart,
the reviewers' load, the criteria most often "not yet", filters by course,
cohort, credential and date, and a CSV export. Small groups come suppressed
from the core."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, g, render_template

from mcembed.access import can_see_analytics
from mcembed.analytics_charts import analytics_chart_svg

from ..downloads import attachment
from ..forms import arg_moment, community, query
from ..pages import current_launch, launched, service

bp = Blueprint("analytics", __name__, url_prefix="/community/analytics")


@bp.app_context_processor
def nav() -> dict[str, Any]:
    """Whether the launch's actor may open the analytics (for the menu)."""

    def allowed() -> bool:
        launch = g.get("launch")
        if launch is None:
            return False
        actor = launch.actor
        return can_see_analytics(actor, actor.course_id, community().analytics_roles)

    return {"analytics_allowed": allowed}


def _filters() -> dict[str, Any]:
    actor = current_launch().actor
    by = query("by") or "credential"
    until = arg_moment("until")
    if until is not None and len(query("until")) <= 10:
        until += timedelta(days=1)  # a date: up to the end of that day
    return {
        "by": by,
        "course_id": (query("course") or None) if actor.is_admin else None,
        "cohort_id": query("cohort") or None,
        "credential_id": query("credential") or None,
        "since": arg_moment("since"),
        "until": until,
    }


@bp.route("/")
@launched
def index() -> Any:
    actor = current_launch().actor
    filters = _filters()
    report = community().analytics(actor, **filters)
    credentials = service().list_credentials()
    return render_template(
        "community/analytics.html",
        report=report,
        chart=analytics_chart_svg(report),
        cohorts=community().list_cohorts(actor, course_id=filters["course_id"]),
        credentials=credentials,
        args={k: query(k) for k in ("by", "course", "cohort", "credential", "since", "until")},
        admin=actor.is_admin,
        names={c.id: c.name for c in credentials},
    )


@bp.route("/export.csv")
@launched
def export() -> Any:
    """What the page shows, as CSV (suppressed cells as "<k")."""
    text = community().analytics_csv(current_launch().actor, **_filters())
    return attachment(text.encode(), "analytics.csv", "text/csv", sandbox=False)
