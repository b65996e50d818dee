"""The facilitator's review widget (offline): queue, evidence, rubric scoring, award.

The queue is the core's list of submissions waiting for review; scoring picks
a level per criterion with feedback; "Record review" calls the core, whose
rubric and passing rule decide award or "not yet". Permissions (nobody reviews
their own work) are the core's too.
"""

from __future__ import annotations

import base64
import os
from typing import Any

import ipywidgets as widgets

from mcembed import (
    Credential,
    CriterionScore,
    EvidenceItem,
    EvidenceKind,
    ReviewOutcome,
    SubmissionDetail,
)
from mcembed.evidence import format_size

from .backend import WAITING, Backend, LocalBackend
from .panel import Panel, escape
from .self_assessment import level_row
from .submit_view import award_html, review_html

__all__ = ["ReviewView", "evidence_html"]


def evidence_html(item: EvidenceItem, title: str, file_url: str = "") -> str:
    """One piece of evidence as a reviewer reads it."""
    head = f"<h4>{escape(title)}</h4>"
    if item.kind is EvidenceKind.REFLECTION:
        body = "".join(f"<p>{escape(p)}</p>" for p in item.text.split("\n\n") if p.strip())
    elif item.kind is EvidenceKind.LINK:
        url = escape(item.url)
        body = f"<p><a href='{url}' target='_blank' rel='noopener'>{url}</a></p>"
    elif item.kind is EvidenceKind.ATTESTATION:
        body = "<p>Confirmed.</p>" if item.attested else "<p>Not confirmed.</p>"
    elif item.kind is EvidenceKind.ARTIFACT and item.blob is not None:
        name = escape(item.blob.filename)
        link = f"<a download='{name}' href='{file_url}'>{name}</a>" if file_url else name
        body = f"<p>File: {link} ({escape(format_size(item.blob.size))})</p>"
    elif item.kind is EvidenceKind.CODE_CHECK:
        passed = sum(r.passed for r in item.check_results)
        results = "".join(
            f"<li>{'✔ passed' if r.passed else '✘ not yet'} <code>{escape(r.name)}</code>: "
            f"{escape(r.message)}</li>"
            for r in item.check_results
        )
        where = escape(str(item.metadata.get("notebook_path", "")))
        body = (
            f"<p>{passed} of {len(item.check_results)} checks pass"
            + (f" (from {where})" if where else "")
            + f".</p><ul>{results}</ul>"
            "<pre tabindex='0' aria-label='Checked code' style='max-height:16em;overflow:auto'>"
            f"{escape(item.code)}</pre>"
        )
    else:
        body = "<p>Nothing given.</p>"
    return f"<section class='mcembed-evidence'>{head}{body}</section>"


class ReviewView(Panel):
    """The review queue for one credential (or all), and the rubric to score with.

    Args:
        backend: acting as the reviewer (e.g. ``LocalBackend.as_facilitator()``).
        credential_id: only this credential's submissions (default: all).
    """

    def __init__(self, backend: Backend, *, credential_id: str | None = None) -> None:
        super().__init__("Review queue", "mcembed-review-view")
        self.backend = backend
        self.credential_id = credential_id
        self.queue = widgets.Dropdown(
            description="Submission",
            options=[],
            style={"description_width": "initial"},
            layout=widgets.Layout(width="40em"),
        )
        self.queue.observe(lambda _: self.show_submission(), names="value")
        self.reload_button = widgets.Button(
            layout=widgets.Layout(width="fit-content"), description="Reload queue", icon="refresh"
        )
        self.reload_button.on_click(lambda _: self.reload())
        self.evidence = widgets.HTML()
        self.scoring = widgets.VBox()
        self.pickers: dict[str, widgets.ToggleButtons] = {}
        self.feedback: dict[str, widgets.Textarea] = {}
        self.overall = widgets.Textarea(
            description="Overall feedback",
            layout=widgets.Layout(width="100%"),
            style={"description_width": "initial"},
        )
        self.record_button = widgets.Button(
            layout=widgets.Layout(width="fit-content"),
            description="Record review",
            icon="gavel",
            button_style="primary",
        )
        self.record_button.on_click(lambda _: self.record())
        self.outcome = widgets.HTML()
        self.detail: SubmissionDetail | None = None
        self.set_body(
            [
                widgets.HBox([self.queue, self.reload_button]),
                self.evidence,
                self.scoring,
                self.outcome,
            ]
        )
        self.reload()

    @classmethod
    def offline(
        cls,
        folder: str | os.PathLike[str] = ".",
        *,
        pack: str | os.PathLike[str] | None = None,
        credential_id: str | None = None,
        reviewer: str = "facilitator",
    ) -> ReviewView:
        """The review queue of an offline workshop folder, for its facilitator.

        Args:
            folder: the workshop folder (its ``instance`` holds the submissions).
            pack: a pack folder to load first, relative to ``folder``.
            credential_id: only this credential's submissions.
            reviewer: the facilitator's id (must differ from every learner's).
        """
        backend = LocalBackend.open(folder, pack=pack).as_facilitator(reviewer)
        return cls(backend, credential_id=credential_id)

    def reload(self) -> None:
        """Fetch the queue: submissions waiting for review, oldest first."""
        with self.showing_errors():
            waiting = self.backend.list_submissions(
                credential_id=self.credential_id, states=WAITING
            )
            waiting.sort(key=lambda s: s.updated_at)
            self.queue.options = [
                (f"{s.learner_id}: {s.credential_id}, attempt {s.attempt} ({s.state.value})", s.id)
                for s in waiting
            ]
            if not waiting:
                self.evidence.value = "<p>Nothing is waiting for review.</p>"
                self.scoring.children = ()
                self.detail = None
            elif self.queue.value is None:
                self.queue.value = waiting[0].id  # shows it
            elif self.detail is None or self.detail.submission.id != self.queue.value:
                self.show_submission()

    def show_submission(self, submission_id: str | None = None) -> None:
        """Show a submission's latest attempt and the rubric to score it."""
        submission_id = submission_id or self.queue.value
        if not submission_id:
            return
        with self.showing_errors():
            self.detail = detail = self.backend.get_submission(submission_id)
            self.outcome.value = ""
            self.say("")
            self._show_evidence(detail)
            self._build_scoring(detail)

    def _file_url(self, submission_id: str, item: EvidenceItem) -> str:
        if item.blob is None:
            return ""
        data = self.backend.read_evidence_file(submission_id, item.blob.sha256)
        return f"data:{item.blob.media_type};base64,{base64.b64encode(data).decode('ascii')}"

    def _show_evidence(self, detail: SubmissionDetail) -> None:
        sub = detail.submission
        attempt = sub.attempts[-1] if sub.attempts else None
        items = attempt.items if attempt else sub.items
        parts = [
            f"<p><strong>{escape(sub.learner_id)}</strong>, {escape(detail.credential.name)}, "
            f"attempt {sub.attempt}</p>"
        ]
        for item in items:
            title = detail.credential.requirement(item.requirement_id).title
            parts.append(evidence_html(item, title, self._file_url(sub.id, item)))
        mine = [a for a in detail.self_assessments if a.attempt == sub.attempt]
        if mine:
            names = {c.id: c.name for c in detail.credential.rubric.criteria}
            levels = "".join(
                f"<li>{escape(names.get(s.criterion_id, s.criterion_id))}: {escape(s.level)}</li>"
                for s in mine[-1].scores
            )
            parts.append(f"<h4>The learner's self-assessment</h4><ul>{levels}</ul>")
        parts += [review_html(r, detail.credential) for r in detail.reviews]
        self.evidence.value = "".join(parts)

    def _build_scoring(self, detail: SubmissionDetail) -> None:
        self.pickers = {}
        self.feedback = {}
        rows: list[widgets.Widget] = [widgets.HTML("<h4>Score against the rubric</h4>")]
        for criterion in detail.credential.rubric.criteria:
            picker, row = level_row(
                [(lv.label, lv.descriptor) for lv in criterion.levels], criterion.name
            )
            note = widgets.Textarea(
                description="Feedback",
                placeholder=f"Feedback on {criterion.name}",
                layout=widgets.Layout(width="100%", height="4em"),
            )
            self.pickers[criterion.id] = picker
            self.feedback[criterion.id] = note
            rows += [row, note]
        self.overall.value = ""
        rows += [self.overall, self.record_button]
        self.scoring.children = tuple(rows)

    def record(self) -> ReviewOutcome | None:
        """Record the scores; the core decides award or "not yet"."""
        if self.detail is None:
            return None
        with self.showing_errors():
            scores = [
                CriterionScore(criterion_id=cid, level=p.value, feedback=self.feedback[cid].value)
                for cid, p in self.pickers.items()
                if p.value
            ]
            outcome = self.backend.record_review(
                self.detail.submission.id,
                scores,
                feedback=self.overall.value,
                expected_revision=self.detail.submission.revision,
            )
            credential = self.detail.credential
            self.reload()
            self.outcome.value = self._outcome_html(outcome, credential)
            self.say("Review recorded.", kind="ok")
            return outcome
        return None

    def _outcome_html(self, outcome: ReviewOutcome, credential: Credential) -> str:
        parts: list[Any] = [review_html(outcome.review, credential)]
        if outcome.award is not None:
            parts.append(award_html(outcome.award, credential))
        return "".join(parts)
