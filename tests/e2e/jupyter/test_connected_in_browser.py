"""Connected mode in a real JupyterLab: the LTI tool runs on loopback, JupyterLab's
kernels get ``MCEMBED_URL`` and ``MCEMBED_TOKEN`` as a JupyterHub would set them,
the learner works through the data-literacy workshop and submits; the submission is
read back from the running tool through its API, an instructor decides "not yet"
over the API, and the feedback appears in the learner's notebook."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from test_workshop_in_browsers import (
    KERNEL_IDLE,
    REFLECTION,
    TARGETS,
    common_evidence,
    replace_cell,
    run_all,
    run_checks,
    solution_of,
    submit,
)

from jupyter_servers import jupyter_server
from mcembed import CriterionScore, EvidenceKind, SubmissionState
from mcembed_jupyter import ApiBackend
from notebook_tool import DATA_CREDENTIAL, LEARNER, TEACHER, make_tool_app, personal_token

FEEDBACK = "Name the period that needs the reteach and say why in one sentence."


def test_jupyterlab_connected_to_the_tool(
    page: Any,
    tmp_path: Path,
    live_wsgi: Callable[..., Any],
    screenshot: Callable[..., Path],
    widgets_axe: Any,
) -> None:
    app = make_tool_app(tmp_path / "tool")
    token = personal_token(app, LEARNER)
    review_token = personal_token(app, TEACHER, review=True)
    with live_wsgi(app) as tool_url:
        env = {"MCEMBED_URL": tool_url, "MCEMBED_TOKEN": token}
        for server in jupyter_server("jupyterlab", tmp_path / "lab", env=env):
            try:
                reviewer = ApiBackend.connect(
                    tool_url, review_token, drafts_folder=tmp_path / "reviewer"
                )
                learner_flow(page, server, tool_url, reviewer, tmp_path, screenshot, widgets_axe)
            except Exception:
                screenshot(page, "connected-failed")
                raise


def learner_flow(
    page: Any,
    server: Any,
    tool_url: str,
    reviewer: ApiBackend,
    tmp_path: Path,
    screenshot: Callable[..., Path],
    widgets_axe: Any,
) -> None:
    page.goto(f"{server.base_url}/lab/tree/{server.notebook}")
    page.locator(".jp-Notebook").wait_for(timeout=60_000)
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    run_all(page)
    panel = page.locator(".mcembed-submit")
    panel.locator(
        ".mcembed-connection", has_text=f"Connected to {tool_url} as Lee Learner"
    ).wait_for()
    for target in TARGETS:
        replace_cell(page, f"def {target}(", solution_of(target))
    for n in range(3):
        run_checks(page, n, "4 of 4 checks pass")
    common_evidence(page, tmp_path)
    submit(page)
    panel.scroll_into_view_if_needed()
    screenshot(page, "connected-submitted")
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
    assert items["code-parse-score"].metadata["notebook_path"].endswith("workshop.ipynb")

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
    screenshot(page, "connected-not-yet")
    panel.screenshot(path=str(screenshot(page, "connected-not-yet-panel")))
    assert widgets_axe(page) == []
