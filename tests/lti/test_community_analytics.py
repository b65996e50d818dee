"""Programme analytics pages: only the configured roles, own course only,
filters, the chart and CSV, and small groups suppressed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from community_pages import awarded, launch, page

CRED = "evaluate-impact"


def test_instructors_see_figures_chart_and_csv(lti: Any, client: Any) -> None:
    for n in range(6):
        awarded(lti, client, f"learner-{n}", f"Learner {n}")
    teacher = launch(lti, "Instructor", "teacher-1", "Tess Teacher")
    status, html = page(client, "/community/analytics/", teacher)
    assert status == 200
    assert 'role="img"' in html
    assert "Started, submitted and awarded, by credential" in html
    row = re.search(r"<th scope=\"row\">Evaluate the impact[^<]*</th>(.*?)</tr>", html, re.S)
    assert row is not None
    assert list(re.findall(r"<td>([^<]*)</td>", row.group(1)))[:3] == ["6", "6", "6"]
    resp = client.get(f"/community/analytics/export.csv?launch={teacher.id}")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    text = resp.get_data(as_text=True)
    assert text.startswith("group,key,started,submitted,awarded")
    assert ",6,6,6," in text


def test_small_groups_are_suppressed_on_the_page_and_in_the_csv(lti: Any, client: Any) -> None:
    awarded(lti, client, "ana", "Ana Alvarez")
    teacher = launch(lti, "Instructor", "teacher-1", "Tess Teacher")
    _, html = page(client, "/community/analytics/", teacher)
    assert "&lt;5" in html
    assert "<td>1</td>" not in html
    text = client.get(f"/community/analytics/export.csv?launch={teacher.id}").get_data(as_text=True)
    assert "<5" in text
    assert ",1,1,1," not in text
    assert "Ana Alvarez" not in html  # a learner is never named


def test_learners_and_other_roles_are_refused(lti: Any, client: Any) -> None:
    ana = launch(lti, "Learner", "ana", "Ana Alvarez")
    assert page(client, "/community/analytics/", ana)[0] == 403
    assert client.get(f"/community/analytics/export.csv?launch={ana.id}").status_code == 403
    ta = lti.launch("TeachingAssistant", sub="ta-1", name="Tia Assistant")
    status, html = page(client, "/community/analytics/", ta)
    assert status == 403
    assert "Programme analytics are for these roles" in html


def test_the_configured_roles_decide(app_factory: Any, tmp_path: Any, emulator: Any) -> None:
    from lti_platform import LtiDriver
    from mcembed import Actor

    app = app_factory(tmp_path / "other", ANALYTICS_ROLES="admin")
    tool = app.extensions["mcembed_lti"]
    tool.lms.add_platform(
        Actor.system(), **emulator.urls, name="LMS", deployment_ids=[emulator.deployment_id]
    )
    client = app.test_client()
    teacher = LtiDriver(app, client, emulator).launch("Instructor", sub="t", name="T")
    assert client.get(f"/community/analytics/?launch={teacher.id}").status_code == 403
    html = client.get(f"/review/?launch={teacher.id}").get_data(as_text=True)
    assert ">Analytics</a>" not in html


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("by=learner", "by must be"),
        ("since=yesterday", "is not a date"),
        ("until=9999-12-31", "from 1900 to 9000"),
        ("since=2026-09-10&until=2026-09-01", "the range is empty"),
        ("cohort=coh-nope", "No cohort"),
    ],
)
def test_bad_filters_are_explained(lti: Any, client: Any, query: str, fragment: str) -> None:
    teacher = launch(lti, "Instructor", "teacher-1", "Tess Teacher")
    resp = client.get(f"/community/analytics/?launch={teacher.id}&{query}")
    assert resp.status_code in (400, 404)
    assert fragment in resp.get_data(as_text=True)


def test_filters_by_date_and_cohort(lti: Any, client: Any) -> None:
    for n in range(5):
        awarded(lti, client, f"learner-{n}", f"Learner {n}")
    teacher = launch(lti, "Instructor", "teacher-1", "Tess Teacher")
    status, html = page(
        client, "/community/analytics/", teacher, since="2001-01-01", until="2001-12-31"
    )
    assert status == 200
    assert "Nothing in this range yet." in html
    status, html = page(client, "/community/analytics/", teacher, by="cohort")
    assert status == 200
    assert "by cohort" in html
