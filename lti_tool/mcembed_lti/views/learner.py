"""The learner's pages: catalog search, a credential, the evidence form, feedback."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request

from mcembed import (
    EvidenceError,
    EvidenceItem,
    EvidenceKind,
    NotFound,
    QuotaExceeded,
    SubmissionState,
    excerpt,
)
from mcembed.stacks import progress as stack_progress

from ..downloads import attachment
from ..pages import current_launch, launched, lurl, service, tool

bp = Blueprint("learner", __name__, url_prefix="/learn")

NOTICES = {
    "started": "Your draft is ready: add your evidence below.",
    "saved": "Draft saved.",
    "submitted": "Submitted for review. You will see the feedback here.",
}


@bp.route("/")
@launched
def home() -> Any:
    """Search the catalog by a problem description; my credentials."""
    actor = current_launch().actor
    query = request.args.get("q", "").strip()
    hits = service().search_catalog(query, limit=20)
    mine = service().list_submissions(actor, limit=100).items
    return render_template("learner/home.html", hits=hits, query=query, mine=mine)


def _my_submission(credential_id: str) -> Any:
    actor = current_launch().actor
    page = service().list_submissions(actor, credential_id=credential_id, limit=50)
    open_ = [s for s in page.items if s.state is not SubmissionState.WITHDRAWN]
    return open_[0] if open_ else None


def _latest(credential_id: str) -> Any:
    """The credential's latest version (remembered for a few seconds: pages of a
    launch read it again and again; a new version shows within 30 s)."""
    found = tool().recent.get(("credential", credential_id))
    if found is None:
        found = service().get_credential(credential_id)
        tool().recent.put(("credential", credential_id), found)
    return found


def _render(
    credential_id: str,
    *,
    errors: list[str] | None = None,
    posted: dict[str, str] | None = None,
    status: int = 200,
) -> Any:
    actor = current_launch().actor
    submission = _my_submission(credential_id)
    detail = service().get_submission(actor, submission.id) if submission else None
    credential = detail.credential if detail else _latest(credential_id)
    award = detail.award if detail else None
    return (
        render_template(
            "learner/credential.html",
            credential=credential,
            detail=detail,
            award=award,
            errors=errors or [],
            posted=posted or {},
            notice=NOTICES.get(request.args.get("notice", ""), ""),
        ),
        status,
    )


@bp.route("/credentials/<credential_id>")
@launched
def credential(credential_id: str) -> Any:
    """A credential: competency, method, resources, evidence, rubric; my submission."""
    return _render(credential_id)


@bp.route("/credentials/<credential_id>/start", methods=["POST"])
@launched
def start(credential_id: str) -> Any:
    service().start_submission(current_launch().actor, credential_id)
    return redirect(
        lurl("learner.credential", credential_id=credential_id, notice="started") + "#evidence",
        code=303,
    )


def _items(credential: Any) -> list[EvidenceItem]:
    items = []
    for req in credential.evidence:
        if req.kind is EvidenceKind.REFLECTION and f"text-{req.id}" in request.form:
            items.append(
                EvidenceItem(
                    requirement_id=req.id,
                    kind=req.kind,
                    text=request.form[f"text-{req.id}"].strip(),
                )
            )
        elif req.kind is EvidenceKind.LINK and f"url-{req.id}" in request.form:
            items.append(
                EvidenceItem(
                    requirement_id=req.id, kind=req.kind, url=request.form[f"url-{req.id}"].strip()
                )
            )
        elif req.kind is EvidenceKind.ATTESTATION and f"shown-{req.id}" in request.form:
            items.append(
                EvidenceItem(
                    requirement_id=req.id,
                    kind=req.kind,
                    attested=request.form.get(f"attest-{req.id}") == "yes",
                )
            )
    return items


@bp.route("/submissions/<submission_id>", methods=["POST"])
@launched
def save(submission_id: str) -> Any:
    """Save the draft (text, links, attestations, files); submit when asked."""
    actor = current_launch().actor
    svc = service()
    detail = svc.get_submission(actor, submission_id)
    credential = detail.credential
    posted = {k: v for k, v in request.form.items() if k.startswith(("text-", "url-"))}
    try:
        revision = int(request.form.get("revision", ""))
    except ValueError:
        revision = None
    try:
        items = _items(credential)
        if items:
            svc.save_draft(actor, submission_id, items, expected_revision=revision)
        for req in credential.evidence:
            upload = request.files.get(f"file-{req.id}")
            if upload is not None and upload.filename:
                svc.attach_file(actor, submission_id, req.id, upload.filename, upload.stream)
        notice = "saved"
        if request.form.get("action") == "submit":
            svc.submit(actor, submission_id)
            notice = "submitted"
    except EvidenceError as e:
        status = 413 if isinstance(e, QuotaExceeded) else 400
        return _render(credential.id, errors=_readable(credential, e), posted=posted, status=status)
    return redirect(
        lurl("learner.credential", credential_id=credential.id, notice=notice), code=303
    )


def _readable(credential: Any, error: EvidenceError) -> list[str]:
    """Each problem named by the requirement's title, as the learner sees it."""
    titles = {f"evidence.{r.id}": r.title for r in credential.evidence}
    lines = []
    for problem in error.problems:
        where = titles.get(problem.location.path)
        lines.append(f"{where}: {problem.message}" if where else str(problem))
    return lines or [str(error)]


@bp.route("/submissions/<submission_id>/files/<requirement_id>")
@launched
def evidence_file(submission_id: str, requirement_id: str) -> Any:
    """A file of a submission (its learner and the course's reviewers only)."""
    detail = service().get_submission(current_launch().actor, submission_id)
    attempt = request.args.get("attempt", type=int)
    items = detail.submission.items
    if attempt:
        found = [a for a in detail.submission.attempts if a.number == attempt]
        if not found:
            raise NotFound(f"Submission {submission_id} has no attempt {attempt}.")
        items = found[0].items
    for item in items:
        if item.requirement_id == requirement_id and item.blob is not None:
            data = service().blobs.read(item.blob.sha256)
            return attachment(data, item.blob.filename, item.blob.media_type)
    raise NotFound(f"No file for {excerpt(requirement_id)} in submission {submission_id}.")


@bp.route("/stacks/<stack_id>")
@launched
def stack(stack_id: str) -> Any:
    """A stack: its credentials and how many I hold."""
    actor = current_launch().actor
    st = service().get_stack(stack_id)
    held = {a.credential_id for a in service().list_awards(actor) if a.status == "active"}
    have, need = stack_progress(st, held)
    members = []
    for member in st.members:
        try:
            members.append(service().get_credential(member))
        except NotFound:
            members.append(None)
    return render_template(
        "learner/stack.html", stack=st, members=members, held=held, have=have, need=need
    )
