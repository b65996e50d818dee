"""The learner's and reviewer's pages through real launches: the whole path,
CSRF, and who may see what (a matrix over roles, courses and platforms)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lti_platform import CRED, LTI_ROLES, REFLECTION, LtiDriver, form_fields, start_and_submit


def test_learner_searches_the_catalog_by_a_problem(lti: Any, client: Any) -> None:
    launched = lti.launch("Learner")
    page = client.get(f"/learn/?launch={launched.id}&q=students+tune+out+during+group+work")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Facilitate collaborative inquiry" in text or "collaborative" in text.lower()


def test_the_credential_page_shows_rubric_and_passing_rule(lti: Any, client: Any) -> None:
    launched = lti.launch("Learner", custom={"mcembed_credential": CRED})
    text = client.get(launched.location).get_data(as_text=True)
    for fragment in (
        "Competency",
        "Evidence required",
        "Rubric",
        "Passing rule",
        "at least Proficient",
        "Start this credential",
    ):
        assert fragment in text


def test_the_whole_path_submit_not_yet_resubmit_award(lti: Any, client: Any, app: Any) -> None:
    learner, sid = start_and_submit(lti, client)
    reviewer = lti.launch("Instructor", sub="teacher-1", name="Tess Teacher")
    assert "/review/" in reviewer.location
    queue = client.get(reviewer.location).get_data(as_text=True)
    assert "Lee Learner" in queue
    page = client.get(f"/review/submissions/{sid}?launch={reviewer.id}").get_data(as_text=True)
    assert REFLECTION in page
    fields = form_fields(page)
    resp = client.post(
        f"/review/submissions/{sid}",
        data={
            **fields,
            "level-design": "Developing",
            "feedback-design": "Say what changed for students.",
            "level-impact": "Proficient",
        },
    )
    assert resp.status_code == 303
    mine = client.get(learner.location).get_data(as_text=True)
    assert "Not yet" in mine
    assert "Say what changed for students." in mine
    assert "Revise your evidence" in mine
    fields = form_fields(mine)
    resp = client.post(
        f"/learn/submissions/{sid}",
        data={**fields, "text-reflection": REFLECTION + " Students now lead.", "action": "submit"},
    )
    assert resp.status_code == 303
    page = client.get(f"/review/submissions/{sid}?launch={reviewer.id}").get_data(as_text=True)
    resp = client.post(
        f"/review/submissions/{sid}",
        data={**form_fields(page), "level-design": "Exemplary", "level-impact": "Proficient"},
    )
    assert resp.status_code == 303
    mine = client.get(learner.location).get_data(as_text=True)
    assert "Awarded" in mine
    assert "Every attempt" in mine
    assert "Attempt 1" in mine


def test_bad_evidence_is_refused_and_what_was_typed_is_kept(lti: Any, client: Any) -> None:
    learner = lti.launch("Learner", custom={"mcembed_credential": CRED})
    fields = form_fields(client.get(learner.location).get_data(as_text=True))
    resp = client.post(f"/learn/credentials/{CRED}/start", data=fields)
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    sid = re.search(r'action="/learn/submissions/([^"]+)"', page).group(1)
    resp = client.post(
        f"/learn/submissions/{sid}",
        data={
            **form_fields(page),
            "text-reflection": "My careful words",
            "url-portfolio": "not a link",
            "action": "save",
        },
    )
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "is not a web address" in text
    assert "My careful words" in text


def test_a_wrong_file_type_is_refused_clearly(lti: Any, client: Any) -> None:
    import io

    learner = lti.launch("Learner", custom={"mcembed_credential": CRED})
    fields = form_fields(client.get(learner.location).get_data(as_text=True))
    page = client.get(
        client.post(f"/learn/credentials/{CRED}/start", data=fields).headers["Location"]
    ).get_data(as_text=True)
    sid = re.search(r'action="/learn/submissions/([^"]+)"', page).group(1)
    resp = client.post(
        f"/learn/submissions/{sid}",
        data={
            **form_fields(page),
            "file-plan": (io.BytesIO(b"MZ\x90\x00"), "plan.exe"),
            "action": "save",
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    assert "not an allowed type" in resp.get_data(as_text=True)


def test_a_replaced_file_is_deleted_and_the_quota_is_explained(
    lti: Any, client: Any, tool: Any
) -> None:
    """Re-uploading replaces (and deletes) the draft's file; an upload over the
    learner's storage quota is a 413 page saying the quota, the usage and what
    to do, and leaves the draft as it was."""
    import hashlib
    import io

    def upload(data: bytes) -> Any:
        page = client.get(f"/learn/credentials/{CRED}?launch={learner.id}").get_data(as_text=True)
        return client.post(
            f"/learn/submissions/{sid}",
            data={
                **form_fields(page),
                "file-plan": (io.BytesIO(data), "plan.txt"),
                "action": "save",
            },
            content_type="multipart/form-data",
        )

    learner = lti.launch("Learner", custom={"mcembed_credential": CRED})
    fields = form_fields(client.get(learner.location).get_data(as_text=True))
    page = client.get(
        client.post(f"/learn/credentials/{CRED}/start", data=fields).headers["Location"]
    ).get_data(as_text=True)
    sid = re.search(r'action="/learn/submissions/([^"]+)"', page).group(1)
    first, second = b"Week 1: survey; week 6: observe.", b"Week 1: survey; week 7: observe."
    assert upload(first).status_code == 303
    assert upload(second).status_code == 303
    blobs = tool.service.blobs
    assert not blobs.exists(hashlib.sha256(first).hexdigest())
    assert blobs.exists(hashlib.sha256(second).hexdigest())
    tool.service.learner_quota_bytes = 40
    resp = upload(b"Week 1: a survey; week 6: two observations.")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 413
    assert "Evaluation plan: file &#39;plan.txt&#39; (43 bytes) was not saved" in text
    assert "storage quota of 40 bytes (they take 32 bytes already)" in text
    assert "Replace a draft&#39;s file with a smaller one" in text
    assert blobs.exists(hashlib.sha256(second).hexdigest())
    assert list(blobs.list_files()).count(hashlib.sha256(second).hexdigest()) == 1


def test_a_form_without_its_token_is_refused_and_changes_nothing(
    lti: Any, client: Any, tool: Any
) -> None:
    learner = lti.launch("Learner", custom={"mcembed_credential": CRED})
    resp = client.post(f"/learn/credentials/{CRED}/start", data={"launch": learner.id})
    assert resp.status_code == 400
    assert "This form has expired" in resp.get_data(as_text=True)
    resp = client.post(
        f"/learn/credentials/{CRED}/start", data={"launch": learner.id, "csrf_token": "guess"}
    )
    assert resp.status_code == 400
    launch = tool.lms.get_launch(learner.id)
    assert tool.service.list_submissions(launch.actor).total == 0


def test_a_page_without_a_valid_launch_is_a_404(client: Any) -> None:
    for url in ("/learn/", "/review/", "/learn/credentials/evaluate-impact?launch=lch_nope"):
        resp = client.get(url)
        assert resp.status_code == 404
        assert "Open the tool again from your course" in resp.get_data(as_text=True)


def test_a_page_of_a_purged_launch_asks_to_launch_again(
    app_factory: Any, emulator: Any, tmp_path: Any
) -> None:
    """Nothing needs a launch once it has expired and been purged: its pages say
    to open the tool again, whether the launch is still in a process's cache or not."""
    from datetime import UTC, datetime

    from lti_platform import LtiDriver
    from mcembed import Actor, FixedClock

    clock = FixedClock(datetime.now(UTC))
    app = app_factory(tmp_path / "purge", CLOCK=clock)
    tool = app.extensions["mcembed_lti"]
    tool.lms.add_platform(Actor.system(), **emulator.urls, deployment_ids=[emulator.deployment_id])
    client = app.test_client()
    learner = LtiDriver(app, client, emulator).launch("Learner")
    assert client.get(f"/learn/?launch={learner.id}").status_code == 200
    clock.advance(hours=9)
    assert tool.lms.remove_expired() == 1
    resp = client.get(f"/learn/?launch={learner.id}")
    assert resp.status_code == 404
    assert "Open the tool again from your course" in resp.get_data(as_text=True)


REVIEWER_PAGES = ["/review/", "/review/roster", "/review/grades"]


@pytest.mark.parametrize("url", REVIEWER_PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("Learner", 403),
        ("Instructor", 200),
        ("TeachingAssistant", 200),
        ("Mentor", 403),
        ("ContentDeveloper", 403),
    ],
)
def test_reviewer_pages_need_a_reviewer_role(
    lti: Any, client: Any, emulator: Any, url: str, role: str, status: int
) -> None:
    emulator.members = []
    launched = lti.launch(role, sub=f"u-{role}")
    assert client.get(f"{url}?launch={launched.id}").status_code == status


def test_configured_roles_may_review(tmp_path: Any, emulator: Any, app_factory: Any) -> None:
    from mcembed import Actor

    app = app_factory(tmp_path / "i2", LTI_REVIEWER_ROLES="Mentor")
    app.extensions["mcembed_lti"].lms.add_platform(
        Actor.system(), **emulator.urls, deployment_ids=[emulator.deployment_id]
    )
    driver = LtiDriver(app, app.test_client(), emulator)
    launched = driver.launch("Mentor")
    assert driver.client.get(f"/review/?launch={launched.id}").status_code == 200


def test_an_lms_administrator_gets_no_instance_wide_rights(lti: Any, client: Any) -> None:
    """Institution and system roles never become mcembed's administrator."""
    launched = lti.launch(
        roles=(),
        set={
            LTI_ROLES: [
                "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
                "http://purl.imsglobal.org/vocab/lis/v2/system/person#SysAdmin",
            ]
        },
    )
    assert client.get(f"/review/?launch={launched.id}").status_code == 403


def test_a_learner_never_sees_another_learners_evidence(lti: Any, client: Any) -> None:
    _, sid = start_and_submit(lti, client, sub="user-1")
    other = lti.launch("Learner", sub="user-2")
    for url in (f"/review/submissions/{sid}", f"/learn/submissions/{sid}/files/plan"):
        resp = client.get(f"{url}?launch={other.id}")
        assert resp.status_code == 403, url
        assert "Week 1" not in resp.get_data(as_text=True)


def test_the_learner_downloads_their_own_file_with_a_safe_header(lti: Any, client: Any) -> None:
    learner, sid = start_and_submit(lti, client)
    resp = client.get(f"/learn/submissions/{sid}/files/plan?launch={learner.id}&attempt=1")
    assert resp.status_code == 200
    assert resp.data == b"Week 1: survey; week 6: observe."
    assert resp.headers["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("where", ["another course", "another deployment", "another platform"])
def test_one_course_deployment_or_platform_never_sees_anothers_data(
    lti: Any, client: Any, tool: Any, emulator: Any, where: str, auto_deployments: None
) -> None:
    _, sid = start_and_submit(lti, client, context_id="course-1")
    if where == "another course":
        reviewer = lti.launch("Instructor", sub="t", context_id="course-2", name="Tess")
    elif where == "another deployment":
        reviewer = lti.launch("Instructor", sub="t", deployment_id="deployment-2", name="Tess")
    else:
        from dataclasses import replace

        from mcembed import Actor

        [platform] = tool.lms.list_platforms()
        tool.lms.add_platform(
            Actor.system(),
            **{**emulator.urls, "client_id": "second-client"},
            deployment_ids=[emulator.deployment_id],
        )
        emulator.client_id = "second-client"
        reviewer = lti.launch("Instructor", sub="user-1", name="Tess")
        assert replace(platform).client_id == "tool-client-1"
    queue = client.get(reviewer.location).get_data(as_text=True)
    assert "Lee Learner" not in queue
    assert "0 submissions" in queue
    assert client.get(f"/review/submissions/{sid}?launch={reviewer.id}").status_code == 403


def test_reviewing_ones_own_work_is_refused(lti: Any, client: Any) -> None:
    _, sid = start_and_submit(lti, client, sub="user-1")
    me_as_ta = lti.launch("TeachingAssistant", sub="user-1")
    page = client.get(f"/review/submissions/{sid}?launch={me_as_ta.id}")
    assert page.status_code == 200
    resp = client.post(
        f"/review/submissions/{sid}",
        data={
            **form_fields(page.get_data(as_text=True)),
            "level-design": "Exemplary",
            "level-impact": "Exemplary",
        },
    )
    assert resp.status_code == 403
    assert "it is your own" in resp.get_data(as_text=True)


def test_a_review_missing_a_level_keeps_the_typed_feedback(lti: Any, client: Any) -> None:
    _, sid = start_and_submit(lti, client)
    reviewer = lti.launch("Instructor", sub="teacher-1")
    page = client.get(f"/review/submissions/{sid}?launch={reviewer.id}").get_data(as_text=True)
    resp = client.post(
        f"/review/submissions/{sid}",
        data={**form_fields(page), "level-design": "Proficient", "feedback": "Good start"},
    )
    assert resp.status_code == 400
    text = resp.get_data(as_text=True)
    assert "no level was given" in text
    assert "Good start" in text


def test_the_queue_filters_and_pages(lti: Any, client: Any) -> None:
    for n in range(3):
        start_and_submit(lti, client, sub=f"user-{n}")
    reviewer = lti.launch("Instructor", sub="teacher-1")
    page = client.get(f"/review/?launch={reviewer.id}&credential={CRED}").get_data(as_text=True)
    assert "3 submissions" in page
    page = client.get(f"/review/?launch={reviewer.id}&state=awarded").get_data(as_text=True)
    assert "0 submissions" in page
    page = client.get(f"/review/?launch={reviewer.id}&learner=lti:nobody").get_data(as_text=True)
    assert "0 submissions" in page
