"""LTI Advantage against the emulated LMS: grades (AGS), the roster (NRPS),
Deep Linking, Dynamic Registration and the Canvas configuration."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import jwt
import pytest

from lti_platform import CRED, Member, form_fields, start_and_submit
from mcembed_lti.grades import deliver_due, scores_url


def review(lti: Any, client: Any, sid: str, design: str = "Exemplary") -> None:
    reviewer = lti.launch("Instructor", sub="teacher-1", name="Tess Teacher")
    page = client.get(f"/review/submissions/{sid}?launch={reviewer.id}").get_data(as_text=True)
    resp = client.post(
        f"/review/submissions/{sid}",
        data={**form_fields(page), "level-design": design, "level-impact": "Proficient"},
    )
    assert resp.status_code == 303


def send(tool: Any) -> dict[str, int]:
    return deliver_due(tool.lms, tool.sender)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://lms.example.org/api/lti/courses/1/line_items/7",
            "https://lms.example.org/api/lti/courses/1/line_items/7/scores",
        ),
        (
            "https://moodle.example.org/mod/lti/services.php/2/lineitems/7/lineitem?type_id=3",
            "https://moodle.example.org/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=3",
        ),
        ("https://lms.example.org/li/7/", "https://lms.example.org/li/7/scores"),
    ],
)
def test_scores_go_to_the_path_before_the_query_string(url: str, expected: str) -> None:
    assert scores_url(url) == expected


def test_submit_then_award_send_pending_then_full_marks(
    lti: Any, client: Any, tool: Any, emulator: Any
) -> None:
    _, sid = start_and_submit(lti, client)
    assert send(tool)["sent"] == 1
    [pending] = emulator.scores
    assert (pending["activityProgress"], pending["gradingProgress"]) == (
        "Submitted",
        "PendingManual",
    )
    assert "scoreGiven" not in pending
    review(lti, client, sid)
    send(tool)
    final = emulator.scores[-1]
    assert (final["activityProgress"], final["gradingProgress"]) == ("Completed", "FullyGraded")
    assert (final["scoreGiven"], final["scoreMaximum"]) == (7, 8)
    assert final["userId"] == "user-1"


def test_moodle_line_items_keep_their_query_string(
    lti: Any, client: Any, tool: Any, emulator: Any
) -> None:
    emulator.moodle_style = True
    start_and_submit(lti, client)
    send(tool)
    [score] = emulator.scores
    assert score["path"] == "/mod/lti/services.php/2/lineitems/1/lineitem/scores"
    assert score["query"] == "type_id=1"


def test_a_link_without_a_line_item_gets_one_created(
    lti: Any, client: Any, tool: Any, emulator: Any
) -> None:
    learner = lti.launch("Learner", custom={"mcembed_credential": CRED}, line_item=None)
    page = client.get(learner.location).get_data(as_text=True)
    page = client.get(
        client.post(f"/learn/credentials/{CRED}/start", data=form_fields(page)).headers["Location"]
    ).get_data(as_text=True)
    sid = re.search(r'action="/learn/submissions/([^"]+)"', page).group(1)
    import io

    client.post(
        f"/learn/submissions/{sid}",
        data={
            **form_fields(page),
            "text-reflection": "We plan the team meetings together every single week now.",
            "file-plan": (io.BytesIO(b"plan text"), "plan.txt"),
            "action": "submit",
        },
        content_type="multipart/form-data",
    )
    send(tool)
    [item] = emulator.line_items.values()
    assert item["resourceLinkId"] == "link-1"
    assert item["scoreMaximum"] == 8
    assert emulator.scores[0]["path"] == item["id"].replace(emulator.base, "") + "/scores"


def test_an_lms_that_is_down_gets_every_grade_when_it_recovers(
    lti: Any, client: Any, tool: Any, emulator: Any, app: Any
) -> None:
    """Failures are visible to the instructor with a retry; nothing is lost."""
    emulator.down = True
    _, sid = start_and_submit(lti, client)
    review(lti, client, sid)
    assert send(tool)["failed"] >= 1
    reviewer = lti.launch("Instructor", sub="teacher-1", name="Tess Teacher")
    page = client.get(f"/review/grades?launch={reviewer.id}").get_data(as_text=True)
    assert "Failing" in page
    assert "HTTP 503" in page
    assert "Retry now" in page
    # an hour later the LMS is back: the back-off has come round, and the newest grade wins
    clock_skip(tool, hours=1)
    emulator.down = False
    send(tool)
    assert [s["gradingProgress"] for s in emulator.scores] == ["FullyGraded"]
    page = client.get(f"/review/grades?launch={reviewer.id}").get_data(as_text=True)
    assert "None: every grade is through." in page


def test_a_worker_killed_mid_send_never_resends_the_older_score(
    app_factory: Any, emulator: Any, tmp_path: Any
) -> None:
    """Worker 1 claims the "submitted" score and is killed before its POST; the
    award is written and sent; when worker 1's lease runs out, the next worker
    marks the old score superseded instead of sending it: the gradebook keeps
    the award, and the instructor sees "superseded", nothing failing."""
    from datetime import UTC, datetime
    from pathlib import Path

    from factories import make_credential
    from lti_platform import LtiDriver
    from mcembed import Actor, FixedClock, load_pack

    clock = FixedClock(datetime.now(UTC))
    app = app_factory(tmp_path / "clocked", CLOCK=clock)
    tool = app.extensions["mcembed_lti"]
    tool.lms.add_platform(Actor.system(), **emulator.urls, deployment_ids=[emulator.deployment_id])
    pack = Path(__file__).resolve().parents[2] / "examples" / "professional-learning"
    tool.service.add_pack(Actor.system(), load_pack(pack))
    with tool.service.store.transaction() as tx:
        tx.add_credential(make_credential())
    client = app.test_client()
    lti = LtiDriver(app, client, emulator)
    _, sid = start_and_submit(lti, client)
    [first] = tool.lms.due_deliveries()
    assert tool.lms.claim_delivery(first) is not None  # worker 1, killed mid-send
    clock.advance(seconds=30)
    review(lti, client, sid)
    assert send(tool)["sent"] == 1
    clock.advance(minutes=5)  # worker 1's lease has run out: another worker takes over
    assert send(tool) == {"sent": 0, "failed": 0, "skipped": 1}
    assert [s["gradingProgress"] for s in emulator.scores] == ["FullyGraded"]
    reviewer = lti.launch("Instructor", sub="teacher-1", name="Tess Teacher")
    page = client.get(f"/review/grades?launch={reviewer.id}").get_data(as_text=True)
    assert "None: every grade is through." in page
    assert "superseded" in page


def clock_skip(tool: Any, **delta: float) -> None:
    from dataclasses import replace

    with tool.lms.store.transaction() as tx:
        for did in tx.list_due_deliveries(tool.lms.clock.now() + timedelta(**delta), 100):
            d = tx.find_grade_delivery(did)
            tx.update_grade_delivery(replace(d, next_attempt_at=tool.lms.clock.now()))


def test_the_instructor_retries_a_failing_grade(
    lti: Any, client: Any, tool: Any, emulator: Any, app: Any
) -> None:
    emulator.fail_scores = 1
    start_and_submit(lti, client)
    assert send(tool)["failed"] == 1
    assert send(tool)["sent"] == 0  # not due yet: back-off
    reviewer = lti.launch("Instructor", sub="teacher-1", name="Tess Teacher")
    page = client.get(f"/review/grades?launch={reviewer.id}").get_data(as_text=True)
    action = re.search(r'action="(/review/grades/[^"]+/retry)"', page).group(1)
    resp = client.post(action, data=form_fields(page))
    assert resp.status_code == 303
    assert app.extensions["mcembed_lti"].dispatcher.kicks >= 1
    assert send(tool)["sent"] == 1
    assert len(emulator.scores) == 1


def test_a_learner_cannot_see_or_retry_grades(
    lti: Any, client: Any, tool: Any, emulator: Any
) -> None:
    emulator.fail_scores = 1
    learner, _ = start_and_submit(lti, client)
    send(tool)
    [failing] = tool.lms.list_deliveries(
        tool.lms.get_launch(lti.launch("Instructor", sub="t").id).actor,
        tool.lms.get_launch(learner.id).course_id,
        failing=True,
    ).items
    resp = client.post(
        f"/review/grades/{failing.id}/retry",
        data={"launch": learner.id, "csrf_token": tool.lms.get_launch(learner.id).csrf_token},
    )
    assert resp.status_code == 403


def test_the_roster_lists_everyone_including_people_who_never_launched(
    lti: Any, client: Any, emulator: Any
) -> None:
    emulator.members = [
        Member("user-1", "Lee Learner", ["Learner"]),
        Member("user-2", "Ola Other", ["Learner"]),
        Member("user-3", "Pat Never", ["Learner"]),
        Member("teacher-1", "Tess Teacher", ["Instructor"]),
        Member("user-4", "Quinn Quiet", ["Learner"]),
    ]
    start_and_submit(lti, client, sub="user-1")
    reviewer = lti.launch("Instructor", sub="teacher-1", name="Tess Teacher")
    page = client.get(f"/review/roster?launch={reviewer.id}").get_data(as_text=True)
    for name in ("Lee Learner", "Ola Other", "Pat Never", "Quinn Quiet"):
        assert name in page
    assert "Tess Teacher</td>" not in page
    assert "submitted" in page
    assert page.count("not yet") == 3
    assert page.count("nothing started") == 3


def test_a_roster_the_lms_cannot_give_leaves_a_clear_notice(
    lti: Any, client: Any, emulator: Any
) -> None:
    reviewer = lti.launch(
        "Instructor",
        sub="teacher-1",
        name="Tess",
        set={
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": emulator.base + "/nowhere"
            }
        },
    )
    page = client.get(f"/review/roster?launch={reviewer.id}")
    assert page.status_code == 200
    assert "could not be read from the LMS" in page.get_data(as_text=True)


def test_deep_linking_places_credentials_with_a_line_item(
    lti: Any, client: Any, tool: Any, emulator: Any
) -> None:
    instructor = lti.launch("Instructor", sub="teacher-1", message_type="LtiDeepLinkingRequest")
    assert "/lti/deep-link" in instructor.location
    page = client.get(f"/lti/deep-link?launch={instructor.id}&q=formative+assessment").get_data(
        as_text=True
    )
    assert "digital-formative-assessment" in page
    resp = client.post(
        "/lti/deep-link",
        data={
            **form_fields(page),
            "item": [
                "credential:digital-formative-assessment",
                "stack:data-informed-classroom-practice",
            ],
        },
    )
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert f'action="{emulator.base}/deep-link-return"' in text
    token = re.search(r'name="JWT" value="([^"]+)"', text).group(1)
    key = tool.keys.jwks()["keys"][0]
    from jwcrypto import jwk

    claims = jwt.decode(
        token, jwk.JWK(**key).export_to_pem(), algorithms=["RS256"], audience=emulator.issuer
    )
    items = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert (
        claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    )
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "dl-data-1"
    assert [i["custom"] for i in items] == [
        {"mcembed_credential": "digital-formative-assessment", "mcembed_kind": "credential"},
        {"mcembed_credential": "data-informed-classroom-practice", "mcembed_kind": "stack"},
    ]
    assert (
        items[0]["lineItem"]["scoreMaximum"]
        == tool.service.get_credential("digital-formative-assessment").rubric.max_points
    )
    assert items[0]["type"] == "ltiResourceLink"


def test_deep_linking_is_for_instructors_only(lti: Any, client: Any) -> None:
    learner = lti.launch("Learner", message_type="LtiDeepLinkingRequest")
    assert client.get(learner.location).status_code == 403


def test_a_placed_link_opens_the_credential_and_records_the_placement(
    lti: Any, client: Any, tool: Any
) -> None:
    learner = lti.launch(
        "Learner",
        custom={"mcembed_credential": "digital-formative-assessment", "mcembed_kind": "credential"},
    )
    assert "/learn/credentials/digital-formative-assessment" in learner.location
    course = tool.lms.get_launch(learner.id).course_id
    placement = tool.lms.find_placement(course, "link-1")
    assert placement.credential_id == "digital-formative-assessment"
    assert placement.can_score


def test_the_canvas_configuration_names_the_fixed_urls(client: Any) -> None:
    data = client.get("/lti/canvas.json").json
    assert data["oidc_initiation_url"] == "http://localhost/lti/login"
    assert data["target_link_uri"] == "http://localhost/lti/launch"
    assert data["public_jwk_url"] == "http://localhost/lti/jwks"
    placements = {
        p["placement"]: p["message_type"] for p in data["extensions"][0]["settings"]["placements"]
    }
    assert placements["link_selection"] == "LtiDeepLinkingRequest"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in data["scopes"]
