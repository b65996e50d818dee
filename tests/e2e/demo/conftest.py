"""The demo served as ``mcembed demo`` serves it: one multithreaded server with
the tool and the practice LMS, on a fresh instance folder per test."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server


@pytest.fixture
def demo_server(tmp_path: Path) -> Callable[..., Any]:
    """``with demo_server() as demo:`` builds the demo in ``tmp_path/instance``
    and serves it on a free port (``demo.base``)."""
    from contextlib import contextmanager

    from mcembed_lti.practice import build_demo

    @contextmanager
    def run(instance: Path | None = None) -> Iterator[Any]:
        server = make_server("127.0.0.1", 0, lambda e, s: [], threaded=True)
        base = f"http://127.0.0.1:{server.server_port}"
        demo = build_demo(instance or tmp_path / "instance", base)
        server.app = demo.wsgi
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield demo
        finally:
            server.shutdown()
            thread.join(timeout=5)
            server.server_close()
            demo.close()

    return run
