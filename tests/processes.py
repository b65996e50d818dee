"""Helpers of the tests that kill a process: its descendants, whether they are
gone, and waiting for a condition with a generous deadline (never a timing
assertion: a slow machine only waits longer)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

import psutil

T = TypeVar("T")

DEADLINE = 90.0


def wait_until(check: Callable[[], T], what: str, seconds: float = DEADLINE) -> T:
    """The first truthy value of ``check()``, polled until ``seconds`` have passed."""
    end = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"after {seconds:.0f} s, still not: {what}")
        time.sleep(0.1)


def descendants(pid: int) -> list[psutil.Process]:
    """Every live process below ``pid`` (children, theirs, ...)."""
    try:
        return [p for p in psutil.Process(pid).children(recursive=True) if not gone(p)]
    except psutil.NoSuchProcess:
        return []


def gone(process: psutil.Process) -> bool:
    """Whether the process has ended (a zombie waiting for its reaper has)."""
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def kill_all(processes: Iterable[psutil.Process]) -> None:
    """Clean up after a failed test: nothing it started outlives it."""
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
