"""The credential card: what the workshop earns and how it is judged.

Competency, key method, the evidence required, the rubric with its levels and
passing rule, and the learner's progress (from the core's ``missing``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as widgets

from mcembed import Credential

from .panel import Panel, escape

if TYPE_CHECKING:
    from .workshop import Workshop

__all__ = ["CredentialCard", "passing_rule_text", "rubric_html"]


def passing_rule_text(credential: Credential) -> str:
    """The passing rule in words, e.g. "Every criterion at Proficient or above."."""
    rule = credential.rubric.passing
    parts = []
    levels = set(rule.min_levels.values())
    named = {c.id: c.name for c in credential.rubric.criteria}
    if rule.min_levels and len(levels) == 1 and len(rule.min_levels) == len(named):
        parts.append(f"every criterion at {next(iter(levels))} or above")
    else:
        parts.extend(f"{named[cid]} at {label} or above" for cid, label in rule.min_levels.items())
    if rule.min_total is not None:
        parts.append(f"at least {rule.min_total} of {credential.rubric.max_points} points in all")
    text = "; ".join(parts)
    return f"To earn it: {text}."


def rubric_html(credential: Credential) -> str:
    """The rubric as an accessible table: criteria by levels, with descriptors."""
    criteria = credential.rubric.criteria
    head = "".join(
        f"<th scope='col'>{escape(lv.label)} ({lv.points})</th>" for lv in criteria[0].levels
    )
    rows = []
    for c in criteria:
        cells = "".join(f"<td>{escape(lv.descriptor)}</td>" for lv in c.levels)
        rows.append(
            f"<tr><th scope='row'>{escape(c.name)}<br>"
            f"<small style='font-weight:normal'>{escape(c.description)}</small></th>"
            f"{cells}</tr>"
        )
    return (
        "<table class='mcembed-rubric' style='border-collapse:collapse;font-size:0.9em'>"
        f"<caption>Rubric for {escape(credential.name)}</caption>"
        f"<thead><tr><th scope='col'>Criterion</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


class CredentialCard(Panel):
    """What the credential certifies, what it asks for, and the learner's progress."""

    def __init__(self, workshop: Workshop) -> None:
        super().__init__(workshop.credential.name, "mcembed-credential-card")
        self.workshop = workshop
        c = workshop.credential
        evidence = "".join(
            f"<li><strong>{escape(r.title)}</strong> ({escape(r.kind.value.replace('_', ' '))}"
            f"{'' if r.required else ', optional'})</li>"
            for r in c.evidence
        )
        self.about = widgets.HTML(
            f"<p>{escape(c.summary)}</p>"
            f"<p><strong>Competency.</strong> {escape(c.competency)}</p>"
            + (
                f"<p><strong>Key method.</strong> {escape(c.key_method)}</p>"
                if c.key_method
                else ""
            )
            + f"<p><strong>Evidence you will submit</strong></p><ul>{evidence}</ul>"
            + f"<p><strong>{escape(passing_rule_text(c))}</strong></p>"
        )
        self.rubric = widgets.Accordion(
            children=[widgets.HTML(rubric_html(c))], selected_index=None
        )
        self.rubric.set_title(0, "Rubric")
        self.progress = widgets.IntProgress(
            min=0,
            max=max(1, sum(r.required for r in c.evidence)),
            description="Progress",
            layout=widgets.Layout(width="24em"),
        )
        self.progress_text = widgets.HTML()
        self.set_body([self.about, self.rubric, widgets.HBox([self.progress, self.progress_text])])
        workshop.on_change(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Show the progress the core reports."""
        with self.showing_errors():
            detail = self.workshop.detail(fresh=False)
            required = self.progress.max
            done = required - len(detail.missing)
            self.progress.value = done
            state = detail.submission.state.value.replace("_", " ")
            self.progress_text.value = (
                f"<span class='mcembed-progress'>{done} of {required} required pieces of "
                f"evidence given; the submission is {escape(state)}.</span>"
            )
