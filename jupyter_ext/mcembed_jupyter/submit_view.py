"""The submit panel: what is missing, submit, then state, feedback, attempts, badge.

Everything shown comes from the core's ``SubmissionDetail``: what is missing,
the state, the reviewers' scores and feedback per criterion, every attempt,
and the award with its portable documents (signed Open Badges) when issued.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from mcembed import Award, Credential, Review, SubmissionDetail

from .panel import Panel, escape

if TYPE_CHECKING:
    from .workshop import Workshop

__all__ = ["SubmitView", "award_html", "document_files", "review_html"]

_STATE_TEXT = {
    "draft": "Draft: not submitted yet.",
    "submitted": "Submitted: waiting for a reviewer.",
    "in_review": "In review.",
    "needs_revision": "Not yet: read the feedback, revise your evidence and resubmit.",
    "resubmitted": "Resubmitted: waiting for a reviewer.",
    "awarded": "Awarded.",
    "withdrawn": "Withdrawn.",
}


def document_files(documents: Mapping[str, Any]) -> list[tuple[str, str, bytes]]:
    """An award's documents as downloadable files: (file name, media type, bytes).

    ``data:`` URLs (a baked PNG) and SVG text become images, strings that look
    like a compact JWS become ``.jwt`` files, mappings become JSON, bytes keep
    their name's extension (``png``, ``svg``).
    """
    files = []
    for name, value in documents.items():
        stem = str(name).replace("/", "-")
        if isinstance(value, str) and value.startswith("data:") and ";base64," in value:
            media, _, payload = value[5:].partition(";base64,")
            ext = {"image/png": "png", "image/svg+xml": "svg"}.get(media, "bin")
            name_ext = stem if stem.endswith(f".{ext}") else f"{stem}.{ext}"
            files.append((name_ext, media, base64.b64decode(payload)))
        elif isinstance(value, bytes | bytearray):
            ext = stem.rsplit(".", 1)[-1].lower() if "." in stem else ""
            media = {"png": "image/png", "svg": "image/svg+xml"}.get(
                ext, "application/octet-stream"
            )
            files.append((stem, media, bytes(value)))
        elif isinstance(value, str) and value.count(".") == 2 and value.startswith("ey"):
            files.append((f"{stem}.jwt", "application/vc+jwt", value.encode()))
        elif isinstance(value, str) and value.lstrip().startswith(("<svg", "<?xml")):
            name_svg = stem if stem.endswith(".svg") else f"{stem}.svg"
            files.append((name_svg, "image/svg+xml", value.encode()))
        elif isinstance(value, str):
            files.append((f"{stem}.txt", "text/plain", value.encode()))
        else:
            text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
            files.append((f"{stem}.json", "application/json", text.encode()))
    return files


def _data_url(media: str, data: bytes) -> str:
    return f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"


def award_html(award: Award, credential: Credential) -> str:
    """The award: credential, date, validity, status, badge image and downloads."""
    issued = award.issued_at.strftime("%d %B %Y")
    lines = [
        f"<p class='mcembed-award'><strong>Awarded: {escape(credential.name)}</strong>, "
        f"issued {escape(issued)}"
        + (
            f", valid until {escape(award.expires_at.strftime('%d %B %Y'))}"
            if award.expires_at
            else ""
        )
        + f". Status: {escape(award.status.value)}.</p>"
    ]
    if award.total is not None:
        lines.append(f"<p>{award.total} of {award.max_total} rubric points.</p>")
    files = document_files(award.documents)
    for _name, media, data in files:
        if media.startswith("image/"):
            lines.append(
                f"<img src='{_data_url(media, data)}' alt='Badge: {escape(credential.name)}' "
                "style='max-width:160px'>"
            )
    if files:
        links = "".join(
            f"<li><a download='{escape(name)}' href='{_data_url(media, data)}'>"
            f"Download {escape(name)}</a></li>"
            for name, media, data in files
        )
        lines.append(f"<ul class='mcembed-badge-downloads'>{links}</ul>")
    else:
        lines.append(
            "<p><small>This award was recorded without a signed badge document "
            "(the instance has no badge issuer configured).</small></p>"
        )
    return "".join(lines)


def review_html(review: Review, credential: Credential) -> str:
    """One review: the decision, each criterion's level and feedback, overall feedback."""
    names = {c.id: c.name for c in credential.rubric.criteria}
    verdict = "Awarded" if review.passed else "Not yet"
    rows = "".join(
        f"<tr><th scope='row'>{escape(names.get(s.criterion_id, s.criterion_id))}</th>"
        f"<td>{escape(s.level)}</td><td>{escape(s.feedback)}</td></tr>"
        for s in review.scores
    )
    reasons = "".join(f"<li>{escape(r)}</li>" for r in review.decision.reasons)
    overall = (
        f"<p><strong>Overall:</strong> {escape(review.feedback)}</p>" if review.feedback else ""
    )
    return (
        f"<div class='mcembed-review'><p><strong>Attempt {review.attempt}: {verdict}</strong> "
        f"({escape(review.created_at.strftime('%d %B %Y %H:%M'))} UTC)</p>"
        "<table style='border-collapse:collapse'><thead><tr><th scope='col'>Criterion</th>"
        f"<th scope='col'>Level</th><th scope='col'>Feedback</th></tr></thead><tbody>{rows}"
        f"</tbody></table>{overall}<details><summary>Why</summary><ul>{reasons}</ul></details></div>"
    )


class SubmitView(Panel):
    """Submit the evidence, and follow the submission through review to the badge."""

    def __init__(self, workshop: Workshop) -> None:
        super().__init__("Submit for review", "mcembed-submit")
        self.workshop = workshop
        self.missing = widgets.HTML()
        self.state = widgets.HTML()
        self.state.add_class("mcembed-state")
        self.submit_button = widgets.Button(
            layout=widgets.Layout(width="fit-content"),
            description="Submit",
            icon="paper-plane",
            button_style="success",
        )
        self.submit_button.on_click(lambda _: self.submit())
        self.refresh_button = widgets.Button(
            layout=widgets.Layout(width="fit-content"),
            description="Check for feedback",
            icon="refresh",
        )
        self.refresh_button.on_click(lambda _: self.refresh())
        self.feedback = widgets.HTML()
        self.attempts = widgets.HTML()
        self.award = widgets.HTML()
        self.set_body(
            [
                self.state,
                self.missing,
                widgets.HBox([self.submit_button, self.refresh_button]),
                self.award,
                self.feedback,
                self.attempts,
            ]
        )
        workshop.on_change(self.refresh)
        self.refresh()

    def submit(self) -> bool:
        """Save what the forms hold, then submit (or resubmit); the core says what is missing."""
        self.workshop.save_all()
        with self.showing_errors():
            stored = self.workshop.submit()
            self.say(f"Submitted attempt {stored.attempt}.", kind="ok")
            return True
        return False

    def refresh(self) -> None:
        """Show the submission as the backend has it now."""
        with self.showing_errors():
            self.show(self.workshop.detail())

    def show(self, detail: SubmissionDetail) -> None:
        credential = detail.credential
        sub = detail.submission
        self.state.value = (
            f"<p role='status'><strong>{escape(_STATE_TEXT[sub.state.value])}</strong></p>"
        )
        if sub.editable and detail.missing:
            titles = "".join(
                f"<li>{escape(credential.requirement(m).title)}</li>" for m in detail.missing
            )
            self.missing.value = f"<p>Still missing:</p><ul class='mcembed-missing'>{titles}</ul>"
        elif sub.editable:
            self.missing.value = "<p>Everything required is there. Submit when you are ready.</p>"
        else:
            self.missing.value = ""
        self.submit_button.description = "Resubmit" if sub.attempt else "Submit"
        self.submit_button.layout.display = None if sub.editable else "none"
        self.feedback.value = "".join(
            review_html(r, credential) for r in sorted(detail.reviews, key=lambda r: -r.attempt)
        )
        attempts = "".join(
            f"<li>Attempt {a.number}, submitted {escape(a.submitted_at.strftime('%d %B %Y %H:%M'))}"
            f" UTC, {len(a.items)} pieces of evidence</li>"
            for a in sub.attempts
        )
        self.attempts.value = f"<p>Attempts</p><ol>{attempts}</ol>" if attempts else ""
        self.award.value = award_html(detail.award, credential) if detail.award else ""
