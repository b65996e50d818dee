"""A cohort in the notebook: the learner's own progress, and the facilitator's board.

A learner sees their checkpoints (done, on track, late or not started, with
due dates) and their next step; a facilitator sees the whole board, members ×
checkpoints, with the SVG chart the tool's board page draws and who needs a
coaching visit. Everything shown
is what the core computes (``Community.my_progress``, ``progress_board``,
``board_chart``, ``coaching_list``), through the ``Backend``: offline on the workshop's instance,
connected over the REST API's cohort endpoints. Who may see the board is the
core's decision too (``CohortView.can_manage``); this module lays it out.
"""

from __future__ import annotations

import os
from typing import Any

import ipywidgets as widgets

from mcembed import (
    Board,
    BoardCell,
    BoardRow,
    CoachingNeed,
    Cohort,
    CohortView,
    McembedError,
    MemberStatus,
)
from mcembed.boards import CellStatus, format_day

from .backend import Backend, LocalBackend
from .connection import connected_backend
from .panel import Panel, escape

__all__ = ["CohortProgressView", "cohort_progress"]

# the tool's board page marks each state with the same symbol and words
_SYMBOLS = {
    CellStatus.DONE: "✓",
    CellStatus.ON_TRACK: "→",
    CellStatus.NOT_STARTED: "○",
    CellStatus.LATE: "!",
}
_COLOURS = {  # text, background: dark enough on light for WCAG AA
    CellStatus.DONE: ("#0b4a1d", "#dff3e4"),
    CellStatus.ON_TRACK: ("#0b3d7a", "#e3eefb"),
    CellStatus.NOT_STARTED: ("#3a3a3a", "#efefef"),
    CellStatus.LATE: ("#8a1c00", "#fde6dc"),
}


def state_html(cell: BoardCell) -> str:
    """One cell's state as a small labelled chip (``✓ done``, ``! late`` …)."""
    text, back = _COLOURS[cell.status]
    late = " <small>(done late)</small>" if cell.done_late else ""
    return (
        f"<span class='mcembed-state mcembed-state-{cell.status.value}' "
        f"style='color:{text};background:{back};border-radius:0.8em;padding:0 0.5em;"
        f"white-space:nowrap'>{_SYMBOLS[cell.status]} {escape(cell.status.words)}</span>{late}"
    )


def progress_html(cohort: Cohort, row: BoardRow, names: dict[str, str]) -> str:
    """A member's row of the board: next step first, then every checkpoint."""
    nxt = row.next_open
    if nxt is None:
        head = "<p class='mcembed-next'><strong>Every checkpoint done.</strong></p>"
    else:
        cp = cohort.checkpoint(nxt.checkpoint_id)
        head = (
            f"<p class='mcembed-next'><strong>Next:</strong> {escape(cp.title)} "
            f"({escape(names.get(cp.credential_id, cp.credential_id))}: "
            f"{escape(cp.step.words)} by {escape(format_day(cp.due_at))}) {state_html(nxt)}</p>"
        )
    items = []
    for cell in row.cells:
        cp = cohort.checkpoint(cell.checkpoint_id)
        items.append(
            f"<li>{state_html(cell)} {escape(cp.title)}: "
            f"{escape(names.get(cp.credential_id, cp.credential_id))} {escape(cp.step.words)} "
            f"by {escape(format_day(cp.due_at))}</li>"
        )
    checkpoints = "".join(items) or "<li>No checkpoints yet.</li>"
    return (
        f"<h4>My progress</h4>{head}"
        f"<ul class='mcembed-my-checkpoints' aria-label='My checkpoints in {escape(cohort.name)}' "
        f"style='list-style:none;padding-left:0'>{checkpoints}</ul>"
    )


def coaching_html(needs: list[CoachingNeed]) -> str:
    """Who needs a coaching visit, each with the core's reasons."""
    if not needs:
        return "<h4>Who needs a coaching visit</h4><p>Nobody right now: everyone is on track.</p>"
    items = "".join(
        f"<li><strong>{escape(n.member.display_name)}</strong>: "
        + "; ".join(f"{escape(r.kind.value)}: {escape(r.text)}" for r in n.reasons)
        + "</li>"
        for n in needs
    )
    return f"<h4>Who needs a coaching visit</h4><ul class='mcembed-coaching'>{items}</ul>"


def board_html(board: Board, chart_svg: str, needs: list[CoachingNeed] | None = None) -> str:
    """The facilitator's board: the tool's chart, who needs a coaching visit,
    then members × checkpoints."""
    if not board.checkpoints or not board.rows:
        missing = "checkpoints" if not board.checkpoints else "members"
        return f"<h4>Progress board</h4><p>The board fills in once the cohort has {missing}.</p>"
    head = "".join(
        f"<th scope='col'>{n}. {escape(cp.title)}<br><small>{escape(format_day(cp.due_at))}"
        "</small></th>"
        for n, cp in enumerate(board.checkpoints, 1)
    )
    rows = "".join(
        f"<tr><th scope='row'>{escape(r.member.display_name)}</th>"
        + "".join(f"<td>{state_html(c)}</td>" for c in r.cells)
        + "</tr>"
        for r in board.rows
    )
    return (
        "<h4>Progress board</h4>"
        f"<div class='mcembed-board-chart' style='max-width:100%;overflow-x:auto'>{chart_svg}</div>"
        f"{coaching_html(needs) if needs is not None else ''}"
        "<div style='max-width:100%;overflow-x:auto'>"
        "<table class='mcembed-board' style='border-collapse:collapse'>"
        "<caption style='text-align:left'>Each member's state at each checkpoint</caption>"
        f"<thead><tr><th scope='col'>Member</th>{head}</tr></thead><tbody>{rows}</tbody>"
        "</table></div>"
    )


class CohortProgressView(Panel):
    """A cohort's progress: the learner's own checkpoints; for a facilitator, the board.

    Args:
        backend: where the cohort is (``LocalBackend`` offline, ``ApiBackend`` connected).
        cohort_id: the cohort to show (default: the first the person may see; a
            picker lists the others).
    """

    def __init__(self, backend: Backend, cohort_id: str | None = None) -> None:
        super().__init__("Cohort progress", "mcembed-cohort-progress")
        self.backend = backend
        self.picker = widgets.Dropdown(description="Cohort", options=[])
        self.picker.layout.width = "min(40em, 100%)"
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.mine = widgets.HTML("")
        self.mine.add_class("mcembed-cohort-mine")
        self.board = widgets.HTML("")
        self.board.add_class("mcembed-cohort-board")
        self.view: CohortView | None = None
        self._names: dict[str, str] = {}
        cohorts: list[Cohort] = []
        with self.showing_errors():
            cohorts = backend.list_cohorts()
        self.picker.options = [(c.name, c.id) for c in cohorts]
        if cohort_id is None and cohorts:
            cohort_id = cohorts[0].id
        if cohort_id is not None and cohort_id not in {c.id for c in cohorts}:
            # a cohort not in the list (e.g. a facilitator's of another course): the core says
            self.picker.options = [*self.picker.options, (cohort_id, cohort_id)]
        self.picker.value = cohort_id
        self.picker.layout.display = "" if len(self.picker.options) > 1 else "none"
        self.picker.observe(lambda _: self.refresh(), names="value")
        self.set_body(
            [
                self.picker,
                self.mine,
                self.board,
                widgets.HBox([self.refresh_button]),
            ]
        )
        if cohort_id is None:
            if not self.message.value:
                self.say(
                    "You are in no cohort yet. A facilitator adds you from the course "
                    "roster, or invites you (the invitation is on your page in the tool)."
                )
        else:
            self.refresh()

    @property
    def cohort_id(self) -> str | None:
        return self.picker.value  # type: ignore[no-any-return]

    def _credential_names(self, cohort: Cohort) -> dict[str, str]:
        for cp in cohort.checkpoints:
            if cp.credential_id not in self._names:
                try:
                    self._names[cp.credential_id] = self.backend.get_credential(
                        cp.credential_id
                    ).name
                except McembedError:  # a stack's checkpoint: its id is what there is to show
                    self._names[cp.credential_id] = cp.credential_id
        return self._names

    def refresh(self) -> None:
        """Ask the backend again (another member's award, a new checkpoint)."""
        cohort_id = self.cohort_id
        if cohort_id is None:
            return
        self.say("")
        self.mine.value = ""
        self.board.value = ""
        with self.showing_errors():
            view = self.view = self.backend.get_cohort(cohort_id)
            cohort = view.cohort
            self.heading.value = self.heading.value.split("<h3", 1)[0] + (
                f"<h3 class='mcembed-title'>Cohort progress: {escape(cohort.name)}</h3>"
            )
            names = self._credential_names(cohort)
            me = view.me
            if me is not None and me.status is MemberStatus.ACTIVE:
                self.mine.value = progress_html(cohort, self.backend.my_progress(cohort_id), names)
            elif me is not None and me.status is MemberStatus.INVITED:
                self.mine.value = (
                    "<p>You are invited to this cohort: accept the invitation on your "
                    "page in the tool to see your progress here.</p>"
                )
            if view.can_manage:
                board = self.backend.progress_board(cohort_id)
                self.board.value = board_html(
                    board,
                    self.backend.board_chart(cohort_id),
                    self.backend.coaching_list(cohort_id),
                )
            if not self.mine.value and not self.board.value:
                self.say("You are not an active member of this cohort.")


def cohort_progress(
    cohort_id: str | None = None,
    *,
    backend: Backend | None = None,
    folder: str | os.PathLike[str] | None = None,
    **open_options: Any,
) -> CohortProgressView:
    """The cohort view for this kernel: connected when ``mj.connect()`` (or
    ``MCEMBED_URL``/``MCEMBED_TOKEN``) made a connection, else offline on the
    workshop folder's instance (``LocalBackend.open(folder, **open_options)``)."""
    if backend is None:
        backend = connected_backend(folder)
    if backend is None:
        backend = LocalBackend.open(folder or ".", **open_options)
    return CohortProgressView(backend, cohort_id)
