"""``mcembed demo`` as a newcomer runs it: no configuration, prints the URL to
open, answers there, stops cleanly on Ctrl-C, and a second start reuses the
instance."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _as_in_a_terminal() -> None:
    # A shell without job control starts background commands with SIGINT
    # ignored, and Python then keeps it ignored: give the demo the Ctrl-C a
    # person's terminal would, whatever runs the tests.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(instance: Path, *args: str) -> tuple[subprocess.Popen[str], str, list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCEMBED_")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mcembed",
            "--instance",
            str(instance),
            "demo",
            "--no-browser",
            "--port",
            "0",
            *args,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=_as_in_a_terminal,
    )
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.rstrip())
        if line.startswith("Open "):
            return proc, line.split(" ", 1)[1].strip(), lines
    proc.communicate(timeout=60)  # ended: reap it and close its pipe
    pytest.fail("mcembed demo printed no URL:\n" + "\n".join(lines))


def stop(proc: subprocess.Popen[str], how: signal.Signals = signal.SIGINT) -> str:
    """Signal the demo and collect what it printed; a demo that does not stop
    is killed (and its pipe closed) before the test fails on it."""
    proc.send_signal(how)
    try:
        out, _ = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        pytest.fail(f"mcembed demo did not stop on {how.name}:\n{out}")
    return out


def test_demo_prints_its_url_answers_stops_and_restarts(tmp_path: Path) -> None:
    instance = tmp_path / "demo"
    proc, url, lines = start(instance)
    try:
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/practice/")
        assert not any("reusing" in line for line in lines)
        with urllib.request.urlopen(url, timeout=60) as resp:
            page = resp.read().decode()
        assert "Teaching with Evidence (Spring 2027)" in page
    finally:
        out = stop(proc)
    assert proc.returncode == 0, out
    assert "Stopped." in out
    assert "Traceback" not in out
    assert (instance / "practice" / "platform-key.pem").stat().st_mode & 0o077 == 0

    proc, url, lines = start(instance)
    try:
        assert any("reusing it" in line for line in lines)
        with urllib.request.urlopen(url.replace("/practice/", "/practice/people"), timeout=60) as r:
            assert "Lena Fischer" in r.read().decode()
    finally:
        out = stop(proc, signal.SIGTERM)  # as a service manager stops it
    assert proc.returncode == 0, out
    assert "Stopped." in out


def test_demo_refuses_a_broken_pack_before_starting(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "pack.yaml").write_text("id: broken\nnme: typo\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mcembed",
            "--instance",
            str(tmp_path / "i"),
            "demo",
            "--no-browser",
            "--pack",
            str(pack),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "pack.yaml" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "i").exists()


def test_demo_serves_this_computer_only(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mcembed",
            "--instance",
            str(tmp_path / "i"),
            "demo",
            "--no-browser",
            "--host",
            "192.0.2.10",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "serves this computer only" in result.stderr
    assert not (tmp_path / "i").exists()
