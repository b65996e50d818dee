"""Starting real Jupyter servers for the browser tests: JupyterLab 4, Notebook 7, Voila.

Each test gets a copy of the example pack and one example workshop in a fresh
folder, a server on a free port with its own Jupyter config, runtime, data and
IPython folders (nothing of the machine's Jupyter setup leaks in), and the
server is stopped at teardown.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
LEARNER = "e2e-learner"


@dataclass(frozen=True)
class Server:
    base_url: str
    root: Path
    notebook: str  # relative to root

    @property
    def workshop_folder(self) -> Path:
        return (self.root / self.notebook).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _isolated_env(base: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "MCEMBED_"))}
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR"):
        folder = base / name.lower()
        folder.mkdir(parents=True)
        env[name] = str(folder)
    settings = base / "lab-settings"
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false"}))
    env["JUPYTERLAB_SETTINGS_DIR"] = str(settings)
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(base / "lab-workspaces")
    env["MCEMBED_LEARNER"] = LEARNER
    env["PYTHONUNBUFFERED"] = "1"
    return env


def copy_workshop(root: Path, workshop: str = "analyse-assessment-data") -> str:
    """The example pack and one workshop, laid out as in the repository."""
    shutil.copytree(EXAMPLES / "professional-learning", root / "examples" / "professional-learning")
    shutil.copytree(
        EXAMPLES / "workshops" / workshop,
        root / "examples" / "workshops" / workshop,
        ignore=shutil.ignore_patterns("instance", "solution.py"),
    )
    return f"examples/workshops/{workshop}/workshop.ipynb"


def _ready(url: str) -> bool:
    """An HTTP URL answers 200, or (``tcp://host:port``) the port accepts connections."""
    if url.startswith("tcp://"):
        host, port = url[6:].split(":")
        try:
            with socket.create_connection((host, int(port)), timeout=1):
                return True
        except OSError:
            return False
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


@contextmanager
def _serve(args: list[str], cwd: Path, env: dict[str, str], url: str, log: Path) -> Iterator[None]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{args[2]} exited early:\n{log.read_text()[-3000:]}")
                if _ready(url):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{args[2]} did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
            yield
        finally:
            # the server and the kernels it started share our new session
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


def jupyter_server(app: str, tmp_path: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """JupyterLab or Notebook 7 on a copy of the workshop; ``env`` is added to the
    server's (and its kernels') isolated environment, e.g. ``MCEMBED_URL``."""
    root = tmp_path / "root"
    notebook = copy_workshop(root)
    port = _free_port()
    args = [
        sys.executable,
        "-m",
        app,
        "--no-browser",
        "--allow-root",
        f"--port={port}",
        "--ip=127.0.0.1",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.disable_check_xsrf=True",
    ]
    if app == "jupyterlab":
        args.append("--LabApp.extension_manager=readonly")
    base = f"http://127.0.0.1:{port}"
    env = {**_isolated_env(tmp_path / "jupyter"), **(env or {})}
    with _serve(args, root, env, f"{base}/api/status", tmp_path / f"{app}.log"):
        yield Server(base_url=base, root=root, notebook=notebook)


def voila_server(
    tmp_path: Path, *, review: bool = False, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """Voila on the learner's workshop notebook, or (``review``) on the facilitator's;
    ``env`` is added to its isolated environment."""
    root = tmp_path / "root"
    notebook = copy_workshop(root)
    if review:
        shutil.copy(EXAMPLES / "workshops" / "review.ipynb", root / "examples" / "workshops")
        notebook = "examples/workshops/review.ipynb"
    port = _free_port()
    folder = (root / notebook).parent
    args = [
        sys.executable,
        "-m",
        "voila",
        Path(notebook).name,
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--show_tracebacks=True",
    ]
    base = f"http://127.0.0.1:{port}"
    env = {**_isolated_env(tmp_path / "jupyter"), **(env or {})}
    # asking for the page would render the notebook in a kernel of its own
    with _serve(args, folder, env, f"tcp://127.0.0.1:{port}", tmp_path / "voila.log"):
        yield Server(base_url=base, root=root, notebook=notebook)
