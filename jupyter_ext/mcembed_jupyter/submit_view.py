"""The submit panel: what is missing, submit, then state, feedback, attempts, badge.

Everything shown comes from the core's ``SubmissionDetail``: what is missing,
the state, the reviewers' scores and feedback per criterion, every attempt,
and the award: the badge image, whether it verifies (the core ``Verifier``)
and its files to download (``award_card``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as widgets

from mcembed import Credential, Review, SubmissionDetail

from .api_backend import ApiBackend
from .award_card import award_html
from .connection import connect_offered
from .panel import Panel, escape

if TYPE_CHECKING:
    from .workshop import Workshop

__all__ = ["SubmitView", "review_html"]

_STATE_TEXT = {
    "draft": "Draft: not submitted yet.",
    "submitted": "Submitted: waiting for a reviewer.",
    "in_review": "In review.",
    "needs_revision": "Not yet: read the feedback, revise your evidence and resubmit.",
    "resubmitted": "Resubmitted: waiting for a reviewer.",
    "awarded": "Awarded.",
    "withdrawn": "Withdrawn.",
}


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
        self.connection = widgets.HTML()
        self.connection.add_class("mcembed-connection")
        self.submit_button = widgets.Button(
            layout=widgets.Layout(width="fit-content"),
            description="Submit",
            icon="paper-plane",
            button_style="success",
            # the themes' success green is too light for white text (axe color-contrast)
            style=widgets.ButtonStyle(button_color="#1b6e2d"),
        )
        self.submit_button.on_click(lambda _: self.submit())
        self.refresh_button = widgets.Button(
            layout=widgets.Layout(width="fit-content"),
            description="Check for feedback",
            icon="refresh",
        )
        self.refresh_button.on_click(lambda _: self.check_for_feedback())
        self.feedback = widgets.HTML()
        self.attempts = widgets.HTML()
        self.award = widgets.HTML()
        self.set_body(
            [
                self.connection,
                self.state,
                self.missing,
                widgets.HBox([self.submit_button, self.refresh_button]),
                self.award,
                self.feedback,
                self.attempts,
            ]
        )
        workshop.on_change(self.refresh)
        self.refresh(fresh=True)

    def submit(self) -> bool:
        """Save what the forms hold, then submit (or resubmit); the core says what is missing."""
        self.workshop.save_all(announce=False)  # the submit refreshes the widgets
        with self.showing_errors():
            stored = self.workshop.submit()
            self.say(f"Submitted attempt {stored.attempt}.", kind="ok")
            return True
        self._show_connection()
        return False

    def check_for_feedback(self) -> None:
        """Ask the backend again; an earlier message ("Submitted ...") is cleared."""
        self.say("")
        self.refresh(fresh=True)

    def refresh(self, *, fresh: bool = False) -> None:
        """Show the submission as the backend has it (``fresh``: asked now)."""
        try:
            with self.showing_errors():
                self.show(self.workshop.detail(fresh=fresh))
        finally:
            self._show_connection()

    def _show_connection(self) -> None:
        backend = self.workshop.backend
        if not isinstance(backend, ApiBackend) and connect_offered():
            self.connection.value = (
                "<p role='status' style='color:#8a4b00'><small>Not connected: this workshop "
                "keeps its evidence in this folder. Connect above, then run this cell and the "
                "workshop's cells again.</small></p>"
            )
        if isinstance(backend, ApiBackend):
            offline = backend.offline_since is not None or backend.token_problem is not None
            colour = "#8a4b00" if offline else "#1a1a1a"
            self.connection.value = (
                f"<p role='status' style='color:{colour}'><small>{escape(backend.status())}"
                "</small></p>"
            )

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
        self.award.value = (
            award_html(detail.award, credential, self.workshop.backend) if detail.award else ""
        )
