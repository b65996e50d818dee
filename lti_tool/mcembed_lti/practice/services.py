"""The practice LMS's endpoints a tool calls: its JWKS, the OIDC authorization
step, the OAuth 2 token, AGS line items, scores and results, NRPS memberships.
They answer JSON (the authorization step answers the page that posts the
id_token) and refuse with a status and a message."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, g, jsonify, render_template, request

from .course import COURSE, MEMBERS, member
from .platform import (
    ROLE,
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READ,
    SCOPE_NRPS,
    SCOPE_RESULT_READ,
    SCOPE_SCORE,
    PlatformError,
)
from .store import Score
from .views import log_message, now_iso, number_text, platform

__all__ = ["json_error", "services"]

services = Blueprint("services", __name__)

LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
RESULTS_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
NRPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
ACTIVITY = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}


@services.route("/jwks")
def jwks() -> Any:
    return jsonify(platform().jwks())


@services.route("/auth", methods=["GET", "POST"])
def auth() -> Any:
    """OIDC authorization: check the tool's request, sign the id_token, post it."""
    params = dict(request.values.items())
    try:
        checked = platform().check_auth_request(params, request.host_url + "lti/launch")
        token, claims = platform().id_token(checked)
    except PlatformError as e:
        log_message("login_refused", e.message, {"request": params})
        return render_template("practice/error.html", message=e.message, status=e.status), e.status
    kind = claims["https://purl.imsglobal.org/spec/lti/claim/message_type"]
    title = (claims.get("https://purl.imsglobal.org/spec/lti/claim/resource_link") or {}).get(
        "title", "Add a credential"
    )
    log_message(
        "id_token",
        f"{kind} for {checked.user.name}: {title}",
        {"header": {"alg": "RS256", "kid": platform().kid}, "claims": claims},
    )
    g.form_action = checked.redirect_uri
    return render_template(
        "practice/post.html", action=checked.redirect_uri, id_token=token, state=checked.state
    )


def json_error(e: PlatformError) -> Response:
    if e.oauth:
        body: dict[str, Any] = {"error": e.oauth, "error_description": e.message}
    else:
        body = {"error": e.message}
    response = jsonify(body)
    response.status_code = e.status
    if e.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="practice-lms"'
    return response


@services.route("/token", methods=["POST"])
def token() -> Any:
    """OAuth 2 client credentials with the tool's JWT assertion."""
    try:
        answer = platform().issue_token(request.form)
    except PlatformError as e:
        log_message("token_refused", e.message)
        return json_error(e)
    log_message(
        "token", "access token granted: " + ", ".join(_short(s) for s in answer["scope"].split())
    )
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


@services.route("/api/lti/courses/<context_id>/line_items", methods=["GET", "POST"])
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
    log_message("line_item", f"column created: {label}", {"line_item": _line_item_json(item)})
    return _typed(_line_item_json(item), LINEITEM_TYPE, status=201)


def _find_item(context_id: str, item_id: int) -> Any:
    _course(context_id)
    item = platform().store.find_line_item(item_id)
    if item is None:
        raise PlatformError(404, f"No line item {item_id} in this course.")
    return item


@services.route("/api/lti/courses/<context_id>/line_items/<int:item_id>")
def line_item(context_id: str, item_id: int) -> Any:
    _service(SCOPE_LINEITEM, SCOPE_LINEITEM_READ)
    return _typed(_line_item_json(_find_item(context_id, item_id)), LINEITEM_TYPE)


@services.route("/api/lti/courses/<context_id>/line_items/<int:item_id>/scores", methods=["POST"])
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
            received_at=now_iso(),
        )
    )
    shown = f"{number_text(given)}/{number_text(maximum)} " if given is not None else ""
    log_message(
        "score",
        f"{item.label}: {user.name} {shown}{activity}/{grading}"
        + ("" if kept else " (older than the one on record: ignored)"),
        {"score": body},
    )
    return Response(status=204)


@services.route("/api/lti/courses/<context_id>/line_items/<int:item_id>/results")
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


@services.route("/api/lti/courses/<context_id>/memberships")
def memberships(context_id: str) -> Any:
    """NRPS: the course roster."""
    _service(SCOPE_NRPS)
    _course(context_id)
    role = request.args.get("role", "")
    members = [m for m in MEMBERS if not role or role.rsplit("#", 1)[-1] in m.roles]
    log_message("nrps", f"the tool read the roster ({len(members)} people)")
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
