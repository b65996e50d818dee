"""Framing in Chromium: the LMS page that launched the tool frames its pages;
another site framing the very same page gets nothing; an issuer's public page
may be shown in any site. The LMS runs on ``localhost``, the tool
and the other site on ``127.0.0.1`` (each on its own port: three origins)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from werkzeug.wrappers import Request, Response

from factories import make_credential
from lti_platform import PlatformEmulator, make_app, new_key, serve
from mcembed import Actor, Settings
from mcembed.badges import IssuerProfile, init_issuer

CRED = "evaluate-impact"
LEARNER = {"sub": "learner-1", "roles": ["Learner"], "custom": {"mcembed_credential": CRED}}


@Request.application
def other_site(request: Request) -> Response:
    """A site that frames whatever ``?src=`` names."""
    src = request.args.get("src", "")
    return Response(
        f'<!doctype html><title>Elsewhere</title><iframe name="f" src="{src}"></iframe>',
        mimetype="text/html",
    )


@pytest.fixture
def world(tmp_path: Path, live_wsgi: Any) -> Iterator[dict[str, str]]:
    """The emulated LMS, the tool and another site; their addresses."""
    key = new_key()
    emu = PlatformEmulator(private_pem=key[0], public_jwk=key[1])
    with serve(emu) as base, serve(other_site) as elsewhere:
        emu.base = base.replace("127.0.0.1", "localhost")
        instance = tmp_path / "instance"
        init_issuer(
            Settings(instance=instance),
            IssuerProfile(
                name="Riverbend District",
                url="https://riverbend.example.org",
                base_url="http://127.0.0.1",
                slug="main",
            ),
        )
        app = make_app(instance, emu, BADGE_FETCH=None)
        tool = app.extensions["mcembed_lti"]
        tool.lms.add_platform(Actor.system(), **emu.urls, deployment_ids=[emu.deployment_id])
        with tool.service.store.transaction() as tx:
            tx.add_credential(make_credential())
        with live_wsgi(app) as tool_url:
            yield {"lms": emu.base, "tool": tool_url, "elsewhere": elsewhere}


def framed(page: Any, src: str, world: dict[str, str]) -> Any:
    """The frame of the other site's page showing ``src``, once the page has loaded."""
    page.goto(f"{world['elsewhere']}/?src={quote(src, safe='')}", wait_until="load")
    return page.frame(name="f")


def test_only_the_launching_lms_frames_a_launch_page(page: Any, world: dict[str, str]) -> None:
    course = (
        f"{world['lms']}/course?tool={quote(world['tool'])}&storage=1"
        f"&hint={quote(json.dumps(LEARNER))}"
    )
    page.goto(course)
    deadline = time.monotonic() + 30
    frame = page.frame(name="tool")
    while frame is None or "/learn/credentials/" not in frame.url:
        assert time.monotonic() < deadline, f"the tool frame is at {frame and frame.url}"
        page.wait_for_timeout(200)
        frame = page.frame(name="tool")
    frame.wait_for_selector("text=Evaluate the impact of professional learning")
    launched_page = frame.url

    elsewhere = framed(page, launched_page, world)
    assert not elsewhere.url.startswith(world["tool"]), elsewhere.url
    assert "Evaluate the impact" not in elsewhere.content()

    public = framed(page, f"{world['tool']}/issuers/main", world)
    public.wait_for_selector("text=Riverbend District")
