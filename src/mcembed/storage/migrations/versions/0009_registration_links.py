"""LTI registration links: single-use, expiring links that open Dynamic
Registration (only the SHA-256 of each secret is kept).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _stamp() -> sa.types.TypeEngine[Any]:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "lti_registration_links",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.Column("expires_at", _stamp(), nullable=False),
        sa.Column("used_at", _stamp(), nullable=True),
        sa.Column("document", _json(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("lti_registration_links")
