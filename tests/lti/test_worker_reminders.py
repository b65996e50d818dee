"""``mcembed lti worker`` also sends the cohort reminders that are due, each once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mcembed import Actor, Person, Role

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
