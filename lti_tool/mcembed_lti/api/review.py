"""Reviewer endpoints (scope ``review``): the queue and recording a review."""

from __future__ import annotations

from typing import Any

from flask import request

from mcembed import CriterionScore, SubmissionState
from mcembed.access import require_reviewer
from mcembed.codec import to_data
from mcembed.tokens import Scope

from . import bp
from .http import actor, body, decode, endpoint, field, json_response, service

QUEUE = (SubmissionState.SUBMITTED, SubmissionState.RESUBMITTED, SubmissionState.IN_REVIEW)


@endpoint(bp, "/review/queue", scope=Scope.REVIEW)
def queue() -> Any:
    """Submissions of the token's course waiting for a review, oldest change last."""
    who = actor()
    require_reviewer(who, who.course_id)
    credential_id = request.args.get("credential_id") or None
    page = service().list_submissions(who, credential_id=credential_id, states=QUEUE, limit=500)
    return json_response({"items": [to_data(s) for s in page.items], "total": page.total})


@endpoint(bp, "/submissions/<submission_id>/reviews", methods=("POST",), scope=Scope.REVIEW)
def record_review(submission_id: str) -> Any:
    """Body: ``{"scores": [CriterionScore...], "feedback": "", "expected_revision": n}``
    (``Service.record_review``); answers the submission's detail after the decision."""
    data = body()
    scores = [
        decode(CriterionScore, s, f"scores[{n}]") for n, s in enumerate(field(data, "scores", list))
    ]
    feedback = field(data, "feedback", str, required=False) or ""
    expected = field(data, "expected_revision", int, required=False)
    svc = service()
    svc.record_review(actor(), submission_id, scores, feedback=feedback, expected_revision=expected)
    return json_response(to_data(svc.get_submission(actor(), submission_id)))


@endpoint(bp, "/submissions/<submission_id>/claim", methods=("POST",), scope=Scope.REVIEW)
def claim(submission_id: str) -> Any:
    """Claim a submitted attempt for review (it shows as in review to others)."""
    body()
    return json_response(to_data(service().start_review(actor(), submission_id)))


@endpoint(bp, "/submissions/<submission_id>/release", methods=("POST",), scope=Scope.REVIEW)
def release(submission_id: str) -> Any:
    """Put a claimed submission back in the queue undecided."""
    body()
    return json_response(to_data(service().release_review(actor(), submission_id)))
