"""Children die with their parent: killed with ``kill -9``, a parent leaves no
orphan behind, whether the kernel tells the child (Linux ``PR_SET_PDEATHSIG``)
or the child watches for it (everywhere else)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import psutil
import pytest

from processes import gone, kill_all, wait_until

PARENT = """
import multiprocessing, os, sys, time
from mcembed.parent_death import children_die_with_this_process, die_with_parent

mode = sys.argv[1]
if mode == "registered":
    children_die_with_this_process()
    child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(3600,))
    child.start()
    pid = child.pid
else:
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        die_with_parent(parent, use_prctl=mode == "prctl", poll=0.1)
        time.sleep(3600)
        os._exit(0)
print(pid, flush=True)
time.sleep(3600)
"""


@pytest.mark.parametrize(
    "mode",
    [
        pytest.param(
            "prctl",
            marks=pytest.mark.skipif(
                not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only"
            ),
        ),
        "watching",
        "registered",
    ],
)
def test_a_child_dies_when_its_parent_is_killed(mode: str) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, mode], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    child = psutil.Process(int(parent.stdout.readline()))
    try:
        assert not gone(child)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        parent.stdout.close()
        wait_until(lambda: gone(child), f"the child {child.pid} of a killed parent is gone")
    finally:
        kill_all([child])
