"""My page: notifications and reminders, recommendations received (accept
as a goal, decline, report), recommending a credential to a colleague, my
goals and cohorts, and the catalog search from a problem description."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from flask import Blueprint, redirect, render_template, request

from mcembed import NotFound, Role
from mcembed.boards import format_day
from mcembed.recommendations import RecommendationStatus

from ..forms import community, form_list, query
from ..pages import current_launch, launched, lurl, service

bp = Blueprint("community", __name__, url_prefix="/community")

NOTICES = {
    "accepted": "Accepted: the credential is now one of your goals.",
    "declined": "Declined.",
    "reported": "Reported. An administrator will look at it; the sender is not told.",
    "recommended": "Recommendation sent.",
    "read": "Marked as read.",
    "goal": "Goal removed.",
}


def _is_instructor() -> bool:
    actor = current_launch().actor
    return Role.INSTRUCTOR in actor.roles or actor.is_admin


@bp.route("/me")
@launched
def me() -> Any:
    """Everything addressed to the actor, and the means to recommend."""
    actor = current_launch().actor
    c = community()
    q = query("q")
    credentials = service().list_credentials()
    stacks = service().list_stacks()
    names = {x.id: x.name for x in credentials} | {s.id: s.name for s in stacks}
    # a recommendation or goal names a credential or a stack (a credential first,
    # as the core reads the id); each links to its own page
    stack_ids = {s.id for s in stacks} - {x.id for x in credentials}

    def definition_url(definition_id: str) -> str:
        if definition_id in stack_ids:
            return lurl("learner.stack", stack_id=definition_id)
        return lurl("learner.credential", credential_id=definition_id)

    cohorts = c.list_cohorts(actor)
    progress = {}
    for cohort in cohorts:
        # a facilitator, or a member who left, has no row of their own
        with suppress(NotFound):
            progress[cohort.id] = c.my_progress(actor, cohort.id)
    return render_template(
        "community/me.html",
        notifications=c.notifications(actor, limit=50),
        received=c.recommendations_for_me(actor),
        sent=c.recommendations_sent(actor),
        goals=c.goals(actor),
        cohorts=cohorts,
        progress=progress,
        people=c.course_people(actor) if actor.course_id else [],
        names=names,
        definition_url=definition_url,
        stack_ids=stack_ids,
        query=q,
        hits=service().search_catalog(q, limit=10) if q else [],
        pending=RecommendationStatus.PENDING,
        instructor=_is_instructor(),
        recommend_id=query("recommend"),
        format_day=format_day,
        notice=NOTICES.get(request.args.get("notice", ""), ""),
    )


@bp.route("/me/recommend", methods=["POST"])
@launched
def recommend() -> Any:
    """Recommend a credential: a peer to one colleague (optionally anonymously),
    an instructor to one learner or a group."""
    community().recommend(
        current_launch().actor,
        request.form.get("credential", ""),
        form_list("recipient"),
        note=request.form.get("note", ""),
        anonymous=request.form.get("anonymous") == "yes",
    )
    return redirect(lurl("community.me", notice="recommended"), code=303)


@bp.route("/me/recommendations/<recommendation_id>", methods=["POST"])
@launched
def answer(recommendation_id: str) -> Any:
    accept = request.form.get("answer") == "accept"
    community().answer_recommendation(current_launch().actor, recommendation_id, accept=accept)
    return redirect(lurl("community.me", notice="accepted" if accept else "declined"), code=303)


@bp.route("/me/recommendations/<recommendation_id>/report", methods=["POST"])
@launched
def report(recommendation_id: str) -> Any:
    community().report_recommendation(
        current_launch().actor, recommendation_id, reason=request.form.get("reason", "")
    )
    return redirect(lurl("community.me", notice="reported"), code=303)


@bp.route("/me/notifications/<notification_id>/read", methods=["POST"])
@launched
def mark_read(notification_id: str) -> Any:
    community().mark_read(current_launch().actor, notification_id)
    return redirect(lurl("community.me", notice="read"), code=303)


@bp.route("/me/notifications/read", methods=["POST"])
@launched
def mark_all_read() -> Any:
    community().mark_all_read(current_launch().actor)
    return redirect(lurl("community.me", notice="read"), code=303)


@bp.route("/me/goals/<credential_id>/remove", methods=["POST"])
@launched
def remove_goal(credential_id: str) -> Any:
    community().remove_goal(current_launch().actor, credential_id)
    return redirect(lurl("community.me", notice="goal"), code=303)
