"""``mcembed lti worker`` killed with ``kill -9``: its RQ scheduler process
ends too and gives up the scheduler lock, so the next worker schedules at once
(RQ's lock would otherwise be refreshed by the orphan for ever)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from processes import descendants, gone, kill_all, wait_until

REDIS_URL = os.environ.get("MCEMBED_TEST_REDIS_URL", "")

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        not REDIS_URL,
        reason="the grade worker's scheduler lock is in Redis: needs MCEMBED_TEST_REDIS_URL",
    ),
]


@pytest.fixture
def worker_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An instance of its own (SQLite) on a Redis prefix of its own."""
    import redis

    prefix = f"mcembed-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "MCEMBED_INSTANCE": str(tmp_path / "instance"),
        "MCEMBED_REDIS_URL": REDIS_URL,
        "MCEMBED_REDIS_PREFIX": prefix,
        "MCEMBED_SECRET_KEY": "worker-test-secret",
    }
    env.pop("MCEMBED_DATABASE_URL", None)
    yield env
    r = redis.Redis.from_url(REDIS_URL)
    for pattern in (f"{prefix}*", f"rq:*{prefix}*"):
        for key in r.scan_iter(pattern):
            r.delete(key)
    r.close()


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "mcembed", "lti", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_killed_worker_leaves_the_scheduler_lock_to_the_next(
    worker_env: dict[str, str],
) -> None:
    import redis
    from rq.scheduler import RQScheduler

    from mcembed_lti.grades import queue_name

    r = redis.Redis.from_url(REDIS_URL)
    lock = RQScheduler.get_locking_key(queue_name(worker_env["MCEMBED_REDIS_PREFIX"]))
    first = start_worker(worker_env)
    second = None
    children: list[Any] = []
    try:
        owner = wait_until(lambda: r.get(lock), "the first worker's scheduler holds the lock")
        children = wait_until(lambda: descendants(first.pid), "the worker has its scheduler")
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        wait_until(
            lambda: all(gone(c) for c in children),
            f"the scheduler {[c.pid for c in children]} of the killed worker is gone",
        )
        wait_until(lambda: r.get(lock) != owner, "the killed worker's scheduler let go of the lock")
        second = start_worker(worker_env)
        taken = wait_until(lambda: r.get(lock), "the next worker's scheduler takes the lock")
        assert taken != owner
    finally:
        for process in (first, second):
            if process is None:
                continue
            below = descendants(process.pid)
            process.terminate()  # a worker asked to stop stops its scheduler
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            kill_all(below)
        kill_all(children)
        r.close()
