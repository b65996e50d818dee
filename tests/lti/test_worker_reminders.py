"""``mcembed lti worker`` also sends the cohort reminders that are due, each once,
purges expired launches (so does the web app's grade thread without Redis),
and sweeps away stored files nothing holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mcembed import Actor, Person, Role
from mcembed.launches import LaunchContext

COURSE = "course-r"
TEACHER = Actor(id="teacher-r", course_id=COURSE, roles=frozenset({Role.INSTRUCTOR}), name="T")
MEMBER = Actor(id="learner-r", course_id=COURSE, name="Rae")


def reminders(tool: Any) -> list[str]:
    return [n.title for n in tool.service.community.notifications(MEMBER).items]


def test_the_worker_sends_due_reminders_once(tool: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from mcembed_lti import worker

    with tool.service.store.transaction() as tx:
        for a in (TEACHER, MEMBER):
            tx.put_person(Person(id=a.id, name=a.name))
    community = tool.service.community
    cohort = community.create_cohort(TEACHER, name="C", credential_ids=["evaluate-impact"])
    community.add_members(TEACHER, cohort.id, [MEMBER.id])
    community.add_checkpoint(
        TEACHER,
        cohort.id,
        title="Plan submitted",
        due_at=datetime.now(UTC) + timedelta(days=1),
        credential_id="evaluate-impact",
        step="submitted",
    )
    monkeypatch.setattr(worker, "worker_tool", lambda: tool)
    assert tool.redis is None  # the loop without Redis
    worker.run_worker(burst=True)
    assert len(reminders(tool)) == 1
    assert "Plan submitted" in reminders(tool)[0]
    worker.run_worker(burst=True)
    assert worker.send_due_reminders(tool.service) == 0
    assert len(reminders(tool)) == 1


def add_launches(tool: Any) -> None:
    """One launch that ended an hour ago (with a name and e-mail) and one still valid."""
    now = datetime.now(UTC)
    with tool.service.store.transaction() as tx:
        for lid, expires in (
            ("lch_old", now - timedelta(hours=1)),
            ("lch_new", now + timedelta(hours=1)),
        ):
            tx.add_launch(
                LaunchContext(
                    id=lid,
                    platform_id="plt_1",
                    deployment_id="d",
                    user_id="u",
                    person_id="lti:plt_1:u",
                    course_id=COURSE,
                    name="Rae Learner",
                    email="rae@example.org",
                    csrf_token="t",
                    created_at=expires - timedelta(hours=8),
                    expires_at=expires,
                )
            )


def stored_launches(tool: Any) -> list[str]:
    with tool.service.store.transaction() as tx:
        return [lid for lid in ("lch_old", "lch_new") if tx.find_launch(lid) is not None]


def test_the_worker_purges_expired_launches(tool: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from mcembed_lti import worker

    add_launches(tool)
    monkeypatch.setattr(worker, "worker_tool", lambda: tool)
    worker.run_worker(burst=True)
    assert stored_launches(tool) == ["lch_new"]


def test_the_web_apps_grade_thread_purges_expired_launches(tool: Any) -> None:
    """Without Redis nobody may run the worker: the thread that sends grades in
    each web process purges too (every hour; here one round by hand)."""
    from mcembed_lti.grades import ThreadDispatcher

    add_launches(tool)
    dispatcher = ThreadDispatcher(tool.lms, tool.sender, interval=3600)
    try:
        dispatcher.sweep()
    finally:
        dispatcher.close()
    assert stored_launches(tool) == ["lch_new"]


def test_the_worker_sweeps_away_files_nothing_holds(
    tool: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mcembed_lti import worker

    orphan = tool.service.blobs.put(b"left by a crash", "a.txt", max_bytes=100).sha256
    held = set(tool.service.blobs.list_files()) - {orphan}
    assert held  # the example pack's images and check modules
    monkeypatch.setattr(worker, "worker_tool", lambda: tool)
    worker.run_worker(burst=True)
    assert set(tool.service.blobs.list_files()) == held
