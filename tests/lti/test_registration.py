"""Dynamic Registration: closed without a registration link; a link registers
one platform, once, before it expires; every document is fetched by the
outbound fetcher, which refuses what a stranger could aim at the server.

The emulated platform serves http on loopback, which the tests' apps allow
with the development switch; the tests of the fetch rules run an app without
it, or serve the platform over TLS (a trustme CA) and allow loopback through
the allow-list, as an administrator would for a private network.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from local_https import LocalTls, TestResolver, serve_tls
from lti_platform import PlatformEmulator
from mcembed import Actor
from mcembed.registration_links import hash_link_secret


def new_link(tool: Any, **options: Any) -> str:
    """A registration link's secret, as `mcembed lti registration-link` makes it."""
    return str(tool.lms.links.create(Actor.system(), **options).secret)


def stored(tool: Any, secret: str) -> Any:
    with tool.lms.store.transaction() as tx:
        return tx.find_registration_link(hash_link_secret(secret))


def open_page(client: Any, emulator: PlatformEmulator, link: str | None, **extra: str) -> Any:
    query = {
        "openid_configuration": emulator.base + "/.well-known/openid-configuration",
        "registration_token": "reg-token-1",
        **extra,
    }
    if link is not None:
        query["link"] = link
    return client.get("/lti/register", query_string=query)


def form_of(page: Any) -> dict[str, str]:
    return dict(re.findall(r'name="(\w+)" value="([^"]*)"', page.get_data(as_text=True)))


def register(client: Any, emulator: PlatformEmulator, link: str) -> Any:
    """Open the page and press Register (the emulator answers as a new Moodle client)."""
    emulator.client_id = "moodle-client-7"
    page = open_page(client, emulator, link)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post("/lti/register", data=form_of(page))


def test_a_registration_link_registers_moodle(client: Any, tool: Any, emulator: Any) -> None:
    emulator.client_id = "moodle-client-7"
    link = new_link(tool, note="Riverbend Moodle")
    page = open_page(client, emulator, link)
    assert page.status_code == 200
    assert "Emulated Moodle" in page.get_data(as_text=True)
    assert stored(tool, link).used_at is None  # opening the page takes nothing
    done = client.post("/lti/register", data=form_of(page))
    assert done.status_code == 200, done.get_data(as_text=True)
    [sent] = emulator.registrations
    assert sent["initiate_login_uri"].endswith("/lti/login")
    assert sent["jwks_uri"].endswith("/lti/jwks")
    tool_conf = sent["https://purl.imsglobal.org/spec/lti-tool-configuration"]
    assert {m["type"] for m in tool_conf["messages"]} == {
        "LtiDeepLinkingRequest",
        "LtiResourceLinkRequest",
    }
    [platform] = [p for p in tool.lms.list_platforms() if p.product == "moodle"]
    assert [d.deployment_id for d in tool.lms.list_deployments(platform.id)] == [
        emulator.deployment_id
    ]
    used = stored(tool, link)
    assert used.used_at is not None
    assert (used.platform_id, used.issuer) == (platform.id, emulator.issuer)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_without_a_link_registration_is_refused_and_fetches_nothing(
    client: Any, emulator: Any, tool: Any, method: str
) -> None:
    config = emulator.base + "/.well-known/openid-configuration"
    values = {"openid_configuration": config, "registration_token": "reg-token-1"}
    if method == "GET":
        resp = client.get("/lti/register", query_string=values)
    else:
        resp = client.post("/lti/register", data={**values, "form_token": "x"})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 403
    assert "registration link" in text
    assert "mcembed lti registration-link" in text
    assert emulator.config_requests == 0
    assert emulator.registrations == []
    assert [p for p in tool.lms.list_platforms() if p.product == "moodle"] == []


@pytest.mark.parametrize(
    ("link", "fragment"),
    [
        ("mcr_" + "A" * 43, "not known here"),
        ("not-a-link", "not known here"),
        ("../../etc/passwd", "not known here"),
    ],
)
def test_an_unknown_link_is_refused(client: Any, emulator: Any, link: str, fragment: str) -> None:
    resp = open_page(client, emulator, link)
    assert resp.status_code == 403
    assert fragment in resp.get_data(as_text=True)
    assert emulator.config_requests == 0


def test_a_link_registers_once(client: Any, tool: Any, emulator: Any) -> None:
    link = new_link(tool)
    assert register(client, emulator, link).status_code == 200
    fetched = emulator.config_requests
    again = open_page(client, emulator, link)
    assert again.status_code == 403
    assert "was used already" in again.get_data(as_text=True)
    replay = client.post(
        "/lti/register",
        data={
            "link": link,
            "openid_configuration": emulator.base + "/.well-known/openid-configuration",
            "registration_token": "reg-token-1",
            "form_token": "x",
        },
    )
    assert replay.status_code == 403
    assert emulator.config_requests == fetched
    assert len(emulator.registrations) == 1


def test_an_expired_link_is_refused(client: Any, tool: Any, emulator: Any) -> None:
    link = new_link(tool, expires_in=timedelta(hours=1))
    old = stored(tool, link)
    day = timedelta(days=1)
    with tool.lms.store.transaction() as tx:
        tx.update_registration_link(
            replace(old, created_at=old.created_at - 2 * day, expires_at=old.created_at - day)
        )
    resp = open_page(client, emulator, link)
    assert resp.status_code == 403
    assert "expired on" in resp.get_data(as_text=True)
    assert emulator.config_requests == 0


def test_a_forged_form_is_refused_and_leaves_the_link_unused(
    client: Any, tool: Any, emulator: Any
) -> None:
    link = new_link(tool)
    resp = client.post(
        "/lti/register",
        data={
            "link": link,
            "openid_configuration": emulator.base + "/.well-known/openid-configuration",
            "registration_token": "reg-token-1",
            "form_token": "x",
        },
    )
    assert resp.status_code == 400
    assert emulator.registrations == []
    assert stored(tool, link).used_at is None


def test_a_link_is_given_back_when_the_platform_refuses(
    client: Any, tool: Any, emulator: Any
) -> None:
    """The LMS's answer is never shown; the administrator can start again with the same link."""
    link = new_link(tool)
    emulator.client_id = "moodle-client-7"
    page = open_page(client, emulator, link, registration_token="stale-token")
    refused = client.post("/lti/register", data=form_of(page))
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "refused the registration (HTTP 401)" in text
    assert "bad token" not in text  # the platform's body
    assert stored(tool, link).used_at is None
    assert register(client, emulator, link).status_code == 200


def test_a_plain_http_configuration_is_refused_outside_development(
    tmp_path: Path, emulator: Any, app_factory: Any
) -> None:
    app = app_factory(tmp_path / "prod", FETCH_DEVELOPMENT=False)
    tool = app.extensions["mcembed_lti"]
    resp = open_page(app.test_client(), emulator, new_link(tool))
    assert resp.status_code == 400
    assert "only https:// URLs are fetched" in resp.get_data(as_text=True)
    assert emulator.config_requests == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_this_computer_is_refused_and_an_open_port_reads_like_a_closed_one(
    tmp_path: Path, emulator: Any, app_factory: Any
) -> None:
    app = app_factory(tmp_path / "prod", FETCH_DEVELOPMENT=False)
    tool = app.extensions["mcembed_lti"]
    client = app.test_client()
    open_port = int(emulator.base.rsplit(":", 1)[1])
    pages = {}
    for name, port in (("open", open_port), ("closed", _free_port())):
        resp = client.get(
            "/lti/register",
            query_string={
                "link": new_link(tool),
                "openid_configuration": f"https://127.0.0.1:{port}/.well-known/openid-configuration",
            },
        )
        assert resp.status_code == 400
        pages[name] = resp.get_data(as_text=True).replace(str(port), "PORT")
    assert pages["open"] == pages["closed"]
    assert "loopback address" in pages["open"]
    assert emulator.config_requests == 0


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("10.20.0.5", "private"),
        ("192.168.1.10", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
    ],
)
def test_private_and_link_local_platforms_are_refused(
    tmp_path: Path, emulator: Any, app_factory: Any, address: str, kind: str
) -> None:
    from mcembed.fetching import Fetcher

    resolver = TestResolver({"moodle.district.test": [[address]]})
    app = app_factory(tmp_path / "prod", FETCHER=Fetcher(resolver=resolver))
    tool = app.extensions["mcembed_lti"]
    resp = app.test_client().get(
        "/lti/register",
        query_string={
            "link": new_link(tool),
            "openid_configuration": "https://moodle.district.test/mod/lti/openid-configuration.php",
        },
    )
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert f"has a {kind} address" in text
    assert address not in text
    assert resolver.asked == ["moodle.district.test"]


# --- a platform over TLS, reached through the allow-list -----------------------------


@pytest.fixture(scope="module")
def tls() -> LocalTls:
    return LocalTls()


def hostile(environ: dict[str, Any], start_response: Any) -> Any:
    """A "platform" that redirects inside, sends too much, or never finishes."""
    path = environ["PATH_INFO"]
    if path == "/redirect-inside":
        start_response("302 Found", [("Location", "https://intranet.test/admin/config")])
        return [b""]
    if path == "/huge":
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"issuer": "' + b"x" * 2_000_000 + b'"}']
    if path == "/slow":
        start_response("200 OK", [("Content-Type", "application/json")])

        def drip() -> Iterator[bytes]:
            yield b'{"issuer": "'
            for _ in range(400):  # at most 20 s; stops once the client is gone
                time.sleep(0.05)
                yield b"x"

        return drip()
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"INTERNAL-DETAIL"]


@pytest.fixture(scope="module")
def hostile_port(tls: LocalTls) -> Iterator[int]:
    with serve_tls(hostile, tls) as port:
        yield port


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("/redirect-inside", "has a private address"),
        ("/huge", "sent more than 1048576 bytes"),
        ("/slow", "did not answer in time"),
        ("/missing", "answered HTTP 404"),
    ],
)
def test_a_hostile_platform_gets_a_clear_refusal(
    tmp_path: Path,
    app_factory: Any,
    tls: LocalTls,
    hostile_port: int,
    path: str,
    fragment: str,
) -> None:
    resolver = TestResolver({"intranet.test": [["192.168.10.1"]]})
    fetcher = tls.fetcher(resolver, timeout=1.0)
    app = app_factory(tmp_path / "prod", FETCHER=fetcher, FETCH_DEVELOPMENT=False)
    tool = app.extensions["mcembed_lti"]
    resp = app.test_client().get(
        "/lti/register",
        query_string={
            "link": new_link(tool),
            "openid_configuration": f"https://platform.test:{hostile_port}{path}",
        },
    )
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert fragment in text
    assert "INTERNAL-DETAIL" not in text
    assert "xxxxxxxx" not in text


@pytest.fixture
def tls_emulator(platform_key: Any, tls: LocalTls) -> Iterator[PlatformEmulator]:
    emu = PlatformEmulator(private_pem=platform_key[0], public_jwk=platform_key[1])
    with serve_tls(emu, tls) as port:
        emu.base = f"https://platform.test:{port}"
        yield emu


def test_a_platform_on_an_allowed_network_registers_over_https(
    tmp_path: Path, tls: LocalTls, tls_emulator: PlatformEmulator
) -> None:
    """What a district does for its own Moodle (MCEMBED_FETCH_ALLOW_NETWORKS), with
    the development switch off; the connection goes to the address that was checked."""
    from lti_platform import make_app

    resolver = TestResolver()
    app = make_app(
        tmp_path / "district",
        tls_emulator,
        FETCHER=tls.fetcher(resolver),
        FETCH_DEVELOPMENT=False,
    )
    tool = app.extensions["mcembed_lti"]
    done = register(app.test_client(), tls_emulator, new_link(tool))
    assert done.status_code == 200, done.get_data(as_text=True)
    [platform] = tool.lms.list_platforms()
    assert platform.key_set_url == tls_emulator.base + "/jwks"
    assert len(tls_emulator.registrations) == 1
    assert set(resolver.asked) == {"platform.test"}


def test_a_rebinding_name_is_fetched_from_the_address_that_was_checked(
    tmp_path: Path, tls: LocalTls, tls_emulator: PlatformEmulator
) -> None:
    """The name answers loopback (allowed here), then a private address: the page is
    read from the checked address, and the next lookup is checked again and refused."""
    from lti_platform import make_app

    resolver = TestResolver({"platform.test": [["127.0.0.1"], ["10.66.0.1"]]})
    app = make_app(
        tmp_path / "district", tls_emulator, FETCHER=tls.fetcher(resolver), FETCH_DEVELOPMENT=False
    )
    tool = app.extensions["mcembed_lti"]
    page = open_page(app.test_client(), tls_emulator, new_link(tool))
    text = page.get_data(as_text=True)
    assert tls_emulator.config_requests == 1  # read once, from 127.0.0.1
    assert page.status_code == 400
    assert "names an address the tool does not fetch from" in text
    assert resolver.asked[0] == "platform.test"


def test_the_registration_link_command_makes_a_working_link(
    tmp_path: Path, emulator: Any, app_factory: Any
) -> None:
    from click.testing import CliRunner

    from mcembed.cli import cli

    instance = tmp_path / "cli"
    runner = CliRunner()
    made = runner.invoke(
        cli,
        [
            "--instance",
            str(instance),
            "lti",
            "registration-link",
            "--base-url",
            "https://tool.example.org",
            "--expires",
            "2h",
            "--note",
            "Riverbend Moodle",
        ],
    )
    assert made.exit_code == 0, made.output
    url = made.stdout.strip().splitlines()[0]
    assert url.startswith("https://tool.example.org/lti/register?link=mcr_")
    secret = url.split("link=", 1)[1]
    listed = runner.invoke(cli, ["--instance", str(instance), "lti", "registration-links"])
    assert "active, expires" in listed.output
    assert "Riverbend Moodle" in listed.output
    assert secret not in listed.output
    app = app_factory(instance)
    assert open_page(app.test_client(), emulator, secret).status_code == 200
    too_long = runner.invoke(
        cli, ["--instance", str(instance), "lti", "registration-link", "--expires", "40d"]
    )
    assert "from one hour to 30 days" in str(too_long.exception)
