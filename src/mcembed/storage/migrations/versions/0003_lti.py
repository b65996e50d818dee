"""LTI: platforms, deployments, login states, launches, placements, grade deliveries,
rosters and the tool's keys.

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-01
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _stamp() -> sa.types.TypeEngine[Any]:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "lti_platforms",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("document", _json(), nullable=False),
    )
    op.create_index("uq_lti_platforms_client", "lti_platforms", ["issuer", "client_id"], unique=True)
    op.create_table(
        "lti_deployments",
        sa.Column("platform_id", sa.String(40), sa.ForeignKey("lti_platforms.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("deployment_id", sa.String(255), primary_key=True),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.Column("document", _json(), nullable=False),
    )
    op.create_table(
        "lti_login_states",
        sa.Column("state", sa.String(100), primary_key=True),
        sa.Column("expires_at", _stamp(), nullable=False),
        sa.Column("document", _json(), nullable=False),
    )
    op.create_index("ix_lti_login_states_expires_at", "lti_login_states", ["expires_at"])
    op.create_table(
        "lti_launches",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("expires_at", _stamp(), nullable=False),
        sa.Column("document", _json(), nullable=False),
    )
    op.create_index("ix_lti_launches_expires_at", "lti_launches", ["expires_at"])
    op.create_table(
        "lti_placements",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("course_id", sa.String(255), nullable=False),
        sa.Column("resource_link_id", sa.String(255), nullable=False),
        sa.Column("credential_id", sa.String(80), nullable=False),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.Column("document", _json(), nullable=False),
    )
    op.create_index("uq_lti_placements_link", "lti_placements", ["course_id", "resource_link_id"], unique=True)
    op.create_table(
        "grade_deliveries",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("course_id", sa.String(255), nullable=False),
        sa.Column("placement_id", sa.String(40), nullable=False),
        sa.Column("person_id", sa.String(255), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", _stamp(), nullable=False),
        sa.Column("lease_until", _stamp(), nullable=True),
        sa.Column("claim_token", sa.String(64), nullable=False),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.Column("document", _json(), nullable=False),
    )
    op.create_index("ix_grade_deliveries_due", "grade_deliveries", ["state", "next_attempt_at"])
    op.create_index("ix_grade_deliveries_course", "grade_deliveries", ["course_id", "created_at"])
    op.create_index("ix_grade_deliveries_target", "grade_deliveries", ["placement_id", "person_id"])
    op.create_table(
        "lti_roster",
        sa.Column("course_id", sa.String(255), primary_key=True),
        sa.Column("person_id", sa.String(255), primary_key=True),
        sa.Column("document", _json(), nullable=False),
    )
    op.create_table(
        "lti_tool_keys",
        sa.Column("kid", sa.String(80), primary_key=True),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.Column("document", _json(), nullable=False),
    )


def downgrade() -> None:
    for name in (
        "lti_tool_keys", "lti_roster", "grade_deliveries", "lti_placements",
        "lti_launches", "lti_login_states", "lti_deployments", "lti_platforms",
    ):
        op.drop_table(name)
