"""Catalog search on PostgreSQL: each credential's search vector kept in its row.

A credential's weighted ``tsvector`` is about 2 KB, so PostgreSQL moved it out
of the row into the TOAST table, and a search that matches most of a large
catalog fetched it from there for every match, to test and to rank it. Stored
``MAIN`` (compressed in the row; lz4 where the server has it, which
decompresses several times faster than the default), the vectors are read
with their rows. Existing vectors are rewritten once so they take the new form.
SQLite keeps its search in FTS5 and needs nothing.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from alembic import op
from sqlalchemy import text

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _lz4() -> bool:
    found = op.get_bind().execute(
        text(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
            "WHERE name = 'default_toast_compression'"
        )
    )
    return bool(found.scalar())


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE credentials ALTER COLUMN search SET STORAGE MAIN")
    if _lz4():
        op.execute("ALTER TABLE credentials ALTER COLUMN search SET COMPRESSION lz4")
    # a new value (not the stored one handed back) is compressed and placed anew
    op.execute("UPDATE credentials SET search = search || ''::tsvector WHERE search IS NOT NULL")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE credentials ALTER COLUMN search SET STORAGE EXTENDED")
    op.execute("ALTER TABLE credentials ALTER COLUMN search SET COMPRESSION DEFAULT")
