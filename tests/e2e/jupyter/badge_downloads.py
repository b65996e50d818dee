"""Downloading a badge in the browser, and verifying the file as its holder would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any


def download_and_verify(page: Any, where: Any, tmp_path: Path) -> Path:
    """Click the PNG download link; the saved file verifies with `mcembed verify --offline`."""
    with page.expect_download() as info:
        where.get_by_role("link", name="Badge image, credential baked in (PNG)").click()
    download = info.value
    assert download.suggested_filename == "analyse-assessment-data-python.png"
    saved = tmp_path / "downloads" / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"\x89PNG")
    # a folder with no instance: nothing is known of the workshop, nothing is fetched
    verify = subprocess.run(
        [sys.executable, "-m", "mcembed", "verify", "--offline", str(saved)],
        cwd=saved.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "This credential is valid." in verify.stdout
    assert "Data Integrity proof (eddsa-rdfc-2022) is valid" in verify.stdout
    return saved
