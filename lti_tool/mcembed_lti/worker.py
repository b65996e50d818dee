"""``mcembed lti worker``: send grades and cohort reminders outside the web processes.

With ``MCEMBED_REDIS_URL`` this is an RQ worker (with its scheduler, for the
retries the back-off sets); start as many as you like on any host. A thread
enqueues a sweep every 30 seconds, so deliveries whose worker died (their lease
ran out) are picked up even when no web request kicks, and the cohort reminders
due every 15 minutes (each reminder is sent once, however many workers run:
``mcembed community send-reminders`` is the same job for cron). Without Redis
it sends what is due in a loop.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from mcembed import Actor
from mcembed.parent_death import children_die_with_this_process

from . import worker_tool
from .grades import deliver_due, queue_name, rq_sweep

__all__ = ["rq_send_reminders", "run_worker", "send_due_reminders"]

SWEEP_EVERY = 30.0
REMIND_EVERY = 900.0


def send_due_reminders(service: Any) -> int:
    """Put the cohort reminders due now in the members' inboxes (each once);
    how many were sent."""
    return len(service.community.send_reminders(Actor.system()))


def rq_send_reminders() -> int:
    """The RQ job: the reminders due now, with the tool built from the environment."""
    return send_due_reminders(worker_tool().service)


def run_worker(
    *, burst: bool = False, sweep_every: float = SWEEP_EVERY, remind_every: float = REMIND_EVERY
) -> None:
    """Run until stopped (or, with ``burst``, until nothing is due)."""
    tool = worker_tool()
    if tool.redis is None:
        # None, not 0.0: the monotonic clock starts near 0 at boot, so "never" must
        # not be a number, or a worker started soon after a boot sends nothing
        reminded: float | None = None
        while True:
            if reminded is None or time.monotonic() - reminded >= remind_every:
                send_due_reminders(tool.service)
                reminded = time.monotonic()
            counts = deliver_due(tool.lms, tool.sender)
            if burst:
                return
            if not counts["sent"] and not counts["failed"]:
                time.sleep(5)
    from rq import Queue, SimpleWorker

    queue = Queue(queue_name(tool.settings.redis_prefix), connection=tool.redis)
    queue.enqueue(rq_sweep, job_timeout=300, result_ttl=60)
    queue.enqueue(rq_send_reminders, job_timeout=300, result_ttl=60)
    if not burst:

        def sweeper() -> None:
            reminded = time.monotonic()
            while True:
                time.sleep(sweep_every)
                queue.enqueue(rq_sweep, job_timeout=300, result_ttl=60)
                if time.monotonic() - reminded >= remind_every:
                    queue.enqueue(rq_send_reminders, job_timeout=300, result_ttl=60)
                    reminded = time.monotonic()

        threading.Thread(target=sweeper, name="mcembed-sweeper", daemon=True).start()
    # the scheduler is a forked child holding the scheduler lock: if this worker is
    # killed outright (kill -9) it gets SIGTERM, releases the lock and stops, so
    # the next worker schedules at once
    children_die_with_this_process()
    # jobs run in this process (no fork per job): the database pool and the access
    # tokens are kept, and a killed worker takes its job with it (its lease runs out)
    SimpleWorker([queue], connection=tool.redis).work(burst=burst, with_scheduler=not burst)
