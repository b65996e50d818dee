"""Real-browser fixtures: Playwright driving Debian's Chromium, a live WSGI
server, axe-core accessibility checks and screenshots.

Chromium comes from the system (``/usr/bin/chromium``, or the path in
``MCEMBED_TEST_CHROMIUM``); tests skip, saying so, where it is missing.
axe-core comes from npm (``package.json`` at the top of the repository): the
first test that needs it runs ``npm ci`` when ``node_modules`` is absent.
Screenshots are written to ``tests/e2e/screenshots/`` for people to look at.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("MCEMBED_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # A cross-site frame (the tool inside an LMS page) otherwise moves to a
    # renderer process of its own as it navigates, and on a busy machine the
    # driver can lose that move and keep the frame at its old URL for good.
    # Cookies and storage are still per site: the tool stays a third party.
    "--disable-site-isolation-trials",
    "--disable-features=site-per-process,IsolateOrigins",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session."""
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"browser tests need Chromium at {CHROMIUM} "
            "(apt-get install -y chromium, or set MCEMBED_TEST_CHROMIUM)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies, no storage) and one page in it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The axe-core script, installed from npm on first use."""
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("accessibility checks need axe-core from npm; npm is not installed")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True, capture_output=True
        )
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def axe(axe_source: str) -> Callable[..., list[dict[str, Any]]]:
    """``axe(page_or_frame)`` -> the serious and critical violations on it."""

    def run(target: Any, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
        target.evaluate(axe_source)
        # evaluate() has no timeout of its own: bound the run so a page that
        # never settles fails with a message instead of hanging
        result = target.evaluate(
            """async () => await Promise.race([
                axe.run(document, {resultTypes: ['violations']}),
                new Promise((_, fail) => setTimeout(
                    () => fail(new Error('axe-core did not finish within 60 s')), 60000)),
            ])"""
        )
        return [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]][:5],
            }
            for v in result["violations"]
            if v.get("impact") in impacts
        ]

    return run


def describe(violations: list[dict[str, Any]]) -> str:
    """Violations as text for an assertion message."""
    return json.dumps(violations, indent=2)


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """``screenshot(page, "learner-credential")`` saves a full-page PNG."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(pg: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        pg.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def live_wsgi() -> Callable[..., Any]:
    """``with live_wsgi(app) as base_url:`` serves a WSGI app for the browser."""
    return serve_wsgi


@contextmanager
def serve_wsgi(app: Callable[..., Any], host: str = "127.0.0.1") -> Iterator[str]:
    """Serve a WSGI app on a free port in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
