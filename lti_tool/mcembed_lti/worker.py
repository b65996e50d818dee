"""``mcembed lti worker``: send grades and cohort reminders outside the web
processes, and purge expired launches.

With ``MCEMBED_REDIS_URL`` this is an RQ worker (with its scheduler, for the
retries the back-off sets); start as many as you like on any host. A thread
enqueues a sweep every 30 seconds, so deliveries whose worker died (their lease
ran out) are picked up even when no web request kicks, the cohort reminders
due every 15 minutes (each reminder is sent once, however many workers run:
``mcembed community send-reminders`` is the same job for cron), the purge of
expired launches every hour (``mcembed lti purge-launches`` for cron), and the
sweep of stored files nothing holds every day (``mcembed files sweep``).
Without Redis it does the same in a loop.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from mcembed import Actor
from mcembed.parent_death import children_die_with_this_process

from . import worker_tool
from .grades import deliver_due, queue_name, rq_sweep

__all__ = [
    "purge_launches",
    "rq_purge_launches",
    "rq_send_reminders",
    "rq_sweep_files",
    "run_worker",
    "send_due_reminders",
    "sweep_files",
]

SWEEP_EVERY = 30.0
REMIND_EVERY = 900.0
PURGE_EVERY = 3600.0
FILES_EVERY = 86400.0


def send_due_reminders(service: Any) -> int:
    """Put the cohort reminders due now in the members' inboxes (each once);
    how many were sent."""
    return len(service.community.send_reminders(Actor.system()))


def rq_send_reminders() -> int:
    """The RQ job: the reminders due now, with the tool built from the environment."""
    return send_due_reminders(worker_tool().service)


def purge_launches(lms: Any) -> int:
    """Remove expired launches and login states (names, e-mail addresses), in
    batches; how many were removed."""
    return int(lms.remove_expired())


def rq_purge_launches() -> int:
    """The RQ job: the purge of expired launches, with the tool built from the environment."""
    return purge_launches(worker_tool().lms)


def sweep_files(service: Any) -> int:
    """Delete stored files that nothing holds any more; how many."""
    return len(service.sweep_files(Actor.system()).removed)


def rq_sweep_files() -> int:
    """The RQ job: the sweep of stored files, with the tool built from the environment."""
    return sweep_files(worker_tool().service)


def run_worker(
    *,
    burst: bool = False,
    sweep_every: float = SWEEP_EVERY,
    remind_every: float = REMIND_EVERY,
    purge_every: float = PURGE_EVERY,
    files_every: float = FILES_EVERY,
) -> None:
    """Run until stopped (or, with ``burst``, until nothing is due)."""
    tool = worker_tool()
    if tool.redis is None:
        # "never" is minus infinity, not 0.0: the monotonic clock starts near 0 at
        # boot, so a worker started soon after a boot would otherwise wait its turn
        reminded = purged = swept = -float("inf")
        while True:
            if time.monotonic() - reminded >= remind_every:
                send_due_reminders(tool.service)
                reminded = time.monotonic()
            if time.monotonic() - purged >= purge_every:
                purge_launches(tool.lms)
                purged = time.monotonic()
            if time.monotonic() - swept >= files_every:
                sweep_files(tool.service)
                swept = time.monotonic()
            counts = deliver_due(tool.lms, tool.sender)
            if burst:
                return
            if not counts["sent"] and not counts["failed"]:
                time.sleep(5)
    from rq import Queue, SimpleWorker

    queue = Queue(queue_name(tool.settings.redis_prefix), connection=tool.redis)
    queue.enqueue(rq_sweep, job_timeout=300, result_ttl=60)
    queue.enqueue(rq_send_reminders, job_timeout=300, result_ttl=60)
    queue.enqueue(rq_purge_launches, job_timeout=600, result_ttl=60)
    queue.enqueue(rq_sweep_files, job_timeout=3600, result_ttl=60)
    if not burst:

        def sweeper() -> None:
            reminded = purged = swept = time.monotonic()
            while True:
                time.sleep(sweep_every)
                queue.enqueue(rq_sweep, job_timeout=300, result_ttl=60)
                if time.monotonic() - reminded >= remind_every:
                    queue.enqueue(rq_send_reminders, job_timeout=300, result_ttl=60)
                    reminded = time.monotonic()
                if time.monotonic() - purged >= purge_every:
                    queue.enqueue(rq_purge_launches, job_timeout=600, result_ttl=60)
                    purged = time.monotonic()
                if time.monotonic() - swept >= files_every:
                    queue.enqueue(rq_sweep_files, job_timeout=3600, result_ttl=60)
                    swept = time.monotonic()

        threading.Thread(target=sweeper, name="mcembed-sweeper", daemon=True).start()
    # the scheduler is a forked child holding the scheduler lock: if this worker is
    # killed outright (kill -9) it gets SIGTERM, releases the lock and stops, so
    # the next worker schedules at once
    children_die_with_this_process()
    # jobs run in this process (no fork per job): the database pool and the access
    # tokens are kept, and a killed worker takes its job with it (its lease runs out)
    SimpleWorker([queue], connection=tool.redis).work(burst=burst, with_scheduler=not burst)
