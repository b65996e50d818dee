"""The practice LMS's pages: the course (its placed credentials), a link
opened in a frame as an LMS shows a tool, "Add a credential" (Deep Linking
and its return), People, the gradebook and a log of the LTI messages. The
person the newcomer acts as is kept in the session; forms carry a token."""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup, escape

from .course import MEMBERS, Member, member
from .platform import COURSE_NAVIGATION, PlatformError, PracticePlatform
from .store import Link, Score

__all__ = ["bp", "log_message", "now_iso", "number_text", "platform", "viewer"]

bp = Blueprint("practice", __name__, template_folder="templates", static_folder="static")


def platform() -> PracticePlatform:
    return current_app.extensions["practice"]  # type: ignore[no-any-return]


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(platform().clock()))


def log_message(kind: str, summary: str, detail: dict[str, Any] | None = None) -> None:
    platform().store.log(now_iso(), kind, summary, detail)


# --- who is looking, and the form token -------------------------------------------------


def viewer() -> Member:
    """The course member the newcomer is acting as (the instructor at first)."""
    found = member(str(session.get("user") or ""))
    return found or MEMBERS[0]


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        session["csrf"] = token
    return str(token)


def _csrf_field() -> Markup:
    return Markup(f'<input type="hidden" name="csrf_token" value="{escape(csrf_token())}">')


def _check_csrf() -> None:
    sent = request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent, csrf_token()):
        abort(400, "The form has expired or did not come from this page. Reload and try again.")


def _instructor_only() -> Member:
    who = viewer()
    if not who.is_instructor:
        abort(
            403,
            f"{who.name} is a {who.role_label.lower()}: only the instructor adds credentials. "
            "Switch to Amara Okafor at the top of the page.",
        )
    return who


# --- pages --------------------------------------------------------------------------------


@bp.route("/")
def course() -> Any:
    links = platform().store.list_links()
    return render_template("practice/course.html", links=links)


@bp.route("/as", methods=["POST"])
def switch() -> Any:
    """Act as another member of the course."""
    _check_csrf()
    chosen = member(request.form.get("user", ""))
    if chosen is None:
        abort(400, "Choose someone from the course.")
    session["user"] = chosen.user_id
    back = request.form.get("next", "")
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = url_for("practice.course")
    return redirect(back, code=303)


def _tool_login_url(user: Member, message: dict[str, Any] | None = None) -> str:
    params = (
        platform().deep_linking_request(user)
        if message is None
        else platform().login_params(user, message)
    )
    return "/lti/login?" + urlencode(params)


@bp.route("/links/<link_id>")
def open_link(link_id: str) -> Any:
    """The tool in a frame, launched for the current viewer."""
    link = platform().store.find_link(link_id)
    if link is None:
        abort(404, "That link is not in this course.")
    who = viewer()
    return render_template(
        "practice/frame.html",
        heading=link.title,
        src=_tool_login_url(who, {"link": link.id}),
        frame_title=f"mcembed: {link.title}",
    )


@bp.route("/tool")
def course_tool() -> Any:
    """The tool's link in the course menu: its own pages for the course (the
    review queue and roster for staff, the credentials for learners)."""
    return render_template(
        "practice/frame.html",
        heading=COURSE_NAVIGATION.title,
        src=_tool_login_url(viewer(), {"link": COURSE_NAVIGATION.id}),
        frame_title="mcembed: micro-credentials in this course",
    )


@bp.route("/add")
def add() -> Any:
    """Add a credential: a Deep Linking request to the tool, in a frame."""
    who = _instructor_only()
    return render_template(
        "practice/frame.html",
        heading="Add a credential",
        src=_tool_login_url(who),
        frame_title="mcembed: choose credentials to add",
        adding=True,
    )


@bp.route("/deep-link-return", methods=["POST"])
def deep_link_return() -> Any:
    """The tool's LtiDeepLinkingResponse: check the JWT, then place the links
    and make a gradebook column for each one that asks for it."""
    try:
        who, items = platform().read_deep_link_response(request.form.get("JWT", ""))
    except PlatformError as e:
        log_message("deep_link_refused", e.message)
        return render_template("practice/returned.html", error=e.message, added=[]), e.status
    store = platform().store
    added: list[Link] = []
    for item in items:
        link = Link(
            id="rl-" + secrets.token_hex(6),
            title=str(item.get("title") or "Untitled"),
            text=str(item.get("text") or ""),
            url=str(item["url"]),
            custom={str(k): str(v) for k, v in (item.get("custom") or {}).items()},
            created_at=now_iso(),
        )
        store.add_link(link)
        line_item = item.get("lineItem")
        if isinstance(line_item, dict):
            store.add_line_item(
                label=str(line_item.get("label") or link.title),
                score_maximum=float(line_item["scoreMaximum"]),
                resource_link_id=link.id,
                resource_id=str(line_item.get("resourceId") or ""),
                tag=str(line_item.get("tag") or ""),
            )
        added.append(link)
    log_message(
        "deep_link_response",
        f"{who.name} added {len(added)} link(s): " + ", ".join(a.title for a in added),
        {"content_items": items},
    )
    return render_template("practice/returned.html", added=added, error="")


@bp.route("/people")
def people() -> Any:
    last = platform().store.last_log("nrps")
    return render_template("practice/people.html", members=MEMBERS, last_nrps=last)


def _cell(score: Score | None) -> dict[str, str]:
    if score is None:
        return {"text": "–", "detail": "nothing sent yet", "kind": "none"}
    if score.activity == "Completed" and score.grading == "FullyGraded":
        given = number_text(score.score_given)
        return {
            "text": f"{given} / {number_text(score.score_maximum)}",
            "detail": "awarded",
            "kind": "graded",
        }
    if score.grading == "NotReady":
        return {"text": "Not yet", "detail": "revising after feedback", "kind": "revising"}
    if score.activity == "Submitted":
        return {"text": "Submitted", "detail": "waiting for review", "kind": "submitted"}
    return {"text": score.activity, "detail": score.grading, "kind": "other"}


def number_text(value: float | None) -> str:
    if value is None:
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


@bp.route("/grades")
def grades() -> Any:
    """The gradebook: every learner × every column (a learner sees only their row)."""
    store = platform().store
    who = viewer()
    items = store.list_line_items()
    scores = {(s.line_item_id, s.user_id): s for s in store.list_scores()}
    learners = [m for m in MEMBERS if m.is_learner and (not who.is_learner or m == who)]
    rows = [
        {
            "member": m,
            "cells": [_cell(scores.get((i.id, m.user_id))) for i in items],
            "comments": [scores.get((i.id, m.user_id)) for i in items],
        }
        for m in learners
    ]
    return render_template("practice/grades.html", items=items, rows=rows)


@bp.route("/log")
def message_log() -> Any:
    """The LTI messages and service calls between this LMS and the tool."""
    return render_template("practice/log.html", entries=platform().store.list_log())
