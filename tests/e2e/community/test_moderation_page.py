"""The moderation page in Chromium: two reported recommendations (one sent
anonymously), made through real signed launches; the page passes axe-core and
is screenshot; withdrawing one in the browser takes it off the recipient's
page, which never names the anonymous sender."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from community_pages import launch, person, post

from factories import make_credential
from lti_platform import LtiDriver, PlatformEmulator, make_app, new_key, serve
from mcembed import Actor, load_pack

ROOT = Path(__file__).resolve().parents[3]
CRED = "evaluate-impact"
ANONYMOUS_NOTE = "Even you could manage this one."


@dataclass
class Reports:
    base: str
    teacher: Any
    ana: Any


@pytest.fixture
def reports(tmp_path: Path, live_wsgi: Callable[..., Any]) -> Iterator[Reports]:
    key = new_key()
    emu = PlatformEmulator(private_pem=key[0], public_jwk=key[1])
    with serve(emu) as platform_base:
        emu.base = platform_base
        app = make_app(
            tmp_path / "instance",
            emu,
            MODERATION_ROLES="instructor,admin",
        )
        tool = app.extensions["mcembed_lti"]
        tool.lms.add_platform(
            Actor.system(), **emu.urls, name="Emulated LMS", deployment_ids=[emu.deployment_id]
        )
        tool.service.add_pack(
            Actor.system(), load_pack(ROOT / "examples" / "professional-learning")
        )
        with tool.service.store.transaction() as tx:
            tx.add_credential(make_credential())
        client = app.test_client()
        lti = LtiDriver(app, client, emu)
        teacher = launch(lti, "Instructor", "teacher-1", "Tess Teacher")
        ana = launch(lti, "Learner", "ana", "Ana Alvarez")
        for sub, name, note, anonymous in (
            ("sam", "Sam Sender", ANONYMOUS_NOTE, "yes"),
            ("ben", "Ben Brown", "Try this, it fits your unit on fractions.", ""),
        ):
            sender = launch(lti, "Learner", sub, name)
            resp = post(
                client,
                "/community/me/recommend",
                sender,
                credential=CRED,
                recipient=person(app, ana.id).person_id,
                note=note,
                anonymous=anonymous,
            )
            assert resp.status_code == 303
        html = client.get(f"/community/me?launch={ana.id}").get_data(as_text=True)
        for rid, reason in zip(
            re.findall(r'/community/me/recommendations/([^"/]+)/report"', html),
            ("Ben keeps sending me these.", "Mocking me in front of the team."),
            strict=True,
        ):
            resp = post(client, f"/community/me/recommendations/{rid}/report", ana, reason=reason)
            assert resp.status_code == 303
        with live_wsgi(app) as base:
            yield Reports(base=base, teacher=teacher, ana=ana)


def test_the_moderation_page(
    reports: Reports, page: Any, axe: Callable, screenshot: Callable
) -> None:
    resp = page.goto(f"{reports.base}/community/moderation/?launch={reports.teacher.id}")
    assert resp.status == 200, page.content()[-2000:]
    assert page.get_by_role("heading", name="Reported recommendations").is_visible()
    assert page.get_by_text("Sam Sender (peer)").is_visible()
    assert page.get_by_text("Mocking me in front of the team.").is_visible()
    violations = axe(page)
    assert violations == [], json.dumps(violations, indent=2)
    screenshot(page, "community-moderation")

    anonymous = page.locator("article", has_text=ANONYMOUS_NOTE)
    anonymous.get_by_role("button", name="Withdraw it from Ana Alvarez").click()
    page.wait_for_url("**notice=withdrawn**")
    assert page.get_by_role("status").inner_text().startswith("Withdrawn")
    assert page.locator("article").count() == 1
    assert page.get_by_text(ANONYMOUS_NOTE).count() == 0
    violations = axe(page)
    assert violations == [], json.dumps(violations, indent=2)
    screenshot(page, "community-moderation-withdrawn")

    page.goto(f"{reports.base}/community/me?launch={reports.ana.id}")
    text = page.locator("main").inner_text()
    assert ANONYMOUS_NOTE not in text
    assert "Sam Sender" not in text.split("Find a credential for a problem", 1)[0]
    assert "Try this, it fits your unit on fractions." in text
