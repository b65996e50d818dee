"""Community page speed: the progress board page and the analytics page
rendered through the Flask app (routing, the launch, the core calls, the
templates and the SVG charts), for the programme of ``benchmarks/community.py``:
20,000 learners in 10 courses and, in one course, a cohort of 500 members
with 10 checkpoints beside 30 cohorts of 50. Prints p50 / p95 of:

  1. the progress board page of the 500-member cohort (chart, coaching list,
     members × checkpoints table, reminders)                     target p95 < 300 ms
  2. the cohort page (members, checkpoints, meetings, roster picker)
  3. the analytics page of one course, per credential and per cohort, with a
     date filter, and its CSV                                    target p95 < 300 ms
  4. the analytics page of the whole programme (an administrator)

Then the core's share of the same pages (the ``Community`` calls alone), so
the page's own cost (routing, launch, templates, charts) shows. The machine's
load average is printed first: figures on a shared machine are slower.

Runs on PostgreSQL when MCEMBED_TEST_POSTGRES_URL is set (in a schema of its
own, dropped after), otherwise on SQLite in a temporary folder.

Run:  .venv/bin/python benchmarks/community_pages.py [--quick] [--sqlite]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from community import (
    NOW,
    START,
    analyze,
    build,
    drop_schema,
    once,
    postgres_store,
    timed,
)

from mcembed import Actor, FixedClock, Person, Role
from mcembed.cohorts import Step
from mcembed.launches import LaunchContext
from mcembed.storage import MemoryBlobStore, SqlStore
from mcembed.storage.facts_sql import backfill_facts
from mcembed.storage.sqlalchemy import begin


class NoDispatch:
    def kick(self) -> None:
        return None

    def close(self) -> None:
        return None


def launch_of(tool: Any, actor: Actor) -> str:
    """A stored launch for ``actor`` (what a verified LTI launch leaves)."""
    ctx = LaunchContext(
        id=tool.lms.new_launch_id(),
        platform_id="bench-platform",
        deployment_id="1",
        user_id=actor.id,
        person_id=actor.id,
        course_id=actor.course_id,
        context_title="Benchmark course",
        roles=actor.roles,
        name=actor.name,
        csrf_token="bench-token",
        created_at=NOW,
        expires_at=NOW + timedelta(days=1),
    )
    tool.lms.record_launch(ctx)
    return ctx.id


def get(client: Any, url: str) -> None:
    resp = client.get(url)
    if resp.status_code != 200:
        raise SystemExit(f"{url}: {resp.status_code} {resp.get_data(as_text=True)[:500]}")
    resp.get_data()


def run(store: SqlStore, label: str, learners: int, cohort_size: int, runs: int) -> None:
    from mcembed_lti import create_app

    rng = random.Random(11)
    t0 = time.perf_counter()
    built = build(store, learners, cohort_size, rng)
    print(
        f"\n{label}: {learners:,} learners, {built['submissions']:,} submissions, "
        f"{built['reviews']:,} reviews, {built['awards']:,} awards "
        f"(built in {time.perf_counter() - t0:.0f} s)"
    )

    def backfill() -> None:
        with begin(store.engine) as conn:
            backfill_facts(conn)

    once("facts of the loaded data derived (one-off, as in the migration)", backfill)
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(
            {
                "TESTING": True,
                "INSTANCE": instance,
                "SECRET_KEY": "bench",
                "STORE": store,
                "BLOBS": MemoryBlobStore(),
                "CLOCK": FixedClock(NOW),
                "RECOGNIZER": None,
                "GRADE_DISPATCHER": NoDispatch(),
            }
        )
        tool = app.extensions["mcembed_lti"]
        community = tool.service.community
        lead = Actor(
            id="lead-0", course_id="course-0", roles=frozenset({Role.INSTRUCTOR}), name="Lead"
        )
        with store.transaction() as tx:
            tx.put_person(Person(id=lead.id, name=lead.name))
        course0 = [f"learner-{n:05d}" for n in range(0, learners, 10)]
        creds = built["credentials"]
        big = community.create_cohort(
            lead,
            name="Whole-school cohort",
            credential_ids=[c.id for c in creds[:3]],
            facilitators=[lead.id],
        )
        community.add_members(lead, big.id, course0[:cohort_size])
        for k in range(10):
            community.add_checkpoint(
                lead,
                big.id,
                title=f"Checkpoint {k + 1}",
                due_at=START + timedelta(days=8 * (k + 1)),
                credential_id=creds[k % 3].id,
                step=list(Step)[k % 3],
            )
        rest = course0[cohort_size:]
        for g in range(min(30, len(rest) // 50)):
            small = community.create_cohort(
                lead, name=f"Team {g:02d}", credential_ids=[c.id for c in creds[:6]]
            )
            community.add_members(lead, small.id, rest[g * 50 : (g + 1) * 50])
        analyze(store)
        board = community.progress_board(lead, big.id)
        print(f"  cohort: {len(board.rows)} members × {len(board.checkpoints)} checkpoints")
        client = app.test_client()
        lid = launch_of(tool, lead)
        aid = launch_of(tool, Actor(id="admin-0", roles=frozenset({Role.ADMIN}), name="Admin"))
        board_url = f"/community/cohorts/{big.id}/board?launch={lid}"
        analytics = f"/community/analytics/?launch={lid}"
        since, until = (START + timedelta(days=20)).date(), NOW.date()
        timed(
            f"board page, {len(board.rows)} × {len(board.checkpoints)}",
            lambda: get(client, board_url),
            runs,
            300,
        )
        timed(
            f"cohort page, {len(board.rows)} members",
            lambda: get(client, f"/community/cohorts/{big.id}?launch={lid}"),
            runs,
            300,
        )
        timed(
            "analytics page, one course, per credential", lambda: get(client, analytics), runs, 300
        )
        timed(
            "analytics page, one course, per cohort (31 cohorts)",
            lambda: get(client, analytics + "&by=cohort"),
            runs,
            300,
        )
        timed(
            "analytics page, one course, a date range",
            lambda: get(client, f"{analytics}&since={since}&until={until}"),
            runs,
            300,
        )
        timed(
            "analytics CSV, one course",
            lambda: get(client, f"/community/analytics/export.csv?launch={lid}"),
            runs,
            300,
        )
        timed(
            "analytics page, whole programme (admin)",
            lambda: get(client, f"/community/analytics/?launch={aid}"),
            runs,
            300,
        )
        print("  the core's share of those pages (no Flask, no templates):")
        admin = Actor(id="admin-0", roles=frozenset({Role.ADMIN}), name="Admin")
        timed("  core: board overview", lambda: community.board_overview(lead, big.id), runs)
        timed("  core: analytics per credential", lambda: community.analytics(lead), runs)
        timed("  core: analytics per cohort", lambda: community.analytics(lead, by="cohort"), runs)
        timed("  core: analytics, whole programme", lambda: community.analytics(admin), runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the learners, fewer runs")
    parser.add_argument("--sqlite", action="store_true", help="also on SQLite")
    args = parser.parse_args()
    learners = 2_000 if args.quick else 20_000
    cohort = 200 if args.quick else 500
    runs = 10 if args.quick else 30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Python {sys.version.split()[0]}; {os.cpu_count()} CPUs; load average {load}")
    if os.environ.get("MCEMBED_TEST_POSTGRES_URL"):
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        store = postgres_store(schema)
        try:
            run(store, "PostgreSQL", learners, cohort, runs)
        finally:
            store.close()
            drop_schema(schema)
    else:
        print("PostgreSQL figures skipped: set MCEMBED_TEST_POSTGRES_URL")
    if args.sqlite or not os.environ.get("MCEMBED_TEST_POSTGRES_URL"):
        with tempfile.TemporaryDirectory() as tmp:
            store = SqlStore(f"sqlite:///{Path(tmp) / 'bench.db'}")
            try:
                run(store, "SQLite", learners, cohort, runs)
            finally:
                store.close()


if __name__ == "__main__":
    main()
