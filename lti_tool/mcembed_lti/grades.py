"""Sending the grade outbox to the LMS (Assignment and Grade Services).

Deliveries are written by the core in the transaction of the change they
report (``Lms.on_event``); here they are claimed (a lease, so a dead worker's
delivery goes to another worker once the lease runs out), POSTed to the line
item's ``scores`` endpoint, and marked sent, or failed with the next try set
by the core's back-off. A score keeps the timestamp it was written with, so
sending it again (after a worker died between the POST and the mark) leaves
the gradebook as it was.

Who sends: with ``MCEMBED_REDIS_URL``, RQ jobs (``mcembed lti worker``, any
number, on any host); without it, a thread in each web process. Both call
``deliver_due``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import requests
from pylti1p3.service_connector import ServiceConnector

from mcembed.lms import ClaimedDelivery, Lms

from .config import registration_for
from .keys import ToolKeys

__all__ = [
    "AgsSender",
    "Dispatcher",
    "RqDispatcher",
    "ThreadDispatcher",
    "deliver_due",
    "scores_url",
]

log = logging.getLogger("mcembed_lti.grades")

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"


def scores_url(line_item_url: str) -> str:
    """The ``scores`` endpoint of a line item. Moodle's line item URLs carry a
    query string (``.../lineitems/7/lineitem?type_id=3``): ``/scores`` goes on
    the path, before it, and the query stays."""
    parts = urlsplit(line_item_url)
    path = parts.path.rstrip("/") + "/scores"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


class AgsSender:
    """POSTs scores with the tool's key (OAuth 2 client credentials, cached per platform).

    Args:
        keys: the tool's signing keys.
        http: the requests session (injected in tests).
        timeout: seconds for each HTTP call.
    """

    def __init__(self, keys: ToolKeys, http: requests.Session, *, timeout: float = 15.0):
        self.keys = keys
        self.http = http
        self.timeout = timeout
        self._tokens: dict[tuple[str, str], tuple[float, str]] = {}
        self._lock = threading.Lock()

    def _token(self, claimed: ClaimedDelivery, scopes: list[str]) -> str:
        key = (claimed.platform.id, " ".join(sorted(scopes)))
        with self._lock:
            found = self._tokens.get(key)
            if found and found[0] > time.monotonic():
                return found[1]
        connector = ServiceConnector(registration_for(claimed.platform, self.keys), self.http)
        token = connector.get_access_token(scopes)
        with self._lock:
            # platforms give an hour; refresh well before
            self._tokens[key] = (time.monotonic() + 600, token)
        return token

    def _call(
        self,
        method: str,
        url: str,
        token: str,
        body: dict[str, Any] | None,
        content_type: str,
        accept: str = "application/json",
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": accept}
        data = None
        if body is not None:
            headers["Content-Type"] = content_type
            data = json.dumps(body)
        resp = self.http.request(method, url, data=data, headers=headers, timeout=self.timeout)
        if resp.status_code == 401:
            with self._lock:
                self._tokens.clear()
        resp.raise_for_status()
        return resp

    def line_item(self, claimed: ClaimedDelivery, token: str) -> str:
        """The placement's line item URL, found or created through ``lineitems``."""
        placement = claimed.placement
        if placement.line_item_url:
            return placement.line_item_url
        if not placement.lineitems_url:
            raise RuntimeError("the LMS gave this link no line item and no line items URL")
        resp = self._call(
            "GET",
            placement.lineitems_url,
            token,
            None,
            "",
            accept="application/vnd.ims.lis.v2.lineitemcontainer+json",
        )
        for item in resp.json() or []:
            if item.get("resourceLinkId") == placement.resource_link_id:
                return str(item["id"])
        created = self._call(
            "POST",
            placement.lineitems_url,
            token,
            {
                "scoreMaximum": placement.score_maximum,
                "label": placement.title or placement.credential_id,
                "resourceId": placement.credential_id,
                "resourceLinkId": placement.resource_link_id,
                "tag": "mcembed",
            },
            "application/vnd.ims.lis.v2.lineitem+json",
            accept="application/vnd.ims.lis.v2.lineitem+json",
        )
        return str(created.json()["id"])

    def send(self, claimed: ClaimedDelivery) -> str:
        """Send one score; returns the line item URL used. Raises on failure."""
        scopes = [SCORE_SCOPE]
        if not claimed.placement.line_item_url:
            scopes.append(LINEITEM_SCOPE)
        token = self._token(claimed, scopes)
        line_item = self.line_item(claimed, token)
        self._call(
            "POST",
            scores_url(line_item),
            token,
            claimed.delivery.score.to_json(),
            "application/vnd.ims.lis.v1.score+json",
        )
        return line_item


def _describe(e: Exception) -> str:
    if isinstance(e, requests.HTTPError) and e.response is not None:
        text = (e.response.text or "")[:300]
        return f"HTTP {e.response.status_code} from {e.response.url}: {text}"
    return f"{type(e).__name__}: {e}"


def deliver_one(lms: Lms, sender: AgsSender, delivery_id: str) -> str:
    """Claim, send and record one delivery: ``sent``, ``failed``, or ``skipped``
    (another worker holds it, or it is not due)."""
    claimed = lms.claim_delivery(delivery_id)
    if claimed is None:
        return "skipped"
    try:
        line_item = sender.send(claimed)
    except Exception as e:  # every failure is recorded and retried, none is lost
        error = _describe(e)
        log.warning("grade delivery %s failed: %s", delivery_id, error)
        lms.finish_delivery(claimed, error=error)
        return "failed"
    lms.finish_delivery(claimed, line_item_url=line_item)
    return "sent"


def deliver_due(lms: Lms, sender: AgsSender, *, limit: int = 100) -> dict[str, int]:
    """Send every due delivery once; returns counts by outcome."""
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    for delivery_id in lms.due_deliveries(limit):
        counts[deliver_one(lms, sender, delivery_id)] += 1
    return counts


def next_due(lms: Lms) -> datetime | None:
    """When the next waiting delivery is due (for schedulers)."""
    from mcembed.grades import DeliveryState
    from mcembed.storage import DeliveryFilter

    with lms.store.transaction() as tx:
        page = tx.list_grade_deliveries(DeliveryFilter(states=(DeliveryState.PENDING,), limit=1000))
    return min((d.next_attempt_at for d in page.items), default=None)


class Dispatcher(Protocol):
    """Gets due deliveries sent; ``kick`` after a change wrote some."""

    def kick(self) -> None: ...
    def close(self) -> None: ...


class ThreadDispatcher:
    """A daemon thread per process that sends due deliveries: at once when
    kicked, and every ``interval`` seconds for retries and abandoned leases;
    and, every ``purge_every`` seconds, removes expired launches (what
    ``mcembed lti worker`` does where there is Redis)."""

    def __init__(
        self,
        lms: Lms,
        sender: AgsSender,
        *,
        interval: float = 5.0,
        purge_every: float = 3600.0,
    ) -> None:
        self.lms = lms
        self.sender = sender
        self.interval = interval
        self.purge_every = purge_every
        self._purge_at = time.monotonic()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mcembed-grades", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            self.sweep()

    def sweep(self) -> None:
        """One round: send what is due; purge expired launches when an hour is up."""
        try:
            deliver_due(self.lms, self.sender)
        except Exception:  # the database may be away a moment; try again later
            log.exception("sending grades failed; will try again")
        if time.monotonic() >= self._purge_at:
            self._purge_at = time.monotonic() + self.purge_every
            try:
                self.lms.remove_expired()
            except Exception:  # as above: the next round tries again
                log.exception("purging expired launches failed; will try again")
                self._purge_at = time.monotonic() + self.interval

    def kick(self) -> None:
        self._wake.set()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)


class NoDispatcher:
    """Nothing sends in this process (``MCEMBED_GRADE_WORKER=none``)."""

    def kick(self) -> None:
        return None

    def close(self) -> None:
        return None


def queue_name(prefix: str) -> str:
    """The RQ queue of one instance's grade deliveries."""
    return f"{prefix}-grades"


def rq_sweep() -> dict[str, int]:
    """The RQ job: send what is due, with the tool built from the environment."""
    from . import worker_tool

    tool = worker_tool()
    counts = deliver_due(tool.lms, tool.sender)
    tool.dispatcher.schedule_retry(tool.lms)
    return counts


class RqDispatcher:
    """Deliveries sent by RQ workers on Redis (``mcembed lti worker``)."""

    def __init__(self, redis: Any, prefix: str = "mcembed") -> None:
        from rq import Queue

        self.queue = Queue(queue_name(prefix), connection=redis)

    def kick(self) -> None:
        self.queue.enqueue(rq_sweep, job_timeout=300, result_ttl=60, failure_ttl=3600)

    def schedule_retry(self, lms: Lms) -> None:
        due = next_due(lms)
        if due is not None:
            self.queue.enqueue_at(due, rq_sweep, job_timeout=300, result_ttl=60)

    def close(self) -> None:
        return None
