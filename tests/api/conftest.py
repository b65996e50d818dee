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


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture(scope="session")
def platform_key() -> tuple[str, dict[str, Any]]:
    from lti_platform import new_key

    return new_key()


@pytest.fixture
def emulator(platform_key: tuple[str, dict[str, Any]]) -> Any:
    from lti_platform import PlatformEmulator, serve

    emu = PlatformEmulator(private_pem=platform_key[0], public_jwk=platform_key[1])
    with serve(emu) as base:
        emu.base = base
        yield emu


@pytest.fixture
def lti(tmp_path: Path, emulator: Any) -> Any:
    """The tool (with the API's test world) behind the emulated LMS, and a driver
    performing real signed launches."""
    from lti_platform import LtiDriver
    from mcembed import Actor

    # the emulator serves http on loopback: the fetcher's development switch
    app = make_tool_app(tmp_path / "lti-instance", FETCH_DEVELOPMENT=True)
    emulator.tool_jwks = app.extensions["mcembed_lti"].keys.jwks
    app.extensions["mcembed_lti"].lms.add_platform(
        Actor.system(),
        **emulator.urls,
        name="Emulated LMS",
        deployment_ids=[emulator.deployment_id],
    )
    return LtiDriver(app, app.test_client(), emulator)
