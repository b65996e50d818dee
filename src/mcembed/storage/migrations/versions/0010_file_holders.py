"""Who holds each stored file: submissions (their items and every attempt) and
packs (their images and check modules), for the learners' storage quota and for
deleting files nothing holds any more. The holdings of the data stored before
are derived here.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_REF = re.compile(r"sha256:([0-9a-f]{64})")
_BATCH = 1000


def _blobs(items: Any) -> Iterator[tuple[str, int]]:
    for item in items or ():
        blob = item.get("blob") if isinstance(item, dict) else None
        if isinstance(blob, dict) and blob.get("sha256"):
            yield str(blob["sha256"]), int(blob.get("size") or 0)


def _submission_rows(conn: Any) -> Iterator[dict[str, Any]]:
    s = sa.table(
        "submissions",
        sa.column("id"),
        sa.column("learner_id"),
        sa.column("items", sa.JSON),
        sa.column("attempts", sa.JSON),
    )
    for row in conn.execute(sa.select(s.c.id, s.c.learner_id, s.c["items"], s.c.attempts)):
        files = dict(_blobs(row[2]))
        for attempt in row.attempts or ():
            files.update(_blobs(attempt.get("items")))
        for sha, size in files.items():
            yield {"sha256": sha, "holder_id": row.id, "learner_id": row.learner_id, "size": size}


def _pack_rows(conn: Any) -> Iterator[dict[str, Any]]:
    """Every ``sha256:`` reference in a pack's issuer, credentials and stacks
    (images, check modules); their sizes are not known here (0)."""
    seen: set[tuple[str, str]] = set()
    sources = [
        ("packs", "id", "issuer"),
        ("credentials", "pack_id", "document"),
        ("stacks", "pack_id", "document"),
    ]
    for name, pack_column, document in sources:
        table = sa.table(name, sa.column(pack_column), sa.column(document, sa.JSON))
        for pack_id, doc in conn.execute(sa.select(table.c[pack_column], table.c[document])):
            for sha in _REF.findall(json.dumps(doc)):
                if (sha, pack_id) not in seen:
                    seen.add((sha, pack_id))
                    yield {
                        "sha256": sha,
                        "holder_id": f"pack:{pack_id}",
                        "learner_id": "",
                        "size": 0,
                    }


def upgrade() -> None:
    op.create_table(
        "file_holders",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("holder_id", sa.String(120), primary_key=True),
        sa.Column("learner_id", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_file_holders_holder", "file_holders", ["holder_id"])
    op.create_index("ix_file_holders_learner", "file_holders", ["learner_id"])
    conn = op.get_bind()
    holders = sa.table(
        "file_holders",
        sa.column("sha256"),
        sa.column("holder_id"),
        sa.column("learner_id"),
        sa.column("size"),
    )
    for rows in (_submission_rows(conn), _pack_rows(conn)):
        while batch := list(itertools.islice(rows, _BATCH)):
            conn.execute(sa.insert(holders), batch)


def downgrade() -> None:
    op.drop_index("ix_file_holders_learner", table_name="file_holders")
    op.drop_index("ix_file_holders_holder", table_name="file_holders")
    op.drop_table("file_holders")
