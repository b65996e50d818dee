"""The reviewer's pages: the queue, scoring with the rubric, the roster, grades."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, redirect, render_template, request
from pylti1p3.exception import LtiException
from requests import RequestException

from mcembed import CriterionScore, SubmissionState, ValidationError

from ..pages import current_launch, lurl, reviewers_only, service, tool
from ..roster import fetch_roster

bp = Blueprint("review", __name__, url_prefix="/review")

PER_PAGE = 20
ROSTER_FRESH = timedelta(minutes=10)
NOTICES = {
    "reviewed": "Review recorded.",
    "retried": "The grade will be sent again now.",
    "synced": "Roster refreshed from the LMS.",
}


def _names() -> dict[str, str]:
    launch = current_launch()
    return {
        m.person_id: m.name or m.email or m.user_id
        for m in tool().lms.course_progress(launch.actor, launch.course_id)
        for m in [m.member]
    }


@bp.route("/")
@reviewers_only
def queue() -> Any:
    """The review queue with filters (credential, state, learner) and pages."""
    actor = current_launch().actor
    credential = request.args.get("credential", "") or None
    learner = request.args.get("learner", "") or None
    state = request.args.get("state", "")
    states = [SubmissionState(state)] if state in SubmissionState.__members__.values() else []
    if not state:
        states = [SubmissionState.SUBMITTED, SubmissionState.RESUBMITTED, SubmissionState.IN_REVIEW]
    page_no = max(1, request.args.get("page", 1, type=int) or 1)
    page = service().list_submissions(
        actor,
        credential_id=credential,
        learner_id=learner,
        states=states,
        limit=PER_PAGE,
        offset=(page_no - 1) * PER_PAGE,
    )
    credentials = service().list_credentials()
    pages = max(1, -(-page.total // PER_PAGE))
    return render_template(
        "review/queue.html",
        page=page,
        page_no=page_no,
        pages=pages,
        credentials=credentials,
        names=_names(),
        credential=credential or "",
        learner=learner or "",
        state=state,
        states=list(SubmissionState),
        titles={c.id: c.name for c in credentials},
    )


def _render_submission(
    submission_id: str,
    *,
    errors: list[str] | None = None,
    posted: dict[str, str] | None = None,
    status: int = 200,
) -> Any:
    detail = service().get_submission(current_launch().actor, submission_id)
    return render_template(
        "review/submission.html",
        detail=detail,
        credential=detail.credential,
        names=_names(),
        errors=errors or [],
        posted=posted or {},
        notice=NOTICES.get(request.args.get("notice", ""), ""),
    ), status


@bp.route("/submissions/<submission_id>")
@reviewers_only
def submission(submission_id: str) -> Any:
    """One submission: evidence, earlier attempts, and the rubric scoring form."""
    return _render_submission(submission_id)


@bp.route("/submissions/<submission_id>", methods=["POST"])
@reviewers_only
def record(submission_id: str) -> Any:
    """Score each criterion with feedback; the rubric decides."""
    actor = current_launch().actor
    detail = service().get_submission(actor, submission_id)
    scores = []
    for criterion in detail.credential.rubric.criteria:
        level = request.form.get(f"level-{criterion.id}", "")
        if level:
            scores.append(
                CriterionScore(
                    criterion_id=criterion.id,
                    level=level,
                    feedback=request.form.get(f"feedback-{criterion.id}", "").strip(),
                )
            )
    posted = {k: v for k, v in request.form.items() if k.startswith(("level-", "feedback-"))}
    posted["feedback"] = request.form.get("feedback", "")
    try:
        revision = int(request.form.get("revision", ""))
    except ValueError:
        revision = None
    try:
        service().record_review(
            actor,
            submission_id,
            scores,
            feedback=request.form.get("feedback", "").strip(),
            expected_revision=revision,
        )
    except ValidationError as e:
        lines = [str(p) for p in e.problems] or [str(e)]
        return _render_submission(submission_id, errors=lines, posted=posted, status=400)
    return redirect(
        lurl("review.submission", submission_id=submission_id, notice="reviewed"), code=303
    )


def _sync(force: bool) -> str:
    launch = current_launch()
    lms = tool().lms
    if not launch.nrps_url:
        return ""
    synced = lms.roster_synced_at(launch.course_id)
    if not force and synced is not None and lms.clock.now() - synced < ROSTER_FRESH:
        return ""
    try:
        members = fetch_roster(tool(), launch)
    except (LtiException, RequestException, ValueError) as e:
        return f"The roster could not be read from the LMS just now ({e}); showing the last one."
    lms.sync_roster(launch.actor, launch.course_id, members)
    return ""


@bp.route("/roster")
@reviewers_only
def roster() -> Any:
    """Everyone in the course with their progress, including who never launched."""
    launch = current_launch()
    warning = _sync(force=False)
    rows = tool().lms.course_progress(launch.actor, launch.course_id)
    credentials = {c.id: c.name for c in service().list_credentials()}
    return render_template(
        "review/roster.html",
        rows=rows,
        credentials=credentials,
        warning=warning,
        has_nrps=bool(launch.nrps_url),
        synced_at=tool().lms.roster_synced_at(launch.course_id),
        notice=NOTICES.get(request.args.get("notice", ""), ""),
    )


@bp.route("/roster/sync", methods=["POST"])
@reviewers_only
def roster_sync() -> Any:
    warning = _sync(force=True)
    if warning:
        raise ValidationError(warning)
    return redirect(lurl("review.roster", notice="synced"), code=303)


@bp.route("/grades")
@reviewers_only
def grades() -> Any:
    """Grade deliveries to the LMS gradebook: failing ones first, with retry."""
    launch = current_launch()
    lms = tool().lms
    failing = lms.list_deliveries(launch.actor, launch.course_id, failing=True, limit=100)
    recent = lms.list_deliveries(launch.actor, launch.course_id, limit=50)
    return render_template(
        "review/grades.html",
        failing=failing,
        recent=recent,
        names=_names(),
        notice=NOTICES.get(request.args.get("notice", ""), ""),
    )


@bp.route("/grades/<delivery_id>/retry", methods=["POST"])
@reviewers_only
def retry(delivery_id: str) -> Any:
    tool().lms.retry_delivery(current_launch().actor, delivery_id)
    tool().dispatcher.kick()
    return redirect(lurl("review.grades", notice="retried"), code=303)
