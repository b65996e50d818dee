"""The practice LMS's pages and LTI service endpoints (a Flask app mounted at
``/practice`` beside the tool).

Pages: the course (its placed credentials), a link opened in a frame as an
LMS shows a tool, "Add a credential" (Deep Linking), People, the gradebook and
a log of the LTI messages. Endpoints a tool calls: JWKS, the OIDC authorization
step, the OAuth 2 token, AGS line items and scores, NRPS memberships.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from .course import COURSE, MEMBERS, Member, member
from .platform import (
    ROLE,
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READ,
    SCOPE_NRPS,
    SCOPE_RESULT_READ,
    SCOPE_SCORE,
    PlatformError,
    PracticePlatform,
)
from .store import Link, Score

__all__ = ["create_practice_app"]

bp = Blueprint("practice", __name__, template_folder="templates", static_folder="static")

LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
RESULTS_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
NRPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
ACTIVITY = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}


def platform() -> PracticePlatform:
    return current_app.extensions["practice"]  # type: ignore[no-any-return]


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(platform().clock()))


def _log(kind: str, summary: str, detail: dict[str, Any] | None = None) -> None:
    platform().store.log(_now_iso(), kind, summary, detail)


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
    if not back.startswith("/") or back.startswith("//"):
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
        _log("deep_link_refused", e.message)
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
            created_at=_now_iso(),
        )
        store.add_link(link)
        line_item = item.get("lineItem")
        if isinstance(line_item, dict):
            store.add_line_item(
                label=str(line_item.get("label") or link.title),
                score_maximum=float(line_item.get("scoreMaximum") or 1),
                resource_link_id=link.id,
                resource_id=str(line_item.get("resourceId") or ""),
                tag=str(line_item.get("tag") or ""),
            )
        added.append(link)
    _log(
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
        given = _number(score.score_given)
        return {
            "text": f"{given} / {_number(score.score_maximum)}",
            "detail": "awarded",
            "kind": "graded",
        }
    if score.grading == "NotReady":
        return {"text": "Not yet", "detail": "revising after feedback", "kind": "revising"}
    if score.activity == "Submitted":
        return {"text": "Submitted", "detail": "waiting for review", "kind": "submitted"}
    return {"text": score.activity, "detail": score.grading, "kind": "other"}


def _number(value: float | None) -> str:
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


# --- the endpoints a tool calls ---------------------------------------------------------------


@bp.route("/jwks")
def jwks() -> Any:
    return jsonify(platform().jwks())


@bp.route("/auth", methods=["GET", "POST"])
def auth() -> Any:
    """OIDC authorization: check the tool's request, sign the id_token, post it."""
    params = dict(request.values.items())
    try:
        checked = platform().check_auth_request(params, request.host_url + "lti/launch")
        token, claims = platform().id_token(checked)
    except PlatformError as e:
        _log("login_refused", e.message, {"request": params})
        return render_template("practice/error.html", message=e.message, status=e.status), e.status
    kind = claims["https://purl.imsglobal.org/spec/lti/claim/message_type"]
    title = (claims.get("https://purl.imsglobal.org/spec/lti/claim/resource_link") or {}).get(
        "title", "Add a credential"
    )
    _log("id_token", f"{kind} for {checked.user.name}: {title}", {"claims": claims})
    g.form_action = checked.redirect_uri
    return render_template(
        "practice/post.html", action=checked.redirect_uri, id_token=token, state=checked.state
    )


def _json_error(e: PlatformError) -> Response:
    if e.oauth:
        body: dict[str, Any] = {"error": e.oauth, "error_description": e.message}
    else:
        body = {"error": e.message}
    response = jsonify(body)
    response.status_code = e.status
    if e.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="practice-lms"'
    return response


@bp.route("/token", methods=["POST"])
def token() -> Any:
    """OAuth 2 client credentials with the tool's JWT assertion."""
    try:
        answer = platform().issue_token(request.form)
    except PlatformError as e:
        _log("token_refused", e.message)
        return _json_error(e)
    _log("token", "access token granted: " + ", ".join(_short(s) for s in answer["scope"].split()))
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    return response


def _short(scope: str) -> str:
    return scope.rsplit("/", 1)[-1]


def _service(*scopes: str) -> None:
    platform().check_bearer(request.headers.get("Authorization", ""), *scopes)


def _course(context_id: str) -> None:
    if context_id != COURSE.context_id:
        raise PlatformError(404, f"No course {context_id!r} here.")


def _line_item_json(item: Any) -> dict[str, Any]:
    body = {
        "id": platform().line_item_url(item.id),
        "label": item.label,
        "scoreMaximum": item.score_maximum,
        "resourceLinkId": item.resource_link_id,
        "resourceId": item.resource_id,
        "tag": item.tag,
    }
    return {k: v for k, v in body.items() if v != ""}


def _typed(data: Any, content_type: str, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type=content_type)


@bp.route("/api/lti/courses/<context_id>/line_items", methods=["GET", "POST"])
def line_items(context_id: str) -> Any:
    """AGS line item container: list (filters) and create."""
    _course(context_id)
    store = platform().store
    if request.method == "GET":
        _service(SCOPE_LINEITEM, SCOPE_LINEITEM_READ)
        items = store.list_line_items(request.args.get("resource_link_id"))
        for arg, attr in (("resource_id", "resource_id"), ("tag", "tag")):
            if request.args.get(arg):
                items = [i for i in items if getattr(i, attr) == request.args[arg]]
        return _typed([_line_item_json(i) for i in items], CONTAINER_TYPE)
    _service(SCOPE_LINEITEM)
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise PlatformError(400, "A line item is a JSON object.")
    label = str(body.get("label") or "").strip()
    try:
        maximum = float(body.get("scoreMaximum"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        maximum = 0.0
    if not label or maximum <= 0:
        raise PlatformError(400, "A line item needs a label and a scoreMaximum above 0.")
    link_id = str(body.get("resourceLinkId") or "")
    if link_id and store.find_link(link_id) is None:
        raise PlatformError(400, f"No resource link {link_id!r} in this course.")
    item = store.add_line_item(
        label=label,
        score_maximum=maximum,
        resource_link_id=link_id,
        resource_id=str(body.get("resourceId") or ""),
        tag=str(body.get("tag") or ""),
    )
    _log("line_item", f"column created: {label}", {"line_item": _line_item_json(item)})
    return _typed(_line_item_json(item), LINEITEM_TYPE, status=201)


def _find_item(context_id: str, item_id: int) -> Any:
    _course(context_id)
    item = platform().store.find_line_item(item_id)
    if item is None:
        raise PlatformError(404, f"No line item {item_id} in this course.")
    return item


@bp.route("/api/lti/courses/<context_id>/line_items/<int:item_id>")
def line_item(context_id: str, item_id: int) -> Any:
    _service(SCOPE_LINEITEM, SCOPE_LINEITEM_READ)
    return _typed(_line_item_json(_find_item(context_id, item_id)), LINEITEM_TYPE)


@bp.route("/api/lti/courses/<context_id>/line_items/<int:item_id>/scores", methods=["POST"])
def scores(context_id: str, item_id: int) -> Any:
    """AGS score publish: the newest score per learner is kept."""
    _service(SCOPE_SCORE)
    item = _find_item(context_id, item_id)
    if request.mimetype != SCORE_TYPE:
        raise PlatformError(415, f"Scores are sent as {SCORE_TYPE}.")
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise PlatformError(400, "A score is a JSON object.")
    user = member(str(body.get("userId") or ""))
    if user is None or not user.is_learner:
        raise PlatformError(400, f"userId {body.get('userId')!r} is not a learner of this course.")
    activity, grading = body.get("activityProgress"), body.get("gradingProgress")
    if activity not in ACTIVITY or grading not in GRADING:
        raise PlatformError(400, "activityProgress and gradingProgress must be AGS values.")
    stamp = str(body.get("timestamp") or "")
    if not stamp:
        raise PlatformError(400, "A score needs a timestamp.")
    given, maximum = body.get("scoreGiven"), body.get("scoreMaximum")
    if given is not None and (
        not isinstance(given, int | float)
        or not isinstance(maximum, int | float)
        or given < 0
        or maximum <= 0
    ):
        raise PlatformError(400, "scoreGiven needs a scoreMaximum above 0, and neither negative.")
    kept = platform().store.put_score(
        Score(
            line_item_id=item.id,
            user_id=user.user_id,
            score_given=float(given) if given is not None else None,
            score_maximum=float(maximum) if maximum is not None else None,
            activity=str(activity),
            grading=str(grading),
            comment=str(body.get("comment") or "")[:2000],
            timestamp=stamp,
            received_at=_now_iso(),
        )
    )
    shown = f"{_number(given)}/{_number(maximum)} " if given is not None else ""
    _log(
        "score",
        f"{item.label}: {user.name} {shown}{activity}/{grading}"
        + ("" if kept else " (older than the one on record: ignored)"),
        {"score": body},
    )
    return Response(status=204)


@bp.route("/api/lti/courses/<context_id>/line_items/<int:item_id>/results")
def results(context_id: str, item_id: int) -> Any:
    _service(SCOPE_RESULT_READ)
    item = _find_item(context_id, item_id)
    out = [
        {
            "id": f"{platform().line_item_url(item.id)}/results/{s.user_id}",
            "scoreOf": platform().line_item_url(item.id),
            "userId": s.user_id,
            "resultScore": s.score_given,
            "resultMaximum": s.score_maximum,
            "comment": s.comment,
        }
        for s in platform().store.list_scores(item.id)
        if s.score_given is not None
    ]
    return _typed(out, RESULTS_TYPE)


@bp.route("/api/lti/courses/<context_id>/memberships")
def memberships(context_id: str) -> Any:
    """NRPS: the course roster."""
    _service(SCOPE_NRPS)
    _course(context_id)
    role = request.args.get("role", "")
    members = [m for m in MEMBERS if not role or role.rsplit("#", 1)[-1] in m.roles]
    _log("nrps", f"the tool read the roster ({len(members)} people)")
    return _typed(
        {
            "id": platform().memberships_url,
            "context": {"id": COURSE.context_id, "label": COURSE.label, "title": COURSE.title},
            "members": [
                {
                    "status": "Active",
                    "user_id": m.user_id,
                    "name": m.name,
                    "given_name": m.given_name,
                    "family_name": m.family_name,
                    "email": m.email,
                    "roles": [ROLE + r for r in m.roles],
                }
                for m in members
            ],
        },
        NRPS_TYPE,
    )


# --- the app ---------------------------------------------------------------------------------

MACHINE = {
    "practice.jwks",
    "practice.token",
    "practice.line_items",
    "practice.line_item",
    "practice.scores",
    "practice.results",
    "practice.memberships",
}


def create_practice_app(practice: PracticePlatform, *, secret_key: str) -> Flask:
    """The practice LMS as its own Flask app (mount it at ``/practice``)."""
    app = Flask(__name__, static_folder=None)
    app.config.update(
        SECRET_KEY=secret_key,
        SESSION_COOKIE_NAME="practice_lms",
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.extensions["practice"] = practice
    app.register_blueprint(bp, url_prefix="")
    app.jinja_env.globals.update(
        csrf_field=_csrf_field,
        viewer=viewer,
        members=MEMBERS,
        course=COURSE,
    )

    @app.errorhandler(PlatformError)
    def platform_error(e: PlatformError) -> Any:
        if request.endpoint in MACHINE:
            return _json_error(e)
        return render_template("practice/error.html", message=e.message, status=e.status), e.status

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Any:
        if request.endpoint in MACHINE:
            return jsonify({"error": e.description}), e.code
        return render_template("practice/error.html", message=e.description, status=e.code), e.code

    @app.after_request
    def headers(response: Response) -> Response:
        action = g.get("form_action")
        form_action = "'self'" + (f" {_origin(action)}" if action else "")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"frame-src 'self'; form-action {form_action}; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'self'",
        )
        return response

    return app


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


JwksFetcher = Callable[..., dict[str, Any]]
