"""Community endpoints: cohorts and their board, recommendations, the portfolio
and its exports, programme analytics (JSON or CSV).

Same permissions as the pages: every view calls ``service.community`` with the
token's ``Actor`` and the core decides (an instructor's token needs the
``review`` scope to act as an instructor; see ``mcembed.tokens``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, request

from mcembed import NotFound, excerpt
from mcembed.awards import AwardKind
from mcembed.codec import to_data
from mcembed.recommendations import RecommendationStatus

from ..downloads import attachment
from . import bp
from .errors import ApiError
from .http import actor, body, endpoint, field, items, json_response, service


def _community() -> Any:
    return service().community


def _strings(data: dict[str, Any], name: str) -> list[str]:
    values = field(data, name, list, required=False) or []
    if not all(isinstance(v, str) for v in values):
        raise ApiError(
            422, "invalid_request", f"'{name}' must be a list of strings.", {"field": name}
        )
    return values


def _wants(media_type: str) -> bool:
    best = request.accept_mimetypes.best_match(["application/json", media_type])
    return best == media_type and request.accept_mimetypes[media_type] > 0


# --- cohorts ------------------------------------------------------------------------------


@endpoint(bp, "/cohorts")
def list_cohorts() -> Any:
    """The cohorts the token's person may see in its course."""
    return items(_community().list_cohorts(actor()))


@endpoint(bp, "/cohorts", methods=("POST",))
def create_cohort() -> Any:
    """A new cohort in the token's course (instructors: a token with ``review``)."""
    data = body()
    cohort = _community().create_cohort(
        actor(),
        name=field(data, "name", str),
        credential_ids=_strings(data, "credential_ids"),
        stack_id=field(data, "stack_id", str, required=False),
        facilitators=_strings(data, "facilitators"),
        description=field(data, "description", str, required=False) or "",
    )
    return json_response(to_data(cohort), 201)


@endpoint(bp, "/cohorts/<cohort_id>")
def get_cohort(cohort_id: str) -> Any:
    """A cohort with its members as the person may see them, and their own place."""
    return json_response(to_data(_community().get_cohort(actor(), cohort_id)))


@endpoint(bp, "/cohorts/<cohort_id>/board")
def board(cohort_id: str) -> Any:
    """Members × checkpoints (those who manage the cohort); ``Accept: image/svg+xml``
    gives the chart."""
    if _wants("image/svg+xml"):
        svg = _community().board_chart(actor(), cohort_id)
        return current_app.response_class(svg, mimetype="image/svg+xml")
    return json_response(to_data(_community().progress_board(actor(), cohort_id)))


@endpoint(bp, "/cohorts/<cohort_id>/coaching")
def coaching(cohort_id: str) -> Any:
    """Who needs a coaching visit, and why (those who manage the cohort)."""
    return items(_community().coaching_list(actor(), cohort_id))


@endpoint(bp, "/cohorts/<cohort_id>/progress")
def my_progress(cohort_id: str) -> Any:
    """The person's own row of the board (active members)."""
    return json_response(to_data(_community().my_progress(actor(), cohort_id)))


# --- recommendations -------------------------------------------------------------------------


def _status() -> RecommendationStatus | None:
    raw = request.args.get("status")
    if not raw:
        return None
    try:
        return RecommendationStatus(raw)
    except ValueError:
        known = ", ".join(s.value for s in RecommendationStatus)
        raise ApiError(
            400,
            "invalid_request",
            f"'status' {excerpt(raw)} is not a status; the statuses are {known}.",
            {"field": "status"},
        ) from None


@endpoint(bp, "/recommendations")
def my_recommendations() -> Any:
    """Recommendations to the person (an anonymous one never names its sender)."""
    return items(_community().recommendations_for_me(actor(), status=_status()))


@endpoint(bp, "/recommendations/sent")
def sent_recommendations() -> Any:
    return items(_community().recommendations_sent(actor()))


@endpoint(bp, "/recommendations", methods=("POST",))
def recommend() -> Any:
    """Body: ``{"credential_id", "recipients": [person ids], "note", "anonymous"}``."""
    data = body()
    sent = _community().recommend(
        actor(),
        field(data, "credential_id", str),
        _strings(data, "recipients"),
        note=field(data, "note", str, required=False) or "",
        anonymous=bool(field(data, "anonymous", bool, required=False)),
    )
    return json_response({"items": [to_data(s) for s in sent]}, 201)


@endpoint(bp, "/recommendations/<recommendation_id>/accept", methods=("POST",))
def accept(recommendation_id: str) -> Any:
    """The credential becomes one of the person's goals."""
    body()
    answered = _community().answer_recommendation(actor(), recommendation_id, accept=True)
    return json_response(to_data(answered))


@endpoint(bp, "/recommendations/<recommendation_id>/decline", methods=("POST",))
def decline(recommendation_id: str) -> Any:
    body()
    answered = _community().answer_recommendation(actor(), recommendation_id, accept=False)
    return json_response(to_data(answered))


# --- portfolio --------------------------------------------------------------------------------


@endpoint(bp, "/portfolio")
def portfolio() -> Any:
    """Every award the person holds, with rubric results, evidence and what is shared."""
    return json_response(to_data(_community().portfolio(actor())))


@endpoint(bp, "/portfolio/export")
def export() -> Any:
    """Every credential the person holds as one zip of Open Badges 3.0 files."""
    data = _community().export_credentials(actor())
    return attachment(data, "credentials.zip", "application/zip", sandbox=False)


@endpoint(bp, "/portfolio/clr/<stack_id>")
def clr(stack_id: str) -> Any:
    """The CLR 2.0 learner record of a stack the person completed:
    ``{"document": ClrCredential, "documents": {"jwt": ...}}``."""
    held = [
        a
        for a in service().list_awards(actor())
        if a.kind is AwardKind.STACK and a.credential_id == stack_id and a.learner_id == actor().id
    ]
    if not held:
        raise NotFound(f"You hold no award of stack {excerpt(stack_id)} here.")
    export = _community().export_clr(actor(), held[0].id)
    return json_response(to_data(export))


# --- analytics --------------------------------------------------------------------------------


def _moment(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ApiError(
            400,
            "invalid_request",
            f"'{name}' must be an ISO 8601 time with a zone, e.g. 2026-09-01T00:00:00Z "
            f"(got {excerpt(raw)}).",
            {"field": name},
        )
    return moment


@endpoint(bp, "/analytics")
def analytics() -> Any:
    """Programme figures per credential (``by=credential``) or cohort, with a total
    and the reviewers' load; ``Accept: text/csv`` gives the CSV export."""
    options = {
        "by": request.args.get("by") or "credential",
        "course_id": request.args.get("course_id") or None,
        "cohort_id": request.args.get("cohort_id") or None,
        "credential_id": request.args.get("credential_id") or None,
        "since": _moment("since"),
        "until": _moment("until"),
    }
    if _wants("text/csv"):
        text = _community().analytics_csv(actor(), **options)
        return attachment(text.encode(), "analytics.csv", "text/csv", sandbox=False)
    return json_response(to_data(_community().analytics(actor(), **options)))
