"""The cohort widget, offline (the core service on the workshop's SQLite) and
connected (the real tool's REST API cohort endpoints, in this process): the
learner's checkpoints and next step, the facilitator's board with the chart
the tool draws, and what each may not see."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fake_api import session_for
from mcembed import Actor, PermissionDenied
from mcembed_jupyter import ApiBackend, Backend, CohortProgressView, LocalBackend, disconnect
from notebook_tool import (
    DATA_CREDENTIAL,
    EXAMPLE_PACK,
    LEARNER,
    OTHER,
    TEACHER,
    make_tool_app,
    personal_token,
    seed_cohort,
    tool_of,
)

URL = "http://tool.test"
OUTSIDER = Actor(id="learner-olu", course_id=LEARNER.course_id, name="Olu Outside")


@pytest.fixture(params=["offline", "connected"])
def as_person(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Backend]]:
    """``as_person(actor)``: a backend for ``actor`` on a seeded cohort, offline
    (``LocalBackend``) or connected (``ApiBackend`` to the real tool)."""
    if request.param == "offline":
        local = LocalBackend.open(tmp_path, actor=LEARNER, pack=EXAMPLE_PACK)
        seed_cohort(local.service)
        yield lambda actor: local.as_actor(actor)
        return
    app = make_tool_app(tmp_path / "tool")
    seed_cohort(tool_of(app).service)
    session, _ = session_for(app, URL)

    def connect(actor: Actor) -> ApiBackend:
        token = personal_token(app, actor, review=actor is TEACHER)
        return ApiBackend.connect(
            URL, token, drafts_folder=tmp_path / actor.id, session=session, sleep=lambda s: None
        )

    yield connect
    disconnect()


def test_a_learner_sees_their_checkpoints_and_next_step(as_person: Callable[..., Any]) -> None:
    """Done, on track and late as the core says, with the due dates; no board."""
    view = CohortProgressView(as_person(LEARNER))
    mine = view.mine.value
    assert "Data &lt;b&gt;literacy&lt;/b&gt; circle" in view.heading.value  # escaped
    assert "✓ done</span> Notebook started" in mine
    assert "→ on track</span> Notebook submitted" in mine
    assert "<strong>Next:</strong> Notebook submitted" in mine
    assert "Analyse classroom assessment data with Python" in mine  # the credential's name
    assert view.board.value == ""  # a learner never gets the board
    assert view.message.value == ""

    sam = CohortProgressView(as_person(OTHER)).mine.value
    assert "! late</span> Notebook started" in sam
    assert "○ not started</span> Notebook submitted" in sam
    assert "<strong>Next:</strong> Notebook started" in sam


def test_a_facilitator_sees_the_board_with_the_tools_chart(
    as_person: Callable[..., Any],
) -> None:
    """Members × checkpoints and the core's SVG chart (the same the tool's page embeds)."""
    backend = as_person(TEACHER)
    view = CohortProgressView(backend)
    board = view.board.value
    assert view.mine.value == ""  # a facilitator is no member
    assert "<svg" in board
    assert 'role="img"' in board
    assert backend.board_chart(view.cohort_id) in board
    assert "<th scope='row'>Lee Learner</th><td>" in board
    lee = board.split("Lee Learner</th>", 1)[1].split("</tr>", 1)[0]
    sam = board.split("Sam Other</th>", 1)[1].split("</tr>", 1)[0]
    assert "✓ done" in lee
    assert "→ on track" in lee
    assert "! late" in sam
    assert "○ not started" in sam
    coaching = board.split("Who needs a coaching visit", 1)[1].split("<table", 1)[0]
    assert "<strong>Sam Other</strong>: late: Late on &#x27;Notebook started&#x27;" in coaching
    assert "Lee Learner" not in coaching


def test_a_learner_may_not_read_the_board_or_the_coaching_list(
    as_person: Callable[..., Any],
) -> None:
    """The core refuses (offline and through the API alike); the widget never asks."""
    backend = as_person(LEARNER)
    cohort_id = backend.list_cohorts()[0].id
    for call in (backend.progress_board, backend.board_chart, backend.coaching_list):
        with pytest.raises(PermissionDenied):
            call(cohort_id)


def test_refresh_shows_what_changed_since(as_person: Callable[..., Any]) -> None:
    """Sam starts: after Refresh the board says done (late) for him."""
    teacher = as_person(TEACHER)
    view = CohortProgressView(teacher)
    assert "(done late)" not in view.board.value
    as_person(OTHER).start_submission(DATA_CREDENTIAL)
    view.refresh_button.click()
    sam = view.board.value.split("Sam Other</th>", 1)[1].split("</tr>", 1)[0]
    assert "✓ done" in sam
    assert "(done late)" in sam


def test_someone_outside_the_cohort_is_told_and_sees_nothing(
    as_person: Callable[..., Any],
) -> None:
    """The core decides who sees the cohort; the widget shows its words."""
    backend = as_person(OUTSIDER)
    cohort_id = as_person(TEACHER).list_cohorts()[0].id
    view = CohortProgressView(backend, cohort_id)
    assert view.mine.value == ""
    assert view.board.value == ""
    assert "You cannot see this cohort" in view.message.value
    assert backend.list_cohorts() == []


def test_no_cohort_says_how_one_joins(tmp_path: Path) -> None:
    backend = LocalBackend.open(tmp_path, actor=LEARNER, pack=EXAMPLE_PACK)
    view = CohortProgressView(backend)
    assert view.cohort_id is None
    assert "You are in no cohort yet" in view.message.value
