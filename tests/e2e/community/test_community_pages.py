"""Every community page of the LTI tool in Chromium, filled with a cohort,
awards, shared evidence, listings and recommendations made through real
signed launches: each page renders, passes axe-core (no serious or critical
violation) and is screenshot for people to look at."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from community_pages import awarded, launch, person, post

from factories import make_credential
from lti_platform import LtiDriver, PlatformEmulator, make_app, new_key, serve, start_and_submit
from mcembed import Actor, load_pack

ROOT = Path(__file__).resolve().parents[3]
CRED = "evaluate-impact"


@dataclass
class Course:
    base: str
    client: Any
    teacher: Any
    ana: Any
    ben: Any
    cohort: str
    share_path: str


@contextmanager
def serve_wsgi(app: Any) -> Iterator[str]:
    """The app on a free loopback port, in a thread, for this module."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def _day(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Course]:
    """One course: a cohort of nine with checkpoints and meetings, six awards,
    shared evidence, a listing, recommendations; served on loopback."""
    key = new_key()
    emu = PlatformEmulator(private_pem=key[0], public_jwk=key[1])
    with serve(emu) as platform_base:
        emu.base = platform_base
        app = make_app(tmp_path_factory.mktemp("community") / "instance", emu)
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
        names = [
            "Ana Alvarez",
            "Ben Brown",
            "Cy Chen",
            "Dee Diaz",
            "Eli Evans",
            "Fay Fox",
            "Gus Gray",
            "Hana Hill",
            "Ivo Iles",
        ]
        launches = {}
        for i, name in enumerate(names):
            sub = name.split()[0].lower()
            if i < 6:
                launches[sub], _ = awarded(lti, client, sub, name)
            elif i < 8:
                start_and_submit(lti, client, sub=sub)
                launches[sub] = launch(lti, "Learner", sub, name)
            else:
                launches[sub] = launch(lti, "Learner", sub, name)
        teacher = launch(lti, "Instructor", "teacher-1", "Tess Teacher")
        resp = post(
            client,
            "/community/cohorts/",
            teacher,
            name="Lincoln Middle School — Learning Leadership 2026",
            description="Orientation on 1 September; benchmarks every three weeks; showcase in December.",
            credential=[CRED],
        )
        cohort = re.search(r"/community/cohorts/([^/?]+)", resp.headers["Location"]).group(1)
        post(
            client,
            f"/community/cohorts/{cohort}/members",
            teacher,
            person=[person(app, x.id).person_id for x in launches.values()],
        )
        for title, days, step in (
            ("Orientation done: evaluation started", -20, "started"),
            ("Evaluation plan submitted", -6, "submitted"),
            ("Impact credential earned", 10, "awarded"),
        ):
            post(
                client,
                f"/community/cohorts/{cohort}/checkpoints",
                teacher,
                title=title,
                due_at=_day(days),
                credential=CRED,
                step=step,
            )
        for kind, title, days in (
            ("orientation", "Orientation", -21),
            ("coaching", "Coaching visits", -3),
            ("brainstorm", "From learning to a lesson", 5),
            ("showcase", "Showcase for colleagues", 30),
        ):
            post(
                client,
                f"/community/cohorts/{cohort}/meetings",
                teacher,
                kind=kind,
                title=title,
                at=_day(days),
                agenda="Dates, expectations and the evidence each benchmark asks for.",
            )
        post(
            client,
            f"/community/cohorts/{cohort}/notes",
            teacher,
            member=person(app, launches["ivo"].id).person_id,
            text="Missed orientation; call before the coaching visit.",
        )
        post(client, f"/community/cohorts/{cohort}/reminders", teacher)
        ana, ben = launches["ana"], launches["ben"]
        portfolio = client.get(f"/community/portfolio/?launch={ana.id}").get_data(as_text=True)
        award_id = re.search(r'id="award-([^"]+)"', portfolio).group(1)
        post(
            client,
            f"/community/portfolio/evidence/{award_id}",
            ana,
            requirement=["reflection", "portfolio"],
        )
        made = post(client, "/community/portfolio/links", ana, label="For the district").get_data(
            as_text=True
        )
        share_url = re.search(r'id="new-link">([^<]+)<', made).group(1)
        post(client, "/community/directory/join", ana, credential="*")
        post(client, "/community/directory/join", launches["dee"], credential="*")
        post(
            client,
            "/community/me/recommend",
            launches["cy"],
            credential=CRED,
            recipient=person(app, ben.id).person_id,
            note="You did this in your team already: get it recognised.",
            anonymous="yes",
        )
        post(
            client,
            "/community/me/recommend",
            teacher,
            credential=CRED,
            recipient=[person(app, ben.id).person_id],
            note="A good next step for your team.",
        )
        with serve_wsgi(app) as base:
            yield Course(
                base=base,
                client=client,
                teacher=teacher,
                ana=ana,
                ben=ben,
                cohort=cohort,
                share_path=share_url.split("localhost", 1)[1],
            )


def visit(
    page: Any, course: Course, path: str, who: Any, name: str, axe: Any, screenshot: Any
) -> Any:
    sep = "&" if "?" in path else "?"
    resp = page.goto(f"{course.base}{path}{sep}launch={who.id}" if who else course.base + path)
    assert resp.status < 400, page.content()[-2000:]
    violations = axe(page)
    assert violations == [], json.dumps(violations, indent=2)
    screenshot(page, name)
    return resp


def test_cohort_pages(course: Course, page: Any, axe: Callable, screenshot: Any) -> None:
    c = course
    visit(page, c, "/community/cohorts/", c.teacher, "community-cohorts", axe, screenshot)
    assert page.get_by_role("heading", name="Make a cohort").is_visible()
    visit(page, c, f"/community/cohorts/{c.cohort}", c.teacher, "community-cohort", axe, screenshot)
    assert page.get_by_text("Missed orientation; call before the coaching visit.").is_visible()
    visit(
        page,
        c,
        f"/community/cohorts/{c.cohort}/board",
        c.teacher,
        "community-board",
        axe,
        screenshot,
    )
    chart = page.locator("figure.chart svg[role=img]")
    assert chart.is_visible()
    assert chart.bounding_box()["height"] > 200
    assert page.get_by_role("heading", name="Who needs a coaching visit").is_visible()
    assert page.get_by_text("Where reminders go:").is_visible()
    page.set_viewport_size(
        {"width": 390, "height": 844}
    )  # a phone: the table scrolls, not the page
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    assert chart.bounding_box()["width"] <= 390
    screenshot(page, "community-board-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    visit(
        page,
        c,
        f"/community/cohorts/{c.cohort}/showcase",
        c.ben,
        "community-showcase",
        axe,
        screenshot,
    )
    assert page.get_by_role("heading", name="Ana Alvarez").is_visible()
    visit(
        page, c, f"/community/cohorts/{c.cohort}", c.ana, "community-cohort-member", axe, screenshot
    )
    assert page.get_by_role("heading", name="My progress").is_visible()


def test_learner_pages(course: Course, page: Any, axe: Callable, screenshot: Any) -> None:
    c = course
    visit(
        page,
        c,
        "/community/me?q=students+tune+out+during+group+work",
        c.ben,
        "community-me",
        axe,
        screenshot,
    )
    assert page.get_by_text("You did this in your team already").first.is_visible()
    assert page.get_by_text("From Tess Teacher").first.is_visible()
    visit(page, c, "/community/portfolio/", c.ana, "community-portfolio", axe, screenshot)
    visit(page, c, "/community/directory/", c.ben, "community-directory", axe, screenshot)
    assert page.get_by_role("heading", name="Ana Alvarez").is_visible()
    visit(page, c, c.share_path, None, "community-shared", axe, screenshot)
    assert page.get_by_role("heading", name="Ana Alvarez", level=1).is_visible()


def test_analytics_page(course: Course, page: Any, axe: Callable, screenshot: Any) -> None:
    visit(
        page,
        course,
        "/community/analytics/",
        course.teacher,
        "community-analytics",
        axe,
        screenshot,
    )
    assert page.locator("figure.chart svg[role=img]").is_visible()
    assert page.get_by_role("link", name="Download CSV").is_visible()


def test_a_dead_share_link_is_a_clear_page(
    course: Course, page: Any, axe: Callable, screenshot: Any
) -> None:
    resp = page.goto(f"{course.base}/share/this-link-was-revoked")
    assert resp.status == 404
    assert page.get_by_text("This link does not exist, or its owner revoked it.").is_visible()
    assert axe(page) == []
    screenshot(page, "community-shared-dead")
