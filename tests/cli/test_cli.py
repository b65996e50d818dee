"""The command line: messages a newcomer understands, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mcembed.cli import cli, main

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "packs"))
from test_loader import CREDENTIAL, write_pack


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_init_then_validate(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["init", str(tmp_path / "pack")])
    assert result.exit_code == 0, result.output
    assert "Created pack 'my-pack'" in result.output
    result = runner.invoke(cli, ["validate", str(tmp_path / "pack")])
    assert result.exit_code == 0
    assert "valid: pack 'my-pack', 1 credential, 0 stacks" in result.output


def test_init_refuses_a_folder_with_files(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("keep me")
    result = runner.invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert "is not empty" in result.output


def test_validate_reports_every_problem_and_exits_1(tmp_path: Path) -> None:
    root = write_pack(
        tmp_path / "p",
        {"a.yaml": CREDENTIAL.replace("tags:", "tagz:").replace("[depth]", "[deph]")},
    )
    proc = subprocess.run(
        [sys.executable, "-m", "mcembed", "validate", str(root)], capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "3 problems in the pack" in proc.stderr
    assert "criterion 'depth' is fed by no evidence" in proc.stderr
    assert "a.yaml:34: tagz: unknown field 'tagz' (did you mean 'tags'?)" in proc.stderr
    assert "a.yaml:18: evidence[1].criteria[0]: no rubric criterion 'deph'" in proc.stderr


def test_validate_quotes_a_megabyte_field_as_a_short_excerpt(tmp_path: Path) -> None:
    """One line naming file, line and field path, not a megabyte of output."""
    root = write_pack(
        tmp_path / "p",
        {
            "a.yaml": CREDENTIAL.replace(
                "each_at_least: Proficient", "each_at_least: " + "x" * 2**20
            )
        },
    )
    proc = subprocess.run(
        [sys.executable, "-m", "mcembed", "validate", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert len(proc.stdout + proc.stderr) < 1000, (proc.stdout + proc.stderr)[:1000]
    assert (
        f"a.yaml:33: passing.each_at_least: no level '{'x' * 40}…' (1,048,576 characters); "
        "the levels are Beginning, Developing, Proficient, Exemplary"
    ) in proc.stderr


def test_validate_json(runner: CliRunner, tmp_path: Path) -> None:
    root = write_pack(tmp_path / "p", {"a.yaml": CREDENTIAL.replace("tags:", "tagz:")})
    result = runner.invoke(cli, ["validate", "--json", str(root)])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report[0]["problems"][0] == {
        "file": str(root / "credentials" / "a.yaml"),
        "line": 34,
        "path": "tagz",
        "message": "unknown field 'tagz' (did you mean 'tags'?)",
    }


def test_schema_prints_json_schema(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["schema", "--kind", "credential"])
    assert result.exit_code == 0
    assert json.loads(result.output)["$ref"] == "#/$defs/credential"


def test_catalog_of_a_folder_and_of_the_instance(runner: CliRunner, tmp_path: Path) -> None:
    root = write_pack(tmp_path / "p")
    result = runner.invoke(cli, ["catalog", str(root), "--search", "thing well", "--json"])
    assert result.exit_code == 0, result.output
    assert [c["id"] for c in json.loads(result.output)] == ["cred-a"]
    instance = tmp_path / "instance"
    result = runner.invoke(cli, ["--instance", str(instance), "catalog"])
    assert "No credentials in the instance yet." in result.output
    result = runner.invoke(cli, ["--instance", str(instance), "pack", "add", str(root)])
    assert result.exit_code == 0, result.output
    assert "added      cred-a@1" in result.output
    again = runner.invoke(cli, ["--instance", str(instance), "pack", "add", str(root)])
    assert "unchanged  cred-a@1" in again.output
    listed = runner.invoke(cli, ["--instance", str(instance), "pack", "list"])
    assert "test-pack  Test programme  (1 credential, 0 stacks" in listed.output
    found = runner.invoke(cli, ["--instance", str(instance), "catalog", "-s", "thing"])
    assert "Credential A  [cred-a v1]" in found.output


def run_main(*args: str) -> int:
    try:
        main(list(args))
    except SystemExit as done:
        return int(done.code or 0)
    return 0


def test_a_changed_credential_needs_a_new_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    instance = str(tmp_path / "instance")
    root = write_pack(tmp_path / "p")
    assert run_main("--instance", instance, "pack", "add", str(root)) == 0
    (root / "credentials" / "a.yaml").write_text(
        CREDENTIAL.replace("Shows a thing.", "Shows more.")
    )
    assert run_main("--instance", instance, "pack", "add", str(root)) == 1
    err = capsys.readouterr().err
    assert "'cred-a' changed but its version is still '1'; give it a new version" in err
    (root / "credentials" / "a.yaml").write_text(
        CREDENTIAL.replace("Shows a thing.", "Shows more.").replace("version: 1", "version: 2")
    )
    assert run_main("--instance", instance, "pack", "add", str(root)) == 0
    assert "added      cred-a@2" in capsys.readouterr().out


def test_db_upgrade_is_repeatable(runner: CliRunner, tmp_path: Path) -> None:
    first = runner.invoke(cli, ["--instance", str(tmp_path / "i"), "db", "upgrade"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(cli, ["--instance", str(tmp_path / "i"), "db", "upgrade"])
    assert "already at the newest schema" in second.output


def test_errors_never_show_a_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mcembed", "catalog", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "is not a folder" in proc.stderr
    bad_env = subprocess.run(
        [sys.executable, "-m", "mcembed", "pack", "list"],
        capture_output=True,
        text=True,
        env={"MCEMBED_MAX_UPLOAD_BYTES": "lots", "PATH": "/usr/bin:/bin"},
    )
    assert bad_env.returncode == 1
    assert "MCEMBED_MAX_UPLOAD_BYTES must be a number of bytes (got 'lots')" in bad_env.stderr


def test_help_explains_each_command(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--help"])
    for command in ("init", "validate", "schema", "catalog", "pack", "db"):
        assert command in result.output


def test_verify_fetches_no_url_on_this_computer(tmp_path: Path) -> None:
    """`mcembed verify URL` goes through the outbound fetcher: loopback is refused
    before connecting, an open port reads like a closed one."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as listening:
        port = listening.getsockname()[1]
        messages = []
        for p in (port, port + 1 if port < 65535 else port - 1):
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "mcembed",
                    "--instance",
                    str(tmp_path),
                    "verify",
                    f"https://127.0.0.1:{p}/badge.png",
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 1
            messages.append(done.stderr.replace(str(p), "PORT"))
    assert messages[0] == messages[1]
    assert "has a loopback address" in messages[0]
