"""Community speed figures (issue: cohorts, recommendations, portfolio, directory, analytics).

Builds a programme of 20,000 learners in 10 courses (two credentials each:
40,000 submissions with their attempts and history, about 37,000 reviews and
22,000 awards) and, in one course, a cohort of 500 members with 10
checkpoints beside 30 cohorts of 50. Then prints p50 / p95 of:

  1. the progress board of the 500-member cohort (facts read, board computed)
     and the same with its SVG chart                               target p95 < 300 ms
  2. the coaching list of that cohort
  3. analytics of one course (2,000 learners) per credential and per cohort,
     and of the whole programme (20,000 learners) for an administrator,
     with the CSV                                                   target p95 < 300 ms
  4. deriving the facts of data stored before the community tables (a
     one-off, as the migration does) and the board after 50 learners changed
     something

The target is the page render on PostgreSQL; pages come with the LTI tool, so
these are the core's share of it. Runs on PostgreSQL when
MCEMBED_TEST_POSTGRES_URL is set (in a schema of its own, dropped after),
otherwise on SQLite in a temporary folder.

Run:  .venv/bin/python benchmarks/community.py [--quick] [--sqlite]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from mcembed import (
    Actor,
    Award,
    AwardKind,
    Credential,
    Criterion,
    CriterionScore,
    EvidenceItem,
    EvidenceKind,
    EvidenceRequirement,
    FixedClock,
    Level,
    PassingRule,
    Person,
    RandomIds,
    Review,
    Role,
    Rubric,
    Service,
    Submission,
    decide,
)
from mcembed.codec import to_data
from mcembed.cohorts import Step
from mcembed.config import normalize_database_url
from mcembed.storage import MemoryBlobStore, SqlStore, SubmissionFilter
from mcembed.storage import tables as t
from mcembed.storage.facts_sql import backfill_facts
from mcembed.storage.sqlalchemy import _submission_row, begin
from mcembed.submissions import Action

START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
NOW = START + timedelta(days=75)
ADMIN = Actor.system()
WORDS = [
    "students",
    "discussion",
    "feedback",
    "evidence",
    "plan",
    "survey",
    "observe",
    "lesson",
    "group",
    "rubric",
    "reflection",
    "outcome",
    "colleagues",
    "data",
    "impact",
    "routine",
    "questions",
    "practice",
]


def credential(i: int) -> Credential:
    levels = tuple(
        Level(label=name, points=p, descriptor=f"{name} work")
        for name, p in (("Beginning", 1), ("Developing", 2), ("Proficient", 3), ("Exemplary", 4))
    )
    criteria = tuple(
        Criterion(id=f"crit-{c}", name=f"Criterion {c}", levels=levels) for c in range(3)
    )
    return Credential(
        id=f"credential-{i:02d}",
        version="1",
        name=f"Credential {i:02d}",
        summary="A credential of the benchmark programme.",
        competency="Does the thing well.",
        evidence=(
            EvidenceRequirement(
                id="reflection",
                kind=EvidenceKind.REFLECTION,
                title="Reflection",
                criteria=tuple(c.id for c in criteria),
            ),
        ),
        rubric=Rubric(
            criteria=criteria,
            passing=PassingRule(min_levels={c.id: "Proficient" for c in criteria}),
        ),
        pack_id="bench",
        content_hash=f"h{i}",
    )


def build(store: SqlStore, learners: int, cohort_size: int, rng: random.Random) -> dict[str, Any]:
    """Write the programme straight into the tables (the Service would take minutes)."""
    credentials = [credential(i) for i in range(10)]
    ids = RandomIds()
    with store.transaction() as tx:
        for c in credentials:
            tx.add_credential(c)
    people, submissions, reviews, awards = [], [], [], []
    reviewers = {f"course-{k}": [f"reviewer-{k}-{r}" for r in range(6)] for k in range(10)}
    for n in range(learners):
        course = f"course-{n % 10}"
        person = f"learner-{n:05d}"
        people.append({"id": person, "name": f"Learner {n:05d}", "email": ""})
        for c in rng.sample(credentials[:6] if n % 10 == 0 else credentials, 2):
            at = START + timedelta(hours=rng.uniform(0, 24 * 40))
            sub = Submission(
                id=ids.new("sub"),
                credential_id=c.id,
                credential_version="1",
                learner_id=person,
                course_id=course,
                created_at=at,
                updated_at=at,
            )
            text = " ".join(rng.choices(WORDS, k=150))
            item = EvidenceItem(
                requirement_id="reflection", kind=EvidenceKind.REFLECTION, text=text
            )
            sub = replace(sub, items=(item,))
            fate = rng.random()
            if fate < 0.2:
                submissions.append(sub)
                continue
            at += timedelta(days=rng.uniform(1, 10))
            sub = sub.apply(Action.SUBMIT, actor_id=person, at=at)
            rounds = 0 if fate < 0.35 else (2 if fate < 0.6 else 1)
            reviewer = rng.choice(reviewers[course])
            for r in range(rounds):
                at += timedelta(hours=rng.uniform(2, 120))
                passed = r == rounds - 1 and fate >= 0.45
                levels = {
                    crit.id: "Proficient" if passed or rng.random() < 0.5 else "Developing"
                    for crit in c.rubric.criteria
                }
                if not passed and all(v == "Proficient" for v in levels.values()):
                    levels["crit-0"] = "Developing"
                scores = tuple(CriterionScore(criterion_id=k, level=v) for k, v in levels.items())
                sub = sub.apply(Action.START_REVIEW, actor_id=reviewer, at=at)
                sub = sub.apply(
                    Action.AWARD if passed else Action.REQUEST_REVISION, actor_id=reviewer, at=at
                )
                review = Review(
                    id=ids.new("rev"),
                    submission_id=sub.id,
                    attempt=sub.attempt,
                    reviewer_id=reviewer,
                    scores=scores,
                    feedback="",
                    decision=decide(c.rubric, scores),
                    created_at=at,
                )
                reviews.append(review)
                if passed:
                    awards.append(
                        Award(
                            id=ids.new("awd"),
                            kind=AwardKind.CREDENTIAL,
                            credential_id=c.id,
                            credential_version="1",
                            learner_id=person,
                            course_id=course,
                            submission_id=sub.id,
                            issued_at=at,
                            scores=scores,
                        )
                    )
                elif r < rounds - 1:
                    at += timedelta(days=rng.uniform(1, 8))
                    sub = sub.apply(Action.RESUBMIT, actor_id=person, at=at)
            submissions.append(sub)
    with begin(store.engine) as conn:
        for table, rows in (
            (t.people, people),
            (t.submissions, [_submission_row(s) for s in submissions]),
            (
                t.reviews,
                [
                    {
                        "id": r.id,
                        "submission_id": r.submission_id,
                        "attempt": r.attempt,
                        "reviewer_id": r.reviewer_id,
                        "passed": r.passed,
                        "document": to_data(r),
                        "created_at": r.created_at,
                    }
                    for r in reviews
                ],
            ),
            (
                t.awards,
                [
                    {
                        "id": a.id,
                        "kind": a.kind.value,
                        "credential_id": a.credential_id,
                        "credential_version": a.credential_version,
                        "learner_id": a.learner_id,
                        "course_id": a.course_id,
                        "submission_id": a.submission_id,
                        "issued_at": a.issued_at,
                        "status": a.status.value,
                        "document": to_data(a),
                    }
                    for a in awards
                ],
            ),
        ):
            for start in range(0, len(rows), 2000):
                conn.execute(insert(table), rows[start : start + 2000])
    return {
        "credentials": credentials,
        "submissions": len(submissions),
        "reviews": len(reviews),
        "awards": len(awards),
    }


def analyze(store: SqlStore) -> None:
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(label: str, fn: Callable[[], Any], runs: int, target_ms: float | None = None) -> None:
    fn()  # warm (statements, caches), as a running server is
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    p50, p95 = statistics.median(times), percentile(times, 95)
    ratio = f"  p95 = {p95 / target_ms:.2f} x the {target_ms:.0f} ms target" if target_ms else ""
    print(f"  {label:<58} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms{ratio}")


def once(label: str, fn: Callable[[], Any]) -> None:
    start = time.perf_counter()
    fn()
    print(f"  {label:<58} {(time.perf_counter() - start) * 1000:9.0f} ms (once)")


def run(store: SqlStore, label: str, learners: int, cohort_size: int, runs: int) -> None:
    rng = random.Random(11)
    t0 = time.perf_counter()
    built = build(store, learners, cohort_size, rng)
    print(
        f"\n{label}: {learners:,} learners, {built['submissions']:,} submissions, "
        f"{built['reviews']:,} reviews, {built['awards']:,} awards "
        f"(built in {time.perf_counter() - t0:.0f} s)"
    )
    clock = FixedClock(NOW)
    service = Service(store, MemoryBlobStore(), clock=clock)
    community = service.community
    lead = Actor(id="lead-0", course_id="course-0", roles=frozenset({Role.INSTRUCTOR}), name="Lead")
    with store.transaction() as tx:
        tx.put_person(Person(id=lead.id, name=lead.name))

    def backfill() -> None:
        with begin(store.engine) as conn:
            backfill_facts(conn)

    # the rows went in behind the store's back: derive their facts, as the
    # 0004 migration does for the data stored before it
    once("facts of the loaded data derived (one-off, as in the migration)", backfill)
    analyze(store)
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
    analyze(store)  # as autovacuum does after a bulk load
    board = community.progress_board(lead, big.id)
    print(f"  cohort: {len(board.rows)} members × {len(board.checkpoints)} checkpoints")

    timed("progress board, 500 × 10", lambda: community.progress_board(lead, big.id), runs, 300)
    timed("progress board + SVG chart", lambda: community.board_chart(lead, big.id), runs, 300)
    timed("coaching list", lambda: community.coaching_list(lead, big.id), runs, 300)
    timed("analytics, one course, per credential", lambda: community.analytics(lead), runs, 300)
    timed(
        "analytics, one course, per cohort (31 cohorts)",
        lambda: community.analytics(lead, by="cohort"),
        runs,
        300,
    )
    timed(
        "analytics, one course, a date range",
        lambda: community.analytics(lead, since=START + timedelta(days=20), until=NOW),
        runs,
        300,
    )
    timed("analytics CSV, one course", lambda: community.analytics_csv(lead), runs, 300)
    timed("analytics, whole programme (admin)", lambda: community.analytics(ADMIN), runs, 300)

    def touch_fifty() -> None:
        with store.transaction() as tx:
            subs = tx.list_submissions(
                SubmissionFilter(course_id="course-0", limit=50, offset=rng.randint(0, 1000))
            ).items
            for s in subs:
                if s.editable:
                    changed = s.apply(Action.SAVE_DRAFT, actor_id=s.learner_id, at=NOW)
                    tx.update_submission(changed, s.revision)

    def changed_then_read() -> None:
        touch_fifty()
        community.progress_board(lead, big.id)

    timed("50 submissions changed, then the board", changed_then_read, max(5, runs // 3))


def postgres_store(schema: str) -> SqlStore:
    from sqlalchemy import create_engine, text

    url = normalize_database_url(os.environ["MCEMBED_TEST_POSTGRES_URL"])
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    # the production engine (its pool, its idle-connection ping, orjson for the
    # JSON columns) in a schema of the benchmark's own
    from mcembed.storage.sqlalchemy import make_engine

    engine = make_engine(f"{url}?options=-csearch_path%3D{schema}")
    return SqlStore(engine=engine, migrate=True)


def drop_schema(schema: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(normalize_database_url(os.environ["MCEMBED_TEST_POSTGRES_URL"]))
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the learners, fewer runs")
    parser.add_argument("--sqlite", action="store_true", help="also on SQLite")
    args = parser.parse_args()
    learners = 2_000 if args.quick else 20_000
    cohort = 200 if args.quick else 500
    runs = 10 if args.quick else 30
    print(f"Python {sys.version.split()[0]}; {os.cpu_count()} CPUs")
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
