"""REST API: tokens (only the SHA-256 of each secret) and the first answers to
requests retried with an Idempotency-Key.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _stamp() -> sa.types.TypeEngine[Any]:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("person_id", sa.String(255), nullable=False),
        sa.Column("course_id", sa.String(255), nullable=False),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.Column("document", _json(), nullable=False),
    )
    op.create_index("ix_api_tokens_person", "api_tokens", ["person_id", "course_id"])
    op.create_table(
        "api_idempotency",
        sa.Column("owner_id", sa.String(255), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.Column("document", _json(), nullable=False),
    )
    op.create_index("ix_api_idempotency_created", "api_idempotency", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_api_idempotency_created", table_name="api_idempotency")
    op.drop_table("api_idempotency")
    op.drop_index("ix_api_tokens_person", table_name="api_tokens")
    op.drop_table("api_tokens")
