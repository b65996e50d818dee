"""Connected mode against a fake of the REST API (``fake_api.py``) in this process: the
widgets' evidence goes into the tool's submission, the network fails and comes back,
the kernel restarts, and the API's errors read as clear messages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fake_api import FakeApi, WSGITransport, session_for
from mcembed import (
    Actor,
    Conflict,
    CriterionScore,
    PermissionDenied,
    Role,
    Service,
    SubmissionState,
)
from mcembed_jupyter import (
    ApiBackend,
    Backend,
    ConnectionFailed,
    LocalBackend,
    TokenRejected,
    Workshop,
    connect,
    disconnect,
)
from mcembed_jupyter.api_client import ApiClient
from solutions import DATA_CREDENTIAL, EXAMPLE_PACK, REFLECTION, WORDS_350, complete_evidence

URL = "http://tool.test"
TOKEN = "mcl_" + "s3cret" * 6
LEARNER = Actor(id="p-lee", name="Lee Learner", course_id="course-1")
OTHER = Actor(id="p-sam", name="Sam Other", course_id="course-1")
REVIEWER = Actor(
    id="p-rita", name="Rita Reviewer", course_id="course-1", roles=frozenset({Role.INSTRUCTOR})
)


@pytest.fixture
def tool(tmp_path: Path) -> Service:
    """The tool's core: the example pack on SQLite (the fake API serves it)."""
    return LocalBackend.open(tmp_path / "tool", actor=Actor.system(), pack=EXAMPLE_PACK).service


@pytest.fixture
def api(tool: Service) -> FakeApi:
    return FakeApi(tool, tokens={TOKEN: LEARNER, "other-token": OTHER, "old": "token_expired"})


@pytest.fixture
def transport(api: FakeApi) -> Iterator[WSGITransport]:
    session, transport = session_for(api, URL)
    transport.session = session  # type: ignore[attr-defined]
    yield transport
    disconnect()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def open_backend(
    transport: WSGITransport, sleeps: list[float], tmp_path: Path
) -> Callable[..., ApiBackend]:
    """``open_backend()`` connects as the kernel would (again after a restart)."""

    def make(token: str = TOKEN) -> ApiBackend:
        return ApiBackend.connect(
            URL,
            token,
            drafts_folder=tmp_path / "workshop" / "instance" / "drafts",
            session=transport.session,  # type: ignore[attr-defined]
            sleep=sleeps.append,
        )

    return make


@pytest.fixture
def make_workshop(
    open_backend: Callable[..., ApiBackend], namespace: dict[str, Any], tmp_path: Path
) -> Callable[..., Workshop]:
    def make(**options: Any) -> Workshop:
        options.setdefault("backend", open_backend())
        return Workshop(
            DATA_CREDENTIAL, folder=tmp_path / "workshop", namespace=namespace, **options
        )

    return make


def in_tool(tool: Service, workshop: Workshop) -> Any:
    return tool.get_submission(LEARNER, workshop.submission.id).submission


def test_api_backend_is_a_backend_and_never_shows_its_token(
    open_backend: Callable[..., ApiBackend],
) -> None:
    """The connected backend satisfies the widgets' protocol; the learner comes from /me."""
    backend = open_backend()
    assert isinstance(backend, Backend)
    assert backend.actor.id == LEARNER.id
    assert backend.actor.course_id == "course-1"
    assert TOKEN not in repr(backend)
    assert TOKEN not in repr(backend.client)


def test_connected_workshop_puts_the_evidence_into_the_tools_submission(
    make_workshop: Callable[..., Workshop], namespace: dict[str, Any], tool: Service
) -> None:
    """Reflection, code checks, upload and attestation over the API; submit; the tool has it."""
    ws = make_workshop()
    form = ws.reflection(REFLECTION)
    form.text.value = WORDS_350
    form.save_button.click()
    assert "Saved." in form.message.value
    complete_evidence(ws, namespace)
    panel = ws.submit_panel()
    assert "Everything required is there" in panel.missing.value
    panel.submit_button.click()
    assert "Submitted attempt 1." in panel.message.value
    stored = in_tool(tool, ws)
    assert stored.state is SubmissionState.SUBMITTED
    assert stored.item(REFLECTION).text == WORDS_350
    assert stored.item("class-notebook").blob.filename == "analysis.html"
    assert stored.item("code-parse-score").metadata["evidence_id"] == "code-parse-score"


def test_a_submit_whose_answer_is_lost_is_retried_and_not_doubled(
    make_workshop: Callable[..., Workshop],
    namespace: dict[str, Any],
    tool: Service,
    transport: WSGITransport,
    sleeps: list[float],
) -> None:
    """The tool submits, the answer is lost; the retry with the same key gets the first answer."""
    ws = make_workshop()
    ws.reflection(REFLECTION).text.value = WORDS_350
    complete_evidence(ws, namespace)
    panel = ws.submit_panel()
    transport.fail("lost", "POST", "/submit")
    panel.submit_button.click()
    assert "Submitted attempt 1." in panel.message.value
    submits = [h for m, p, h in transport.sent if p.endswith("/submit")]
    assert len(submits) == 2
    assert submits[0]["Idempotency-Key"] == submits[1]["Idempotency-Key"]
    assert len(sleeps) == 1
    stored = in_tool(tool, ws)
    assert stored.state is SubmissionState.SUBMITTED
    assert [a.number for a in stored.attempts] == [1]


def test_a_save_while_offline_is_kept_and_sent_when_the_network_returns(
    make_workshop: Callable[..., Workshop], tool: Service, transport: WSGITransport
) -> None:
    """No network: the form says the text is kept; the next call that reaches the tool sends it."""
    ws = make_workshop()
    form = ws.reflection(REFLECTION)
    transport.fail("down", times=99)
    form.text.value = WORDS_350
    form.save_button.click()
    assert "could not be reached" in form.message.value
    assert "saved on this computer" in form.message.value
    assert ws.backend.queued[ws.submission.id][0].text == WORDS_350  # type: ignore[attr-defined]
    assert ws.backend.offline_since is not None  # type: ignore[attr-defined]
    assert in_tool(tool, ws).item(REFLECTION) is None
    panel = ws.submit_panel()  # the last submission the tool sent, kept on this machine
    assert "cannot be reached right now" in panel.connection.value
    assert "(1 save waiting)" in panel.connection.value
    panel.submit_button.click()
    assert "Not submitted yet. The tool at http://tool.test could not be reached" in (
        panel.message.value
    )
    transport.faults.clear()
    panel.refresh_button.click()  # reads the submission: the queue goes first
    assert "Connected to http://tool.test as Lee Learner" in panel.connection.value
    assert in_tool(tool, ws).item(REFLECTION).text == WORDS_350
    assert ws.backend.queued == {}  # type: ignore[attr-defined]
    assert ws.backend.offline_since is None  # type: ignore[attr-defined]
    assert "Interpretation" not in panel.missing.value


def test_a_kernel_restart_without_network_keeps_drafts_and_queue(
    make_workshop: Callable[..., Workshop],
    open_backend: Callable[..., ApiBackend],
    tool: Service,
    transport: WSGITransport,
) -> None:
    """The kernel restarts while the tool is unreachable: the widgets still open with what
    was typed, and the queued save reaches the tool once it answers again."""
    ws = make_workshop()
    form = ws.reflection(REFLECTION)
    transport.fail("down", times=999)
    form.text.value = WORDS_350
    form.save_button.click()
    unsent = "typed after the failed save, never saved"
    form.text.value = unsent
    restarted = make_workshop()  # a new kernel: new backend, new workshop, no network
    again = restarted.reflection(REFLECTION)
    assert again.text.value == unsent
    assert "Restored what you typed before" in again.message.value
    transport.faults.clear()
    assert open_backend().flush() == 1
    assert in_tool(tool, ws).item(REFLECTION).text == WORDS_350


def test_server_errors_and_rate_limits_are_retried_with_backoff(
    open_backend: Callable[..., ApiBackend], transport: WSGITransport, sleeps: list[float]
) -> None:
    """Two 503s then success; a 429 waits; giving up says the tool is unavailable."""
    backend = open_backend()
    transport.fail(503, "POST", "/submissions", times=2)
    submission = backend.start_submission(DATA_CREDENTIAL)
    assert submission.credential_id == DATA_CREDENTIAL
    assert len(sleeps) == 2
    assert sleeps[1] > sleeps[0]
    transport.fail(429, "GET", times=99)
    with pytest.raises(ConnectionFailed, match="busy"):
        backend.list_awards()
    assert len(sleeps) == 2 + 3


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("old", "Your mcembed token has expired. Make a new token"),
        ("wrong", "The tool did not accept your token. Make a new token"),
    ],
)
def test_a_rejected_token_says_what_to_do_without_showing_it(
    open_backend: Callable[..., ApiBackend], token: str, expected: str
) -> None:
    """401 (expired, unknown) becomes TokenRejected with a message for people."""
    with pytest.raises(TokenRejected, match=expected) as caught:
        open_backend(token)
    assert token not in str(caught.value)


def test_forbidden_and_conflict_read_as_the_tools_messages(
    make_workshop: Callable[..., Workshop],
    open_backend: Callable[..., ApiBackend],
    namespace: dict[str, Any],
) -> None:
    """403: another learner's submission; 409: submitting what is already submitted."""
    ws = make_workshop()
    other = ApiBackend(
        ApiClient(URL, "other-token", session=ws.backend.client.session),  # type: ignore[attr-defined]
        drafts_folder=ws.backend.drafts_folder,
    )
    with pytest.raises(PermissionDenied):
        other.get_submission(ws.submission.id)
    ws.reflection(REFLECTION).text.value = WORDS_350
    complete_evidence(ws, namespace)
    ws.save_all()
    ws.submit()
    with pytest.raises(Conflict, match="submitted"):
        ws.backend.submit(ws.submission.id)
    panel = ws.submit_panel()
    assert panel.submit_button.layout.display == "none"
    panel.submit()
    assert "mcembed-error" in panel.message.value
    assert "submitted" in panel.message.value


def test_the_reviewers_not_yet_comes_back_into_the_submit_panel(
    make_workshop: Callable[..., Workshop], namespace: dict[str, Any], tool: Service
) -> None:
    """A reviewer decides "not yet" in the tool; "Check for feedback" shows it per criterion."""
    ws = make_workshop()
    ws.reflection(REFLECTION).text.value = WORDS_350
    complete_evidence(ws, namespace)
    panel = ws.submit_panel()
    panel.submit_button.click()
    rubric = ws.credential.rubric
    scores = [
        CriterionScore(
            criterion_id=c.id, level=c.levels[0].label, feedback=f"More care with {c.name}."
        )
        for c in rubric.criteria
    ]
    tool.record_review(REVIEWER, ws.submission.id, scores, feedback="Close: revise and resubmit.")
    panel.refresh_button.click()
    assert "Not yet: read the feedback" in panel.state.value
    assert "Close: revise and resubmit." in panel.feedback.value
    assert f"More care with {rubric.criteria[0].name}." in panel.feedback.value
    assert panel.submit_button.description == "Resubmit"


def test_connect_form_takes_a_pasted_token_and_empties_the_field(
    transport: WSGITransport, tmp_path: Path, namespace: dict[str, Any]
) -> None:
    """The token field is a password field; wrong token: a clear message; right: connected,
    and a workshop made afterwards is connected without being told."""
    import ipywidgets as widgets

    form = connect(folder=tmp_path, session=transport.session, sleep=lambda s: None)  # type: ignore[attr-defined]
    assert isinstance(form.token, widgets.Password)
    assert "Not connected" in form.status.value
    offline = Workshop(DATA_CREDENTIAL, folder=tmp_path, namespace=namespace, pack=EXAMPLE_PACK)
    assert "Not connected: this workshop keeps its evidence in this folder" in (
        offline.submit_panel().connection.value
    )
    form.url.value = URL
    form.token.value = "wrong"
    form.connect_button.click()
    assert "did not accept your token" in form.message.value
    assert form.token.value == ""
    form.token.value = TOKEN
    form.connect_button.click()
    assert form.token.value == ""
    assert "Lee Learner" in form.status.value
    assert TOKEN not in form.status.value + form.message.value
    ws = Workshop(DATA_CREDENTIAL, folder=tmp_path, namespace=namespace)
    assert isinstance(ws.backend, ApiBackend)
    assert ws.backend.actor.id == LEARNER.id


def test_environment_variables_connect_a_workshop(
    transport: WSGITransport,
    tmp_path: Path,
    namespace: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """MCEMBED_URL and MCEMBED_TOKEN (what a JupyterHub sets) connect without any code."""
    import requests

    monkeypatch.setenv("MCEMBED_URL", URL + "/")
    monkeypatch.setenv("MCEMBED_TOKEN", TOKEN)
    monkeypatch.setattr(requests, "Session", lambda: transport.session)  # type: ignore[attr-defined]
    ws = Workshop(DATA_CREDENTIAL, folder=tmp_path, namespace=namespace)
    assert isinstance(ws.backend, ApiBackend)
    assert ws.backend.url == URL
    assert ws.backend.drafts_folder == tmp_path / "instance" / "drafts"


def test_a_wrong_token_in_the_environment_says_where_it_came_from(
    transport: WSGITransport,
    tmp_path: Path,
    namespace: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import requests

    monkeypatch.setenv("MCEMBED_URL", URL)
    monkeypatch.setenv("MCEMBED_TOKEN", "mcl_" + "wrong" * 8)
    monkeypatch.setattr(requests, "Session", lambda: transport.session)  # type: ignore[attr-defined]
    with pytest.raises(TokenRejected, match="MCEMBED_TOKEN environment variable") as caught:
        Workshop(DATA_CREDENTIAL, folder=tmp_path, namespace=namespace)
    assert "wrong" not in str(caught.value)
    assert "did not accept your token" in str(caught.value)


def test_a_notebook_shows_a_connection_error_as_its_message_alone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """In IPython (a notebook's kernel) the message, not a stack through the package."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.user_ns["TokenRejected"] = TokenRejected
        shell.user_ns["ConnectionFailed"] = ConnectionFailed
        shell.run_cell(
            "def deep():\n    raise TokenRejected('The tool did not accept your token.')"
        )
        shell.run_cell("deep()")
        out = capsys.readouterr().out
        assert "TokenRejected: The tool did not accept your token." in out
        assert "Traceback" not in out
        assert "deep" not in out
        shell.run_cell("raise ConnectionFailed('http://tool.test did not answer.')")
        assert capsys.readouterr().out.strip() == (
            "ConnectionFailed: http://tool.test did not answer."
        )
        shell.run_cell("raise ValueError('a bug of the learner')")  # others: as ever
        assert "Traceback" in capsys.readouterr().out
    finally:
        InteractiveShell.clear_instance()


def test_an_address_that_is_not_the_tool_says_so(tmp_path: Path) -> None:
    """A web server without the API answers 404 HTML: the message names the address."""

    def not_the_tool(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        start_response("404 Not Found", [("Content-Type", "text/html")])
        return [b"<h1>Not here</h1>"]

    session, _ = session_for(not_the_tool, URL)
    with pytest.raises(ConnectionFailed, match="Check the tool's address"):
        ApiBackend.connect(URL, TOKEN, drafts_folder=tmp_path, session=session)


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b'{"a":' * 5000 + b"1" + b"}" * 5000, 200, "The answer is nested more than 64 levels"),
        (b"[" * 65 + b"]" * 65, 200, "The answer is nested more than 64 levels"),
        (b"{not json", 200, "The answer is not valid JSON"),
        (b'{"error": ' + b"[" * 5000 + b"]" * 5000 + b"}", 404, "has no mcembed API"),
    ],
    ids=["deep", "just-too-deep", "not-json", "deep-error"],
)
def test_an_answer_nested_too_deep_or_not_json_says_so(
    body: bytes, status: int, fragment: str
) -> None:
    """What the notebook reads from the network is capped like what the tool reads."""

    def odd_tool(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        start_response(f"{status} X", [("Content-Type", "application/json")])
        return [body]

    session, _ = session_for(odd_tool, URL)
    with pytest.raises(ConnectionFailed, match=fragment):
        ApiClient(URL, TOKEN, session=session, retries=0).get("/me")


def test_a_queued_save_the_tool_refuses_later_is_dropped_and_said(
    make_workshop: Callable[..., Workshop],
    namespace: dict[str, Any],
    tool: Service,
    transport: WSGITransport,
) -> None:
    """Saved offline, then submitted from elsewhere: the queued save meets a 409 when sent;
    it leaves the queue, the panel says why, and the text stays in the learner's box."""
    ws = make_workshop()
    form = ws.reflection(REFLECTION)
    form.text.value = WORDS_350
    form.save_button.click()
    complete_evidence(ws, namespace)
    transport.fail("down", "PUT", times=99)
    form.text.value = WORDS_350 + " more"
    form.save_button.click()
    assert "saved on this computer" in form.message.value
    tool.submit(LEARNER, ws.submission.id)  # e.g. from another computer
    transport.faults.clear()
    panel = ws.submit_panel()
    assert ws.backend.queued == {}  # type: ignore[attr-defined]
    assert "was refused when it was sent" in panel.connection.value
    assert "submitted" in panel.connection.value
    assert form.text.value == WORDS_350 + " more"
    assert in_tool(tool, ws).item(REFLECTION).text == WORDS_350


def test_a_submit_click_is_three_round_trips(
    make_workshop: Callable[..., Workshop], namespace: dict[str, Any], transport: WSGITransport
) -> None:
    """Save what is typed, submit, one refresh that the card and the panel share."""
    ws = make_workshop()
    ws.card()
    ws.reflection(REFLECTION).text.value = WORDS_350  # typed, not saved
    complete_evidence(ws, namespace)
    panel = ws.submit_panel()
    transport.sent.clear()
    panel.submit_button.click()
    assert "Submitted attempt 1." in panel.message.value
    calls = [(m, p.rsplit("/", 1)[-1]) for m, p, h in transport.sent]
    assert calls == [("PUT", "evidence"), ("POST", "submit"), ("GET", ws.submission.id)]


def test_save_all_alone_tells_the_other_widgets(
    make_workshop: Callable[..., Workshop],
) -> None:
    """Without a submit after it, the card hears of what save_all saved."""
    ws = make_workshop()
    card = ws.card()
    ws.reflection(REFLECTION).text.value = WORDS_350
    ws.save_all()
    assert card.progress.value == 1


def test_a_timed_out_submit_is_retried_under_the_same_key(
    make_workshop: Callable[..., Workshop],
    namespace: dict[str, Any],
    tool: Service,
    transport: WSGITransport,
) -> None:
    """The tool took the submit but the answer came too late: one attempt, one key."""
    ws = make_workshop()
    ws.reflection(REFLECTION).text.value = WORDS_350
    complete_evidence(ws, namespace)
    transport.fail("timeout", "POST", "/submit", times=2)
    panel = ws.submit_panel()
    panel.submit_button.click()
    assert "Submitted attempt 1." in panel.message.value
    keys = {h["Idempotency-Key"] for m, p, h in transport.sent if p.endswith("/submit")}
    assert len(keys) == 1
    assert [a.number for a in in_tool(tool, ws).attempts] == [1]


def test_a_long_rate_limit_wait_is_said_not_waited(
    open_backend: Callable[..., ApiBackend], transport: WSGITransport, sleeps: list[float]
) -> None:
    """429 with Retry-After 45: the notebook does not freeze; the message says when to retry."""
    backend = open_backend()
    transport.fail(429, "GET", "/awards", retry_after=45)
    with pytest.raises(ConnectionFailed, match="busy: try again in 45 s"):
        backend.list_awards()
    assert sleeps == []
    transport.fail(429, "GET", "/awards", retry_after=2)
    assert backend.list_awards() == []
    assert sleeps == [pytest.approx(2, abs=0.5)]
