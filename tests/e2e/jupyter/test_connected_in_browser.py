"""Connected mode in a real JupyterLab 4, Notebook 7 and Voila: the LTI tool runs on loopback,
the server's kernels get ``MCEMBED_URL`` and ``MCEMBED_TOKEN`` as a JupyterHub would set them,
the learner works through the data-literacy workshop and submits; the submission is
read back from the running tool through its API, an instructor decides "not yet"
over the API, and the feedback appears in the learner's notebook."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_workshop_in_browsers import (
    KERNEL_IDLE,
    REFLECTION,
    TARGETS,
    code_check,
    common_evidence,
    replace_cell,
    run_all,
    run_checks,
    solution_of,
    submit,
)

from jupyter_servers import jupyter_server, voila_server
from mcembed import CriterionScore, EvidenceKind, Submission, SubmissionState
from mcembed_jupyter import ApiBackend
from notebook_tool import DATA_CREDENTIAL, LEARNER, TEACHER, make_tool_app, personal_token

FEEDBACK = "Name the period that needs the reteach and say why in one sentence."


@pytest.mark.parametrize(
    ("app", "path"), [("jupyterlab", "lab/tree"), ("notebook", "notebooks")], ids=["lab", "nb7"]
)
def test_connected_to_the_tool(
    app: str,
    path: str,
    page: Any,
    tmp_path: Path,
    live_wsgi: Callable[..., Any],
    screenshot: Callable[..., Path],
    widgets_axe: Any,
) -> None:
    tool = make_tool_app(tmp_path / "tool")
    token = personal_token(tool, LEARNER)
    review_token = personal_token(tool, TEACHER, review=True)
    with live_wsgi(tool) as tool_url:
        env = {"MCEMBED_URL": tool_url, "MCEMBED_TOKEN": token}
        for server in jupyter_server(app, tmp_path / "lab", env=env):
            name = f"connected-{app}"
            try:
                reviewer = ApiBackend.connect(
                    tool_url, review_token, drafts_folder=tmp_path / "reviewer"
                )
                page.goto(f"{server.base_url}/{path}/{server.notebook}")
                learner_flow(page, tool_url, reviewer, tmp_path, screenshot, widgets_axe, name)
            except Exception:
                screenshot(page, f"{name}-failed")
                raise


def test_voila_connected_to_the_tool(
    page: Any,
    tmp_path: Path,
    live_wsgi: Callable[..., Any],
    screenshot: Callable[..., Path],
    widgets_axe: Any,
) -> None:
    """Under Voila the code checks' own code boxes are used; the rest is the same."""
    tool = make_tool_app(tmp_path / "tool")
    token = personal_token(tool, LEARNER)
    review_token = personal_token(tool, TEACHER, review=True)
    with live_wsgi(tool) as tool_url:
        env = {"MCEMBED_URL": tool_url, "MCEMBED_TOKEN": token}
        for server in voila_server(tmp_path / "voila", env=env):
            try:
                reviewer = ApiBackend.connect(
                    tool_url, review_token, drafts_folder=tmp_path / "reviewer"
                )
                page.goto(server.base_url)
                page.locator(".mcembed-submit").wait_for(timeout=120_000)
                for n, target in enumerate(TARGETS):
                    box = code_check(page, n).locator(".mcembed-code-editor textarea")
                    box.fill(solution_of(target))
                    run_checks(page, n, "4 of 4 checks pass")
                evidence_and_feedback(
                    page, tool_url, reviewer, tmp_path, screenshot, widgets_axe, "connected-voila"
                )
            except Exception:
                screenshot(page, "connected-voila-failed")
                raise


def learner_flow(
    page: Any,
    tool_url: str,
    reviewer: ApiBackend,
    tmp_path: Path,
    screenshot: Callable[..., Path],
    widgets_axe: Any,
    name: str,
) -> None:
    page.locator(".jp-Notebook").wait_for(timeout=60_000)
    page.locator(".jp-Cell").first.wait_for()
    # Notebook 7 may ask which kernel to start for a notebook it has not seen
    dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    try:
        dialog.wait_for(timeout=8_000)
        dialog.get_by_role("button", name="Select", exact=True).click()
    except PlaywrightTimeout:
        pass
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    run_all(page)
    for target in TARGETS:
        replace_cell(page, f"def {target}(", solution_of(target))
    for n in range(3):
        run_checks(page, n, "4 of 4 checks pass")
    submitted = evidence_and_feedback(
        page, tool_url, reviewer, tmp_path, screenshot, widgets_axe, name
    )
    (item,) = [i for i in submitted.attempts[-1].items if i.requirement_id == "code-parse-score"]
    assert item.metadata["notebook_path"].endswith("workshop.ipynb")
    assert item.metadata["cell_id"]


def evidence_and_feedback(
    page: Any,
    tool_url: str,
    reviewer: ApiBackend,
    tmp_path: Path,
    screenshot: Callable[..., Path],
    widgets_axe: Any,
    name: str,
) -> Submission:
    """The rest of the evidence, submit; read back from the tool; not yet; feedback shown."""
    panel = page.locator(".mcembed-submit")
    panel.locator(
        ".mcembed-connection", has_text=f"Connected to {tool_url} as Lee Learner"
    ).wait_for()
    common_evidence(page, tmp_path)
    submit(page)
    panel.scroll_into_view_if_needed()
    screenshot(page, f"{name}-submitted")
    assert widgets_axe(page) == []

    # the running tool, through its API, as the course's instructor sees it
    (submission,) = reviewer.list_submissions(credential_id=DATA_CREDENTIAL)
    assert submission.learner_id == LEARNER.id
    assert submission.state is SubmissionState.SUBMITTED
    items = {i.requirement_id: i for i in submission.attempts[-1].items}
    assert items["interpretation-reflection"].text.strip() == REFLECTION.strip()
    assert items["class-notebook"].blob.filename == "period-analysis.html"
    assert items["code-parse-score"].kind is EvidenceKind.CODE_CHECK
    assert all(r.passed for r in items["code-parse-score"].check_results)

    detail = reviewer.get_submission(submission.id)
    scores = [
        CriterionScore(criterion_id=c.id, level="Developing", feedback=f"{c.name}: {FEEDBACK}")
        for c in detail.credential.rubric.criteria
    ]
    reviewer.record_review(submission.id, scores, feedback=FEEDBACK)

    panel.get_by_role("button", name="Check for feedback").click()
    panel.locator(".mcembed-state", has_text="Not yet: read the feedback").wait_for(timeout=30_000)
    panel.locator(".mcembed-review", has_text=FEEDBACK).first.wait_for()
    assert panel.get_by_role("button", name="Resubmit").count() == 1
    panel.scroll_into_view_if_needed()
    screenshot(page, f"{name}-not-yet")
    panel.screenshot(path=str(screenshot(page, f"{name}-not-yet-panel")))
    assert widgets_axe(page) == []
    return submission


CONNECT_NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "connect",
            "metadata": {},
            "outputs": [],
            "source": "import mcembed_jupyter as mj\n\nmj.connect(url=TOOL_URL)",
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "workshop",
            "metadata": {},
            "outputs": [],
            "source": (
                'ws = mj.Workshop("analyse-assessment-data-python", '
                'pack="../../professional-learning")\nws.submit_panel()'
            ),
        },
    ],
    "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


def test_jupyterlab_connect_form_takes_the_pasted_token(
    page: Any,
    tmp_path: Path,
    live_wsgi: Callable[..., Any],
    screenshot: Callable[..., Path],
    widgets_axe: Any,
) -> None:
    """No environment: the learner pastes the token into the connect form's password field;
    a wrong one is refused with a message, the right one connects, the field is emptied,
    and the workshop cell run again sends its evidence to the course."""
    app = make_tool_app(tmp_path / "tool")
    token = personal_token(app, LEARNER)
    with live_wsgi(app) as tool_url:
        for server in jupyter_server("jupyterlab", tmp_path / "lab"):
            notebook = server.workshop_folder / "connect.ipynb"
            cells = json.loads(json.dumps(CONNECT_NOTEBOOK).replace("TOOL_URL", repr(tool_url)))
            notebook.write_text(json.dumps(cells), encoding="utf-8")
            try:
                connect_flow(page, server, tool_url, token, screenshot, widgets_axe)
            except Exception:
                screenshot(page, "connect-form-failed")
                raise


def connect_flow(
    page: Any,
    server: Any,
    tool_url: str,
    token: str,
    screenshot: Callable[..., Path],
    widgets_axe: Any,
) -> None:
    folder = Path(server.notebook).parent
    page.goto(f"{server.base_url}/lab/tree/{folder}/connect.ipynb")
    page.locator(".jp-Notebook").wait_for(timeout=60_000)
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    run_all(page)
    form = page.locator(".mcembed-connect")
    form.locator(".mcembed-connection", has_text="Not connected").wait_for()
    page.locator(".mcembed-submit .mcembed-connection", has_text="Not connected").wait_for()
    field = form.locator("input[type=password]")
    field.fill("not-a-token")
    form.get_by_role("button", name="Connect").click()
    form.locator(".mcembed-message", has_text="did not accept your token").wait_for(timeout=30_000)
    field.fill(token)
    form.get_by_role("button", name="Connect").click()
    form.locator(".mcembed-connection", has_text="as Lee Learner").wait_for(timeout=30_000)
    assert field.input_value() == ""
    assert token not in page.content()
    form.scroll_into_view_if_needed()
    form.screenshot(path=str(screenshot(page, "connect-form-connected")))
    assert widgets_axe(page) == []
    # the workshop cell ran offline before connecting; run it again, connected
    cell = page.locator(
        ".jp-CodeCell", has=page.locator(".cm-content", has_text="ws = mj.Workshop")
    )
    cell.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    page.locator(
        ".mcembed-submit .mcembed-connection", has_text=f"Connected to {tool_url} as Lee Learner"
    ).wait_for(timeout=30_000)
    screenshot(page, "connect-form-workshop-connected")
