"""``mcembed community send-reminders``: the scheduled job an operator runs
from cron; each reminder reaches each member once, however often it runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from factories import make_credential
from mcembed import Actor, Person, Role, Settings
from mcembed.cli import cli, main
from mcembed.instance import open_service

COURSE = "course-1"
TEACHER = Actor(id="teacher-1", course_id=COURSE, roles=frozenset({Role.INSTRUCTOR}), name="T")
MEMBERS = [Actor(id=f"learner-{n}", course_id=COURSE, name=f"L{n}") for n in (1, 2)]


@pytest.fixture
def instance(tmp_path: Path) -> str:
    """An SQLite instance with a cohort whose checkpoint is due tomorrow."""
    folder = tmp_path / "instance"
    service = open_service(Settings.from_env(instance=folder))
    with service.store.transaction() as tx:
        tx.add_credential(make_credential())
        for a in (TEACHER, *MEMBERS):
            tx.put_person(Person(id=a.id, name=a.name))
    community = service.community
    cohort = community.create_cohort(
        TEACHER, name="Spring cohort", credential_ids=["evaluate-impact"]
    )
    community.add_members(TEACHER, cohort.id, [a.id for a in MEMBERS])
    community.add_checkpoint(
        TEACHER,
        cohort.id,
        title="Plan submitted",
        due_at=datetime.now(UTC) + timedelta(days=1),
        credential_id="evaluate-impact",
        step="submitted",
    )
    service.store.close()
    return str(folder)


def inbox(folder: str) -> list[str]:
    service = open_service(Settings.from_env(instance=folder))
    try:
        return sorted(
            n.person_id for a in MEMBERS for n in service.community.notifications(a).items
        )
    finally:
        service.store.close()


def test_send_reminders_sends_each_once(instance: str) -> None:
    runner = CliRunner()
    dry = runner.invoke(cli, ["--instance", instance, "community", "send-reminders", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would send 2 reminders in 1 cohort." in dry.output
    assert inbox(instance) == []  # a dry run writes nothing

    first = runner.invoke(cli, ["--instance", instance, "community", "send-reminders"])
    assert first.exit_code == 0, first.output
    assert "Sent 2 reminders in 1 cohort." in first.output
    assert "learner-1" in first.output
    assert "Plan submitted" in first.output
    assert inbox(instance) == ["learner-1", "learner-2"]

    again = runner.invoke(cli, ["--instance", instance, "community", "send-reminders"])
    assert again.exit_code == 0, again.output
    assert "Sent 0 reminders in 0 cohorts." in again.output
    assert inbox(instance) == ["learner-1", "learner-2"]


def test_an_unknown_cohort_is_a_message_not_a_traceback(
    instance: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--instance", instance, "community", "send-reminders", "--cohort", "nope"])
    assert done.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ")
    assert "nope" in err
    assert "Traceback" not in err


def test_an_operator_acts_on_reports(instance: str) -> None:
    service = open_service(Settings.from_env(instance=instance))
    sender, recipient = MEMBERS
    service.community.recommend(
        sender, "evaluate-impact", [recipient.id], anonymous=True, note="Ha ha."
    )
    (mine,) = service.community.recommendations_for_me(recipient)
    service.community.report_recommendation(recipient, mine.id, reason="Mockery.")
    service.store.close()
    runner = CliRunner()
    listed = runner.invoke(cli, ["--instance", instance, "community", "reports"])
    assert listed.exit_code == 0, listed.output
    assert f"from L1 [{sender.id}] (sent anonymously) to L2" in listed.output
    assert "reported: Mockery." in listed.output
    assert "1 open report." in listed.output
    as_json = runner.invoke(cli, ["--instance", instance, "community", "reports", "--json"])
    assert json.loads(as_json.output)[0]["sender_id"] == sender.id
    nothing = runner.invoke(cli, ["--instance", instance, "community", "resolve-report", mine.id])
    assert nothing.exit_code == 2
    assert "Say --withdraw or --keep." in nothing.output
    done = runner.invoke(
        cli, ["--instance", instance, "community", "resolve-report", mine.id, "--withdraw"]
    )
    assert done.exit_code == 0, done.output
    assert "withdrawn from its recipient" in done.output
    assert (
        "0 open reports."
        in runner.invoke(cli, ["--instance", instance, "community", "reports"]).output
    )
    service = open_service(Settings.from_env(instance=instance))
    try:
        assert service.community.recommendations_for_me(recipient) == []
    finally:
        service.store.close()
