"""Fixtures: a JupyterLab 4, Notebook 7 or Voila server on a copy of an example workshop,
and axe-core limited to the mcembed widgets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from jupyter_servers import Server, jupyter_server, voila_server


@pytest.fixture
def jupyterlab(tmp_path: Path) -> Iterator[Server]:
    yield from jupyter_server("jupyterlab", tmp_path)


@pytest.fixture
def notebook7(tmp_path: Path) -> Iterator[Server]:
    yield from jupyter_server("notebook", tmp_path)


@pytest.fixture
def voila(tmp_path: Path) -> Iterator[Server]:
    yield from voila_server(tmp_path)


@pytest.fixture
def voila_review(tmp_path: Path) -> Iterator[Server]:
    """Voila on the facilitator's review notebook, beside the data-literacy workshop."""
    yield from voila_server(tmp_path, review=True)


@pytest.fixture
def widgets_axe(axe_source: str) -> Callable[..., list[dict[str, object]]]:
    """Serious and critical axe violations inside the mcembed widgets only."""

    def run(page: object) -> list[dict[str, object]]:
        page.evaluate(axe_source)  # type: ignore[attr-defined]
        result = page.evaluate(  # type: ignore[attr-defined]
            "async () => await axe.run({include: [['.mcembed-panel']]}, "
            "{resultTypes: ['violations']})"
        )
        return [
            {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]
            if v.get("impact") in ("serious", "critical")
        ]

    return run
