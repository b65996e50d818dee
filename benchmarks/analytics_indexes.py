"""What migration 0006's covering indexes buy the whole-programme analytics.

Builds the programme of ``benchmarks/community.py`` (20,000 learners) on
PostgreSQL in a schema of its own (dropped after), then measures an
administrator's whole-programme analytics (the core call, and the server
time of its fact queries from EXPLAIN ANALYZE) without the 0006 indexes and
with them, twice over, on the same data. The machine's load average is
printed beside each line: compare the lines of one run, not runs.

Run:  MCEMBED_TEST_POSTGRES_URL=... .venv/bin/python benchmarks/analytics_indexes.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from typing import Any

from community import NOW, build, drop_schema, postgres_store
from sqlalchemy import event, text

from mcembed import Actor, FixedClock, Role, Service
from mcembed.storage import MemoryBlobStore, SqlStore
from mcembed.storage.facts_sql import backfill_facts
from mcembed.storage.sqlalchemy import begin

WITHOUT = [
    "DROP INDEX ix_review_facts_credential",
    "DROP INDEX ix_award_facts_credential",
    "DROP INDEX ix_review_facts_reviewer",
    "CREATE INDEX ix_review_facts_reviewer ON review_facts (reviewer_id)",
]
WITH = [
    "DROP INDEX ix_review_facts_reviewer",
    "CREATE INDEX ix_review_facts_reviewer ON review_facts (reviewer_id) "
    "INCLUDE (reviewed_at, turnaround_seconds)",
    "CREATE INDEX ix_review_facts_credential ON review_facts (credential_id) "
    "INCLUDE (reviewed_at, turnaround_seconds, reviewer_id)",
    "CREATE INDEX ix_award_facts_credential ON award_facts (credential_id) "
    "INCLUDE (kind, revoked, issued_at, started_at, attempts)",
]
# as autovacuum leaves a table that is read more than written
SETTLE = ["VACUUM ANALYZE review_facts", "VACUUM ANALYZE award_facts"]


def quantile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def run(store: SqlStore, learners: int, runs: int) -> None:
    engine = store.engine
    t0 = time.perf_counter()
    build(store, learners, 500 if learners >= 20_000 else 200, random.Random(11))
    with begin(engine) as conn:
        backfill_facts(conn)
    print(f"{learners:,} learners built in {time.perf_counter() - t0:.0f} s")
    community = Service(store, MemoryBlobStore(), clock=FixedClock(NOW)).community
    admin = Actor(id="admin-0", roles=frozenset({Role.ADMIN}), name="Admin")
    auto = engine.execution_options(isolation_level="AUTOCOMMIT")

    def ddl(statements: list[str]) -> None:
        with auto.connect() as conn:
            for s in statements + SETTLE:
                conn.execute(text(s))

    caught: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        caught.append((statement, params))

    event.listen(engine, "before_cursor_execute", grab)
    community.analytics(admin)
    event.remove(engine, "before_cursor_execute", grab)
    queries = [
        (s, p)
        for s, p in caught
        if s.lstrip().upper().startswith("SELECT") and ("_facts" in s or "review_unmet" in s)
    ]

    def server_ms() -> float:
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            total = 0.0
            for s, p in queries:
                cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + s, p)
                total += cur.fetchone()[0][0]["Execution Time"]
            raw.rollback()
            return total
        finally:
            raw.close()

    def measure(label: str) -> None:
        wall, server = [], []
        for _ in range(runs):
            t = time.perf_counter()
            community.analytics(admin)
            wall.append(1000 * (time.perf_counter() - t))
            server.append(server_ms())
        print(
            f"  {label:28s} core p50 {quantile(wall, 0.5):6.1f} ms p95 {quantile(wall, 0.95):6.1f}"
            f" ms | fact queries p50 {quantile(server, 0.5):6.1f} ms"
            f" p95 {quantile(server, 0.95):6.1f} ms  (load {os.getloadavg()[0]:.1f})"
        )

    print(f"whole-programme analytics, {len(queries)} fact queries, {runs} runs each:")
    for n in (1, 2):
        ddl(WITHOUT)
        measure(f"round {n}, without 0006")
        ddl(WITH)
        measure(f"round {n}, with 0006")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the learners")
    args = parser.parse_args()
    if not os.environ.get("MCEMBED_TEST_POSTGRES_URL"):
        sys.exit("set MCEMBED_TEST_POSTGRES_URL: the indexes are PostgreSQL's")
    print(f"Python {sys.version.split()[0]}; {os.cpu_count()} CPUs")
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    store = postgres_store(schema)
    try:
        run(store, 2_000 if args.quick else 20_000, 10 if args.quick else 30)
    finally:
        store.close()
        drop_schema(schema)


if __name__ == "__main__":
    main()
