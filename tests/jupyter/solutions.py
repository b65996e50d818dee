"""Paths, the learner, the example workshops' reference solutions, and complete evidence
for the widget tests."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from mcembed import Actor

if TYPE_CHECKING:
    from mcembed_jupyter import Workshop

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_PACK = ROOT / "examples" / "professional-learning"
WORKSHOPS = ROOT / "examples" / "workshops"
DATA_CREDENTIAL = "analyse-assessment-data-python"
ITEMS_CREDENTIAL = "item-analysis-feedback-python"
LEARNER = Actor(id="lee", name="Lee Learner")
REFLECTION = "interpretation-reflection"
WORDS_350 = " ".join(["word"] * 350)


def load_solution(workshop: str) -> ModuleType:
    """A workshop's reference solution, as a module."""
    path = WORKSHOPS / workshop / "solution.py"
    spec = importlib.util.spec_from_file_location(f"solution_{workshop.replace('-', '_')}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upload_value(name: str, content: bytes) -> tuple[dict[str, Any], ...]:
    """What the browser sends to a FileUpload widget for one chosen file."""
    return (
        {
            "name": name,
            "type": "",
            "size": len(content),
            "content": memoryview(content),
            "last_modified": datetime(2026, 9, 1, tzinfo=UTC),
        },
    )


def complete_evidence(workshop: Workshop, namespace: dict[str, Any]) -> None:
    """Every requirement but the reflection met, through the widgets."""
    solution = load_solution("analyse-assessment-data")
    namespace.update(vars(solution))
    for evidence_id in ("code-parse-score", "code-mean-by-group", "code-percent-meeting"):
        workshop.code_check(evidence_id).run_button.click()
    workshop.upload("class-notebook").upload.value = upload_value(
        "analysis.html", b"<html>ok</html>"
    )
    workshop.attestation("data-care-statement").confirm.value = True
