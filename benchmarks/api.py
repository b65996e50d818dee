"""REST API speed: per-request latency of the calls a connected notebook makes.

Run: ``python benchmarks/api.py`` (``--quick`` for a short run, ``--database
URL`` for PostgreSQL instead of SQLite in a temporary instance). In process,
through the WSGI test client (no network), one token, the example pack and the
test credential placed in the course. Prints p50 and p95 in milliseconds and
requests a second for each call, and the cost of the token check alone (a
bearer GET /me against the unauthenticated /openapi.json is not comparable,
so the token resolution is timed directly).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "api"))

from api_world import CRED, LEARNER, REFLECTION, Api, make_tool_app  # noqa: E402


def timed(fn: Callable[[], Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def show(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p50 = statistics.median(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"{name:<44} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  {1000 / p50:7.0f}/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database", default="", help="SQLAlchemy URL (default: SQLite)")
    args = parser.parse_args()
    n = 50 if args.quick else 400
    with tempfile.TemporaryDirectory() as folder:
        config: dict[str, Any] = {"API_RATE_LIMIT": 0}
        if args.database:
            config["DATABASE_URL"] = args.database
            config["AUTO_MIGRATE"] = "true"
        app = make_tool_app(Path(folder) / "instance", **config)
        api = Api(app, app.test_client())
        token = api.token(LEARNER)
        sid = api.post("/submissions", token, json={"credential_id": CRED}).json["id"]
        body = {
            "items": [{"requirement_id": "reflection", "kind": "reflection", "text": REFLECTION}]
        }
        where = args.database.split("@")[-1] if args.database else "SQLite"
        print(f"database: {where}; {n} calls each")

        def ok(resp: Any) -> None:
            assert resp.status_code < 300, resp.get_data(as_text=True)

        tokens = api.tool.tokens
        show("token check (Tokens.resolve)", timed(lambda: tokens.resolve(token), n))
        show("GET /me", timed(lambda: ok(api.get("/me", token)), n))
        show("GET /credentials", timed(lambda: ok(api.get("/credentials", token)), n))
        show("GET /submissions", timed(lambda: ok(api.get("/submissions", token)), n))
        show("GET /submissions/{id}", timed(lambda: ok(api.get(f"/submissions/{sid}", token)), n))
        show(
            "PUT /submissions/{id}/evidence",
            timed(lambda: ok(api.put(f"/submissions/{sid}/evidence", token, json=body)), n),
        )
        keys = iter(range(10**9))
        show(
            "PUT evidence with a new Idempotency-Key",
            timed(
                lambda: ok(
                    api.put(
                        f"/submissions/{sid}/evidence",
                        token,
                        json=body,
                        headers={"Idempotency-Key": f"k{next(keys)}"},
                    )
                ),
                n,
            ),
        )
        api.put(
            f"/submissions/{sid}/evidence", token, json=body, headers={"Idempotency-Key": "same"}
        )
        show(
            "PUT evidence replayed (same key)",
            timed(
                lambda: ok(
                    api.put(
                        f"/submissions/{sid}/evidence",
                        token,
                        json=body,
                        headers={"Idempotency-Key": "same"},
                    )
                ),
                n,
            ),
        )
        show(
            "GET /openapi.json (no token)",
            timed(lambda: ok(api.client.get("/api/v1/openapi.json")), n),
        )


if __name__ == "__main__":
    main()
