"""The first schema: packs, credentials, stacks, people, submissions, reviews, awards.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

OPEN_STATES = "state IN ('draft', 'submitted', 'in_review', 'needs_revision', 'resubmitted')"


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _stamp() -> sa.types.TypeEngine[Any]:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"

    op.create_table(
        "packs",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("issuer", _json(), nullable=False),
        sa.Column("loaded_at", _stamp(), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
    )
    op.create_table(
        "credentials",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("version", sa.String(40), primary_key=True),
        sa.Column("pack_id", sa.String(80), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("is_latest", sa.Boolean, nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.Column("search", sa.Text if sqlite else postgresql.TSVECTOR, nullable=True),
    )
    if sqlite:
        op.execute(
            "CREATE VIRTUAL TABLE credential_search USING fts5("
            "credential_id UNINDEXED, name, summary, addresses, rest, "
            "tokenize = 'porter unicode61')"
        )
    else:
        op.create_index("ix_credentials_search", "credentials", ["search"], postgresql_using="gin")
    op.create_table(
        "credential_tags",
        sa.Column("credential_id", sa.String(80), primary_key=True),
        sa.Column("tag", sa.String(120), primary_key=True),
    )
    op.create_index("ix_credential_tags_tag", "credential_tags", ["tag"])
    op.create_table(
        "credential_alignments",
        sa.Column("credential_id", sa.String(80), primary_key=True),
        sa.Column("n", sa.Integer, primary_key=True),
        sa.Column("framework", sa.Text, nullable=False),
        sa.Column("code", sa.Text, nullable=False),
    )
    op.create_table(
        "stacks",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("version", sa.String(40), primary_key=True),
        sa.Column("pack_id", sa.String(80), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("is_latest", sa.Boolean, nullable=False),
        sa.Column("document", _json(), nullable=False),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("credential_id", sa.String(80), nullable=False),
        sa.Column("credential_version", sa.String(40), nullable=False),
        sa.Column("learner_id", sa.String(255), nullable=False),
        sa.Column("course_id", sa.String(255), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("items", _json(), nullable=False),
        sa.Column("attempts", _json(), nullable=False),
        sa.Column("history", _json(), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.Column("updated_at", _stamp(), nullable=False),
    )
    op.create_index("ix_submissions_course", "submissions", ["course_id", "updated_at"])
    op.create_index("ix_submissions_learner", "submissions", ["learner_id", "credential_id"])
    op.create_index(
        "uq_submissions_open",
        "submissions",
        ["learner_id", "credential_id", "course_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_STATES),
        postgresql_where=sa.text(OPEN_STATES),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("submission_id", sa.String(40), sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("reviewer_id", sa.String(255), nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.Column("created_at", _stamp(), nullable=False),
    )
    op.create_index("ix_reviews_submission_id", "reviews", ["submission_id"])
    op.create_table(
        "self_assessments",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("submission_id", sa.String(40), sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.Column("created_at", _stamp(), nullable=False),
    )
    op.create_index("ix_self_assessments_submission_id", "self_assessments", ["submission_id"])
    op.create_table(
        "awards",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("credential_id", sa.String(80), nullable=False),
        sa.Column("credential_version", sa.String(40), nullable=False),
        sa.Column("learner_id", sa.String(255), nullable=False),
        sa.Column("course_id", sa.String(255), nullable=False),
        sa.Column("submission_id", sa.String(40), sa.ForeignKey("submissions.id"), nullable=True, unique=True),
        sa.Column("issued_at", _stamp(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("document", _json(), nullable=False),
    )
    op.create_index("ix_awards_learner", "awards", ["learner_id", "course_id"])
    op.create_index("ix_awards_course", "awards", ["course_id", "issued_at"])
    op.create_index(
        "uq_awards_stack",
        "awards",
        ["learner_id", "credential_id", "course_id"],
        unique=True,
        sqlite_where=sa.text("kind = 'stack'"),
        postgresql_where=sa.text("kind = 'stack'"),
    )


def downgrade() -> None:
    for name in (
        "awards", "self_assessments", "reviews", "submissions",
        "people", "stacks", "credential_alignments", "credential_tags", "credentials", "packs",
    ):
        op.drop_table(name)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS credential_search")
