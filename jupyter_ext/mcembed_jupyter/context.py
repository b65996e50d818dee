"""What the kernel knows about where the widgets run: notebook path, cell id, frontend.

None of it is required. Under Voila the cell id is not sent, and the notebook
path may be missing anywhere, which is why every widget takes an explicit
evidence id; these are extra metadata recorded beside the evidence.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["current_cell_id", "kernel_namespace", "notebook_identity", "running_under_voila"]


def _shell() -> Any:
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    return ipython.get_ipython()


def kernel_namespace() -> dict[str, Any] | None:
    """The learner's variables in the running kernel, or ``None`` outside IPython."""
    shell = _shell()
    return None if shell is None else shell.user_ns


def current_cell_id() -> str:
    """The id of the cell being executed, when the frontend sends it (Lab, Notebook 7)."""
    shell = _shell()
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return ""
    try:
        parent = kernel.get_parent("shell")
    except TypeError:  # ipykernel < 6.19 takes no channel
        parent = kernel.get_parent()
    metadata = (parent or {}).get("metadata") or {}
    return str(metadata.get("cellId") or "")


def notebook_path(folder: Path) -> str:
    """The notebook's path as the server named it, if the kernel was told."""
    namespace = kernel_namespace() or {}
    for name in ("__session__", "__vsc_ipynb_file__"):
        value = namespace.get(name)
        if isinstance(value, str) and value.endswith(".ipynb"):
            return value
    value = os.environ.get("JPY_SESSION_NAME", "")
    return value if value.endswith(".ipynb") else ""


def notebook_identity(folder: Path, *, cell_id: str = "") -> dict[str, str]:
    """Identity of the notebook the evidence came from, as far as it is known.

    Returns:
        ``notebook_path``, ``cell_id`` and ``notebook_sha256`` (of the saved file,
        when it can be read), each only when known.
    """
    identity: dict[str, str] = {}
    path = notebook_path(folder)
    if path:
        identity["notebook_path"] = path
        candidate = Path(path) if Path(path).is_absolute() else folder / Path(path).name
        with contextlib.suppress(OSError):
            identity["notebook_sha256"] = hashlib.sha256(candidate.read_bytes()).hexdigest()
    if cell_id:
        identity["cell_id"] = cell_id
    return identity


def running_under_voila() -> bool:
    """Whether Voila started this kernel (cells cannot be edited there)."""
    return os.environ.get("SERVER_SOFTWARE", "").startswith("voila")
