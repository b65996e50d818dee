"""LTI fixtures: a platform emulator signing real id_tokens, the app, and an
``lti`` helper that runs a complete signed launch (``lti.launch(role="Learner")``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from factories import make_credential
from lti_platform import PlatformEmulator, auth_params, new_key, serve
from mcembed import Actor, load_pack
from mcembed.platforms import DeploymentPolicy

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_PACK = ROOT / "examples" / "professional-learning"


class ManualDispatcher:
    """Grades are sent when a test says so."""

    def __init__(self) -> None:
        self.kicks = 0

    def kick(self) -> None:
        self.kicks += 1

    def close(self) -> None:
        return None


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


def make_app(instance: Path, emulator: PlatformEmulator, **config: Any) -> Any:
    from mcembed_lti import create_app

    settings: dict[str, Any] = {
        "TESTING": True,
        "INSTANCE": str(instance),
        "GRADE_DISPATCHER": ManualDispatcher(),
    }
    settings.update(config)
    app = create_app(settings)
    tool = app.extensions["mcembed_lti"]
    emulator.tool_jwks = tool.keys.jwks
    return app


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
def tool(app: Any) -> Any:
    return app.extensions["mcembed_lti"]


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@dataclass
class Launched:
    id: str
    response: Any
    location: str


class LtiDriver:
    """Performs real launches against the app with the emulator's signed tokens."""

    def __init__(self, app: Any, client: Any, emulator: PlatformEmulator) -> None:
        self.app = app
        self.client = client
        self.emulator = emulator

    def login(
        self, client: Any = None, method: str = "GET", **params: str
    ) -> tuple[dict[str, str], Any]:
        c = client or self.client
        values = {
            "iss": self.emulator.issuer,
            "login_hint": "hint-1",
            "target_link_uri": "http://localhost/lti/launch",
            "client_id": self.emulator.client_id,
            "lti_deployment_id": self.emulator.deployment_id,
            **params,
        }
        if method == "GET":
            resp = c.get("/lti/login", query_string=values)
        else:
            resp = c.post("/lti/login", data=values)
        assert resp.status_code in (200, 302), resp.get_data(as_text=True)
        if resp.status_code == 302:
            return auth_params(resp.headers["Location"]), resp
        return {}, resp

    def token(self, auth: dict[str, str], **claims: Any) -> str:
        overrides = {
            k: v
            for k, v in claims.items()
            if k
            in (
                "roles",
                "sub",
                "custom",
                "message_type",
                "context_id",
                "resource_link_id",
                "name",
                "line_item",
                "deployment_id",
            )
        }
        body = self.emulator.claims(nonce=auth["nonce"], **overrides)
        for key, value in claims.get("set", {}).items():
            body[key] = value
        for key in claims.get("drop", ()):
            body.pop(key, None)
        return self.emulator.sign(body, **claims.get("sign", {}))

    def post(self, token: str, state: str, client: Any = None) -> Any:
        return (client or self.client).post("/lti/launch", data={"id_token": token, "state": state})

    def launch(self, role: str = "Learner", *, client: Any = None, **claims: Any) -> Launched:
        auth, _ = self.login(client)
        roles = claims.pop("roles", (role,))
        resp = self.post(self.token(auth, roles=roles, **claims), auth["state"], client)
        assert resp.status_code == 303, resp.get_data(as_text=True)
        location = resp.headers["Location"]
        launch_id = location.split("launch=", 1)[1].split("&", 1)[0]
        return Launched(id=launch_id, response=resp, location=location)


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
