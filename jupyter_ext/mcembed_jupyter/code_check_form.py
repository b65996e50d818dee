"""The code check widget: run the pack's checks on the learner's live function.

"Run checks" runs every check of the requirement against the object the
requirement names in the kernel (see ``code_checks``), shows a pass/fail list
with each check's message and hint, and saves the results, the checked
source and the notebook's identity into the submission as evidence.

Under Voila, where cells cannot be edited, the widget can hold a code box: its
code is run in the learner's kernel before the checks.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import ipywidgets as widgets

from mcembed import CheckResult, EvidenceItem, EvidenceKind, ValidationError

from . import context
from .code_checks import CheckRun, load_checks, run_checks, source_of
from .panel import Panel, escape, paragraphs

if TYPE_CHECKING:
    from .workshop import Workshop

__all__ = ["CodeCheckForm"]


class CodeCheckForm(Panel):
    """A requirement's named checks, run on demand against the kernel's objects.

    Args:
        workshop: the workshop it belongs to.
        evidence_id: the ``code_check`` requirement's id.
        editor: show a code box whose code is run before the checks
            (default: only under Voila).
    """

    def __init__(self, workshop: Workshop, evidence_id: str, *, editor: bool | None = None) -> None:
        self.workshop = workshop
        self.requirement = workshop.requirement(evidence_id, EvidenceKind.CODE_CHECK)
        self.evidence_id = evidence_id
        self.cell_id = context.current_cell_id()
        super().__init__(self.requirement.title, "mcembed-code-check")
        self._checks_source = workshop.backend.read_check_module(workshop.credential, evidence_id)
        self.last_run: CheckRun | None = None
        self.prompt = widgets.HTML(paragraphs(self.requirement.prompt))
        self.run_button = widgets.Button(
            layout=widgets.Layout(width="fit-content"),
            description="Run checks",
            icon="play",
            button_style="primary",
            tooltip=f"Run the checks on {self.requirement.target}",
        )
        self.run_button.on_click(lambda _: self.run())
        self.results = widgets.HTML()
        self.results.add_class("mcembed-check-results")
        self.editor: widgets.Textarea | None = None
        body: list[widgets.Widget] = [self.prompt]
        if editor if editor is not None else context.running_under_voila():
            self.editor = widgets.Textarea(
                value=self._starting_code(),
                description="Your code",
                layout=widgets.Layout(width="100%", height="12em"),
            )
            self.editor.add_class("mcembed-code-editor")
            body.append(self.editor)
        body += [self.run_button, self.results]
        self.set_body(body)
        stored = workshop.submission.item(evidence_id)
        if stored is not None and stored.check_results:
            self._show(stored.check_results, note="Results saved earlier:")
        else:
            self._show_pending()

    def _starting_code(self) -> str:
        draft = self.workshop.drafts.get(self.evidence_id)
        if draft is not None and isinstance(draft.value, str):
            return draft.value
        namespace = self.workshop.peek_namespace()
        if self.requirement.target in namespace:
            return source_of(namespace[self.requirement.target])
        stored = self.workshop.submission.item(self.evidence_id)
        return stored.code if stored is not None else ""

    def run(self) -> CheckRun | None:
        """Run the checks now, show the results and save them as evidence."""
        with self.showing_errors():
            namespace = self.workshop.namespace
            if self.editor is not None:
                self.workshop.drafts.put(self.evidence_id, self.editor.value)
                if not self._run_editor_code(namespace):
                    return None
            checks = load_checks(self._checks_source, self.evidence_id.replace("-", "_"))
            run = run_checks(
                self.requirement, checks, namespace, time_limit=self.workshop.time_limit
            )
            self.last_run = run
            self._show(run.results)
            item = EvidenceItem(
                requirement_id=self.evidence_id,
                kind=EvidenceKind.CODE_CHECK,
                check_results=run.results,
                code=self.editor.value if self.editor is not None else run.source,
                metadata={
                    **self.workshop.metadata(self.evidence_id, self.cell_id),
                    "target": self.requirement.target,
                    "written_in": "code box" if self.editor is not None else "notebook cell",
                    "checked_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                },
            )
            self.workshop.save([item])
            self.say(f"Saved {run.passed} of {len(run.results)} passing as evidence.", kind="ok")
            return run
        return None

    def _run_editor_code(self, namespace: dict[str, object]) -> bool:
        assert self.editor is not None
        code = self.editor.value
        try:
            compiled = compile(code, f"<{self.requirement.target} code box>", "exec")
        except SyntaxError as e:
            raise ValidationError(
                f"Your code has a syntax error on line {e.lineno}: {e.msg}. "
                "Fix it, then run the checks again."
            ) from None
        try:
            # the learner's own code in the learner's own kernel, as a cell would run it
            exec(compiled, namespace)
        except Exception as e:
            raise ValidationError(
                f"Your code stopped with {type(e).__name__}: {e}. "
                "Fix it, then run the checks again."
            ) from None
        return True

    def _show_pending(self) -> None:
        items = "".join(
            f"<li><span aria-hidden='true'>○</span> {escape(c.description or c.name)}</li>"
            for c in self.requirement.checks
        )
        self.results.value = f"<p>Not run yet.</p><ul class='mcembed-checks'>{items}</ul>"

    def _show(self, results: tuple[CheckResult, ...], note: str = "") -> None:
        hints = {c.name: c.hint for c in self.requirement.checks}
        rows = []
        for r in results:
            mark, word, colour = (
                ("✔", "Passed", "#0b5e1a") if r.passed else ("✘", "Not yet", "#a4000f")
            )
            hint = hints.get(r.name, "")
            extra = (
                f"<br><small><strong>Hint:</strong> {escape(hint)}</small>"
                if hint and not r.passed
                else ""
            )
            rows.append(
                f"<li class='mcembed-check {'passed' if r.passed else 'failed'}'>"
                f"<span style='color:{colour}'><span aria-hidden='true'>{mark}</span> "
                f"<strong>{word}</strong></span> <code>{escape(r.name)}</code>: "
                f"{escape(r.message)}{extra}</li>"
            )
        passed = sum(r.passed for r in results)
        head = f"{escape(note)} " if note else ""
        self.results.value = (
            f"<p>{head}<strong>{passed} of {len(results)} checks pass.</strong></p>"
            "<ul class='mcembed-checks' style='list-style:none;padding-left:0'>"
            f"{''.join(rows)}</ul>"
        )
