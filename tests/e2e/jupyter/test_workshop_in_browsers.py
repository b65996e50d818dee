"""A learner works through the data-literacy workshop in JupyterLab 4, Notebook 7 and
Voila: run everything, type a reflection, fail then pass a code check, upload a file,
confirm, submit; the submission is then read back from the workshop's store."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from jupyter_servers import LEARNER, Server
from mcembed import Actor, EvidenceKind, Settings, SubmissionState, open_service

SOLUTIONS = (
    Path(__file__).resolve().parents[3]
    / "examples"
    / "workshops"
    / "analyse-assessment-data"
    / "solution.py"
)
REFLECTION = (
    "Period 4 needs the reteach. Its mean is far below the other two periods and only a third "
    "of its scored students met the standard of 70, against three quarters in period 1. "
) * 12
TARGETS = ("parse_score", "mean_score_by_group", "percent_meeting_standard")


def solution_of(target: str) -> str:
    """The reference definition of one function, as a learner would type it."""
    source = SOLUTIONS.read_text()
    start = source.index(f"def {target}(")
    end = source.find("\n\n\ndef ", start)
    return source[start : end if end != -1 else None].strip() + "\n"


KERNEL_IDLE = """() => {
  const bar = document.querySelector('#jp-main-statusbar');
  if (bar) return bar.textContent.includes('| Idle');
  const ind = document.querySelector('.jp-Notebook-ExecutionIndicator');
  return !!ind && ind.getAttribute('data-status') === 'idle';
}"""


def wait_until_idle(page: Any) -> None:
    """No cell is queued or running ([*]) and the kernel says Idle (Lab: in the status bar)."""
    page.wait_for_function(
        "() => ![...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'))",
        timeout=120_000,
    )
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)


def run_all(page: Any) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    page.locator(".mcembed-submit").wait_for(timeout=120_000)
    wait_until_idle(page)


def replace_cell(page: Any, starts_with: str, code: str) -> None:
    """Type new code into the cell that defines ``starts_with`` and run it."""
    cell = page.locator(".jp-CodeCell", has=page.locator(".cm-content", has_text=starts_with)).first
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)
    page.keyboard.press("Shift+Enter")
    wait_until_idle(page)


def code_check(page: Any, n: int) -> Any:
    return page.locator(".mcembed-code-check").nth(n)


def run_checks(page: Any, n: int, expect: str) -> None:
    panel = code_check(page, n)
    panel.get_by_role("button", name="Run checks").click()
    panel.locator(".mcembed-check-results", has_text=expect).wait_for(timeout=30_000)


def common_evidence(page: Any, tmp_path: Path) -> None:
    """Reflection, upload, attestation: the same in every frontend."""
    reflection = page.locator(".mcembed-reflection textarea")
    reflection.fill("Too short.")
    page.locator(".mcembed-word-count", has_text="more needed (at least 300)").wait_for()
    reflection.fill(REFLECTION)
    page.locator(".mcembed-word-count", has_text="(between 300 and 600)").wait_for()
    page.locator(".mcembed-reflection").get_by_role("button", name="Save").click()
    page.locator(".mcembed-reflection .mcembed-message", has_text="Saved.").wait_for()

    upload = tmp_path / "period-analysis.html"
    upload.write_text("<html><body><h1>Unit 3</h1><p>Period 4 reteach.</p></body></html>")
    # ipywidgets keeps its <input type=file> out of the page; the button opens it
    with page.expect_file_chooser() as chooser:
        page.locator(".mcembed-artifact").get_by_role("button", name="Choose file").click()
    chooser.value.set_files(str(upload))
    page.locator(".mcembed-artifact .mcembed-file", has_text="period-analysis.html").wait_for(
        timeout=30_000
    )

    page.locator(".mcembed-attestation input[type=checkbox]").check()
    page.locator(".mcembed-attestation .mcembed-message", has_text="Saved.").wait_for()


def submit(page: Any) -> None:
    panel = page.locator(".mcembed-submit")
    panel.get_by_role("button", name="Submit").click()
    panel.locator(".mcembed-message", has_text="Submitted attempt 1").wait_for(timeout=30_000)
    panel.locator(".mcembed-state", has_text="waiting for a reviewer").wait_for()


def assert_submitted(server: Server, *, from_cells: bool) -> None:
    """The store in the workshop folder holds the submitted attempt with all its evidence."""
    service = open_service(Settings(instance=server.workshop_folder / "instance"))
    learner = Actor(id=LEARNER)
    (submission,) = service.list_submissions(learner).items
    assert submission.state is SubmissionState.SUBMITTED
    items = {i.requirement_id: i for i in submission.attempts[-1].items}
    assert items["interpretation-reflection"].text.strip() == REFLECTION.strip()
    assert items["class-notebook"].blob is not None
    assert items["class-notebook"].blob.filename == "period-analysis.html"
    assert items["data-care-statement"].attested
    for evidence_id, target in zip(
        ("code-parse-score", "code-mean-by-group", "code-percent-meeting"), TARGETS, strict=True
    ):
        item = items[evidence_id]
        assert item.kind is EvidenceKind.CODE_CHECK
        assert all(r.passed for r in item.check_results), item.check_results
        assert f"def {target}(" in item.code
        assert item.metadata["evidence_id"] == evidence_id
        if from_cells:
            assert item.metadata["notebook_path"].endswith("workshop.ipynb")
            assert item.metadata["cell_id"]


def notebook_flow(
    page: Any,
    server: Server,
    url: str,
    tmp_path: Path,
    screenshot: Callable[..., Path],
    name: str,
    widgets_axe: Any,
) -> None:
    try:
        _notebook_flow(page, server, url, tmp_path, screenshot, name, widgets_axe)
    except Exception:
        screenshot(page, f"{name}-failed")
        raise


def _notebook_flow(
    page: Any,
    server: Server,
    url: str,
    tmp_path: Path,
    screenshot: Callable[..., Path],
    name: str,
    widgets_axe: Any,
) -> None:
    page.goto(url)
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
    screenshot(page, f"{name}-after-run-all")
    card = page.locator(".mcembed-credential-card")
    card.get_by_text("Rubric", exact=True).click()  # open the rubric accordion
    card.locator(".mcembed-rubric").wait_for()
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(screenshot(page, f"{name}-card")))

    run_checks(page, 0, "0 of 4 checks pass")
    screenshot(page, f"{name}-check-failing")
    for target in TARGETS:
        replace_cell(page, f"def {target}(", solution_of(target))
    for n in range(3):
        run_checks(page, n, "4 of 4 checks pass")
    code_check(page, 0).scroll_into_view_if_needed()
    screenshot(page, f"{name}-check-passing")

    common_evidence(page, tmp_path)
    submit(page)
    page.locator(".mcembed-submit").scroll_into_view_if_needed()
    screenshot(page, f"{name}-submitted")
    assert widgets_axe(page) == []
    assert_submitted(server, from_cells=True)


def test_jupyterlab(
    jupyterlab: Server, page: Any, tmp_path: Path, screenshot: Any, widgets_axe: Any
) -> None:
    notebook_flow(
        page,
        jupyterlab,
        f"{jupyterlab.base_url}/lab/tree/{jupyterlab.notebook}",
        tmp_path,
        screenshot,
        "jupyterlab",
        widgets_axe,
    )


def test_notebook7(
    notebook7: Server, page: Any, tmp_path: Path, screenshot: Any, widgets_axe: Any
) -> None:
    notebook_flow(
        page,
        notebook7,
        f"{notebook7.base_url}/notebooks/{notebook7.notebook}",
        tmp_path,
        screenshot,
        "notebook7",
        widgets_axe,
    )


def test_voila(voila: Server, page: Any, tmp_path: Path, screenshot: Any, widgets_axe: Any) -> None:
    """Cells cannot be edited under Voila: the code check's own code box is used."""
    page.goto(voila.base_url)
    page.locator(".mcembed-submit").wait_for(timeout=120_000)
    screenshot(page, "voila-loaded")
    first = code_check(page, 0)
    editor = first.locator(".mcembed-code-editor textarea")
    assert "return None" in editor.input_value()
    run_checks(page, 0, "0 of 4 checks pass")
    screenshot(page, "voila-check-failing")
    # keyboard only: from the code box, Tab reaches "Run checks" and Enter runs it
    editor.fill(solution_of(TARGETS[0]))
    editor.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    first.locator(".mcembed-check-results", has_text="4 of 4 checks pass").wait_for(timeout=30_000)
    for n, target in enumerate(TARGETS[1:], 1):
        code_check(page, n).locator(".mcembed-code-editor textarea").fill(solution_of(target))
        run_checks(page, n, "4 of 4 checks pass")
    common_evidence(page, tmp_path)
    submit(page)
    screenshot(page, "voila-submitted")
    assert widgets_axe(page) == []
    assert_submitted(voila, from_cells=False)
