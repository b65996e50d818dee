"""The badge commands: issuer init and rotate-key, verify, revoke, and the
bulk award (safe to re-run after a crash or Ctrl-C)."""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mcembed.cli import cli

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "examples" / "professional-learning"
CREDENTIAL = "digital-formative-assessment"


def run(instance: Path, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["--instance", str(instance), *args], catch_exceptions=False)
    return result


def mcembed(instance: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    """The real command in a subprocess (exit codes and messages as a user sees them)."""
    return subprocess.run(
        [sys.executable, "-m", "mcembed", "--instance", str(instance), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


def write_cohort(path: Path, n: int, *, start: int = 0) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "email"])
        for i in range(start, start + n):
            w.writerow([f"learner-{i}", f"Learner {i}", f"learner{i}@example.org"])
    return path


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    folder = tmp_path / "instance"
    assert run(folder, "pack", "add", str(PACK)).exit_code == 0
    result = run(
        folder,
        "issuer",
        "init",
        "--name",
        "Riverbend USD",
        "--url",
        "https://riverbend.example",
        "--base-url",
        "https://badges.example",
    )
    assert result.exit_code == 0, result.output
    return folder


def test_issuer_init_prints_the_id_and_keys(instance: Path) -> None:
    keys = instance / "keys" / "private"
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in keys.iterdir())
    again = mcembed(
        instance,
        "issuer",
        "init",
        "--name",
        "x",
        "--url",
        "https://x.example",
        "--base-url",
        "https://badges.example",
    )
    assert again.returncode == 1
    assert "already holds an issuer; use `mcembed issuer rotate-key`" in again.stderr
    assert "Traceback" not in again.stderr


def test_issuer_init_without_a_base_url_explains(tmp_path: Path) -> None:
    result = mcembed(
        tmp_path,
        "issuer",
        "init",
        "--name",
        "x",
        "--url",
        "https://x.example",
        env={"MCEMBED_BASE_URL": ""},
    )
    assert result.returncode == 1
    assert "use --id did:key for an offline workshop" in result.stderr


def test_rotate_key_keeps_old_keys(instance: Path) -> None:
    result = run(instance, "issuer", "rotate-key")
    assert result.exit_code == 0
    assert "4 keys are published" in result.output


def test_bulk_award_then_verify_revoke_verify(instance: Path, tmp_path: Path) -> None:
    cohort = write_cohort(tmp_path / "cohort.csv", 5)
    out = tmp_path / "out"
    result = run(
        instance, "award", "--credential", CREDENTIAL, "--csv", str(cohort), "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "Awarded 5, already held 0; wrote 20 files" in result.output
    folder = out / CREDENTIAL
    suffixes = {p.suffix for p in folder.iterdir() if p.name != "awards.csv"}
    assert suffixes == {".png", ".svg", ".json", ".jwt"}
    with (folder / "awards.csv").open() as f:
        index = list(csv.DictReader(f))
    assert [r["learner_id"] for r in index] == [f"learner-{i}" for i in range(5)]
    png = folder / f"{index[0]['file']}.png"

    ok = mcembed(instance, "verify", str(png))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "baked into a PNG image" in ok.stdout
    assert "This credential is valid." in ok.stdout

    revoked = mcembed(instance, "revoke", index[0]["award_id"], "--reason", "Evidence was copied")
    assert revoked.returncode == 0, revoked.stderr
    assert "https://badges.example/status/main" in revoked.stdout

    bad = mcembed(instance, "verify", "--json", str(png))
    assert bad.returncode == 1
    report = json.loads(bad.stdout)
    assert report["status"] == "revoked"
    assert {
        "name": "revocation",
        "passed": False,
        "message": "Revoked by the issuer: Evidence was copied.",
    } in report["checks"]
    other = mcembed(instance, "verify", str(folder / f"{index[1]['file']}.svg"))
    assert other.returncode == 0
    token = folder / f"{index[1]['file']}.jwt"
    assert token.read_text().count(".") == 2
    as_jwt = mcembed(instance, "verify", str(token))
    assert as_jwt.returncode == 0, as_jwt.stdout
    assert "secured as a VC-JWT." in as_jwt.stdout


def test_rerunning_a_bulk_award_issues_nothing_twice(instance: Path, tmp_path: Path) -> None:
    cohort = write_cohort(tmp_path / "cohort.csv", 4)
    out = tmp_path / "out"
    args = ("award", "--credential", CREDENTIAL, "--csv", str(cohort), "--out", str(out))
    assert run(instance, *args).exit_code == 0
    first = {p.name: p.read_bytes() for p in (out / CREDENTIAL).iterdir()}
    write_cohort(cohort, 6)  # two more learners joined
    again = run(instance, *args)
    assert "Awarded 2, already held 4" in again.output
    after = {p.name: p.read_bytes() for p in (out / CREDENTIAL).iterdir()}
    assert all(after[name] == data for name, data in first.items() if name != "awards.csv")


def test_an_interrupted_bulk_award_can_be_finished(instance: Path, tmp_path: Path) -> None:
    """Ctrl-C in the second batch: the first batch stays, no half-written
    file is left, and the re-run awards only the rest."""
    from mcembed import Actor, Settings, open_service
    from mcembed.badges import award_cohort, read_cohort_csv

    rows = read_cohort_csv(write_cohort(tmp_path / "cohort.csv", 6))
    out = tmp_path / "out"
    service = open_service(Settings(instance=instance))
    calls = 0

    def interrupt(done: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt

    try:
        with pytest.raises(KeyboardInterrupt):
            award_cohort(
                service, Actor.system(), CREDENTIAL, rows, out, batch_size=2, progress=interrupt
            )
        assert len(service.list_awards(Actor.system())) == 4
        assert not [p for p in (out / CREDENTIAL).iterdir() if p.name.endswith(".part")]
        result = award_cohort(service, Actor.system(), CREDENTIAL, rows, out, batch_size=2)
        assert (result.issued, result.already_held) == (2, 4)
        assert len(service.list_awards(Actor.system())) == 6
        assert len(list((out / CREDENTIAL).glob("*.png"))) == 6
    finally:
        service.store.close()


def test_a_lost_file_is_written_again_on_the_next_run(instance: Path, tmp_path: Path) -> None:
    cohort = write_cohort(tmp_path / "cohort.csv", 2)
    out = tmp_path / "out"
    args = ("award", "--credential", CREDENTIAL, "--csv", str(cohort), "--out", str(out))
    run(instance, *args)
    lost = next((out / CREDENTIAL).glob("*.png"))
    lost.unlink()
    result = run(instance, *args)
    assert "Awarded 0, already held 2; wrote 1 files" in result.output
    assert lost.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,course_id\nLee,c1\n", "cohort.csv:1: the header needs an 'id'"),
        ("name,course_id\nLee,c1\n", "or an 'email' column to name learners by e-mail"),
        ("id,name\nlee,Lee\n,Nobody\n", "cohort.csv:3: id: no learner id"),
        (
            "name,email\nLee,lee@example.org\nNobody,\n",
            "cohort.csv:3: email: no e-mail address (this file names learners by e-mail",
        ),
        (
            "name,email\nLee,lee@example.org\nSam,sam-at-example.org\n",
            "cohort.csv:3: email: 'sam-at-example.org' is not an e-mail address",
        ),
        (
            "id,email\nlee,lee@example.org\nsam,sam@@example.org\n",
            "cohort.csv:3: email: 'sam@@example.org' is not an e-mail address",
        ),
    ],
)
def test_bad_csv_is_reported_with_file_and_line(
    instance: Path, tmp_path: Path, content: str, message: str
) -> None:
    cohort = tmp_path / "cohort.csv"
    cohort.write_text(content)
    result = mcembed(
        instance,
        "award",
        "--credential",
        CREDENTIAL,
        "--csv",
        str(cohort),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_award_without_an_issuer_says_what_to_do(tmp_path: Path) -> None:
    folder = tmp_path / "instance"
    run(folder, "pack", "add", str(PACK))
    cohort = write_cohort(tmp_path / "cohort.csv", 1)
    result = mcembed(
        folder,
        "award",
        "--credential",
        CREDENTIAL,
        "--csv",
        str(cohort),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.returncode == 1
    assert "run `mcembed issuer init` first" in result.stderr


def test_verify_of_a_missing_file_or_garbage(instance: Path, tmp_path: Path) -> None:
    missing = mcembed(instance, "verify", str(tmp_path / "nope.png"))
    assert missing.returncode == 1
    assert "is not a file or an https:// URL" in missing.stderr
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{")
    result = mcembed(instance, "verify", str(garbage))
    assert result.returncode == 1
    assert "FAIL format: The credential is not valid JSON" in result.stdout


def test_revoke_needs_a_reason_and_a_known_award(instance: Path) -> None:
    result = mcembed(instance, "revoke", "awd_nope", "--reason", "x")
    assert result.returncode == 1
    assert "No award 'awd_nope'" in result.stderr
    blank = mcembed(instance, "revoke", "awd_nope", "--reason", " ")
    assert "needs a reason" in blank.stderr


def test_a_large_cohort_writes_its_files_in_a_second_process(
    instance: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mcembed import Actor, Settings, open_service
    from mcembed.badges import award_cohort, bulk, read_cohort_csv, unbake

    monkeypatch.setattr(bulk, "_PROCESS_THRESHOLD", 1)
    rows = read_cohort_csv(write_cohort(tmp_path / "cohort.csv", 7))
    service = open_service(Settings(instance=instance))
    try:
        result = award_cohort(
            service, Actor.system(), CREDENTIAL, rows, tmp_path / "out", batch_size=2
        )
    finally:
        service.store.close()
    assert (result.issued, result.files_written) == (7, 28)
    pngs = sorted((tmp_path / "out" / CREDENTIAL).glob("*.png"))
    assert len(pngs) == 7
    assert all(unbake(p.read_bytes()) is not None for p in pngs)


def test_verify_reads_an_https_url_and_refuses_plain_http(
    instance: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mcembed import badges

    cohort = write_cohort(tmp_path / "cohort.csv", 1)
    run(
        instance,
        "award",
        "--credential",
        CREDENTIAL,
        "--csv",
        str(cohort),
        "--out",
        str(tmp_path / "out"),
    )
    png = next((tmp_path / "out" / CREDENTIAL).glob("*.png")).read_bytes()
    asked: list[str] = []

    def fetch(url: str, **limits: Any) -> bytes:
        asked.append(url)
        return png

    monkeypatch.setattr(badges, "https_fetch", fetch)
    result = run(instance, "verify", "https://wallet.example/badge.png")
    assert result.exit_code == 0, result.output
    assert asked[0] == "https://wallet.example/badge.png"
    plain = mcembed(instance, "verify", "http://wallet.example/badge.png")
    assert plain.returncode == 1
    assert "is not a file or an https:// URL" in plain.stderr


def test_verify_refuses_a_badge_that_carries_two_credentials(
    instance: Path, tmp_path: Path
) -> None:
    import io

    import png as png_module

    cohort = write_cohort(tmp_path / "cohort.csv", 2)
    out = tmp_path / "out"
    run(instance, "award", "--credential", CREDENTIAL, "--csv", str(cohort), "--out", str(out))
    first, second = sorted((out / CREDENTIAL).glob("*.png"))
    other = next(
        c for t, c in png_module.Reader(bytes=second.read_bytes()).chunks() if t == b"iTXt"
    )
    buffer = io.BytesIO()
    png_module.write_chunk(buffer, b"iTXt", other)
    data = first.read_bytes()
    crafted = tmp_path / "two.png"
    crafted.write_bytes(data[:-12] + buffer.getvalue() + data[-12:])
    assert mcembed(instance, "verify", str(first)).returncode == 0
    result = mcembed(instance, "verify", str(crafted))
    assert result.returncode == 1
    assert "FAIL format: This PNG image carries 2 credentials" in result.stdout
    assert "This credential is NOT valid." in result.stdout


def test_a_csv_that_names_learners_by_email_only(instance: Path, tmp_path: Path) -> None:
    """As other badge platforms export it: the learner id is the address in lower case."""
    cohort = tmp_path / "export.csv"
    cohort.write_text("Name,Email\nLee Learner,Lee@Example.org\nSam Sender, sam@example.org \n")
    out = tmp_path / "out"
    args = ("award", "--credential", CREDENTIAL, "--csv", str(cohort), "--out", str(out))
    result = run(instance, *args)
    assert result.exit_code == 0, result.output
    assert "Awarded 2, already held 0" in result.output
    with (out / CREDENTIAL / "awards.csv").open() as f:
        index = {r["learner_id"]: r for r in csv.DictReader(f)}
    assert sorted(index) == ["lee@example.org", "sam@example.org"]
    token = out / CREDENTIAL / f"{index['lee@example.org']['file']}.jwt"
    report = json.loads(mcembed(instance, "verify", "--json", str(token)).stdout)
    assert report["status"] == "valid"
    cohort.write_text("email\nLEE@example.org\n")
    again = run(instance, *args)
    assert "Awarded 0, already held 1" in again.output


def test_award_help_names_every_file_it_writes() -> None:
    result = CliRunner().invoke(cli, ["award", "--help"], terminal_width=200)
    assert ".jwt" in result.output
    assert "names learners by e-mail" in result.output


def test_killing_a_bulk_award_leaves_no_worker_running(instance: Path, tmp_path: Path) -> None:
    """kill -9 on `mcembed award` while its file writer runs: the writer ends too."""
    import signal

    from processes import descendants, gone, kill_all, wait_until

    cohort = write_cohort(tmp_path / "cohort.csv", 5000)
    files = ["--csv", str(cohort), "--out", str(tmp_path / "out")]
    batches = ["--credential", CREDENTIAL, "--batch-size", "10"]
    award = subprocess.Popen(
        [sys.executable, "-m", "mcembed", "--instance", str(instance), "award", *files, *batches],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers = []
    try:
        workers = wait_until(lambda: descendants(award.pid), "the award has a worker process")
        os.kill(award.pid, signal.SIGKILL)
        award.wait()
        wait_until(
            lambda: all(gone(w) for w in workers),
            f"the workers {[w.pid for w in workers]} of the killed award are gone",
        )
    finally:
        award.kill()
        award.wait()
        kill_all(workers)
