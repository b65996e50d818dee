"""Core speed figures (issue: core library).

Prints:
  1. loading a generated pack of 1,000 credentials        target < 1 s
  2. catalog search over 10,000 credentials on SQLite      target p95 < 20 ms
     (and on PostgreSQL when MCEMBED_TEST_POSTGRES_URL is set)
  3. submit + review + award of 10,000 submissions      target >= 500 /s
     on SQLite (one process) and on PostgreSQL (one process, then 2 and 4
     worker processes sharing the database, as gunicorn workers do)

Run:  .venv/bin/python benchmarks/core.py [--quick]
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from mcembed import (
    Actor,
    CriterionScore,
    EvidenceItem,
    EvidenceKind,
    RandomIds,
    Role,
    Service,
    load_pack,
)
from mcembed.config import normalize_database_url
from mcembed.storage import MemoryBlobStore, SqlStore

WORDS = [
    "students",
    "engagement",
    "feedback",
    "group",
    "work",
    "discussion",
    "assessment",
    "formative",
    "data",
    "literacy",
    "reading",
    "writing",
    "mathematics",
    "science",
    "inquiry",
    "collaboration",
    "technology",
    "digital",
    "tools",
    "lesson",
    "planning",
    "coaching",
    "observation",
    "reflection",
    "evidence",
    "rubric",
    "standards",
    "equity",
    "inclusion",
    "language",
    "learners",
    "vocabulary",
    "fractions",
    "algebra",
    "projects",
    "presentation",
    "questioning",
    "wait",
    "time",
    "exit",
    "tickets",
    "peer",
    "review",
    "portfolio",
    "differentiation",
    "scaffolding",
    "behaviour",
    "attendance",
    "motivation",
    "families",
    "communication",
    "leadership",
    "professional",
    "learning",
    "community",
    "mentoring",
    "evaluation",
    "impact",
    "surveys",
    "classroom",
    "routines",
    "transitions",
    "homework",
    "grading",
    "analytics",
    "spreadsheets",
    "python",
    "notebooks",
    "charts",
]

QUERIES = [
    "students tune out during group work",
    "my students ignore written feedback",
    "I only find out students are lost at the test",
    "how do I use data from quizzes",
    "families do not respond to my messages",
    "new teachers need a mentor",
    "discussion is dominated by a few voices",
    "homework is not getting done",
    "use python to analyse assessment results",
    "evaluate whether our professional learning works",
]

LEVELS = """\
  levels:
    - {label: Beginning, points: 1}
    - {label: Developing, points: 2}
    - {label: Proficient, points: 3}
    - {label: Exemplary, points: 4}
"""


def _vocabulary(size: int = 4000) -> tuple[list[str], list[float]]:
    """Education words first, then made-up words, drawn with Zipf's law (as words
    in real text are): common words are everywhere, most words are rare."""
    rng = random.Random(3)
    syllables = [
        "ca",
        "lo",
        "mi",
        "ter",
        "su",
        "ra",
        "ven",
        "do",
        "pli",
        "gra",
        "ne",
        "tis",
        "mo",
        "quar",
        "zel",
    ]
    words = list(WORDS)
    seen = set(words)
    while len(words) < size:
        w = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    weights = [1 / (rank + 1) ** 1.07 for rank in range(len(words))]
    return words, weights


VOCABULARY, ZIPF = _vocabulary()


def text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(VOCABULARY, ZIPF, k=n))


def credential_yaml(i: int, rng: random.Random) -> str:
    criteria = "".join(
        f"""    - id: crit-{c}
      name: {text(rng, 3).capitalize()}
      description: {text(rng, 12)}
      descriptors:
        Beginning: {text(rng, 14)}
        Developing: {text(rng, 14)}
        Proficient: {text(rng, 14)}
        Exemplary: {text(rng, 14)}
"""
        for c in range(4)
    )
    return f"""id: credential-{i:05d}
version: 1
name: {text(rng, 5).capitalize()} {i}
summary: {text(rng, 25)}
competency: {text(rng, 15)}
key_method: {text(rng, 4)}
method_components:
  - name: {text(rng, 3)}
    description: {text(rng, 15)}
  - name: {text(rng, 3)}
    description: {text(rng, 15)}
resources:
  - title: {text(rng, 5)}
    url: https://example.org/resources/{i}
addresses:
  - {text(rng, 7)}
  - {text(rng, 7)}
evidence:
  - id: reflection
    kind: reflection
    title: Reflection
    prompt: {text(rng, 30)}
    words: {{min: 200, max: 800}}
    criteria: [crit-0, crit-1]
  - id: artifact
    kind: artifact
    title: Artifact
    prompt: {text(rng, 20)}
    file_types: [pdf, docx]
    max_size: 10 MB
    criteria: [crit-2]
  - id: link
    kind: link
    title: Link
    prompt: {text(rng, 10)}
    criteria: [crit-3]
rubric:
{LEVELS}  criteria:
{criteria}passing:
  each_at_least: Proficient
tags: [{rng.choice(WORDS)}, {rng.choice(WORDS)}]
alignments:
  - framework: Example Framework
    code: "{rng.randint(1, 9)}.{rng.randint(1, 9)}"
valid_for: {{years: 3}}
"""


def generate_pack(root: Path, count: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    (root / "credentials").mkdir(parents=True)
    (root / "pack.yaml").write_text(
        "id: generated\nname: Generated\nissuer:\n  name: Bench\n  url: https://example.org\n"
    )
    for i in range(count):
        (root / "credentials" / f"c{i:05d}.yaml").write_text(credential_yaml(i, rng))
    return root


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def bench_load(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = generate_pack(Path(tmp) / "pack", count)
        load_pack(root)  # warm caches (schema validators), as a long-running process has them
        times = []
        for _ in range(3):
            start = time.perf_counter()
            pack = load_pack(root)
            times.append(time.perf_counter() - start)
        assert len(pack.credentials) == count
    best, median = min(times), statistics.median(times)
    print(
        f"load pack of {count:,} credentials: median {median:.3f} s, "
        f"best {best:.3f} s  (target < 1 s)"
    )


def postgres_store(schema: str, *, create: bool = True) -> SqlStore:
    from sqlalchemy import create_engine, text

    url = normalize_database_url(os.environ["MCEMBED_TEST_POSTGRES_URL"])
    if create:
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
    # the production engine (its pool, its idle-connection ping, orjson for the
    # JSON columns) in a schema of the benchmark's own
    from mcembed.storage.sqlalchemy import make_engine

    engine = make_engine(f"{url}?options=-csearch_path%3D{schema}")
    return SqlStore(engine=engine, migrate=create)


def drop_schema(schema: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(normalize_database_url(os.environ["MCEMBED_TEST_POSTGRES_URL"]))
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def bench_search(make_store: Callable[[], SqlStore], label: str, count: int, pack: Any) -> None:
    store = make_store()
    service = Service(store, MemoryBlobStore())
    with store.transaction() as tx:
        for credential in pack.credentials[:count]:
            tx.add_credential(credential)
    for q in QUERIES:  # warm up
        service.search_catalog(q)
    times = []
    for _ in range(20):
        for q in QUERIES:
            start = time.perf_counter()
            hits = service.search_catalog(q, limit=20)
            times.append((time.perf_counter() - start) * 1000)
    assert hits
    filtered = []
    for q in QUERIES:
        start = time.perf_counter()
        service.search_catalog(q, tags=["students"], framework="example", limit=20)
        filtered.append((time.perf_counter() - start) * 1000)
    print(
        f"search {count:,} credentials on {label}: p50 {percentile(times, 0.5):.2f} ms, "
        f"p95 {percentile(times, 0.95):.2f} ms over {len(times)} queries "
        f"(with tag+alignment filters p95 {percentile(filtered, 0.95):.2f} ms)  "
        "(target p95 < 20 ms)"
    )
    store.close()


def prepare(service: Service, n: int) -> tuple[Actor, str]:
    """start + save draft: the learner's work before the timed part."""
    learner = Actor(id=f"learner-{n}", course_id="course-1", name=f"Learner {n}")
    sub = service.start_submission(learner, "bench-credential")
    service.save_draft(
        learner,
        sub.id,
        [
            EvidenceItem(
                requirement_id="reflection",
                kind=EvidenceKind.REFLECTION,
                text="This term I changed how my students work in groups and measured the effect.",
            ),
            EvidenceItem(
                requirement_id="link", kind=EvidenceKind.LINK, url=f"https://example.org/p/{n}"
            ),
        ],
    )
    return learner, sub.id


def decide(service: Service, learner: Actor, sub_id: str, reviewer: Actor) -> None:
    """submit + review + award: what the target is about."""
    service.submit(learner, sub_id)
    outcome = service.record_review(
        reviewer,
        sub_id,
        [
            CriterionScore(criterion_id="crit-0", level="Proficient"),
            CriterionScore(criterion_id="crit-1", level="Exemplary"),
        ],
    )
    assert outcome.award is not None


def bench_credential() -> Any:
    from mcembed import Credential, Criterion, EvidenceRequirement, Level, PassingRule, Rubric

    levels = tuple(
        Level(label=lbl, points=p)
        for lbl, p in (("Beginning", 1), ("Developing", 2), ("Proficient", 3), ("Exemplary", 4))
    )
    credential = Credential(
        id="bench-credential",
        version="1",
        name="Bench",
        summary="s",
        competency="c",
        evidence=(
            EvidenceRequirement(
                id="reflection",
                kind=EvidenceKind.REFLECTION,
                title="R",
                criteria=("crit-0",),
                min_words=5,
            ),
            EvidenceRequirement(id="link", kind=EvidenceKind.LINK, title="L", criteria=("crit-1",)),
        ),
        rubric=Rubric(
            criteria=(
                Criterion(id="crit-0", name="A", levels=levels),
                Criterion(id="crit-1", name="B", levels=levels),
            ),
            passing=PassingRule(min_levels={"crit-0": "Proficient", "crit-1": "Proficient"}),
        ),
        content_hash="bench",
    )
    return credential


REVIEWER = Actor(id="reviewer", course_id="course-1", roles=frozenset({Role.INSTRUCTOR}))


def bench_flow(make_store: Callable[[], SqlStore], label: str, count: int, threads: int) -> None:
    store = make_store()
    service = Service(store, MemoryBlobStore(), ids=RandomIds())
    with store.transaction() as tx:
        tx.add_credential(bench_credential())
    reviewer = REVIEWER
    for n in range(20):  # warm up
        decide(service, *prepare(service, -1 - n), reviewer)

    def run(fn: Callable[[int], Any]) -> tuple[list[Any], float]:
        start = time.perf_counter()
        if threads == 1:
            out = [fn(n) for n in range(count)]
        else:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                out = list(pool.map(fn, range(count)))
        return out, time.perf_counter() - start

    prepared, prep_time = run(lambda n: prepare(service, n))
    _, decide_time = run(lambda n: decide(service, *prepared[n], reviewer))
    total = prep_time + decide_time
    plural = "s" if threads > 1 else ""
    print(
        f"submit+review+award x {count:,} on {label} ({threads} thread{plural}): "
        f"{decide_time:.2f} s = "
        f"{count / decide_time:,.0f} submissions/s  (target >= 500/s); whole path with "
        f"start+draft: {count / total:,.0f}/s"
    )
    store.close()


def _flow_worker(schema: str, first: int, count: int, barrier: Any, results: Any) -> None:
    """One worker process: prepare its share, wait for the others, then decide."""
    store = postgres_store(schema, create=False)
    service = Service(store, MemoryBlobStore(), ids=RandomIds())
    prepared = [prepare(service, n) for n in range(first, first + count)]
    barrier.wait()
    start = time.perf_counter()
    for learner, sub_id in prepared:
        decide(service, learner, sub_id, REVIEWER)
    results.put(time.perf_counter() - start)
    store.close()


def bench_flow_processes(schema: str, count: int, processes: int) -> None:
    """submit+review+award spread over worker processes, as gunicorn workers
    share one PostgreSQL: the wall time from the common start to the last one done."""
    import multiprocessing as mp

    store = postgres_store(schema)
    with store.transaction() as tx:
        tx.add_credential(bench_credential())
    store.close()
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(processes + 1)
    results = ctx.Queue()
    share = count // processes
    workers = [
        ctx.Process(target=_flow_worker, args=(schema, i * share, share, barrier, results))
        for i in range(processes)
    ]
    for w in workers:
        w.start()
    barrier.wait()
    start = time.perf_counter()
    times = [results.get(timeout=600) for _ in workers]
    wall = time.perf_counter() - start
    for w in workers:
        w.join()
    done = share * processes
    print(
        f"submit+review+award x {done:,} on PostgreSQL ({processes} processes): "
        f"{wall:.2f} s = {done / wall:,.0f} submissions/s  (target >= 500/s; "
        f"slowest worker {max(times):.2f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="a tenth of the sizes, for a smoke run"
    )
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")

    bench_load(1000 // scale)

    with tempfile.TemporaryDirectory() as tmp:
        pack = load_pack(generate_pack(Path(tmp) / "big", 10_000 // scale, seed=11))
        bench_search(
            lambda: SqlStore(f"sqlite:///{tmp}/search.db"), "SQLite (FTS5)", 10_000 // scale, pack
        )
        if os.environ.get("MCEMBED_TEST_POSTGRES_URL"):
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            try:
                bench_search(
                    lambda: postgres_store(schema), "PostgreSQL (tsvector)", 10_000 // scale, pack
                )
            finally:
                drop_schema(schema)

        bench_flow(lambda: SqlStore(f"sqlite:///{tmp}/flow.db"), "SQLite", 10_000 // scale, 1)
    if os.environ.get("MCEMBED_TEST_POSTGRES_URL"):
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        try:
            bench_flow(lambda: postgres_store(schema), "PostgreSQL", 10_000 // scale, 1)
        finally:
            drop_schema(schema)
        for processes in (2, 4):
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            try:
                bench_flow_processes(schema, 10_000 // scale, processes)
            finally:
                drop_schema(schema)
    else:
        print("PostgreSQL figures skipped: set MCEMBED_TEST_POSTGRES_URL")


if __name__ == "__main__":
    main()
