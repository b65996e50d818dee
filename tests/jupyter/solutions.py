"""Paths, the learner, and the example workshops' reference solutions for the widget tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from mcembed import Actor

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_PACK = ROOT / "examples" / "professional-learning"
WORKSHOPS = ROOT / "examples" / "workshops"
DATA_CREDENTIAL = "analyse-assessment-data-python"
ITEMS_CREDENTIAL = "item-analysis-feedback-python"
LEARNER = Actor(id="lee", name="Lee Learner")


def load_solution(workshop: str) -> ModuleType:
    """A workshop's reference solution, as a module."""
    path = WORKSHOPS / workshop / "solution.py"
    spec = importlib.util.spec_from_file_location(f"solution_{workshop.replace('-', '_')}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
