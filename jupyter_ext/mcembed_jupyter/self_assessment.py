"""Rubric self-assessment: the learner places their own work on each criterion.

The levels come from the rubric; what they add up to is the core's ``decide``
(shown as "by your own reading"), and a self-assessment never decides anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as widgets

from mcembed import CriterionScore, SelfAssessment

from .panel import Panel, escape

if TYPE_CHECKING:
    from .workshop import Workshop

__all__ = ["SelfAssessmentForm", "level_picker", "level_row"]

DRAFT_KEY = "self-assessment"


def level_picker(criterion_levels: list[tuple[str, str]], name: str) -> widgets.ToggleButtons:
    """Toggle buttons, one per level (label, descriptor), none chosen yet."""
    return widgets.ToggleButtons(
        options=[label for label, _ in criterion_levels],
        tooltips=[descriptor for _, descriptor in criterion_levels],
        value=None,
        description=name,
        style={"description_width": "initial", "button_width": "auto"},
    )


def level_row(
    criterion_levels: list[tuple[str, str]], name: str
) -> tuple[widgets.ToggleButtons, widgets.VBox]:
    """A level picker with the chosen level's descriptor written out below it
    (tooltips alone cannot be read from the keyboard)."""
    picker = level_picker(criterion_levels, name)
    descriptors = dict(criterion_levels)
    shown = widgets.HTML()
    shown.add_class("mcembed-descriptor")

    def describe(change: object = None) -> None:
        text = descriptors.get(picker.value or "", "")
        shown.value = (
            f"<small><strong>{escape(picker.value)}:</strong> {escape(text)}</small>"
            if picker.value and text
            else ""
        )

    picker.observe(describe, names="value")
    describe()
    return picker, widgets.VBox([picker, shown])


class SelfAssessmentForm(Panel):
    """One level picker per rubric criterion, a note, and "Record"."""

    def __init__(self, workshop: Workshop) -> None:
        super().__init__("Self-assessment against the rubric", "mcembed-self-assessment")
        self.workshop = workshop
        rubric = workshop.credential.rubric
        draft = workshop.drafts.get(DRAFT_KEY)
        kept = draft.value if draft is not None and isinstance(draft.value, dict) else {}
        self.pickers: dict[str, widgets.ToggleButtons] = {}
        rows: list[widgets.Widget] = [
            widgets.HTML(
                "<p>Where is your work now? Choose a level for each criterion; its "
                "descriptor appears below it. This is for you and your "
                "reviewer to compare; it does not decide the award.</p>"
            )
        ]
        for criterion in rubric.criteria:
            picker, row = level_row(
                [(lv.label, lv.descriptor) for lv in criterion.levels], criterion.name
            )
            levels = kept.get("levels", {})
            if levels.get(criterion.id) in picker.options:
                picker.value = levels[criterion.id]
            picker.observe(self._keep, names="value")
            self.pickers[criterion.id] = picker
            rows.append(row)
        self.note = widgets.Textarea(
            value=str(kept.get("note", "")),
            description="Note",
            placeholder="Anything you want your reviewer to know (optional).",
            layout=widgets.Layout(width="100%"),
        )
        self.note.observe(self._keep, names="value")
        self.record_button = widgets.Button(
            layout=widgets.Layout(width="fit-content"),
            description="Record self-assessment",
            icon="check",
        )
        self.record_button.on_click(lambda _: self.record())
        self.outcome = widgets.HTML()
        self.set_body([*rows, self.note, self.record_button, self.outcome])

    def _keep(self, change: object = None) -> None:
        self.workshop.drafts.put(
            DRAFT_KEY,
            {
                "levels": {cid: p.value for cid, p in self.pickers.items() if p.value},
                "note": self.note.value,
            },
        )

    def record(self) -> SelfAssessment | None:
        """Record the chosen levels; the core says if any is missing."""
        with self.showing_errors():
            scores = [
                CriterionScore(criterion_id=cid, level=p.value or "")
                for cid, p in self.pickers.items()
            ]
            assessment = self.workshop.backend.self_assess(
                self.workshop.submission.id, [s for s in scores if s.level], note=self.note.value
            )
            verdict = "would pass" if assessment.decision.passed else "would not pass yet"
            reasons = "".join(f"<li>{escape(r)}</li>" for r in assessment.decision.reasons)
            self.outcome.value = f"<p>By your own reading the work {verdict}.</p><ul>{reasons}</ul>"
            self.say("Self-assessment recorded.", kind="ok")
            return assessment
        return None
