"""``mcembed demo``: the LTI tool and a practice LMS in one server.

The practice LMS (``/practice``) is a real LTI 1.3 platform with a simulated
course: its own key, the OIDC login, Deep Linking, AGS and NRPS endpoints. The
tool is registered with it in the tool's platform storage on the first start.
Everything lives in the demo's instance folder: the tool's SQLite database,
keys and files, and ``practice/`` with the practice LMS's own state and key.
A second start reuses all of it.
"""

from __future__ import annotations

import logging
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server
from werkzeug.utils import redirect

from mcembed import Actor, Settings, load_pack
from mcembed.badges import IssuerProfile, has_issuer, init_issuer

from .app import create_practice_app
from .course import COURSE, MEMBERS
from .platform import PracticePlatform, load_or_create_key
from .seed import CLIENT_ID, DEPLOYMENT_ID, register_tool, seed_cohort
from .store import PracticeStore

__all__ = ["COURSE", "MEMBERS", "Demo", "JwksClient", "build_demo", "serve_demo"]

log = logging.getLogger("mcembed_lti.practice")

DEFAULT_PORT = 8765
LOOPBACK = ("127.0.0.1", "localhost", "::1")
ANY_ADDRESS = ("0.0.0.0", "::", "")
EXAMPLE_PACK = Path(__file__).resolve().parents[3] / "examples" / "professional-learning"


class JwksClient:
    """The tool's JWKS read over HTTP, as a real LMS reads it, kept five minutes
    (``refresh=True`` reads again: a key id it does not know yet)."""

    def __init__(self, url: str, http: requests.Session | None = None, ttl: float = 300) -> None:
        self.url = url
        self.http = http or requests.Session()
        self.ttl = ttl
        self._lock = threading.Lock()
        self._keys: dict[str, Any] = {}
        self._at = 0.0

    def __call__(self, refresh: bool = False) -> dict[str, Any]:
        with self._lock:
            if refresh or not self._keys or time.monotonic() - self._at > self.ttl:
                resp = self.http.get(self.url, timeout=10)
                resp.raise_for_status()
                self._keys = resp.json()
                self._at = time.monotonic()
            return self._keys


@dataclass
class Demo:
    """The combined WSGI app and what a test or the CLI needs of it."""

    wsgi: Callable[..., Any]
    tool_app: Any
    practice_app: Any
    platform: PracticePlatform
    instance: Path
    base: str
    cohort_id: str
    first_start: bool

    @property
    def tool(self) -> Any:
        return self.tool_app.extensions["mcembed_lti"]

    def close(self) -> None:
        self.tool.dispatcher.close()
        self.platform.store.close()


def _secret(path: Path) -> str:
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _root(environ: dict[str, Any], start_response: Any) -> Any:
    return redirect("/practice/", code=302)(environ, start_response)


SERVICE_PATHS = ("/practice/api/", "/practice/auth", "/practice/token", "/practice/jwks")


class _Site:
    """``/`` goes to the practice course; ``/practice`` to the practice LMS;
    everything else to the tool. The practice pages are shown at the address
    the platform is registered with (``localhost`` goes to ``127.0.0.1``), so
    the LMS's pages, its frames and its login share one origin."""

    def __init__(self, tool_app: Any, practice_app: Any, base: str) -> None:
        self.inner = DispatcherMiddleware(tool_app, {"/practice": practice_app})
        self.base = base
        self.netloc = urlsplit(base).netloc

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        page = path in ("", "/") or (
            path.startswith("/practice") and not path.startswith(SERVICE_PATHS)
        )
        if page and environ.get("REQUEST_METHOD") == "GET" and self._elsewhere(environ):
            query = environ.get("QUERY_STRING", "")
            target = self.base + (path or "/") + (f"?{query}" if query else "")
            return redirect(target, code=302)(environ, start_response)
        if path in ("", "/"):
            return _root(environ, start_response)
        return self.inner(environ, start_response)

    def _elsewhere(self, environ: dict[str, Any]) -> bool:
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        return bool(host) and host != self.netloc


def build_demo(
    instance: Path,
    base: str,
    *,
    pack: Path | None = None,
    tool_config: dict[str, Any] | None = None,
    tool_jwks: Callable[..., Any] | None = None,
) -> Demo:
    """Make (first start) or open (later starts) the demo in ``instance``.

    Args:
        instance: the demo's instance folder.
        base: the URL the server answers at, e.g. ``http://127.0.0.1:8765``.
        pack: the pack to load (default: the example pack).
        tool_config: more settings for the tool (tests).
        tool_jwks: how the practice LMS reads the tool's JWKS (default: over HTTP).
    """
    from mcembed_lti import create_app

    instance = instance.resolve()
    instance.mkdir(parents=True, exist_ok=True, mode=0o750)
    practice_dir = instance / "practice"
    practice_dir.mkdir(exist_ok=True, mode=0o700)
    base = base.rstrip("/")
    settings = Settings(instance=instance)
    if not has_issuer(settings):
        init_issuer(
            settings,
            IssuerProfile(
                name="Riverbend Unified School District (demo)",
                url="https://riverbend.example.org",
                description="A fictional district that issues the demo's practice badges.",
                base_url=base,
                slug="main",
            ),
        )
    config: dict[str, Any] = {
        "INSTANCE": str(instance),
        # the demo is SQLite and in-process whatever the environment says
        "DATABASE_URL": None,
        "REDIS_URL": None,
        "BASE_URL": None,
        "GRADE_WORKER": "thread",
        "AUTO_MIGRATE": "true",
        # the practice LMS is this computer, over http: its key set is fetched
        # from loopback, which only the development switch allows
        "FETCH_DEVELOPMENT": "true",
    }
    config.update(tool_config or {})
    tool_app = create_app(config)
    tool = tool_app.extensions["mcembed_lti"]
    folder = pack or EXAMPLE_PACK
    loaded = load_pack(folder)
    tool.service.add_pack(Actor.system("demo"), loaded, source=str(folder.resolve()))

    store = PracticeStore(practice_dir / "lms.sqlite3")
    issuer = store.get_meta("issuer")
    first = not issuer
    if first:
        issuer = base + "/practice"
        store.set_meta("issuer", issuer)
    registered = register_tool(tool.lms, issuer=issuer, base=base)
    platform = PracticePlatform(
        store,
        load_or_create_key(practice_dir / "platform-key.pem"),
        secret=_secret(practice_dir / "secret"),
        issuer=issuer,
        base=base,
        client_id=CLIENT_ID,
        deployment_id=DEPLOYMENT_ID,
        tool_jwks=tool_jwks or JwksClient(base + "/lti/jwks"),
    )
    cohort_id = store.get_meta("cohort_id")
    if not cohort_id:
        cohort_id = seed_cohort(tool.service, registered, loaded)
        store.set_meta("cohort_id", cohort_id)
    store.set_meta("base", base)
    practice_app = create_practice_app(
        platform, secret_key=_secret(practice_dir / "session-secret")
    )
    return Demo(
        wsgi=_Site(tool_app, practice_app, base),
        tool_app=tool_app,
        practice_app=practice_app,
        platform=platform,
        instance=instance,
        base=base,
        cohort_id=cohort_id,
        first_start=first,
    )


def remembered_port(instance: Path) -> int | None:
    """The port of the demo's last start in ``instance``, if any."""
    path = instance / "practice" / "lms.sqlite3"
    if not path.exists():
        return None
    store = PracticeStore(path)
    try:
        base = store.get_meta("base")
    finally:
        store.close()
    try:
        return int(base.rsplit(":", 1)[1]) if base else None
    except (IndexError, ValueError):
        return None


def serve_demo(
    instance: Path,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    pack: Path | None = None,
    ready: Callable[[Demo], None] | None = None,
    quiet: bool = True,
) -> None:
    """Serve the demo until Ctrl-C, on a multithreaded server: the tool's frames
    and its calls back to the practice LMS (JWKS, tokens, scores, roster) run at
    the same time, so none waits for another.

    Args:
        port: the port (default: the last start's, else 8765, else a free one).
        ready: called once the server listens (the CLI prints the URL).
    """
    if host not in LOOPBACK and host not in ANY_ADDRESS:
        raise ValueError(
            f"--host {host!r}: the demo serves this computer only (LTI asks for https "
            "anywhere else); use 127.0.0.1, localhost, or 0.0.0.0 in a container and open "
            "it at 127.0.0.1 on its host"
        )
    chosen = port if port is not None else remembered_port(instance) or DEFAULT_PORT
    try:
        server = make_server(host, chosen, _Lazy(), threaded=True)
    except OSError:
        if port is not None:
            raise
        server = make_server(host, 0, _Lazy(), threaded=True)
    shown = "127.0.0.1" if host in ANY_ADDRESS else host
    if ":" in shown:
        shown = f"[{shown}]"
    base = f"http://{shown}:{server.server_port}"
    if quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    demo = build_demo(instance, base, pack=pack)
    server.app = demo.wsgi
    if ready is not None:
        ready(demo)
    previous = _stop_on_sigterm()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        demo.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _stop_on_sigterm() -> Any:
    """SIGTERM stops the demo as Ctrl-C does (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, stop)


class _Lazy:
    """The app that answers 503 "starting" while the demo is built (the socket
    listens first, so the printed URL never refuses a connection)."""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response(
            "503 Service Unavailable", [("Content-Type", "text/plain"), ("Retry-After", "1")]
        )
        return [b"The demo is starting; reload in a moment."]
