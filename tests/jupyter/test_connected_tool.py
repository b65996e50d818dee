"""Connected mode against the real LTI tool (its Flask app in this process, through a
WSGI transport): the widgets' evidence lands in the tool's submission, a reviewer's
"not yet" and award come back into the submit panel, a lost answer is not submitted
twice, and the tool's token and state errors read as clear messages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fake_api import WSGITransport, session_for
from mcembed import Conflict, CriterionScore, PermissionDenied, SubmissionState
from mcembed_jupyter import ApiBackend, TokenRejected, Workshop, disconnect
from notebook_tool import (
    DATA_CREDENTIAL,
    LEARNER,
    OTHER,
    TEACHER,
    make_tool_app,
    personal_token,
    tool_of,
)
from solutions import REFLECTION, WORDS_350, complete_evidence

URL = "http://tool.test"


@pytest.fixture
def app(tmp_path: Path) -> Any:
    return make_tool_app(tmp_path / "tool")


@pytest.fixture
def transport(app: Any) -> Iterator[WSGITransport]:
    session, transport = session_for(app, URL)
    transport.session = session  # type: ignore[attr-defined]
    yield transport
    disconnect()


@pytest.fixture
def connect_as(transport: WSGITransport, tmp_path: Path) -> Callable[..., ApiBackend]:
    def make(token: str) -> ApiBackend:
        return ApiBackend.connect(
            URL,
            token,
            drafts_folder=tmp_path / "workshop" / "instance" / "drafts",
            session=transport.session,  # type: ignore[attr-defined]
            sleep=lambda s: None,
        )

    return make


@pytest.fixture
def workshop(
    app: Any, connect_as: Callable[..., ApiBackend], namespace: dict[str, Any], tmp_path: Path
) -> Workshop:
    backend = connect_as(personal_token(app, LEARNER))
    return Workshop(
        DATA_CREDENTIAL, backend=backend, folder=tmp_path / "workshop", namespace=namespace
    )


def in_tool(app: Any, submission_id: str) -> Any:
    return tool_of(app).service.get_submission(LEARNER, submission_id).submission


def fill_and_submit(workshop: Workshop, namespace: dict[str, Any]) -> Any:
    workshop.reflection(REFLECTION).text.value = WORDS_350
    complete_evidence(workshop, namespace)
    panel = workshop.submit_panel()
    panel.submit_button.click()
    assert "Submitted attempt" in panel.message.value, panel.message.value
    return panel


def review(reviewer: ApiBackend, workshop: Workshop, level: str, feedback: str) -> None:
    scores = [
        CriterionScore(criterion_id=c.id, level=level, feedback=f"{c.name}: {feedback}")
        for c in workshop.credential.rubric.criteria
    ]
    reviewer.record_review(workshop.submission.id, scores, feedback=feedback)


def test_the_learner_page_token_connects_as_the_learner_in_the_course(
    app: Any, connect_as: Callable[..., ApiBackend]
) -> None:
    """GET /me gives the person and course the token was made for."""
    backend = connect_as(personal_token(app, LEARNER))
    assert backend.actor.id == LEARNER.id
    assert backend.actor.course_id == LEARNER.course_id
    assert backend.actor.name == "Lee Learner"
    assert "learner" in backend.me["scopes"]


def test_evidence_from_the_widgets_is_the_submission_the_tool_shows(
    app: Any, workshop: Workshop, namespace: dict[str, Any]
) -> None:
    """Code checks, reflection, upload and attestation over the API, then submitted."""
    fill_and_submit(workshop, namespace)
    stored = in_tool(app, workshop.submission.id)
    assert stored.state is SubmissionState.SUBMITTED
    assert stored.course_id == LEARNER.course_id
    items = {i.requirement_id: i for i in stored.attempts[-1].items}
    assert items[REFLECTION].text == WORDS_350
    assert items["class-notebook"].blob.filename == "analysis.html"
    assert all(r.passed for r in items["code-parse-score"].check_results)
    assert "def parse_score(" in items["code-parse-score"].code
    assert items["data-care-statement"].attested


def test_not_yet_then_award_come_back_into_the_notebook(
    app: Any,
    workshop: Workshop,
    namespace: dict[str, Any],
    connect_as: Callable[..., ApiBackend],
) -> None:
    """The instructor decides over the API; "Check for feedback" shows it, then the badge."""
    panel = fill_and_submit(workshop, namespace)
    reviewer = connect_as(personal_token(app, TEACHER, review=True))
    review(reviewer, workshop, "Developing", "Say which period needs the reteach.")
    panel.refresh_button.click()
    assert "Not yet: read the feedback" in panel.state.value
    assert "Say which period needs the reteach." in panel.feedback.value
    assert panel.submit_button.description == "Resubmit"
    panel.submit_button.click()
    assert "Submitted attempt 2." in panel.message.value
    review(reviewer, workshop, "Proficient", "Clear and careful.")
    panel.refresh_button.click()
    assert "Awarded." in panel.state.value
    assert "✔ Verified" in panel.award.value
    assert panel.award.value.count("download=") == 4


def test_a_lost_submit_answer_is_replayed_by_the_tool_not_submitted_twice(
    app: Any, workshop: Workshop, namespace: dict[str, Any], transport: WSGITransport
) -> None:
    """The tool submits; the answer is lost; the retry's Idempotency-Key gets the first answer."""
    transport.fail("lost", "POST", "/submit")
    fill_and_submit(workshop, namespace)
    keys = [h["Idempotency-Key"] for m, p, h in transport.sent if p.endswith("/submit")]
    assert len(keys) == 2
    assert keys[0] == keys[1]
    stored = in_tool(app, workshop.submission.id)
    assert [a.number for a in stored.attempts] == [1]
    assert [h.action for h in stored.history].count("submit") == 1


def test_saves_made_while_the_tool_is_unreachable_reach_it_later(
    app: Any, workshop: Workshop, transport: WSGITransport
) -> None:
    """Network down: the save waits in the outbox; back up: the next call sends it first."""
    form = workshop.reflection(REFLECTION)
    transport.fail("down", times=99)
    form.text.value = WORDS_350
    form.save_button.click()
    assert "saved on this computer" in form.message.value
    transport.faults.clear()
    workshop.detail()
    assert in_tool(app, workshop.submission.id).item(REFLECTION).text == WORDS_350


def test_revoked_and_unknown_tokens_say_what_to_do(
    app: Any, connect_as: Callable[..., ApiBackend]
) -> None:
    """401 from the tool's token rules: revoked, or never made."""
    made = tool_of(app).tokens.create_personal(LEARNER)
    tool_of(app).tokens.revoke(LEARNER, made.token.id)
    with pytest.raises(TokenRejected, match=r"Your mcembed token was revoked\. Make a new token"):
        connect_as(made.secret)
    with pytest.raises(TokenRejected, match="did not accept your token"):
        connect_as("mcembed_" + "x" * 40)


def test_another_learners_submission_and_a_second_submit_are_refused(
    app: Any,
    workshop: Workshop,
    namespace: dict[str, Any],
    connect_as: Callable[..., ApiBackend],
) -> None:
    """403 for someone else's submission; 409 with the allowed actions for a resubmit."""
    fill_and_submit(workshop, namespace)
    other = connect_as(personal_token(app, OTHER))
    with pytest.raises(PermissionDenied, match="only its learner and the reviewers"):
        other.get_submission(workshop.submission.id)
    with pytest.raises(Conflict, match="submitted"):
        workshop.backend.submit(workshop.submission.id)


def test_a_kernel_restarted_without_network_opens_from_what_the_tool_said_last(
    app: Any,
    connect_as: Callable[..., ApiBackend],
    namespace: dict[str, Any],
    transport: WSGITransport,
    tmp_path: Path,
) -> None:
    """The tool's own answers, kept on disk, open the workshop again with no network;
    what was typed meanwhile reaches the tool once it answers."""
    token = personal_token(app, LEARNER)
    first = connect_as(token)
    ws = Workshop(DATA_CREDENTIAL, backend=first, folder=tmp_path / "workshop", namespace=namespace)
    ws.code_check("code-parse-score")  # the check module is kept too
    transport.fail("down", times=999)
    restarted = Workshop(
        DATA_CREDENTIAL,
        backend=connect_as(token),
        folder=tmp_path / "workshop",
        namespace=namespace,
    )
    assert restarted.submission.id == ws.submission.id
    form = restarted.reflection(REFLECTION)
    form.text.value = WORDS_350
    form.save_button.click()
    assert "saved on this computer" in form.message.value
    assert "def " in restarted.code_check("code-parse-score")._checks_source
    transport.faults.clear()
    restarted.submit_panel()
    assert in_tool(app, ws.submission.id).item(REFLECTION).text == WORDS_350


def test_a_token_revoked_during_the_workshop_is_said_in_the_submit_panel(
    app: Any, workshop: Workshop
) -> None:
    """The learner revokes the token on the learner page mid-workshop: the next call says so."""
    panel = workshop.submit_panel()
    token_id = workshop.backend.me["token_id"]  # type: ignore[attr-defined]
    tool_of(app).tokens.revoke(LEARNER, token_id)
    panel.refresh_button.click()
    assert "Your mcembed token was revoked." in panel.message.value
    assert "Your mcembed token was revoked." in panel.connection.value
    assert "Connected to" not in panel.connection.value


def test_a_queue_waits_for_a_new_token_when_the_old_one_is_revoked(
    app: Any,
    connect_as: Callable[..., ApiBackend],
    namespace: dict[str, Any],
    transport: WSGITransport,
    tmp_path: Path,
) -> None:
    """Saved offline, then the token revoked: the queue is kept, and a new token sends it."""
    made = tool_of(app).tokens.create_personal(LEARNER)
    backend = connect_as(made.secret)
    ws = Workshop(
        DATA_CREDENTIAL, backend=backend, folder=tmp_path / "workshop", namespace=namespace
    )
    form = ws.reflection(REFLECTION)
    transport.fail("down", times=99)
    form.text.value = WORDS_350
    form.save_button.click()
    transport.faults.clear()
    tool_of(app).tokens.revoke(LEARNER, made.token.id)
    with pytest.raises(TokenRejected):
        backend.flush()
    assert backend.queued != {}
    assert connect_as(personal_token(app, LEARNER)).flush() == 1
    assert in_tool(app, ws.submission.id).item(REFLECTION).text == WORDS_350
