"""The OpenAPI 3.1 document of the REST API v1, served at ``/api/v1/openapi.json``.

Written by hand so it says what the contract promises (``api-contract`` of the
notebook client); a test validates it with openapi-spec-validator, and
schemathesis calls every operation of it against the app. Domain values are
described by their main fields; they travel as ``mcembed.codec.to_data``.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from flask import current_app, request

from mcembed import SubmissionState, __version__

from . import bp
from .errors import CODES

__all__ = ["document"]

JSON = "application/json"


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: tuple[str, ...] = (), **props: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = list(required)
    return schema


def _list_of(name: str, *, total: bool = False) -> dict[str, Any]:
    props: dict[str, Any] = {"items": {"type": "array", "items": _ref(name)}}
    if total:
        props["total"] = {"type": "integer", "minimum": 0}
    return _obj(("items",), **props)


STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
STAMP = {"type": "string", "format": "date-time"}
NULL_STAMP = {"type": ["string", "null"], "format": "date-time"}
ANY_OBJ = {"type": "object"}
STATES = [s.value for s in SubmissionState]

SCHEMAS: dict[str, Any] = {
    "Error": _obj(
        ("error",),
        error=_obj(
            ("code", "message"),
            code={"type": "string", "enum": sorted(CODES)},
            message=STR,
            details=ANY_OBJ,
        ),
    ),
    "Me": _obj(
        ("person_id", "name", "course_id", "roles", "scopes", "expires_at"),
        person_id=STR,
        name=STR,
        course_id=STR,
        placement_id=STR,
        roles={"type": "array", "items": STR},
        scopes={"type": "array", "items": {"type": "string", "enum": ["learner", "review"]}},
        expires_at=STAMP,
        token_id=STR,
        token_kind={"type": "string", "enum": ["personal", "integration"]},
    ),
    "Credential": _obj(
        ("id", "version", "name", "evidence", "rubric"),
        id=STR,
        version=STR,
        name=STR,
        summary=STR,
        competency=STR,
        evidence={"type": "array", "items": ANY_OBJ},
        rubric=ANY_OBJ,
        tags={"type": "array", "items": STR},
        alignments={"type": "array", "items": ANY_OBJ},
    ),
    "BlobRef": _obj(
        ("sha256", "size", "media_type", "filename"),
        sha256={"type": "string", "pattern": "^[0-9a-f]{64}$"},
        size={"type": "integer", "minimum": 0},
        media_type=STR,
        filename=STR,
    ),
    "EvidenceItem": _obj(
        ("requirement_id", "kind"),
        requirement_id=STR,
        kind={
            "type": "string",
            "enum": ["reflection", "artifact", "link", "code_check", "attestation"],
        },
        text=STR,
        url=STR,
        blob={"oneOf": [_ref("BlobRef"), {"type": "null"}]},
        check_results={"type": "array", "items": ANY_OBJ},
        code=STR,
        attested=BOOL,
        metadata=ANY_OBJ,
    ),
    "Submission": _obj(
        ("id", "credential_id", "credential_version", "learner_id", "course_id", "state"),
        id=STR,
        credential_id=STR,
        credential_version=STR,
        learner_id=STR,
        course_id=STR,
        state={"type": "string", "enum": STATES},
        items={"type": "array", "items": _ref("EvidenceItem")},
        attempts={"type": "array", "items": ANY_OBJ},
        history={"type": "array", "items": ANY_OBJ},
        created_at=STAMP,
        updated_at=STAMP,
        revision={
            "type": "integer",
            "description": "Send it back as If-Match to save only over what you read.",
        },
    ),
    "CriterionScore": _obj(("criterion_id", "level"), criterion_id=STR, level=STR, feedback=STR),
    "Review": _obj(
        ("id", "submission_id", "attempt", "scores", "decision"),
        id=STR,
        submission_id=STR,
        attempt=INT,
        reviewer_id=STR,
        scores={"type": "array", "items": _ref("CriterionScore")},
        feedback=STR,
        decision=ANY_OBJ,
        created_at=STAMP,
    ),
    "SelfAssessment": _obj(
        ("id", "submission_id", "scores", "decision"),
        id=STR,
        submission_id=STR,
        attempt=INT,
        learner_id=STR,
        scores={"type": "array", "items": _ref("CriterionScore")},
        note=STR,
        decision=ANY_OBJ,
        created_at=STAMP,
    ),
    "Award": _obj(
        ("id", "kind", "credential_id", "learner_id", "course_id", "issued_at", "status"),
        id=STR,
        kind={"type": "string", "enum": ["credential", "stack"]},
        credential_id=STR,
        credential_version=STR,
        learner_id=STR,
        course_id=STR,
        submission_id={"type": ["string", "null"]},
        issued_at=STAMP,
        expires_at=NULL_STAMP,
        status={"type": "string", "enum": ["active", "revoked", "expired"]},
        documents=ANY_OBJ,
    ),
    "SubmissionDetail": _obj(
        ("submission", "credential"),
        submission=_ref("Submission"),
        credential=_ref("Credential"),
        reviews={"type": "array", "items": _ref("Review")},
        self_assessments={"type": "array", "items": _ref("SelfAssessment")},
        award={"oneOf": [_ref("Award"), {"type": "null"}]},
        missing={"type": "array", "items": STR},
    ),
    "AwardFile": _obj(
        ("kind", "filename", "media_type", "url"),
        kind={"type": "string", "enum": ["png", "svg", "json", "jwt"]},
        filename=STR,
        media_type=STR,
        url=STR,
    ),
    "Verification": _obj(
        ("checks", "status"),
        checks={
            "type": "array",
            "items": _obj(
                ("name", "passed", "message"),
                name=STR,
                passed={"type": ["boolean", "null"]},
                message=STR,
            ),
        },
        credential={"type": ["object", "null"]},
        status=STR,
    ),
    "Cohort": _obj(("id", "course_id", "name"), id=STR, course_id=STR, name=STR),
    "CohortView": _obj(
        ("cohort", "members", "can_manage"),
        cohort=_ref("Cohort"),
        members={"type": "array", "items": ANY_OBJ},
        me={"type": ["object", "null"]},
        can_manage=BOOL,
    ),
    "Board": _obj(
        ("cohort", "checkpoints", "rows"),
        cohort=_ref("Cohort"),
        checkpoints={"type": "array", "items": ANY_OBJ},
        rows={"type": "array", "items": _ref("BoardRow")},
        now=STAMP,
    ),
    "BoardRow": _obj(
        ("member", "cells"), member=ANY_OBJ, cells={"type": "array", "items": ANY_OBJ}
    ),
    "CoachingNeed": _obj(
        ("member", "reasons"),
        member=ANY_OBJ,
        reasons={
            "type": "array",
            "items": _obj(
                ("kind", "text"),
                kind={"type": "string", "enum": ["late", "stuck", "idle"]},
                text=STR,
                checkpoint_id=STR,
                credential_id=STR,
                since=NULL_STAMP,
            ),
        },
    ),
    "ReceivedRecommendation": _obj(
        ("id", "credential_id", "status"),
        id=STR,
        credential_id=STR,
        credential_name=STR,
        sender_name={"type": "string", "description": "empty when the sender stays anonymous"},
        note=STR,
        status=STR,
    ),
    "SentRecommendation": _obj(
        ("id", "credential_id", "recipient_id", "status"),
        id=STR,
        credential_id=STR,
        recipient_id=STR,
        recipient_name=STR,
        note=STR,
        anonymous=BOOL,
        status=STR,
        created_at=STAMP,
    ),
    "Portfolio": _obj(
        ("person_id", "entries"),
        person_id=STR,
        name=STR,
        entries={"type": "array", "items": ANY_OBJ},
    ),
    "ClrExport": _obj(("document",), document=ANY_OBJ, documents=ANY_OBJ),
    "AnalyticsReport": _obj(
        ("rows", "total", "k"),
        where=ANY_OBJ,
        k=INT,
        rows={"type": "array", "items": ANY_OBJ},
        total=ANY_OBJ,
        reviewers={"type": "array", "items": ANY_OBJ},
        generated_at=NULL_STAMP,
        notes={"type": "array", "items": STR},
    ),
}

_ERROR_TEXT = {
    "400": "The request is malformed (details name the field).",
    "401": "No usable token (unauthenticated, token_expired, token_revoked).",
    "403": "The token's person or scope may not do this (forbidden).",
    "404": "No such thing, or not one this token may know of (not_found).",
    "405": "This method is not allowed here (method_not_allowed).",
    "406": "None of the media types asked for in Accept is offered.",
    "409": "An illegal transition or a stale revision (conflict; says what is allowed).",
    "413": "The body is larger than this endpoint accepts (too_large), or a file would take "
    "the learner over their storage quota (quota_exceeded; details give quota_bytes, "
    "used_bytes and file_bytes).",
    "415": "The body is not of a media type this endpoint reads.",
    "422": "The values do not meet the rules (invalid_request; details name the field).",
    "429": "Too many requests (rate_limited).",
    "503": "The tool could not complete this now (unavailable); nothing was half-saved.",
}

RESPONSES = {
    code: {"description": text, "content": {JSON: {"schema": _ref("Error")}}}
    for code, text in _ERROR_TEXT.items()
}
UNAUTHORIZED = {
    **RESPONSES["401"],
    "headers": {
        "WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer challenge"}
    },
}


def _errors(*codes: str) -> dict[str, Any]:
    out: dict[str, Any] = {"401": {"$ref": "#/components/responses/Unauthorized"}}
    for code in ("400", "403", "404", "405", "406", "429", "503", *codes):
        out[code] = {"$ref": f"#/components/responses/E{code}"}
    return out


def _json_ok(schema: dict[str, Any], status: str = "200", text: str = "OK") -> dict[str, Any]:
    return {status: {"description": text, "content": {JSON: {"schema": schema}}}}


def _bytes_ok(text: str, *media: str) -> dict[str, Any]:
    return {
        "200": {
            "description": text,
            "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in media},
        }
    }


def _body(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {JSON: {"schema": schema}}}


def _path(name: str, text: str = "") -> dict[str, Any]:
    param: dict[str, Any] = {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
    }
    if text:
        param["description"] = text
    return param


def _query(name: str, schema: dict[str, Any] | None = None, text: str = "") -> dict[str, Any]:
    param: dict[str, Any] = {"name": name, "in": "query", "schema": schema or STR}
    if text:
        param["description"] = text
    return param


IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "A repeat with the same key and body returns the first answer.",
}
VERSION = _query("version", text="A version of the credential (default: its latest).")
SUBMISSION = _path("submission_id")
AWARD = _path("award_id")
COHORT = _path("cohort_id")
RECOMMENDATION = _path("recommendation_id")


def _op(
    summary: str,
    responses: dict[str, Any],
    *,
    tag: str,
    params: tuple[dict[str, Any], ...] = (),
    body: dict[str, Any] | None = None,
    errors: tuple[str, ...] = (),
    scope: str = "",
    write: bool = False,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "operationId": "",
        "tags": [tag],
        "responses": {**responses, **_errors(*errors)},
    }
    parameters = list(params)
    if write:
        parameters.append(IDEMPOTENCY)
        # a key reused for another request is a conflict on every write
        op["responses"].setdefault("409", {"$ref": "#/components/responses/E409"})
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = body
    if scope:
        op["description"] = f"Needs a token with the `{scope}` scope."
    return op


WRITE_ERRORS = ("409", "413", "415", "422")


def _paths() -> dict[str, Any]:
    sub_ok = _json_ok(_ref("Submission"))
    return {
        "/me": {
            "get": _op("Who the token acts as", _json_ok(_ref("Me")), tag="learner"),
        },
        "/credentials": {
            "get": _op(
                "The credentials placed in the token's course",
                _json_ok(_list_of("Credential")),
                tag="learner",
            )
        },
        "/catalog": {
            "get": _op(
                "Search the whole catalog with a problem described in plain words",
                _json_ok(
                    _obj(
                        ("items",),
                        items={
                            "type": "array",
                            "items": _obj(
                                ("credential", "score"),
                                credential=_ref("Credential"),
                                score={"type": "number"},
                            ),
                        },
                    )
                ),
                tag="learner",
                params=(
                    _query("q", {"type": "string", "maxLength": 500}),
                    _query("tag", text="Only credentials with this tag (repeatable)."),
                    _query("framework"),
                    _query("code"),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
                ),
                errors=("422",),
            )
        },
        "/credentials/{credential_id}": {
            "get": _op(
                "A credential",
                _json_ok(_ref("Credential")),
                tag="learner",
                params=(_path("credential_id"), VERSION),
            )
        },
        "/credentials/{credential_id}/checks/{requirement_id}": {
            "get": _op(
                "The Python source of a code-check requirement's checks",
                _json_ok(_obj(("source",), source=STR)),
                tag="learner",
                params=(_path("credential_id"), _path("requirement_id"), VERSION),
            )
        },
        "/submissions": {
            "get": _op(
                "The token's submissions (a reviewer token: its course's)",
                _json_ok(_list_of("Submission", total=True)),
                tag="learner",
                params=(
                    _query("credential_id"),
                    _query(
                        "state",
                        {"type": "string", "enum": STATES},
                        "Only in this state (repeat, or separate with commas).",
                    ),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 500}),
                    _query("offset", {"type": "integer", "minimum": 0}),
                ),
            ),
            "post": _op(
                "Start a submission (201), or get the open one (200)",
                {
                    **_json_ok(_ref("Submission"), "201", "A new draft"),
                    **_json_ok(_ref("Submission"), "200", "The open submission"),
                },
                tag="learner",
                body=_body(_obj(("credential_id",), credential_id=STR)),
                errors=WRITE_ERRORS,
                scope="learner",
                write=True,
            ),
        },
        "/submissions/{submission_id}": {
            "get": _op(
                "A submission with its credential, reviews, self-assessments and award",
                _json_ok(_ref("SubmissionDetail")),
                tag="learner",
                params=(SUBMISSION,),
            )
        },
        "/submissions/{submission_id}/evidence": {
            "put": _op(
                "Replace the evidence of the requirements given (files: POST .../files)",
                sub_ok,
                tag="learner",
                params=(
                    SUBMISSION,
                    {
                        "name": "If-Match",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string"},
                        "description": "The submission's revision; 409 when it changed.",
                    },
                ),
                body=_body(
                    _obj(("items",), items={"type": "array", "items": _ref("EvidenceItem")})
                ),
                errors=WRITE_ERRORS,
                scope="learner",
                write=True,
            )
        },
        "/submissions/{submission_id}/files": {
            "post": _op(
                "Upload a file as the evidence of an artifact requirement",
                sub_ok,
                tag="learner",
                params=(SUBMISSION,),
                body={
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": _obj(
                                ("requirement_id", "file"),
                                requirement_id=STR,
                                file={"type": "string", "format": "binary"},
                            )
                        }
                    },
                },
                errors=WRITE_ERRORS,
                scope="learner",
                write=True,
            )
        },
        "/submissions/{submission_id}/files/{sha256}": {
            "get": _op(
                "The bytes of a file given as evidence",
                _bytes_ok("The file, with its media type", "application/octet-stream"),
                tag="learner",
                params=(SUBMISSION, _path("sha256")),
            )
        },
        "/submissions/{submission_id}/submit": {
            "post": _op(
                "Submit (or resubmit after 'not yet') for review",
                sub_ok,
                tag="learner",
                params=(SUBMISSION,),
                body=_body(_obj(), required=False),
                errors=WRITE_ERRORS,
                scope="learner",
                write=True,
            )
        },
        "/submissions/{submission_id}/withdraw": {
            "post": _op(
                "Withdraw a submission",
                sub_ok,
                tag="learner",
                params=(SUBMISSION,),
                body=_body(_obj(reason=STR), required=False),
                errors=WRITE_ERRORS,
                scope="learner",
                write=True,
            )
        },
        "/submissions/{submission_id}/self-assessment": {
            "post": _op(
                "Record the learner's own reading of the rubric",
                _json_ok(_ref("SelfAssessment"), "201", "Recorded"),
                tag="learner",
                params=(SUBMISSION,),
                body=_body(
                    _obj(
                        ("scores",),
                        scores={"type": "array", "items": _ref("CriterionScore")},
                        note=STR,
                    )
                ),
                errors=WRITE_ERRORS,
                scope="learner",
                write=True,
            )
        },
        "/submissions/{submission_id}/reviews": {
            "post": _op(
                "Score the latest attempt and decide (reviewers)",
                _json_ok(_ref("SubmissionDetail")),
                tag="review",
                params=(SUBMISSION,),
                body=_body(
                    _obj(
                        ("scores",),
                        scores={"type": "array", "items": _ref("CriterionScore")},
                        feedback=STR,
                        expected_revision=INT,
                    )
                ),
                errors=WRITE_ERRORS,
                scope="review",
                write=True,
            )
        },
        "/submissions/{submission_id}/claim": {
            "post": _op(
                "Claim a submitted attempt for review (reviewers)",
                sub_ok,
                tag="review",
                params=(SUBMISSION,),
                body=_body(_obj(), required=False),
                errors=WRITE_ERRORS,
                scope="review",
                write=True,
            )
        },
        "/submissions/{submission_id}/release": {
            "post": _op(
                "Put a claimed submission back in the queue undecided (reviewers)",
                sub_ok,
                tag="review",
                params=(SUBMISSION,),
                body=_body(_obj(), required=False),
                errors=WRITE_ERRORS,
                scope="review",
                write=True,
            )
        },
        "/review/queue": {
            "get": _op(
                "Submissions of the token's course waiting for a review",
                _json_ok(_list_of("Submission", total=True)),
                tag="review",
                params=(_query("credential_id"),),
                scope="review",
            )
        },
        "/awards": {"get": _op("The token's awards", _json_ok(_list_of("Award")), tag="learner")},
        "/awards/{award_id}": {
            "get": _op("An award", _json_ok(_ref("Award")), tag="learner", params=(AWARD,))
        },
        "/awards/{award_id}/files": {
            "get": _op(
                "The badge as files (baked PNG and SVG, JSON, VC-JWT)",
                _json_ok(_list_of("AwardFile")),
                tag="learner",
                params=(AWARD,),
            )
        },
        "/awards/{award_id}/files/{kind}": {
            "get": _op(
                "One badge file",
                _bytes_ok(
                    "The file", "image/png", "image/svg+xml", "application/json", "application/jwt"
                ),
                tag="learner",
                params=(AWARD, _path("kind", "png, svg, json or jwt")),
            )
        },
        "/verify": {
            "post": _op(
                "Every check on a badge handed in (PNG, SVG, JSON or JWT bytes)",
                _json_ok(_ref("Verification")),
                tag="learner",
                body={
                    "required": True,
                    "content": {
                        m: {"schema": {"type": "string", "format": "binary"}}
                        for m in ("application/octet-stream", "image/png", "image/svg+xml")
                    },
                },
                errors=("413", "422"),
                write=True,
            )
        },
        "/cohorts": {
            "get": _op("The cohorts one may see", _json_ok(_list_of("Cohort")), tag="community"),
            "post": _op(
                "A new cohort in the token's course (instructors)",
                _json_ok(_ref("Cohort"), "201", "Created"),
                tag="community",
                body=_body(
                    _obj(
                        ("name",),
                        name=STR,
                        credential_ids={"type": "array", "items": STR},
                        stack_id=STR,
                        facilitators={"type": "array", "items": STR},
                        description=STR,
                    )
                ),
                errors=WRITE_ERRORS,
                write=True,
            ),
        },
        "/cohorts/{cohort_id}": {
            "get": _op(
                "A cohort and its members",
                _json_ok(_ref("CohortView")),
                tag="community",
                params=(COHORT,),
            )
        },
        "/cohorts/{cohort_id}/board": {
            "get": _op(
                "Members × checkpoints (those who manage it); Accept: image/svg+xml for the chart",
                {
                    "200": {
                        "description": "The board",
                        "content": {
                            JSON: {"schema": _ref("Board")},
                            "image/svg+xml": {"schema": {"type": "string"}},
                        },
                    }
                },
                tag="community",
                params=(COHORT,),
            )
        },
        "/cohorts/{cohort_id}/coaching": {
            "get": _op(
                "Who needs a coaching visit, and why (those who manage it)",
                _json_ok(_list_of("CoachingNeed")),
                tag="community",
                params=(COHORT,),
            )
        },
        "/cohorts/{cohort_id}/progress": {
            "get": _op(
                "One's own row of the board",
                _json_ok(_ref("BoardRow")),
                tag="community",
                params=(COHORT,),
            )
        },
        "/recommendations": {
            "get": _op(
                "Recommendations to me",
                _json_ok(_list_of("ReceivedRecommendation")),
                tag="community",
                params=(
                    _query(
                        "status", {"type": "string", "enum": ["pending", "accepted", "declined"]}
                    ),
                ),
            ),
            "post": _op(
                "Recommend a credential (instructors to a group, peers to one, maybe anonymously)",
                _json_ok(_list_of("SentRecommendation"), "201", "Sent"),
                tag="community",
                body=_body(
                    _obj(
                        ("credential_id", "recipients"),
                        credential_id=STR,
                        recipients={"type": "array", "items": STR},
                        note=STR,
                        anonymous=BOOL,
                    )
                ),
                errors=WRITE_ERRORS,
                write=True,
            ),
        },
        "/recommendations/sent": {
            "get": _op(
                "What I recommended",
                _json_ok(_list_of("SentRecommendation")),
                tag="community",
            )
        },
        "/recommendations/{recommendation_id}/accept": {
            "post": _op(
                "Accept: the credential becomes a goal",
                _json_ok(_ref("ReceivedRecommendation")),
                tag="community",
                params=(RECOMMENDATION,),
                errors=WRITE_ERRORS,
                write=True,
            )
        },
        "/recommendations/{recommendation_id}/decline": {
            "post": _op(
                "Decline",
                _json_ok(_ref("ReceivedRecommendation")),
                tag="community",
                params=(RECOMMENDATION,),
                errors=WRITE_ERRORS,
                write=True,
            )
        },
        "/portfolio": {"get": _op("My portfolio", _json_ok(_ref("Portfolio")), tag="community")},
        "/portfolio/export": {
            "get": _op(
                "Every credential I hold, as a zip of Open Badges 3.0 files",
                _bytes_ok("The zip", "application/zip"),
                tag="community",
            )
        },
        "/portfolio/clr/{stack_id}": {
            "get": _op(
                "The CLR 2.0 learner record of a stack I completed",
                _json_ok(_ref("ClrExport")),
                tag="community",
                params=(_path("stack_id"),),
                errors=("409",),
            )
        },
        "/analytics": {
            "get": _op(
                "Programme figures (roles allowed by configuration); Accept: text/csv for CSV",
                {
                    "200": {
                        "description": "The report",
                        "content": {
                            JSON: {"schema": _ref("AnalyticsReport")},
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    }
                },
                tag="community",
                params=(
                    _query("by", {"type": "string", "enum": ["credential", "cohort"]}),
                    _query("course_id"),
                    _query("cohort_id"),
                    _query("credential_id"),
                    _query("since", {"type": "string", "format": "date-time"}),
                    _query("until", {"type": "string", "format": "date-time"}),
                ),
                errors=("422",),
            )
        },
    }


def _operation_ids(paths: dict[str, Any]) -> None:
    for path, methods in paths.items():
        for method, op in methods.items():
            words = [w.strip("{}") for w in path.strip("/").split("/")]
            op["operationId"] = "_".join([method, *words]).replace("-", "_")


@functools.lru_cache(maxsize=8)
def _cached(server_url: str) -> str:
    return json.dumps(document(server_url), ensure_ascii=False, separators=(",", ":"))


def document(server_url: str = "/api/v1") -> dict[str, Any]:
    """The OpenAPI document (``server_url``: where the API is served)."""
    paths = _paths()
    _operation_ids(paths)
    responses: dict[str, Any] = {f"E{code}": r for code, r in RESPONSES.items()}
    responses["Unauthorized"] = UNAUTHORIZED
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mcembed REST API",
            "version": f"1 ({__version__})",
            "description": (
                "Micro-credentials for notebooks and integrations. Send "
                "`Authorization: Bearer <token>` (a personal token from the learner page, or "
                "an integration token from `mcembed token create`). Errors are "
                '`{"error": {"code", "message", "details"}}` with a stable code. Domain '
                "values travel as `mcembed.codec.to_data`."
            ),
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "tags": [
            {"name": "learner", "description": "Scope `learner` for changes."},
            {"name": "review", "description": "Scope `review`."},
            {"name": "community", "description": "Cohorts, recommendations, portfolio, analytics."},
        ],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An mcembed token (mce_...).",
                }
            },
            "schemas": SCHEMAS,
            "responses": responses,
        },
    }


@bp.route("/openapi.json")
def openapi_json() -> object:
    """The document itself needs no token."""
    text = _cached(request.script_root + str(bp.url_prefix))
    return current_app.response_class(text, mimetype="application/json")
