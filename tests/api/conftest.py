"""API fixtures: ``app`` (the tool with an issuer, the example pack and a test
credential placed in two courses) and ``api`` (tokens and a client sending them);
see ``api_world``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from api_world import Api, make_tool_app


@pytest.fixture
def app(tmp_path: Path) -> Any:
    return make_tool_app(tmp_path / "instance")


@pytest.fixture
def api(app: Any) -> Api:
    return Api(app, app.test_client())
