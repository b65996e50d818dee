"""Learner endpoints: credentials, submissions and evidence, awards and their files.

Each view reads the request, calls one core method with the token's ``Actor``
and answers ``to_data`` of the result; the core checks who may do what.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from flask import current_app, request

from mcembed import (
    BadgeError,
    CriterionScore,
    EvidenceItem,
    NotFound,
    SubmissionState,
    excerpt,
)
from mcembed.awards import AwardKind
from mcembed.badges.downloads import award_files
from mcembed.codec import to_data
from mcembed.placements import PlacementKind
from mcembed.tokens import Scope

from ..downloads import attachment
from . import bp
from .errors import ApiError
from .http import actor, body, decode, endpoint, field, items, json_response, service, token

LEARNER = Scope.LEARNER
VERIFY_LIMIT = 5 * 1024 * 1024
PAGE_MAX = 500


def _tool() -> Any:
    return current_app.extensions["mcembed_lti"]


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ApiError(
            400,
            "invalid_request",
            f"'{name}' must be a whole number from {low} to {high} (got {excerpt(raw)}).",
            {"field": name},
        )
    return value


@endpoint(bp, "/me")
def me() -> Any:
    """Who the token acts as."""
    t = token()
    a = t.actor
    return json_response(
        {
            "person_id": t.person_id,
            "name": t.person_name,
            "course_id": t.course_id,
            "placement_id": t.placement_id,
            "roles": sorted(r.value for r in a.roles),
            "scopes": sorted(s.value for s in t.scopes),
            "expires_at": to_data(t.expires_at),
            "token_id": t.id,
            "token_kind": t.kind.value,
        }
    )


# --- credentials ----------------------------------------------------------------------


@endpoint(bp, "/credentials")
def credentials() -> Any:
    """The credentials placed in the token's course (stacks: their members)."""
    svc = service()
    wanted: list[str] = []
    for placement in _tool().lms.list_placements(token().course_id):
        if placement.kind is PlacementKind.STACK:
            try:
                wanted.extend(svc.get_stack(placement.credential_id).members)
            except NotFound:
                continue
        else:
            wanted.append(placement.credential_id)
    if not wanted:
        return items([])
    # the latest versions in one read, not one per credential
    latest = {c.id: c for c in svc.list_credentials()}
    found = [latest[cid] for cid in dict.fromkeys(wanted) if cid in latest]
    return items(found)


@endpoint(bp, "/catalog")
def catalog() -> Any:
    """Credentials for a problem described in plain words, best first (the whole
    catalog, not only the course's): ``q``, ``tag`` (repeatable), ``framework``,
    ``code``, ``limit``."""
    hits = service().search_catalog(
        request.args.get("q", ""),
        tags=request.args.getlist("tag"),
        framework=request.args.get("framework", ""),
        code=request.args.get("code", ""),
        limit=_int_arg("limit", 20, 1, 100),
    )
    return json_response(
        {"items": [{"credential": to_data(h.credential), "score": h.score} for h in hits]}
    )


@endpoint(bp, "/credentials/<credential_id>")
def credential(credential_id: str) -> Any:
    return json_response(
        to_data(service().get_credential(credential_id, request.args.get("version") or None))
    )


@endpoint(bp, "/credentials/<credential_id>/checks/<requirement_id>")
def check_module(credential_id: str, requirement_id: str) -> Any:
    """The Python source of a code-check requirement's checks (the notebook runs them)."""
    svc = service()
    found = svc.get_credential(credential_id, request.args.get("version") or None)
    return json_response({"source": svc.read_check_module(found, requirement_id)})


# --- submissions ----------------------------------------------------------------------


@endpoint(bp, "/submissions", methods=("POST",), scope=LEARNER)
def start_submission() -> Any:
    """The open submission for a credential (200), or a new draft (201)."""
    credential_id = field(body(), "credential_id", str)
    svc = service()
    before = {s.id for s in svc.list_submissions(actor(), credential_id=credential_id).items}
    submission = svc.start_submission(actor(), credential_id)
    return json_response(to_data(submission), 200 if submission.id in before else 201)


def _states() -> list[SubmissionState]:
    out = []
    for raw in request.args.getlist("state"):
        for name in filter(None, (n.strip() for n in raw.split(","))):
            try:
                out.append(SubmissionState(name))
            except ValueError:
                known = ", ".join(s.value for s in SubmissionState)
                raise ApiError(
                    400,
                    "invalid_request",
                    f"'state' {excerpt(name)} is not a state; the states are {known}.",
                    {"field": "state"},
                ) from None
    return out


@endpoint(bp, "/submissions")
def list_submissions() -> Any:
    """The token's own submissions (a reviewer token: its course's)."""
    page = service().list_submissions(
        actor(),
        credential_id=request.args.get("credential_id") or None,
        states=_states(),
        limit=_int_arg("limit", 50, 1, PAGE_MAX),
        offset=_int_arg("offset", 0, 0, 10**9),
    )
    return json_response({"items": [to_data(s) for s in page.items], "total": page.total})


@endpoint(bp, "/submissions/<submission_id>")
def get_submission(submission_id: str) -> Any:
    return json_response(to_data(service().get_submission(actor(), submission_id)))


def _if_match() -> int | None:
    raw = request.headers.get("If-Match", "").strip()
    if not raw or raw == "*":
        return None
    found = re.fullmatch(r'(?:W/)?"?(\d{1,9})"?', raw)
    if not found:
        raise ApiError(
            400,
            "invalid_request",
            f"If-Match must be the submission's revision, a number (got {excerpt(raw)}).",
            {"field": "If-Match"},
        )
    return int(found.group(1))


@endpoint(bp, "/submissions/<submission_id>/evidence", methods=("PUT",), scope=LEARNER)
def save_evidence(submission_id: str) -> Any:
    """Replace the evidence of the requirements given; files come by POST .../files."""
    raw = field(body(), "items", list)
    given = [decode(EvidenceItem, item, f"items[{n}]") for n, item in enumerate(raw)]
    revision = _if_match()
    svc = service()
    if any(item.blob is not None for item in given):
        # a file reference must be one this submission already holds (uploaded
        # through POST .../files), never someone else's file by its hash
        detail = svc.get_submission(actor(), submission_id)
        held = {
            (i.requirement_id, i.blob.sha256): i.blob
            for i in (
                *detail.submission.items,
                *(i for a in detail.submission.attempts for i in a.items),
            )
            if i.blob is not None
        }
        for n, item in enumerate(given):
            if item.blob is None:
                continue
            kept = held.get((item.requirement_id, item.blob.sha256))
            if kept is None:
                raise ApiError(
                    422,
                    "invalid_request",
                    f"items[{n}] names a file this submission does not hold; upload files "
                    f"with POST /api/v1/submissions/{submission_id}/files.",
                    {"field": f"items[{n}].blob"},
                )
            given[n] = replace(item, blob=kept)  # its name and type as stored, not as sent
    saved = svc.save_draft(actor(), submission_id, given, expected_revision=revision)
    return json_response(to_data(saved))


def _upload_limit() -> int:
    return int(service().max_upload_bytes) + 64 * 1024


@endpoint(
    bp,
    "/submissions/<submission_id>/files",
    methods=("POST",),
    scope=LEARNER,
    limit=_upload_limit,
)
def upload_file(submission_id: str) -> Any:
    """multipart/form-data with ``requirement_id`` and ``file``."""
    if request.mimetype != "multipart/form-data":
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send the file as multipart/form-data with the fields requirement_id and file.",
            {"field": "Content-Type"},
        )
    requirement_id = request.form.get("requirement_id", "").strip()
    if not requirement_id:
        raise ApiError(
            422, "invalid_request", "'requirement_id' is required.", {"field": "requirement_id"}
        )
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(
            422, "invalid_request", "'file' is required (with a file name).", {"field": "file"}
        )
    saved = service().attach_file(
        actor(), submission_id, requirement_id, upload.filename, upload.stream
    )
    return json_response(to_data(saved))


@endpoint(bp, "/submissions/<submission_id>/files/<sha256>")
def read_file(submission_id: str, sha256: str) -> Any:
    """The bytes of a file given as evidence (its learner and the course's reviewers)."""
    svc = service()
    data = svc.read_evidence_file(actor(), submission_id, sha256)
    detail = svc.get_submission(actor(), submission_id)
    media_type, filename = "application/octet-stream", "evidence"
    for item in (
        *detail.submission.items,
        *(i for a in detail.submission.attempts for i in a.items),
    ):
        if item.blob is not None and item.blob.sha256 == sha256:
            media_type, filename = item.blob.media_type, item.blob.filename
            break
    return attachment(data, filename, media_type)


@endpoint(bp, "/submissions/<submission_id>/submit", methods=("POST",), scope=LEARNER)
def submit(submission_id: str) -> Any:
    body()  # an empty body, or an object
    return json_response(to_data(service().submit(actor(), submission_id)))


@endpoint(bp, "/submissions/<submission_id>/withdraw", methods=("POST",), scope=LEARNER)
def withdraw(submission_id: str) -> Any:
    reason = field(body(), "reason", str, required=False) or ""
    return json_response(to_data(service().withdraw(actor(), submission_id, reason=reason)))


@endpoint(bp, "/submissions/<submission_id>/self-assessment", methods=("POST",), scope=LEARNER)
def self_assess(submission_id: str) -> Any:
    """Body: ``{"scores": [CriterionScore...], "note": ""}`` (``Service.self_assess``)."""
    data = body()
    scores = [
        decode(CriterionScore, s, f"scores[{n}]") for n, s in enumerate(field(data, "scores", list))
    ]
    note = field(data, "note", str, required=False) or ""
    assessment = service().self_assess(actor(), submission_id, scores, note=note)
    return json_response(to_data(assessment), 201)


# --- awards ----------------------------------------------------------------------------


@endpoint(bp, "/awards")
def list_awards() -> Any:
    return items(service().list_awards(actor()))


@endpoint(bp, "/awards/<award_id>")
def get_award(award_id: str) -> Any:
    return json_response(to_data(service().get_award(actor(), award_id)))


def _badge_files(award_id: str) -> tuple[Any, ...]:
    svc = service()
    award = svc.get_award(actor(), award_id)
    if award.kind is AwardKind.STACK:
        definition: Any = svc.get_stack(award.credential_id, award.credential_version)
    else:
        definition = svc.get_credential(award.credential_id, award.credential_version)
    try:
        return award_files(award, definition, svc.blobs)
    except BadgeError:
        return ()


def _kind(name: str) -> str:
    return name.rsplit(".", 1)[-1]


@endpoint(bp, "/awards/<award_id>/files")
def list_award_files(award_id: str) -> Any:
    """The badge as files: baked PNG and SVG, the JSON credential, the VC-JWT
    (none when the award was made before the instance had an issuer)."""
    return json_response(
        {
            "items": [
                {
                    "kind": _kind(f.name),
                    "filename": f.name,
                    "media_type": f.media_type,
                    "url": f"/api/v1/awards/{award_id}/files/{_kind(f.name)}",
                }
                for f in _badge_files(award_id)
            ]
        }
    )


@endpoint(bp, "/awards/<award_id>/files/<kind>")
def award_file(award_id: str, kind: str) -> Any:
    files = _badge_files(award_id)
    for f in files:
        if _kind(f.name) == kind:
            return attachment(f.data, f.name, f.media_type, sandbox=kind != "png")
    have = ", ".join(_kind(f.name) for f in files) or "none (the award is not signed)"
    raise NotFound(f"Award {award_id} has no {excerpt(kind)} file; it has {have}.")


@endpoint(bp, "/verify", methods=("POST",), limit=VERIFY_LIMIT)
def verify() -> Any:
    """Every check on a badge someone hands in (PNG, SVG, JSON or JWT bytes)."""
    data = request.get_data(cache=True)
    if not data.strip():
        raise ApiError(
            422, "invalid_request", "Send the badge file as the request body.", {"field": "body"}
        )
    return json_response(to_data(_tool().badges.verify(data)))
