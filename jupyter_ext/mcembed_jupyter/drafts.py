"""What the learner typed, kept on disk the moment it changes.

A reflection half-written when the kernel restarts, or an answer that could
not be sent yet (too many words for now, or, connected, no network), is not
lost: every edit is written to a small JSON file in the instance folder, one
per learner and credential, and the widget restores it on the next run. An
entry is marked ``saved`` once the backend has accepted it.

The file is replaced atomically (write a temporary file, then rename), so a
crash mid-write leaves the previous version.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["Draft", "DraftStore"]


@dataclass(frozen=True, slots=True)
class Draft:
    """One widget's unsent (or sent) value."""

    value: Any
    saved: bool
    at: str


class DraftStore:
    """Drafts of one learner for one credential, in ``folder``.

    Args:
        folder: where draft files live (the instance's ``drafts`` folder).
        learner_id: whose drafts.
        credential_id: for which credential.
    """

    def __init__(self, folder: str | os.PathLike[str], learner_id: str, credential_id: str) -> None:
        self.folder = Path(folder)
        key = hashlib.sha256(f"{learner_id}\0{credential_id}".encode()).hexdigest()[:24]
        self.path = self.folder / f"{key}.json"
        self._entries: dict[str, dict[str, Any]] | None = None

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._entries is None:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                data = {}
            except (json.JSONDecodeError, UnicodeDecodeError):
                # a damaged file must not stop the workshop; keep it for a person to look at
                self.path.replace(self.path.with_suffix(".damaged.json"))
                data = {}
            self._entries = data if isinstance(data, dict) else {}
        return self._entries

    def get(self, key: str) -> Draft | None:
        """The draft kept under ``key`` (an evidence id, or ``self-assessment``)."""
        entry = self._load().get(key)
        if not isinstance(entry, dict) or "value" not in entry:
            return None
        return Draft(value=entry["value"], saved=bool(entry.get("saved")), at=str(entry.get("at")))

    def put(self, key: str, value: Any, *, saved: bool = False) -> None:
        """Keep ``value`` under ``key`` now."""
        entries = self._load()
        entry = {"value": value, "saved": saved, "at": datetime.now(UTC).isoformat()}
        if entries.get(key, {}).get("value") == value and entries[key].get("saved") == saved:
            return
        entries[key] = entry
        self._write(entries)

    def mark_saved(self, key: str, value: Any) -> None:
        """Record that the backend accepted ``value`` for ``key``."""
        self.put(key, value, saved=True)

    def _write(self, entries: dict[str, dict[str, Any]]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".draft-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(entries, f, ensure_ascii=False)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
