"""``mcembed lti worker``: send grades outside the web processes.

With ``MCEMBED_REDIS_URL`` this is an RQ worker (with its scheduler, for the
retries the back-off sets); start as many as you like on any host. A thread
enqueues a sweep every 30 seconds, so deliveries whose worker died (their lease
ran out) are picked up even when no web request kicks. Without Redis it sends
what is due in a loop.
"""

from __future__ import annotations

import threading
import time

from . import worker_tool
from .grades import deliver_due, queue_name, rq_sweep

__all__ = ["run_worker"]

SWEEP_EVERY = 30.0


def run_worker(*, burst: bool = False, sweep_every: float = SWEEP_EVERY) -> None:
    """Run until stopped (or, with ``burst``, until nothing is due)."""
    tool = worker_tool()
    if tool.redis is None:
        while True:
            counts = deliver_due(tool.lms, tool.sender)
            if burst:
                return
            if not counts["sent"] and not counts["failed"]:
                time.sleep(5)
    from rq import Queue, SimpleWorker

    queue = Queue(queue_name(tool.settings.redis_prefix), connection=tool.redis)
    queue.enqueue(rq_sweep, job_timeout=300, result_ttl=60)
    if not burst:

        def sweeper() -> None:
            while True:
                time.sleep(sweep_every)
                queue.enqueue(rq_sweep, job_timeout=300, result_ttl=60)

        threading.Thread(target=sweeper, name="mcembed-sweeper", daemon=True).start()
    # jobs run in this process (no fork per job): the database pool and the access
    # tokens are kept, and a killed worker takes its job with it (its lease runs out)
    SimpleWorker([queue], connection=tool.redis).work(burst=burst, with_scheduler=not burst)
