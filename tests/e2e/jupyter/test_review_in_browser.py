"""A facilitator reviews an offline submission in the review widget (Voila): reads the
evidence, scores each criterion with feedback, records; the core awards the credential."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from jupyter_servers import LEARNER, Server
from mcembed import Actor, AwardStatus, SubmissionState
from mcembed_jupyter import LocalBackend, Workshop

SOLUTION = (
    Path(__file__).resolve().parents[3]
    / "examples"
    / "workshops"
    / "analyse-assessment-data"
    / "solution.py"
)


def submit_as_learner(folder: Path) -> str:
    """The learner's complete, submitted work, made through the widgets without a browser."""
    spec = importlib.util.spec_from_file_location("solution_e2e_review", SOLUTION)
    assert spec is not None
    assert spec.loader is not None
    solution = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(solution)
    namespace: dict[str, Any] = dict(vars(solution))
    backend = LocalBackend.open(folder, actor=Actor(id=LEARNER), pack="../../professional-learning")
    ws = Workshop(
        "analyse-assessment-data-python", backend=backend, folder=folder, namespace=namespace
    )
    for evidence_id in ("code-parse-score", "code-mean-by-group", "code-percent-meeting"):
        ws.code_check(evidence_id).run()
    ws.attach(
        "class-notebook", "analysis.html", b"<html><body>Period 4 needs a reteach.</body></html>"
    )
    reflection = ws.reflection("interpretation-reflection")
    reflection.text.value = " ".join(["evidence"] * 320)
    reflection.save()
    ws.attestation("data-care-statement").confirm.value = True
    return ws.submit().id


def test_review_award_in_voila(
    voila_review: Server, page: Any, screenshot: Any, widgets_axe: Any
) -> None:
    folder = voila_review.root / "examples" / "workshops" / "analyse-assessment-data"
    submission_id = submit_as_learner(folder)

    page.goto(voila_review.base_url)
    view = page.locator(".mcembed-review-view")
    view.wait_for(timeout=120_000)
    view.locator(".mcembed-evidence", has_text="4 of 4 checks pass").first.wait_for(timeout=30_000)
    assert "analysis.html" in view.inner_text()
    pickers = view.locator(".widget-toggle-buttons")
    assert pickers.count() == 4
    for n in range(4):
        pickers.nth(n).get_by_role("button", name="Proficient", exact=True).click()
    view.locator(".mcembed-descriptor", has_text="Proficient:").first.wait_for()
    feedback = view.locator("textarea")
    feedback.nth(0).fill("Every function is reused on your own data.")
    feedback.nth(4).fill("A careful, honest analysis.")
    screenshot(page, "voila-review-scoring")
    assert widgets_axe(page) == []
    view.get_by_role("button", name="Record review").click()
    view.locator(".mcembed-award", has_text="Awarded").wait_for(timeout=30_000)
    view.locator(".mcembed-message", has_text="Review recorded.").wait_for()
    screenshot(page, "voila-review-awarded")

    service = LocalBackend.open(folder).service
    detail = service.get_submission(Actor.system(), submission_id)
    assert detail.submission.state is SubmissionState.AWARDED
    assert detail.award is not None
    assert detail.award.status is AwardStatus.ACTIVE
    assert detail.reviews[0].reviewer_id == "facilitator"
    assert detail.reviews[0].scores[0].feedback == "Every function is reused on your own data."
    assert detail.reviews[0].feedback == "A careful, honest analysis."
