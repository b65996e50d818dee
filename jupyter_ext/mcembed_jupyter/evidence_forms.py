"""Inputs for reflection, link, attestation and artifact evidence.

Each form shows its requirement's title and prompt, keeps what is typed in the
workshop's drafts the moment it changes (so a kernel restart loses nothing),
and saves it into the submission through the core, which decides whether it is
acceptable: word bounds, web addresses, file types and sizes are the core's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from mcembed import EvidenceItem, EvidenceKind, count_words
from mcembed.evidence import format_size

from . import context
from .panel import Panel, escape, paragraphs

if TYPE_CHECKING:
    from .workshop import Workshop

__all__ = ["ArtifactForm", "AttestationForm", "EvidenceForm", "LinkForm", "ReflectionForm"]


class EvidenceForm(Panel):
    """One requirement's input: its prompt, controls and a Save button."""

    kind: EvidenceKind

    def __init__(self, workshop: Workshop, evidence_id: str, css: str) -> None:
        self.workshop = workshop
        self.requirement = workshop.requirement(evidence_id, self.kind)
        self.evidence_id = evidence_id
        self.cell_id = context.current_cell_id()
        super().__init__(self.requirement.title, css)
        self.prompt = widgets.HTML(paragraphs(self.requirement.prompt))
        self.save_button = widgets.Button(
            layout=widgets.Layout(width="fit-content"),
            description="Save",
            icon="save",
            tooltip=f"Save: {self.requirement.title}",
        )
        self.save_button.on_click(lambda _: self.save())
        workshop.on_save_all(self.flush)

    def current_item(self) -> EvidenceItem:
        """The evidence the controls hold now."""
        raise NotImplementedError

    def draft_value(self) -> Any:
        raise NotImplementedError

    def saved_value(self) -> Any:
        """The value of the evidence stored in the submission."""
        raise NotImplementedError

    def restore(self) -> Any:
        """The value to start with: an unsaved draft if one was kept, else the stored one."""
        draft = self.workshop.drafts.get(self.evidence_id)
        stored = self.saved_value()
        if draft is not None and not draft.saved and draft.value != stored:
            self.say(
                f"Restored what you typed before (kept {draft.at[:16].replace('T', ' ')} UTC)."
            )
            return draft.value
        return stored

    def keep_draft(self, change: object = None) -> None:
        self.workshop.drafts.put(self.evidence_id, self.draft_value())

    def save(self) -> bool:
        """Save the evidence into the submission; show why not if the core refuses."""
        with self.showing_errors():
            value = self.draft_value()
            item = self.current_item()
            self.workshop.save([item])
            self.workshop.drafts.mark_saved(self.evidence_id, value)
            self.say("Saved.", kind="ok")
            return True
        return False

    def flush(self) -> None:
        """Save if what is shown differs from what is stored (before submitting)."""
        if self.workshop.submission.editable and self.draft_value() != self.saved_value():
            self.save()

    def _stored(self) -> EvidenceItem | None:
        return self.workshop.submission.item(self.evidence_id)


class ReflectionForm(EvidenceForm):
    """A reflection: prompt, text box and the live word count against the bounds."""

    kind = EvidenceKind.REFLECTION

    def __init__(self, workshop: Workshop, evidence_id: str) -> None:
        super().__init__(workshop, evidence_id, "mcembed-reflection")
        self.text = widgets.Textarea(
            value="",
            placeholder="Write your reflection here.",
            description="Reflection",
            continuous_update=True,
            layout=widgets.Layout(width="100%", height="14em"),
        )
        self.count = widgets.HTML()
        self.count.add_class("mcembed-word-count")
        self.text.value = self.restore()
        self.text.observe(self._typed, names="value")
        self._show_count()
        self.set_body([self.prompt, self.text, widgets.HBox([self.save_button, self.count])])

    def _typed(self, change: object) -> None:
        self.keep_draft()
        self._show_count()

    def _show_count(self) -> None:
        counted = count_words(self.requirement, self.text.value)
        colour = "#0b5e1a" if counted.within else "#8a4b00"
        self.count.value = (
            f"<span aria-live='polite' style='color:{colour}'>{escape(str(counted))}</span>"
        )

    def draft_value(self) -> str:
        return str(self.text.value)

    def saved_value(self) -> str:
        stored = self._stored()
        return stored.text if stored else ""

    def current_item(self) -> EvidenceItem:
        return EvidenceItem(
            requirement_id=self.evidence_id,
            kind=self.kind,
            text=self.text.value,
            metadata=self.workshop.metadata(self.evidence_id, self.cell_id),
        )


class LinkForm(EvidenceForm):
    """A link to work that lives elsewhere (a video, a shared document)."""

    kind = EvidenceKind.LINK

    def __init__(self, workshop: Workshop, evidence_id: str) -> None:
        super().__init__(workshop, evidence_id, "mcembed-link")
        self.url = widgets.Text(
            placeholder="https://", description="Web address", layout=widgets.Layout(width="100%")
        )
        self.url.value = self.restore()
        self.url.observe(self.keep_draft, names="value")
        self.set_body([self.prompt, self.url, self.save_button])

    def draft_value(self) -> str:
        return str(self.url.value).strip()

    def saved_value(self) -> str:
        stored = self._stored()
        return stored.url if stored else ""

    def current_item(self) -> EvidenceItem:
        return EvidenceItem(
            requirement_id=self.evidence_id,
            kind=self.kind,
            url=self.draft_value(),
            metadata=self.workshop.metadata(self.evidence_id, self.cell_id),
        )


class AttestationForm(EvidenceForm):
    """A statement the learner confirms; saved as soon as it is ticked or unticked."""

    kind = EvidenceKind.ATTESTATION

    def __init__(self, workshop: Workshop, evidence_id: str) -> None:
        super().__init__(workshop, evidence_id, "mcembed-attestation")
        statement = widgets.HTML(f"<blockquote>{escape(self.requirement.statement)}</blockquote>")
        self.confirm = widgets.Checkbox(
            description="I confirm this statement", indent=False, value=bool(self.restore())
        )
        self.confirm.observe(self._ticked, names="value")
        self.set_body([self.prompt, statement, self.confirm])

    def _ticked(self, change: object) -> None:
        self.keep_draft()
        self.save()

    def draft_value(self) -> bool:
        return bool(self.confirm.value)

    def saved_value(self) -> bool:
        stored = self._stored()
        return bool(stored and stored.attested)

    def current_item(self) -> EvidenceItem:
        return EvidenceItem(
            requirement_id=self.evidence_id,
            kind=self.kind,
            attested=self.draft_value(),
            metadata=self.workshop.metadata(self.evidence_id, self.cell_id),
        )


class ArtifactForm(EvidenceForm):
    """A file upload; the core checks the type and the size limit the pack sets."""

    kind = EvidenceKind.ARTIFACT

    def __init__(self, workshop: Workshop, evidence_id: str) -> None:
        super().__init__(workshop, evidence_id, "mcembed-artifact")
        req = self.requirement
        accept = ",".join(f".{t}" for t in req.file_types)
        self.upload = widgets.FileUpload(
            accept=accept, multiple=False, description="Choose file", button_style=""
        )
        limits = []
        if req.file_types:
            limits.append("files of type " + ", ".join(req.file_types))
        if req.max_bytes:
            limits.append(f"at most {format_size(req.max_bytes)}")
        self.limits = widgets.HTML(
            f"<small>Accepted: {escape('; '.join(limits))}.</small>" if limits else ""
        )
        self.current = widgets.HTML()
        self.upload.observe(self._chosen, names="value")
        self._show_current()
        self.set_body([self.prompt, self.limits, widgets.HBox([self.upload, self.current])])

    def _chosen(self, change: dict[str, Any]) -> None:
        files = change["new"]
        if not files:
            return
        chosen = files[0]
        with self.showing_errors():
            self.workshop.attach(self.evidence_id, chosen["name"], bytes(chosen["content"]))
            self.say(f"Uploaded {chosen['name']}.", kind="ok")
        self.upload.value = ()
        self._show_current()

    def _show_current(self) -> None:
        stored = self._stored()
        if stored is None or stored.blob is None:
            self.current.value = "<span>No file yet.</span>"
            return
        blob = stored.blob
        self.current.value = (
            f"<span class='mcembed-file'>Current file: {escape(blob.filename)} "
            f"({escape(format_size(blob.size))})</span>"
        )

    def draft_value(self) -> None:
        return None

    def saved_value(self) -> None:
        return None

    def flush(self) -> None:
        """Files are stored the moment they are chosen; nothing waits."""

    def current_item(self) -> EvidenceItem:  # pragma: no cover - uploads go through attach
        raise NotImplementedError("artifacts are attached, not saved as items")
