"""The cohort view in a real JupyterLab 4, connected to the LTI tool on loopback:
the facilitator's kernel (``MCEMBED_URL`` and ``MCEMBED_TOKEN``, as a JupyterHub
sets them) shows the cohort's board with the SVG chart the tool draws, and a
learner's token in the same notebook shows her checkpoints and next step.
Screenshot, and axe-core on the widgets."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_workshop_in_browsers import KERNEL_IDLE, wait_until_idle

from jupyter_servers import jupyter_server
from notebook_tool import LEARNER, TEACHER, make_tool_app, personal_token, seed_cohort, tool_of

CELLS = [
    ("markdown", "# Our cohort\n\nThe facilitator's board, then one learner's own progress."),
    ("code", "import os\n\nimport mcembed_jupyter as mj\n\nmj.cohort_progress()"),
    (
        "code",
        'learner = mj.ApiBackend.connect(os.environ["MCEMBED_URL"], os.environ["E2E_LEARNER_TOKEN"])\n'
        "mj.CohortProgressView(learner)",
    ),
]


def write_notebook(path: Path) -> None:
    cells = [
        {"cell_type": kind, "metadata": {}, "source": source}
        | ({"outputs": [], "execution_count": None} if kind == "code" else {})
        for kind, source in CELLS
    ]
    path.write_text(
        json.dumps(
            {
                "cells": cells,
                "metadata": {
                    "kernelspec": {"name": "python3", "display_name": "Python 3"},
                    "language_info": {"name": "python"},
                },
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )


def test_cohort_board_and_progress_in_jupyterlab(
    page: Any,
    tmp_path: Path,
    live_wsgi: Callable[..., Any],
    screenshot: Callable[..., Path],
    widgets_axe: Any,
) -> None:
    tool = make_tool_app(tmp_path / "tool")
    seed_cohort(tool_of(tool).service)
    with live_wsgi(tool) as tool_url:
        env = {
            "MCEMBED_URL": tool_url,
            "MCEMBED_TOKEN": personal_token(tool, TEACHER, review=True),
            "E2E_LEARNER_TOKEN": personal_token(tool, LEARNER),
        }
        for server in jupyter_server("jupyterlab", tmp_path / "lab", env=env):
            try:
                write_notebook(server.workshop_folder / "cohort.ipynb")
                notebook = str(Path(server.notebook).parent / "cohort.ipynb")
                page.goto(f"{server.base_url}/lab/tree/{notebook}")
                page.locator(".jp-Notebook").wait_for(timeout=60_000)
                page.wait_for_function(KERNEL_IDLE, timeout=60_000)
                page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
                page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
                views = page.locator(".mcembed-cohort-progress")
                views.nth(1).wait_for(timeout=120_000)
                wait_until_idle(page)

                board = views.nth(0)
                board.locator(".mcembed-board-chart svg[role='img']").wait_for()
                text = board.inner_text()
                assert "Cohort progress: Data <b>literacy</b> circle" in text  # escaped, shown
                assert "Lee Learner" in text
                assert "Sam Other" in text
                sam = board.get_by_role("row", name="Sam Other").inner_text()
                assert "! late" in sam
                lee = board.get_by_role("row", name="Lee Learner").inner_text()
                assert "✓ done" in lee
                assert "→ on track" in lee
                coaching = board.locator(".mcembed-coaching").inner_text()
                assert "Sam Other" in coaching
                assert "Lee Learner" not in coaching
                chart = board.locator(".mcembed-board-chart svg").inner_html()
                assert "Notebook started" in chart
                board.scroll_into_view_if_needed()
                board.screenshot(path=str(screenshot(page, "jupyterlab-cohort-board")))

                mine = views.nth(1)
                mine.scroll_into_view_if_needed()
                checkpoints = mine.get_by_role(
                    "list", name="My checkpoints in Data <b>literacy</b> circle"
                ).inner_text()
                assert "done" in checkpoints
                assert "on track" in checkpoints
                assert "Next: Notebook submitted" in mine.inner_text()
                assert mine.locator(".mcembed-board-chart").count() == 0  # no board for her
                mine.screenshot(path=str(screenshot(page, "jupyterlab-cohort-learner")))
                assert widgets_axe(page) == []
            except (AssertionError, PlaywrightTimeout):
                screenshot(page, "jupyterlab-cohort-failed")
                raise
