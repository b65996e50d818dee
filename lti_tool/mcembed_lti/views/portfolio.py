"""The portfolio: every award with its rubric results and evidence, which
evidence to show, share links (made, listed, revoked), the export bundle and
the CLR learner record of a completed stack; and the public share page."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for

from mcembed import BadgeError, Conflict
from mcembed.awards import AwardKind
from mcembed.boards import format_day

from ..downloads import attachment
from ..forms import community, form_list
from ..pages import current_launch, launched, lurl

bp = Blueprint("portfolio", __name__, url_prefix="/community/portfolio")
shared = Blueprint("shared", __name__, url_prefix="/share")

NOTICES = {
    "shared": "Saved: only the evidence you ticked is shown to others.",
    "revoked": "The link is dead now; anyone who opens it sees that it no longer exists.",
}


def _render(new_link: Any = None, status: int = 200) -> Any:
    actor = current_launch().actor
    return render_template(
        "community/portfolio.html",
        portfolio=community().portfolio(actor),
        links=community().share_links(actor),
        new_link=new_link,
        new_url=url_for("shared.page", token=new_link.token, _external=True) if new_link else "",
        STACK=AwardKind.STACK,
        format_day=format_day,
        notice=NOTICES.get(request.args.get("notice", ""), ""),
    ), status


@bp.route("/")
@launched
def index() -> Any:
    return _render()


@bp.route("/evidence/<award_id>", methods=["POST"])
@launched
def share_evidence(award_id: str) -> Any:
    """Choose the evidence of one award others may see (none ticked: none)."""
    community().share_evidence(current_launch().actor, award_id, form_list("requirement"))
    return redirect(lurl("portfolio.index", notice="shared") + f"#award-{award_id}", code=303)


@bp.route("/links", methods=["POST"])
@launched
def create_link() -> Any:
    """A new share link, shown this once (only its hash is kept)."""
    made = community().create_share_link(
        current_launch().actor, label=request.form.get("label", "")
    )
    return _render(new_link=made, status=201)


@bp.route("/links/<link_id>/revoke", methods=["POST"])
@launched
def revoke_link(link_id: str) -> Any:
    community().revoke_share_link(current_launch().actor, link_id)
    return redirect(lurl("portfolio.index", notice="revoked"), code=303)


@bp.route("/export.zip")
@launched
def export() -> Any:
    """Every credential held, as one zip of Open Badges 3.0 files."""
    data = community().export_credentials(current_launch().actor)
    return attachment(data, "credentials.zip", "application/zip", sandbox=False)


@bp.route("/clr/<award_id>.json")
@launched
def clr(award_id: str) -> Any:
    """The CLR 2.0 learner record of a completed stack (signed when the instance
    has an issuer: then the VC-JWT and Data Integrity forms are included)."""
    try:
        record = community().export_clr(current_launch().actor, award_id)
    except BadgeError as e:  # the issuer cannot sign it: say so, as a refusal
        raise Conflict(f"The learner record cannot be signed: {e}") from None
    body = dict(record.documents) if record.signed else record.document
    text = json.dumps(body, indent=2, ensure_ascii=False)
    return attachment(text.encode(), f"clr-{award_id}.json", "application/json", sandbox=False)


@shared.route("/<token>")
def page(token: str) -> Any:
    """What a share link shows anyone, without signing in; a revoked or unknown
    link is a clear 404 page."""
    return (
        render_template(
            "community/shared.html",
            portfolio=community().shared_portfolio(token),
            format_day=format_day,
            file_url=lambda award_id, sha256: url_for(
                "shared.file", token=token, award_id=award_id, sha256=sha256
            ),
        ),
        200,
        {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"},
    )


@shared.route("/<token>/files/<award_id>/<sha256>")
def file(token: str, award_id: str, sha256: str) -> Any:
    data = community().read_shared_file(token, award_id, sha256)
    return Response(
        data,
        mimetype="application/octet-stream",
        headers={"Content-Disposition": "attachment", "Cache-Control": "no-store"},
    )
