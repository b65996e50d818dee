"""Workshops on the example pack, offline, on SQLite in a temporary workshop folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mcembed import Service
from mcembed_jupyter import LocalBackend, Workshop
from solutions import DATA_CREDENTIAL, EXAMPLE_PACK, LEARNER


@pytest.fixture
def backend(tmp_path: Path) -> LocalBackend:
    """The learner's offline backend: SQLite in tmp_path/instance, example pack loaded."""
    return LocalBackend.open(tmp_path, actor=LEARNER, pack=EXAMPLE_PACK)


@pytest.fixture
def namespace() -> dict[str, Any]:
    """The learner's kernel variables."""
    return {}


@pytest.fixture
def make_workshop(
    backend: LocalBackend, namespace: dict[str, Any], tmp_path: Path
) -> Callable[..., Workshop]:
    """``make_workshop()`` opens the data-literacy workshop again (a kernel restart)."""

    def make(credential_id: str = DATA_CREDENTIAL, **options: Any) -> Workshop:
        options.setdefault("backend", backend)
        options.setdefault("namespace", namespace)
        return Workshop(credential_id, folder=tmp_path, **options)

    return make


@pytest.fixture
def workshop(make_workshop: Callable[..., Workshop]) -> Workshop:
    return make_workshop()


@pytest.fixture
def service(backend: LocalBackend) -> Service:
    return backend.service


@pytest.fixture(autouse=True)
def callbacks_raise(caplog: pytest.LogCaptureFixture) -> Any:
    """ipywidgets logs (and swallows) an exception in a click handler; make it fail the test."""
    yield
    errors = [r for r in caplog.records if "Exception in callback" in r.getMessage()]
    assert not errors, "\n".join(f"{r.getMessage()}\n{r.exc_text or ''}" for r in errors)
