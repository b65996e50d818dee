"""The practice LMS's own state: a small SQLite file in the demo instance folder.

The practice LMS is a separate platform, so it keeps its course, links, line
items, scores, access tokens and message log apart from the tool's database
(``instance/practice/lms.sqlite3``), the way a real LMS has its own database.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["LineItem", "Link", "PracticeStore", "Score"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL, custom TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS line_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT, resource_link_id TEXT NOT NULL DEFAULT '',
    resource_id TEXT NOT NULL DEFAULT '', tag TEXT NOT NULL DEFAULT '',
    label TEXT NOT NULL, score_maximum REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS scores (
    line_item_id INTEGER NOT NULL, user_id TEXT NOT NULL, score_given REAL,
    score_maximum REAL, activity TEXT NOT NULL, grading TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '', timestamp TEXT NOT NULL, received_at TEXT NOT NULL,
    PRIMARY KEY (line_item_id, user_id)
);
CREATE TABLE IF NOT EXISTS tokens (
    digest TEXT PRIMARY KEY, scopes TEXT NOT NULL, expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS seen_jti (jti TEXT PRIMARY KEY, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS dl_requests (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, created_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, kind TEXT NOT NULL,
    summary TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '{}'
);
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    """A resource link placed in the course (by Deep Linking)."""

    id: str
    title: str
    text: str
    url: str
    custom: dict[str, str]
    created_at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LineItem:
    """A gradebook column."""

    id: int
    resource_link_id: str
    resource_id: str
    tag: str
    label: str
    score_maximum: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Score:
    """The latest score of one user in one column."""

    line_item_id: int
    user_id: str
    score_given: float | None
    score_maximum: float | None
    activity: str
    grading: str
    comment: str
    timestamp: str
    received_at: str


class PracticeStore:
    """Thread-safe access to the practice LMS's SQLite file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = path
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(SCHEMA)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction (the lock keeps threads of this process in turn)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # --- meta ----------------------------------------------------------------------
    def get_meta(self, key: str, default: str = "") -> str:
        with self.tx() as c:
            row = c.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row["value"]) if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.tx() as c:
            c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # --- links and line items ------------------------------------------------------------
    def add_link(self, link: Link) -> None:
        with self.tx() as c:
            c.execute(
                "INSERT INTO links (id, title, text, url, custom, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    link.id,
                    link.title,
                    link.text,
                    link.url,
                    json.dumps(link.custom),
                    link.created_at,
                ),
            )

    def list_links(self) -> list[Link]:
        with self.tx() as c:
            rows = c.execute("SELECT * FROM links ORDER BY created_at, id").fetchall()
        return [_link(r) for r in rows]

    def find_link(self, link_id: str) -> Link | None:
        with self.tx() as c:
            row = c.execute("SELECT * FROM links WHERE id = ?", (link_id,)).fetchone()
        return _link(row) if row else None

    def add_line_item(
        self,
        *,
        label: str,
        score_maximum: float,
        resource_link_id: str = "",
        resource_id: str = "",
        tag: str = "",
    ) -> LineItem:
        with self.tx() as c:
            cur = c.execute(
                "INSERT INTO line_items (resource_link_id, resource_id, tag, label, score_maximum) "
                "VALUES (?, ?, ?, ?, ?)",
                (resource_link_id, resource_id, tag, label, score_maximum),
            )
            item_id = int(cur.lastrowid or 0)
        found = self.find_line_item(item_id)
        assert found is not None
        return found

    def find_line_item(self, item_id: int) -> LineItem | None:
        with self.tx() as c:
            row = c.execute("SELECT * FROM line_items WHERE id = ?", (item_id,)).fetchone()
        return _line_item(row) if row else None

    def list_line_items(self, resource_link_id: str | None = None) -> list[LineItem]:
        with self.tx() as c:
            if resource_link_id is None:
                rows = c.execute("SELECT * FROM line_items ORDER BY id").fetchall()
            else:
                rows = c.execute(
                    "SELECT * FROM line_items WHERE resource_link_id = ? ORDER BY id",
                    (resource_link_id,),
                ).fetchall()
        return [_line_item(r) for r in rows]

    # --- scores --------------------------------------------------------------------------
    def put_score(self, score: Score) -> bool:
        """Keep ``score`` unless a later one is on record (AGS: an older
        timestamp never overwrites a newer result). Returns whether it was kept."""
        with self.tx() as c:
            row = c.execute(
                "SELECT timestamp FROM scores WHERE line_item_id = ? AND user_id = ?",
                (score.line_item_id, score.user_id),
            ).fetchone()
            if row is not None and str(row["timestamp"]) > score.timestamp:
                return False
            c.execute(
                "INSERT OR REPLACE INTO scores (line_item_id, user_id, score_given, score_maximum, "
                "activity, grading, comment, timestamp, received_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    score.line_item_id,
                    score.user_id,
                    score.score_given,
                    score.score_maximum,
                    score.activity,
                    score.grading,
                    score.comment,
                    score.timestamp,
                    score.received_at,
                ),
            )
            return True

    def list_scores(self, line_item_id: int | None = None) -> list[Score]:
        with self.tx() as c:
            if line_item_id is None:
                rows = c.execute("SELECT * FROM scores").fetchall()
            else:
                rows = c.execute(
                    "SELECT * FROM scores WHERE line_item_id = ?", (line_item_id,)
                ).fetchall()
        return [Score(**dict(r)) for r in rows]

    # --- access tokens and replay guards -----------------------------------------------------
    def add_token(self, digest: str, scopes: list[str], expires_at: float) -> None:
        with self.tx() as c:
            c.execute("DELETE FROM tokens WHERE expires_at < ?", (expires_at - 7200,))
            c.execute(
                "INSERT INTO tokens (digest, scopes, expires_at) VALUES (?, ?, ?)",
                (digest, " ".join(scopes), expires_at),
            )

    def find_token(self, digest: str) -> tuple[list[str], float] | None:
        with self.tx() as c:
            row = c.execute(
                "SELECT scopes, expires_at FROM tokens WHERE digest = ?", (digest,)
            ).fetchone()
        if row is None:
            return None
        return str(row["scopes"]).split(), float(row["expires_at"])

    def take_jti(self, jti: str, expires_at: float, now: float) -> bool:
        """Record a JWT id once; ``False`` if it was seen already (a replay)."""
        with self.tx() as c:
            c.execute("DELETE FROM seen_jti WHERE expires_at < ?", (now,))
            try:
                c.execute("INSERT INTO seen_jti (jti, expires_at) VALUES (?, ?)", (jti, expires_at))
            except sqlite3.IntegrityError:
                return False
        return True

    def add_dl_request(self, request_id: str, user_id: str, now: float) -> None:
        with self.tx() as c:
            c.execute(
                "INSERT INTO dl_requests (id, user_id, created_at) VALUES (?, ?, ?)",
                (request_id, user_id, now),
            )

    def take_dl_request(self, request_id: str, max_age: float, now: float) -> str | None:
        """The user of an unused, recent Deep Linking request, marking it used."""
        with self.tx() as c:
            row = c.execute(
                "SELECT user_id, created_at, used FROM dl_requests WHERE id = ?", (request_id,)
            ).fetchone()
            if row is None or row["used"] or now - float(row["created_at"]) > max_age:
                return None
            c.execute("UPDATE dl_requests SET used = 1 WHERE id = ?", (request_id,))
        return str(row["user_id"])

    # --- the message log -----------------------------------------------------------------
    def log(self, at: str, kind: str, summary: str, detail: dict[str, Any] | None = None) -> None:
        with self.tx() as c:
            c.execute(
                "INSERT INTO log (at, kind, summary, detail) VALUES (?, ?, ?, ?)",
                (at, kind, summary, json.dumps(detail or {}, indent=2, sort_keys=True)),
            )
            c.execute("DELETE FROM log WHERE id <= (SELECT MAX(id) FROM log) - 200")

    def list_log(self, limit: int = 60) -> list[dict[str, Any]]:
        with self.tx() as c:
            rows = c.execute("SELECT * FROM log ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]

    def last_log(self, kind: str) -> dict[str, Any] | None:
        with self.tx() as c:
            row = c.execute(
                "SELECT * FROM log WHERE kind = ? ORDER BY id DESC LIMIT 1", (kind,)
            ).fetchone()
        return dict(row) if row else None


def _link(row: sqlite3.Row) -> Link:
    return Link(
        id=row["id"],
        title=row["title"],
        text=row["text"],
        url=row["url"],
        custom=json.loads(row["custom"]),
        created_at=row["created_at"],
    )


def _line_item(row: sqlite3.Row) -> LineItem:
    return LineItem(
        id=int(row["id"]),
        resource_link_id=row["resource_link_id"],
        resource_id=row["resource_id"],
        tag=row["tag"],
        label=row["label"],
        score_maximum=float(row["score_maximum"]),
    )
