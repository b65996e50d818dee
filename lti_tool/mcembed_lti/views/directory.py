"""The expertise directory: who holds which credential (only those who opted
in), by credential or alignment, "ask for mentoring", and opting in or out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request

from mcembed.awards import AwardStatus
from mcembed.boards import format_day
from mcembed.directory import ALL

from ..forms import community, query
from ..pages import current_launch, launched, lurl, service

bp = Blueprint("directory", __name__, url_prefix="/community/directory")

NOTICES = {
    "joined": "You are listed now.",
    "left": "You are no longer listed; you disappeared from the directory at once.",
    "asked": "Your request was sent: it appears on their page.",
}


@bp.route("/")
@launched
def index() -> Any:
    actor = current_launch().actor
    c = community()
    credential = query("credential") or None
    framework, code = query("framework"), query("code")
    credentials = service().list_credentials()
    names = {x.id: x.name for x in credentials} | {s.id: s.name for s in service().list_stacks()}
    held = {
        e.award.credential_id: e.name
        for e in c.portfolio(actor).entries
        if e.status is AwardStatus.ACTIVE
    }
    listings = c.my_directory_listings(actor)
    return render_template(
        "community/directory.html",
        entries=c.directory(actor, credential_id=credential, framework=framework, code=code),
        names=names,
        credential=credential or "",
        framework=framework,
        code=code,
        held=held,
        listed_all=any(x.credential_id == ALL for x in listings),
        listed={x.credential_id for x in listings},
        ALL=ALL,
        me=actor.id,
        format_day=format_day,
        notice=NOTICES.get(request.args.get("notice", ""), ""),
    )


@bp.route("/join", methods=["POST"])
@launched
def join() -> Any:
    """Opt in, for one credential one holds or for every one (``all``)."""
    community().join_directory(current_launch().actor, request.form.get("credential", "") or ALL)
    return redirect(lurl("directory.index", notice="joined"), code=303)


@bp.route("/leave", methods=["POST"])
@launched
def leave() -> Any:
    """Opt out, for one credential or altogether; takes effect at once."""
    community().leave_directory(current_launch().actor, request.form.get("credential") or None)
    return redirect(lurl("directory.index", notice="left"), code=303)


@bp.route("/ask", methods=["POST"])
@launched
def ask() -> Any:
    """Ask a listed holder for mentoring: they are notified on their page."""
    community().ask_for_mentoring(
        current_launch().actor,
        request.form.get("holder", ""),
        request.form.get("credential", ""),
        request.form.get("message", ""),
    )
    return redirect(lurl("directory.index", notice="asked"), code=303)
