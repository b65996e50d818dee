"""For real: gunicorn with several workers on PostgreSQL and Redis (launch data
and nonces shared between workers), RQ workers sending grades, and a worker
killed in the middle of a delivery."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from lti_platform import PlatformEmulator, auth_params, new_key, serve

POSTGRES_URL = os.environ.get("MCEMBED_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("MCEMBED_TEST_REDIS_URL", "")
BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not (POSTGRES_URL and REDIS_URL),
    reason="needs MCEMBED_TEST_POSTGRES_URL and MCEMBED_TEST_REDIS_URL (PostgreSQL and Redis)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def scale_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An instance on its own PostgreSQL schema and Redis prefix."""
    from sqlalchemy import text

    from mcembed.config import normalize_database_url
    from mcembed.storage.sqlalchemy import make_engine

    schema = f"mcembed_scale_{uuid.uuid4().hex[:10]}"
    admin = make_engine(normalize_database_url(POSTGRES_URL))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    prefix = f"mcembed-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "MCEMBED_INSTANCE": str(tmp_path / "instance"),
        "MCEMBED_DATABASE_URL": f"{POSTGRES_URL}?options=-csearch_path%3D{schema}",
        "MCEMBED_REDIS_URL": REDIS_URL,
        "MCEMBED_REDIS_PREFIX": prefix,
        "MCEMBED_SECRET_KEY": "scale-test-secret",
        # the emulated platform serves http on loopback
        "MCEMBED_FETCH_DEVELOPMENT": "true",
    }
    try:
        yield env
    finally:
        import redis

        r = redis.Redis.from_url(REDIS_URL)
        for key in r.scan_iter(f"{prefix}*"):
            r.delete(key)
        for key in r.scan_iter(f"rq:*{prefix}*"):
            r.delete(key)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def mcembed(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "mcembed"), *args], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def platform() -> Iterator[PlatformEmulator]:
    pem, jwk_ = new_key()
    emu = PlatformEmulator(private_pem=pem, public_jwk=jwk_)
    with serve(emu) as base:
        emu.base = base
        yield emu


@pytest.fixture
def gunicorn(
    scale_env: dict[str, str], platform: PlatformEmulator, tmp_path: Path
) -> Iterator[str]:
    mcembed(scale_env, "db", "upgrade")
    mcembed(scale_env, "pack", "add", str(ROOT / "examples" / "professional-learning"))
    mcembed(
        scale_env,
        "lti",
        "add-platform",
        "--issuer",
        platform.issuer,
        "--client-id",
        platform.client_id,
        "--deployment-id",
        platform.deployment_id,
        "--login-url",
        platform.base + "/auth",
        "--token-url",
        platform.base + "/token",
        "--keyset-url",
        platform.base + "/jwks",
    )
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    proc = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-w",
            "3",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "mcembed_lti:create_app()",
        ],
        env=scale_env,
        start_new_session=True,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # three workers importing on a busy machine
    keys = None
    while keys is None and time.monotonic() < deadline:
        try:
            keys = requests.get(base + "/lti/jwks", timeout=5).json()
        except requests.RequestException:
            time.sleep(0.2)
    if keys is None:
        os.killpg(proc.pid, signal.SIGTERM)
        log.close()
        pytest.fail(f"gunicorn did not start: {(tmp_path / 'gunicorn.log').read_text()}")
    assert keys["keys"]
    # like a real platform, read the tool's key set when it checks a token
    platform.tool_jwks = lambda: requests.get(base + "/lti/jwks", timeout=5).json()
    try:
        yield base
    finally:
        stop(proc)
        log.close()


def launch(
    base: str, platform: PlatformEmulator, sub: str, role: str = "Learner", **claims: Any
) -> tuple[requests.Session, str, dict[str, str]]:
    s = requests.Session()
    r = s.get(
        base + "/lti/login",
        params={"iss": platform.issuer, "login_hint": sub, "client_id": platform.client_id},
        allow_redirects=False,
    )
    assert r.status_code == 302, r.text
    auth = auth_params(r.headers["Location"])
    # a browser sends this Secure cookie to http://127.0.0.1 too; requests does not
    for cookie in list(s.cookies):
        s.cookies.set(cookie.name, cookie.value)
    token = platform.sign(platform.claims(nonce=auth["nonce"], sub=sub, roles=(role,), **claims))
    form = {"id_token": token, "state": auth["state"]}
    r = s.post(base + "/lti/launch", data=form, allow_redirects=False)
    assert r.status_code == 200, r.text
    return s, r.headers["Content-Location"], form


def test_launches_across_gunicorn_workers_share_nonces_in_redis(
    gunicorn: str, platform: PlatformEmulator, scale_env: dict[str, str]
) -> None:
    """Many launches at once over 3 workers; each replay is refused by whichever worker gets it."""
    import redis

    pids: set[str] = set()

    def one(n: int) -> tuple[requests.Session, str, dict[str, str]]:
        return launch(
            gunicorn,
            platform,
            f"user-{n}",
            custom={"mcembed_credential": "digital-formative-assessment"},
        )

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(24)))
    for session, location, form in results:
        page = session.get(gunicorn + location)
        assert page.status_code == 200
        replay = session.post(gunicorn + "/lti/launch", data=form, allow_redirects=False)
        assert replay.status_code == 401
        assert "nonce_reused" in replay.text
        pids.add(page.headers.get("Date", ""))
    r = redis.Redis.from_url(REDIS_URL)
    s = requests.Session()
    s.get(
        gunicorn + "/lti/login",
        params={"iss": platform.issuer, "login_hint": "x", "client_id": platform.client_id},
        allow_redirects=False,
    )
    assert list(r.scan_iter(scale_env["MCEMBED_REDIS_PREFIX"] + ":login:*"))
    assert platform.jwks_requests <= 3  # one fetch per worker at most, then shared through Redis


def submit_over_http(base: str, platform: PlatformEmulator) -> None:
    session, location, _ = launch(
        base, platform, "user-1", custom={"mcembed_credential": "digital-formative-assessment"}
    )
    page = session.get(base + location).text
    fields = dict(re.findall(r'name="(launch|csrf_token|revision)" value="([^"]*)"', page))
    r = session.post(
        base + "/learn/credentials/digital-formative-assessment/start",
        data=fields,
        allow_redirects=False,
    )
    page = session.get(base + r.headers["Location"]).text
    sid = re.search(r'action="/learn/submissions/([^"]+)"', page).group(1)
    fields = dict(re.findall(r'name="(launch|csrf_token|revision)" value="([^"]*)"', page))
    text = dict.fromkeys(
        re.findall(r'name="(text-[^"]+)"', page),
        "We checked understanding twice with quick digital polls and adjusted the lesson. " * 30,
    )
    urls = dict.fromkeys(
        re.findall(r'name="(url-[^"]+)"', page), "https://drive.example.org/folder"
    )
    files = {
        m: (f"{m}.pdf", io.BytesIO(b"%PDF-1.4\n% a lesson plan\n%%EOF\n"), "application/pdf")
        for m in re.findall(r'name="(file-[^"]+)"', page)
    }
    attest = {
        m.replace("shown-", "attest-"): "yes" for m in re.findall(r'name="(shown-[^"]+)"', page)
    }
    shown = dict.fromkeys(re.findall(r'name="(shown-[^"]+)"', page), "1")
    r = session.post(
        base + f"/learn/submissions/{sid}",
        data={**fields, **text, **urls, **attest, **shown, "action": "submit"},
        files=files,
        allow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert "submitted" in r.headers["Location"]


def worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(BIN / "mcembed"), "lti", "worker"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group and wait; SIGKILL it if a busy machine keeps it
    past a minute (a warm shutdown first finishes the job in hand)."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wait_for(check: Any, seconds: float = 120) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_a_killed_rq_worker_loses_nothing_and_the_gradebook_gets_the_score_once(
    gunicorn: str, platform: PlatformEmulator, scale_env: dict[str, str]
) -> None:
    from sqlalchemy import text

    from mcembed.config import normalize_database_url
    from mcembed.storage.sqlalchemy import make_engine

    platform.hang_scores = threading.Event()
    submit_over_http(gunicorn, platform)
    first = worker(scale_env)
    # the LMS has the score request in hand; the worker dies before it hears back
    wait_for(lambda: platform.token_requests >= 1)
    time.sleep(1.0)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    platform.hang_scores.set()
    wait_for(lambda: len(platform.scores) == 1)
    engine = make_engine(normalize_database_url(scale_env["MCEMBED_DATABASE_URL"]))
    second = None
    try:
        with engine.begin() as conn:
            state = conn.execute(text("SELECT state FROM grade_deliveries")).scalars().all()
            assert state == ["sending"]
            # time passes: the dead worker's lease runs out
            conn.execute(
                text("UPDATE grade_deliveries SET lease_until = now() - interval '1 second'")
            )
        platform.hang_scores = None
        second = worker(scale_env)

        def sent() -> bool:
            with engine.begin() as conn:
                return conn.execute(text("SELECT state FROM grade_deliveries")).scalars().all() == [
                    "sent"
                ]

        wait_for(sent)
    finally:
        try:
            if second is not None:
                stop(second)
        finally:
            engine.dispose()  # or its pooled connection warns in whichever test runs next
    assert platform.score_posts == 2  # sent again after the crash...
    assert len(platform.scores) == 1  # ...with the same timestamp: one result in the gradebook
    assert platform.scores[0]["gradingProgress"] == "PendingManual"
