"""Schema migrations with Alembic, run from code (``mcembed db upgrade``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from ..errors import ConfigError

__all__ = ["current_revision", "ensure_current", "head_revision", "upgrade"]

_LOCK_ID = 0x6D63656D  # "mcem": serialises concurrent upgrades on PostgreSQL


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to ``revision`` (default: the newest)."""
    cfg = _config()
    from .sqlalchemy import begin

    with begin(engine) as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def ensure_current(engine: Engine, *, migrate: bool) -> None:
    """Upgrade when allowed; otherwise refuse to run on an outdated schema."""
    if current_revision(engine) == head_revision():
        return
    if migrate:
        upgrade(engine)
        return
    raise ConfigError(
        f"The database at {engine.url.render_as_string(hide_password=True)} is not at the "
        "current schema; run `mcembed db upgrade` (or set MCEMBED_AUTO_MIGRATE=true)."
    )
