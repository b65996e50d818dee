"""Programme analytics: covering indexes on the fact tables, so the
whole-programme figures (grouped by credential, medians per credential and per
reviewer) read presorted index-only scans on PostgreSQL instead of sorting
every review and award. On SQLite they are plain indexes on the same keys.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_review_facts_reviewer", table_name="review_facts")
    op.create_index(
        "ix_review_facts_reviewer",
        "review_facts",
        ["reviewer_id"],
        postgresql_include=["reviewed_at", "turnaround_seconds"],
    )
    op.create_index(
        "ix_review_facts_credential",
        "review_facts",
        ["credential_id"],
        postgresql_include=["reviewed_at", "turnaround_seconds", "reviewer_id"],
    )
    op.create_index(
        "ix_award_facts_credential",
        "award_facts",
        ["credential_id"],
        postgresql_include=["kind", "revoked", "issued_at", "started_at", "attempts"],
    )


def downgrade() -> None:
    op.drop_index("ix_award_facts_credential", table_name="award_facts")
    op.drop_index("ix_review_facts_credential", table_name="review_facts")
    op.drop_index("ix_review_facts_reviewer", table_name="review_facts")
    op.create_index("ix_review_facts_reviewer", "review_facts", ["reviewer_id"])
