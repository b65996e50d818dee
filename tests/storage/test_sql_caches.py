"""What SqlStore keeps in memory is never staler than the database.

Two ``SqlStore`` objects on one database stand for two worker processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from factories import LEARNER, NOW, make_credential
from mcembed import Submission, SubmissionState
from mcembed.stacks import EarningRule, Stack
from mcembed.storage import SqlStore
from stores import postgres_store


@pytest.fixture(params=["sqlite", "postgres"])
def two_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    if request.param == "sqlite":
        first = SqlStore(f"sqlite:///{tmp_path / 'test.db'}")
    else:
        first = postgres_store(request.getfixturevalue("postgres_schema"))
    second = SqlStore(engine=first.engine)
    yield first, second
    first.close()


def test_a_rolled_back_write_is_not_read_back_after_another_process_writes(
    two_stores: tuple[Any, Any],
) -> None:
    """A rolled-back write's revision is taken by the next writer; that one is read."""
    mine, theirs = two_stores
    with mine.transaction() as tx:
        tx.add_submission(
            Submission(
                id="sub_1",
                credential_id="evaluate-impact",
                credential_version="1",
                learner_id=LEARNER.id,
                created_at=NOW,
                updated_at=NOW,
            )
        )

    def crash_after_the_write() -> None:
        with mine.transaction() as tx:
            draft = tx.find_submission("sub_1")
            tx.update_submission(replace(draft, state=SubmissionState.WITHDRAWN), draft.revision)
            assert tx.find_submission("sub_1").state is SubmissionState.WITHDRAWN
            raise RuntimeError("crash after the write")

    with pytest.raises(RuntimeError):
        crash_after_the_write()
    with theirs.transaction() as tx:
        draft = tx.find_submission("sub_1")
        tx.update_submission(replace(draft, state=SubmissionState.SUBMITTED), draft.revision)
    with mine.transaction() as tx:
        found = tx.find_submission("sub_1")
    assert (found.state, found.revision) == (SubmissionState.SUBMITTED, 1)


def test_a_stack_loaded_by_another_process_is_listed(two_stores: tuple[Any, Any]) -> None:
    mine, theirs = two_stores
    with mine.transaction() as tx:
        tx.add_credential(make_credential())
        assert tx.list_stacks() == []
    stack = Stack(
        id="leader",
        version="1",
        name="Leader",
        summary="Leads.",
        members=("evaluate-impact",),
        rule=EarningRule.ALL_OF,
    )
    with theirs.transaction() as tx:
        tx.add_stack(stack)
    with mine.transaction() as tx:
        assert [s.id for s in tx.list_stacks()] == ["leader"]
