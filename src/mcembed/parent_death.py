"""Parent death: a child process ends when the process that started it dies.

A bulk award's file writer and the grade worker's RQ scheduler are forked
children. Killed with ``kill -9``, a parent runs no clean-up, and a child that
waits on a queue (or holds the RQ scheduler lock) would run on as an orphan.
So each child asks to be told:

- on Linux, ``prctl(PR_SET_PDEATHSIG, signum)``: the kernel sends the child
  ``signum`` when its parent dies (through ``ctypes``; no extra dependency);
- elsewhere, or if that call fails, a daemon thread in the child polls
  ``os.getppid()`` and sends ``signum`` to its own process once the parent is
  gone (the child is then reparented, so its parent id changes).

Either way the child also checks at once whether the parent already died
before it asked. The default signal is ``SIGTERM``, so a child that handles it
(the RQ scheduler releases its lock) stops cleanly; others end as by default.

The kernel sends the signal when the *thread* that forked the child ends:
fork from a thread that lives as long as the process (``ProcessPoolExecutor``
with the fork context and RQ's worker fork from the main thread).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

__all__ = ["children_die_with_this_process", "die_with_parent"]

PR_SET_PDEATHSIG = 1

_registered = False
_forking_pid = 0


def _prctl_pdeathsig(signum: int) -> bool:
    """Ask the Linux kernel for ``signum`` at the parent's death; whether it agreed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent_pid: int, signum: int, poll: float) -> None:
    while os.getppid() == parent_pid:
        time.sleep(poll)
    os.kill(os.getpid(), signum)


def die_with_parent(
    parent_pid: int | None = None,
    *,
    signum: int = signal.SIGTERM,
    poll: float = 1.0,
    use_prctl: bool = True,
) -> None:
    """Have this process receive ``signum`` when its parent dies.

    Call it first thing in a child process.

    Args:
        parent_pid: the parent's pid as the parent saw it before forking
            (default: the current parent); if it is already gone, ``signum``
            comes at once.
        signum: the signal to receive (default ``SIGTERM``).
        poll: seconds between checks when the parent is watched by a thread.
        use_prctl: False watches with the thread even on Linux (for tests of
            the portable way).
    """
    parent = os.getppid() if parent_pid is None else parent_pid
    if not (use_prctl and _prctl_pdeathsig(signum)):
        threading.Thread(
            target=_watch, args=(parent, signum, poll), name="mcembed-parent-watch", daemon=True
        ).start()
    if os.getppid() != parent:  # the parent died before the request was made
        os.kill(os.getpid(), signum)


def _before_fork() -> None:
    global _forking_pid
    _forking_pid = os.getpid()


def _after_fork_in_child(signum: int) -> None:
    die_with_parent(_forking_pid, signum=signum)


def children_die_with_this_process(*, signum: int = signal.SIGTERM) -> None:
    """Every process forked from this one from now on (and from those, in
    turn) receives ``signum`` when its parent dies. Idempotent.

    For children a library forks on its own (RQ's scheduler), where no code of
    ours runs first in the child: ``os.register_at_fork`` runs it there.
    """
    global _registered
    if _registered:
        return
    _registered = True
    os.register_at_fork(before=_before_fork, after_in_child=lambda: _after_fork_in_child(signum))
