"""The moderation page through real launches: moderators (``MCEMBED_MODERATION_ROLES``)
see reported recommendations with their senders and withdraw or keep them;
nobody else reaches it; the recipient still never learns an anonymous sender."""

from __future__ import annotations

import re
from typing import Any

import pytest
from community_pages import launch, page, person, post

from mcembed import Actor, Role

CRED = "evaluate-impact"


@pytest.fixture
def moderated(app: Any) -> Any:
    """Instructors moderate in their course (the instance's choice)."""
    app.extensions["mcembed_lti"].service.community.moderation_roles = frozenset(
        {Role.INSTRUCTOR, Role.ADMIN}
    )
    return app


def reported(lti: Any, client: Any, app: Any) -> tuple[Any, Any, str]:
    """Sam recommends anonymously to Ana, who reports it; (sam, ana, its id)."""
    sam = launch(lti, "Learner", "sam", "Sam Sender")
    ana = launch(lti, "Learner", "ana", "Ana Alvarez")
    _, html = page(client, "/community/me", sam)
    resp = post(
        client,
        "/community/me/recommend",
        sam,
        html,
        credential=CRED,
        recipient=person(app, ana.id).person_id,
        note="Even you could manage this one.",
        anonymous="yes",
    )
    assert resp.status_code == 303
    _, html = page(client, "/community/me", ana)
    rid = re.search(r'/community/me/recommendations/([^"/]+)/report"', html).group(1)
    resp = post(client, f"/community/me/recommendations/{rid}/report", ana, html, reason="Mockery.")
    assert resp.status_code == 303
    return sam, ana, rid


def test_a_moderator_sees_the_sender_and_withdraws(lti: Any, client: Any, moderated: Any) -> None:
    _, ana, rid = reported(lti, client, moderated)
    teacher = launch(lti, "Instructor", "teacher-1", "Tess Teacher")
    status, html = page(client, "/community/moderation/", teacher)
    assert status == 200
    assert ">Reports</a>" in html
    assert "Sam Sender" in html
    assert "sent anonymously" in html
    assert "Mockery." in html
    assert "Even you could manage this one." in html
    # the recipient's page still says only "a colleague"
    _, mine = page(client, "/community/me", ana)
    assert "Sam Sender" not in mine.split('id="find"', 1)[0]
    assert "Even you could manage this one." in mine

    resp = post(client, f"/community/moderation/{rid}", teacher, html, action="withdraw")
    assert resp.status_code == 303
    assert "notice=withdrawn" in resp.headers["Location"]
    _, html = page(client, "/community/moderation/", teacher, notice="withdrawn")
    assert "No open reports." in html
    assert "the recipient no longer sees it" in html
    _, mine = page(client, "/community/me", ana)
    assert "Even you could manage this one." not in mine
    # closed: a second action finds nothing to act on
    assert post(client, f"/community/moderation/{rid}", teacher, action="keep").status_code == 404


def test_keeping_closes_the_report_only(lti: Any, client: Any, moderated: Any) -> None:
    _, ana, rid = reported(lti, client, moderated)
    teacher = launch(lti, "Instructor", "teacher-1", "Tess Teacher")
    resp = post(client, f"/community/moderation/{rid}", teacher, action="keep")
    assert resp.status_code == 303
    _, html = page(client, "/community/moderation/", teacher)
    assert "Sam Sender" not in html
    _, mine = page(client, "/community/me", ana)
    assert "Even you could manage this one." in mine


def test_nobody_else_reaches_it(lti: Any, client: Any, moderated: Any) -> None:
    sam, ana, rid = reported(lti, client, moderated)
    for learner in (sam, ana):
        status, html = page(client, "/community/moderation/", learner)
        assert status == 403
        assert "Mockery." not in html
        assert ">Reports</a>" not in page(client, "/community/me", learner)[1]
        resp = post(client, f"/community/moderation/{rid}", learner, action="withdraw")
        assert resp.status_code == 403
    other = launch(lti, "Instructor", "teacher-9", "Otto Other", context_id="course-9")
    status, html = page(client, "/community/moderation/", other)
    assert status == 200
    assert "Sam Sender" not in html  # another course's report
    assert post(client, f"/community/moderation/{rid}", other, action="withdraw").status_code == 404
    _, mine = page(client, "/community/me", ana)
    assert "Even you could manage this one." in mine


def test_a_form_without_its_token_is_refused(lti: Any, client: Any, moderated: Any) -> None:
    _, _, rid = reported(lti, client, moderated)
    teacher = launch(lti, "Instructor", "teacher-1", "Tess Teacher")
    resp = client.post(
        f"/community/moderation/{rid}", data={"launch": teacher.id, "action": "withdraw"}
    )
    assert resp.status_code == 400
    assert "Sam Sender" in page(client, "/community/moderation/", teacher)[1]  # still open


def test_by_default_only_administrators_moderate(
    app_factory: Any, tmp_path: Any, emulator: Any
) -> None:
    from lti_platform import LtiDriver

    for config, expected in (({}, 403), ({"MODERATION_ROLES": "instructor"}, 200)):
        app = app_factory(tmp_path / f"i{expected}", **config)
        tool = app.extensions["mcembed_lti"]
        tool.lms.add_platform(
            Actor.system(), **emulator.urls, name="LMS", deployment_ids=[emulator.deployment_id]
        )
        client = app.test_client()
        teacher = LtiDriver(app, client, emulator).launch("Instructor", sub="t", name="T")
        resp = client.get(f"/community/moderation/?launch={teacher.id}")
        assert resp.status_code == expected
        html = client.get(f"/community/me?launch={teacher.id}").get_data(as_text=True)
        assert (">Reports</a>" in html) is (expected == 200)
