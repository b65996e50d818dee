"""LTI fixtures: a platform emulator signing real id_tokens, the app, and an
``lti`` helper that runs a complete signed launch (``lti.launch(role="Learner")``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from factories import make_credential
from lti_platform import LtiDriver, PlatformEmulator, make_app, new_key, serve
from mcembed import Actor, Settings, load_pack
from mcembed.badges import IssuerProfile, init_issuer
from mcembed.platforms import DeploymentPolicy

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_PACK = ROOT / "examples" / "professional-learning"


@pytest.fixture(scope="session")
def platform_key() -> tuple[str, dict[str, Any]]:
    """The emulated platform's signing key, made once per session."""
    return new_key()


@pytest.fixture(scope="session")
def other_key() -> tuple[str, dict[str, Any]]:
    """A key the platform does not publish (a forger's)."""
    return new_key()


@pytest.fixture
def emulator(platform_key: tuple[str, dict[str, Any]]) -> Iterator[PlatformEmulator]:
    emu = PlatformEmulator(private_pem=platform_key[0], public_jwk=platform_key[1])
    with serve(emu) as base:
        emu.base = base
        yield emu


@pytest.fixture
def app(tmp_path: Path, emulator: PlatformEmulator) -> Any:
    app = make_app(tmp_path / "instance", emulator)
    tool = app.extensions["mcembed_lti"]
    tool.lms.add_platform(
        Actor.system(),
        **emulator.urls,
        name="Emulated LMS",
        deployment_ids=[emulator.deployment_id],
    )
    tool.service.add_pack(Actor.system(), load_pack(EXAMPLE_PACK))
    with tool.service.store.transaction() as tx:
        tx.add_credential(make_credential())
    return app


@pytest.fixture
def app_factory(emulator: PlatformEmulator) -> Any:
    """``app_factory(instance, **config)``: another app on the same emulator."""
    return lambda instance, **config: make_app(instance, emulator, **config)


@pytest.fixture
def tool(app: Any) -> Any:
    return app.extensions["mcembed_lti"]


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def lti(app: Any, client: Any, emulator: PlatformEmulator) -> LtiDriver:
    return LtiDriver(app, client, emulator)


@pytest.fixture
def auto_deployments(tool: Any) -> None:
    """Switch the emulated platform to the Canvas-like policy (new deployments accepted)."""
    from dataclasses import replace

    [platform] = tool.lms.list_platforms()
    with tool.lms.store.transaction() as tx:
        tx.remove_platform(platform.id)
        tx.add_platform(replace(platform, deployment_policy=DeploymentPolicy.AUTO))


@pytest.fixture
def issuing(tmp_path: Path, emulator: PlatformEmulator) -> tuple[Any, LtiDriver]:
    """An app whose instance has an issuer, and a driver for it."""
    instance = tmp_path / "issuing"
    init_issuer(
        Settings(instance=instance),
        IssuerProfile(
            name="Riverbend District",
            url="https://riverbend.example.org",
            base_url="http://localhost",
            slug="main",
        ),
    )
    app = make_app(instance, emulator, BADGE_FETCH=None)
    tool = app.extensions["mcembed_lti"]
    tool.lms.add_platform(Actor.system(), **emulator.urls, deployment_ids=[emulator.deployment_id])
    with tool.service.store.transaction() as tx:
        tx.add_credential(make_credential())
    return app, LtiDriver(app, app.test_client(), emulator)
