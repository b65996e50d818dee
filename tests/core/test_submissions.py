"""The submission state machine: the DESIGN transitions, and nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given

from factories import NOW
from mcembed import Action, InvalidTransition, Submission, SubmissionState
from mcembed.submissions import ACTIONS_FROM, next_state
from strategies import actions

S = SubmissionState
A = Action

EXPECTED = {
    (S.DRAFT, A.SAVE_DRAFT): S.DRAFT,
    (S.DRAFT, A.SUBMIT): S.SUBMITTED,
    (S.DRAFT, A.WITHDRAW): S.WITHDRAWN,
    (S.SUBMITTED, A.START_REVIEW): S.IN_REVIEW,
    (S.SUBMITTED, A.WITHDRAW): S.WITHDRAWN,
    (S.IN_REVIEW, A.AWARD): S.AWARDED,
    (S.IN_REVIEW, A.REQUEST_REVISION): S.NEEDS_REVISION,
    (S.IN_REVIEW, A.RELEASE): S.SUBMITTED,
    (S.NEEDS_REVISION, A.SAVE_DRAFT): S.NEEDS_REVISION,
    (S.NEEDS_REVISION, A.RESUBMIT): S.RESUBMITTED,
    (S.NEEDS_REVISION, A.WITHDRAW): S.WITHDRAWN,
    (S.RESUBMITTED, A.START_REVIEW): S.IN_REVIEW,
    (S.RESUBMITTED, A.WITHDRAW): S.WITHDRAWN,
    (S.AWARDED, A.REVOKE): S.AWARDED,
}


def new_submission() -> Submission:
    return Submission(
        id="sub_1",
        credential_id="c",
        credential_version="1",
        learner_id="l",
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("action", list(A))
def test_every_pair_follows_the_table(state: SubmissionState, action: Action) -> None:
    """Each (state, action) either goes where DESIGN says or is refused."""
    if (state, action) in EXPECTED:
        assert next_state("s", state, action) is EXPECTED[(state, action)]
    else:
        with pytest.raises(InvalidTransition):
            next_state("s", state, action)


def test_refusal_names_the_state_and_what_is_allowed() -> None:
    with pytest.raises(InvalidTransition) as err:
        next_state("42", S.AWARDED, A.SUBMIT)
    assert (
        str(err.value)
        == "Cannot submit submission 42: it is 'awarded'; from 'awarded' the allowed action is revoke."
    )


def test_withdrawn_is_final() -> None:
    assert ACTIONS_FROM[S.WITHDRAWN] == ()
    with pytest.raises(InvalidTransition, match="'withdrawn' is final"):
        next_state("7", S.WITHDRAWN, A.SUBMIT)


def test_release_returns_a_resubmission_to_resubmitted() -> None:
    assert next_state("s", S.IN_REVIEW, A.RELEASE, attempt=2) is S.RESUBMITTED


def test_submit_and_resubmit_freeze_numbered_attempts() -> None:
    s = new_submission()
    s = s.apply(A.SUBMIT, actor_id="l", at=NOW)
    s = s.apply(A.START_REVIEW, actor_id="r", at=NOW)
    s = s.apply(A.REQUEST_REVISION, actor_id="r", at=NOW, note="more evidence")
    s = s.apply(A.RESUBMIT, actor_id="l", at=NOW)
    assert [a.number for a in s.attempts] == [1, 2]
    assert [(h.actor_id, h.action, h.to_state) for h in s.history] == [
        ("l", A.SUBMIT, S.SUBMITTED),
        ("r", A.START_REVIEW, S.IN_REVIEW),
        ("r", A.REQUEST_REVISION, S.NEEDS_REVISION),
        ("l", A.RESUBMIT, S.RESUBMITTED),
    ]
    assert s.history[2].note == "more evidence"


@given(actions)
def test_any_sequence_keeps_history_and_attempts_consistent(seq: list[Action]) -> None:
    """Whatever is tried, accepted steps are recorded once, refused ones not at all,
    and attempts only grow."""
    s = new_submission()
    accepted = 0
    for action in seq:
        before = s
        try:
            s = s.apply(action, actor_id="x", at=NOW)
        except InvalidTransition as e:
            refused_from = e.state
            assert refused_from == before.state.value
            continue
        accepted += 1
        assert EXPECTED[(before.state, action)] in (s.state, S.SUBMITTED, S.RESUBMITTED)
        assert len(s.attempts) >= len(before.attempts)
        assert s.attempts[: len(before.attempts)] == before.attempts
    assert len(s.history) == accepted
    assert len(s.attempts) == sum(1 for h in s.history if h.action in (A.SUBMIT, A.RESUBMIT))
