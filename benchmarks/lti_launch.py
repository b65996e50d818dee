"""LTI launch speed: full launch flows under gunicorn with 2 workers.

One flow is what a person's browser does: OIDC login initiation (GET
/lti/login), the redirect to the platform's auth URL (the platform signs the
id_token), the id_token post (POST /lti/launch), and the page it lands on. A
Python client pool runs flows at 1, 8 and 32 concurrent clients against:

  mcembed   the tool doing the real work (every id_token check, the nonce taken
            from the shared store, the launch recorded, the learner's
            credential page rendered from the database)
  reference a minimal Flask + pylti1p3 handler rendering a bare page
            (benchmarks/lti_reference.py), measured in the same run: both
            are served at once and take turns, in rounds at every level

on SQLite, and on PostgreSQL + Redis when --postgres and --redis (or
MCEMBED_TEST_POSTGRES_URL and MCEMBED_TEST_REDIS_URL) are given. Prints flows
per second, p50/p99 latency of a flow, and mcembed's throughput as a share of
the reference's (the target is >= 70%).

Run:  .venv/bin/python benchmarks/lti_launch.py [--seconds 6] [--quick]
Everything runs on loopback; the load is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from jwcrypto import jwk
from werkzeug.serving import make_server

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
CREDENTIAL = "digital-formative-assessment"
ROUNDS = 3  # turns each app takes at every level


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Platform:
    """The platform side: publishes its JWKS and signs id_tokens for the clients."""

    def __init__(self) -> None:
        key = jwk.JWK.generate(kty="RSA", size=2048)
        self.pem = key.export_to_pem(private_key=True, password=None).decode()
        # parse once: loading an RSA private key from PEM costs ~80 ms (key checks)
        self.signer = serialization.load_pem_private_key(self.pem.encode(), password=None)
        public = json.loads(key.export_public())
        public.update({"kid": key.thumbprint(), "alg": "RS256", "use": "sig"})
        self.jwk = public
        self.client_id = "bench-client"
        self.deployment_id = "bench-deployment"
        self.base = ""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        body = json.dumps({"keys": [self.jwk]}).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    def id_token(self, nonce: str, user: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.base,
            "aud": self.client_id,
            "azp": self.client_id,
            "sub": user,
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            "name": f"Learner {user}",
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "target_link_uri": "",
            LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            LTI + "context": {"id": "bench-course", "title": "Bench course"},
            LTI + "resource_link": {"id": "bench-link", "title": "Credential"},
            LTI + "custom": {"mcembed_credential": CREDENTIAL},
        }
        return jwt.encode(claims, self.signer, algorithm="RS256", headers={"kid": self.jwk["kid"]})


@contextmanager
def serve(app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@contextmanager
def gunicorn(app: str, env: dict[str, str], chdir: Path | None = None) -> Iterator[str]:
    port = free_port()
    args = [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "error"]
    if chdir:
        args += ["--chdir", str(chdir)]
    proc = subprocess.Popen([*args, app], env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                requests.get(base + "/", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


def flow(base: str, platform: Platform, user: str) -> None:
    """One full launch, as a browser does it."""
    s = requests.Session()
    r = s.get(
        base + "/lti/login",
        params={
            "iss": platform.base,
            "login_hint": user,
            "client_id": platform.client_id,
            "lti_deployment_id": platform.deployment_id,
            "target_link_uri": base + "/lti/launch",
        },
        allow_redirects=False,
    )
    if r.status_code != 302:
        raise RuntimeError(f"login answered {r.status_code}: {r.text[:200]}")
    auth = {k: v[0] for k, v in parse_qs(urlsplit(r.headers["Location"]).query).items()}
    for cookie in list(s.cookies):  # a browser sends Secure cookies to 127.0.0.1 too
        s.cookies.set(cookie.name, cookie.value)
    token = platform.id_token(auth["nonce"], user)
    r = s.post(base + "/lti/launch", data={"id_token": token, "state": auth["state"]})
    if r.status_code != 200 or not r.text:
        raise RuntimeError(f"launch answered {r.status_code}: {r.text[:300]}")


def load(base: str, platform: Platform, clients: int, seconds: float) -> tuple[list[float], float]:
    """Run flows from ``clients`` threads for ``seconds``: each flow's latency,
    and the time it took."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        i = 0
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                flow(base, platform, f"u{n}-{i}-{uuid.uuid4().hex[:6]}")
            except Exception as e:  # counted, reported
                with lock:
                    errors.append(str(e)[:200])
                continue
            finally:
                i += 1
            with lock:
                latencies.append(time.perf_counter() - t0)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    if errors:
        print(f"    {len(errors)} failed flows, e.g. {errors[0]}")
    return latencies, elapsed


def figures(latencies: list[float], elapsed: float) -> dict[str, float]:
    if not latencies:
        return {"rate": 0.0, "p50": 0.0, "p99": 0.0}
    latencies = sorted(latencies)
    return {
        "rate": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


def prepare_instance(env: dict[str, str], platform: Platform, postgres: bool) -> None:
    def mcembed(*args: str) -> None:
        subprocess.run([str(BIN / "mcembed"), *args], env=env, check=True, capture_output=True)

    if postgres:
        mcembed("db", "upgrade")
    mcembed("pack", "add", str(ROOT / "examples" / "professional-learning"))
    mcembed(
        "lti",
        "add-platform",
        "--issuer",
        platform.base,
        "--client-id",
        platform.client_id,
        "--deployment-id",
        platform.deployment_id,
        "--login-url",
        platform.base + "/auth",
        "--token-url",
        platform.base + "/token",
        "--keyset-url",
        platform.base,
    )


def run_backend(
    name: str,
    env: dict[str, str],
    platform: Platform,
    levels: list[int],
    seconds: float,
    postgres: bool,
) -> None:
    prepare_instance(env, platform, postgres)
    tool_key = (
        jwk.JWK.generate(kty="RSA", size=2048)
        .export_to_pem(private_key=True, password=None)
        .decode()
    )
    ref_env = {
        **os.environ,
        "BENCH_ISSUER": platform.base,
        "BENCH_CLIENT_ID": platform.client_id,
        "BENCH_DEPLOYMENT_ID": platform.deployment_id,
        "BENCH_JWKS": json.dumps({"keys": [platform.jwk]}),
        "BENCH_TOOL_KEY": tool_key,
    }
    # Both apps are up at once and take turns, a share of the time each in
    # ROUNDS rounds at every level: load the machine picks up now and then
    # falls on both alike. An app waiting for its turn uses no CPU.
    results: dict[str, dict[int, dict[str, float]]] = {"mcembed": {}, "reference": {}}
    with (
        gunicorn("mcembed_lti:create_app()", env) as ours,
        gunicorn("lti_reference:create_app()", ref_env, chdir=HERE) as ref,
    ):
        apps = {"mcembed": ours, "reference": ref}
        for base in apps.values():
            for n in range(4):  # warm both workers of each
                flow(base, platform, f"warm-{n}-{uuid.uuid4().hex[:6]}")
        for c in levels:
            runs: dict[str, tuple[list[float], float]] = {app: ([], 0.0) for app in apps}
            for _ in range(ROUNDS):
                for app, base in apps.items():
                    latencies, elapsed = load(base, platform, c, seconds / ROUNDS)
                    kept, total = runs[app]
                    runs[app] = (kept + latencies, total + elapsed)
            for app in apps:
                results[app][c] = figures(*runs[app])
    print(f"\n{name}: full launch flows (login, auth redirect, id_token post, page), gunicorn -w 2")
    print(
        f"  {'clients':>7}  {'app':<9}  {'flows/s':>8}  {'p50 ms':>7}  {'p99 ms':>7}"
        "  share of reference"
    )
    for c in levels:
        ref = results["reference"][c]
        for app in ("mcembed", "reference"):
            r = results[app][c]
            share = (
                f"{100 * r['rate'] / ref['rate']:.0f}%" if app == "mcembed" and ref["rate"] else ""
            )
            print(
                f"  {c:>7}  {app:<9}  {r['rate']:>8.1f}  {r['p50']:>7.1f}"
                f"  {r['p99']:>7.1f}  {share}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="load time per level")
    parser.add_argument("--quick", action="store_true", help="2 s per level, for a smoke run")
    parser.add_argument("--postgres", default=os.environ.get("MCEMBED_TEST_POSTGRES_URL", ""))
    parser.add_argument("--redis", default=os.environ.get("MCEMBED_TEST_REDIS_URL", ""))
    args = parser.parse_args()
    seconds = 2.0 if args.quick else args.seconds
    levels = [1, 8, 32]
    platform = Platform()
    with serve(platform) as base:
        platform.base = base
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                "MCEMBED_INSTANCE": str(Path(tmp) / "sqlite"),
                "MCEMBED_SECRET_KEY": "bench",
                "MCEMBED_GRADE_WORKER": "none",
            }
            env.pop("MCEMBED_DATABASE_URL", None)
            env.pop("MCEMBED_REDIS_URL", None)
            run_backend("SQLite (embedded default)", env, platform, levels, seconds, postgres=False)
            if args.postgres and args.redis:
                schema = f"mcembed_bench_{uuid.uuid4().hex[:8]}"
                from sqlalchemy import text

                from mcembed.config import normalize_database_url
                from mcembed.storage.sqlalchemy import make_engine

                admin = make_engine(normalize_database_url(args.postgres))
                with admin.begin() as conn:
                    conn.execute(text(f'CREATE SCHEMA "{schema}"'))
                prefix = f"mcembed-bench-{uuid.uuid4().hex[:8]}"
                pg_env = {
                    **env,
                    "MCEMBED_INSTANCE": str(Path(tmp) / "pg"),
                    "MCEMBED_DATABASE_URL": f"{args.postgres}?options=-csearch_path%3D{schema}",
                    "MCEMBED_REDIS_URL": args.redis,
                    "MCEMBED_REDIS_PREFIX": prefix,
                }
                try:
                    run_backend(
                        "PostgreSQL + Redis", pg_env, platform, levels, seconds, postgres=True
                    )
                finally:
                    with admin.begin() as conn:
                        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                    import redis

                    r = redis.Redis.from_url(args.redis)
                    for key in r.scan_iter(f"{prefix}*"):
                        r.delete(key)
            else:
                print("\n(PostgreSQL + Redis skipped: give --postgres and --redis)")


if __name__ == "__main__":
    main()
