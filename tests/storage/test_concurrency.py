"""Concurrency on real databases: two reviewers, and 200 learners at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from factories import REVIEWER, Actor, make_credential, reflection, scores
from mcembed import (
    AlreadyDecided,
    FixedClock,
    InvalidTransition,
    RandomIds,
    Service,
    SubmissionState,
)
from mcembed.storage import MemoryBlobStore, SqlStore
from stores import postgres_store


def make_service(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, clock: FixedClock
) -> Service:
    if kind == "sqlite":
        store: Any = SqlStore(f"sqlite:///{tmp_path / 'c.db'}")
    else:
        store = postgres_store(request.getfixturevalue("postgres_schema"), pool_size=40)
    svc = Service(store, MemoryBlobStore(), clock=clock, ids=RandomIds())
    with store.transaction() as tx:
        tx.add_credential(make_credential())
    return svc


def learner(n: int) -> Actor:
    return Actor(id=f"learner-{n}", course_id="course-1", name=f"Learner {n}")


def submit_one(svc: Service, n: int) -> str:
    actor = learner(n)
    sub = svc.start_submission(actor, "evaluate-impact")
    svc.save_draft(actor, sub.id, [reflection(f"Learner {n} changed how the team plans its work.")])
    svc.attach_file(actor, sub.id, "plan", "plan.txt", f"plan of learner {n}".encode())
    return svc.submit(actor, sub.id).id


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_two_reviewers_cannot_both_decide(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, clock: FixedClock
) -> None:
    svc = make_service(kind, tmp_path, request, clock)
    other = Actor(id="teacher-2", course_id="course-1", roles=REVIEWER.roles)
    for round_ in range(10):
        sub_id = submit_one(svc, round_)
        barrier = threading.Barrier(2)
        results: list[str] = []

        def decide(
            actor: Actor,
            levels: dict[str, str],
            sub_id: str = sub_id,
            barrier: threading.Barrier = barrier,
            results: list[str] = results,
        ) -> None:
            barrier.wait()
            try:
                svc.record_review(actor, sub_id, scores(**levels))
                results.append("decided")
            except (AlreadyDecided, InvalidTransition):
                results.append("refused")

        threads = [
            threading.Thread(
                target=decide, args=(REVIEWER, {"design": "Proficient", "impact": "Proficient"})
            ),
            threading.Thread(
                target=decide, args=(other, {"design": "Beginning", "impact": "Beginning"})
            ),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == ["decided", "refused"]
        detail = svc.get_submission(REVIEWER, sub_id)
        assert len(detail.reviews) == 1
        assert detail.submission.state in (SubmissionState.AWARDED, SubmissionState.NEEDS_REVISION)
        assert (detail.award is not None) == (detail.submission.state is SubmissionState.AWARDED)
    svc.store.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_200_concurrent_submissions_lose_nothing(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, clock: FixedClock
) -> None:
    svc = make_service(kind, tmp_path, request, clock)
    with ThreadPoolExecutor(max_workers=32) as pool:
        ids = list(pool.map(lambda n: submit_one(svc, n), range(200)))
    assert len(set(ids)) == 200
    page = svc.list_submissions(REVIEWER, states=[SubmissionState.SUBMITTED], limit=500)
    assert page.total == 200
    for sub in page.items:
        assert len(sub.attempts) == 1
        assert (
            sub.attempts[0].items[0].text
            == f"{sub.learner_id.replace('learner-', 'Learner ')} changed how the team plans its work."
        )
    svc.store.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_concurrent_starts_give_one_submission(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, clock: FixedClock
) -> None:
    """Double-clicks from two tabs: one open submission, never two."""
    from mcembed import Conflict

    svc = make_service(kind, tmp_path, request, clock)
    barrier = threading.Barrier(8)

    def start() -> str:
        barrier.wait()
        try:
            return svc.start_submission(learner(1), "evaluate-impact").id
        except Conflict:
            return svc.start_submission(learner(1), "evaluate-impact").id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = set(pool.map(lambda _: start(), range(8)))
    assert len(ids) == 1
    svc.store.close()
