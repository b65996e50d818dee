"""Catalog search on SQLite: which full-text row holds each credential.

The FTS5 table keeps the credential id in an unindexed column, so a tag or
alignment filter had to read every match's stored row to test it, and replacing
a credential scanned the whole table to find its old row. This table maps the
credential id to the full-text row id: filters test the row id (kept in the
index) and a replaced credential's row is found by key. PostgreSQL keeps its
search vector in the credentials table and needs nothing.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE credential_search_rows ("
        "credential_id VARCHAR(80) NOT NULL PRIMARY KEY, "
        "search_rowid INTEGER NOT NULL)"
    )
    # one full-text row per credential (replacing deletes the old one); the
    # newest wins should an older database hold two
    op.execute(
        "INSERT OR REPLACE INTO credential_search_rows (credential_id, search_rowid) "
        "SELECT credential_id, rowid FROM credential_search ORDER BY rowid"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE credential_search_rows")
