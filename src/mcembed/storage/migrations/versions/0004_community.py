"""Community: cohorts (facilitators, targets, members, notes), notifications,
recommendations, goals, evidence shares, share links, the expertise directory,
and the submission, review, "not yet" and award facts that boards and analytics
read (derived here for the data stored before).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NON_EMPTY_KEY = "key <> ''"


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _stamp() -> sa.types.TypeEngine[Any]:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cohorts",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("course_id", sa.String(255), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("document", _json(), nullable=False),
    )
    op.create_index("ix_cohorts_course", "cohorts", ["course_id"])
    op.create_table(
        "cohort_facilitators",
        sa.Column("cohort_id", sa.String(40), sa.ForeignKey("cohorts.id"), primary_key=True),
        sa.Column("person_id", sa.String(255), primary_key=True),
    )
    op.create_index("ix_cohort_facilitators_person", "cohort_facilitators", ["person_id"])
    op.create_table(
        "cohort_targets",
        sa.Column("cohort_id", sa.String(40), sa.ForeignKey("cohorts.id"), primary_key=True),
        sa.Column("credential_id", sa.String(80), primary_key=True),
    )
    op.create_table(
        "cohort_members",
        sa.Column("cohort_id", sa.String(40), sa.ForeignKey("cohorts.id"), primary_key=True),
        sa.Column("person_id", sa.String(255), primary_key=True),
        sa.Column("course_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("document", _json(), nullable=False),
    )
    op.create_index("ix_cohort_members_person", "cohort_members", ["person_id", "course_id"])
    op.create_table(
        "cohort_notes",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("cohort_id", sa.String(40), sa.ForeignKey("cohorts.id"), nullable=False),
        sa.Column("member_id", sa.String(255), nullable=False),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.Column("document", _json(), nullable=False),
    )
    op.create_index(
        "ix_cohort_notes_member", "cohort_notes", ["cohort_id", "member_id", "created_at"]
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("person_id", sa.String(255), nullable=False),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.Column("read_at", _stamp(), nullable=True),
        sa.Column("document", _json(), nullable=False),
    )
    op.create_index("ix_notifications_person", "notifications", ["person_id", "created_at"])
    op.create_index(
        "uq_notifications_key",
        "notifications",
        ["person_id", "key"],
        unique=True,
        sqlite_where=sa.text(NON_EMPTY_KEY),
        postgresql_where=sa.text(NON_EMPTY_KEY),
    )
    op.create_table(
        "recommendations",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("recipient_id", sa.String(255), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("course_id", sa.String(255), nullable=False),
        sa.Column("credential_id", sa.String(80), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.Column("reported_at", _stamp(), nullable=True),
        sa.Column("document", _json(), nullable=False),
    )
    op.create_index(
        "ix_recommendations_recipient",
        "recommendations",
        ["recipient_id", "course_id", "created_at"],
    )
    op.create_index(
        "ix_recommendations_sender", "recommendations", ["sender_id", "course_id", "created_at"]
    )
    op.create_index("ix_recommendations_reported", "recommendations", ["reported_at"])
    op.create_table(
        "goals",
        sa.Column("person_id", sa.String(255), primary_key=True),
        sa.Column("credential_id", sa.String(80), primary_key=True),
        sa.Column("course_id", sa.String(255), primary_key=True),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.Column("document", _json(), nullable=False),
    )
    op.create_table(
        "evidence_shares",
        sa.Column("award_id", sa.String(40), sa.ForeignKey("awards.id"), primary_key=True),
        sa.Column("learner_id", sa.String(255), nullable=False),
        sa.Column("document", _json(), nullable=False),
    )
    op.create_index("ix_evidence_shares_learner_id", "evidence_shares", ["learner_id"])
    op.create_table(
        "share_links",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("learner_id", sa.String(255), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.Column("revoked_at", _stamp(), nullable=True),
        sa.Column("document", _json(), nullable=False),
    )
    op.create_index("ix_share_links_learner_id", "share_links", ["learner_id"])
    op.create_table(
        "directory_listings",
        sa.Column("person_id", sa.String(255), primary_key=True),
        sa.Column("credential_id", sa.String(80), primary_key=True),
        sa.Column("created_at", _stamp(), nullable=False),
    )
    op.create_table(
        "submission_facts",
        sa.Column("submission_id", sa.String(40), primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("credential_id", sa.String(80), nullable=False),
        sa.Column("course_id", sa.String(255), nullable=False),
        sa.Column("learner_id", sa.String(255), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("started_at", _stamp(), nullable=False),
        sa.Column("first_submitted_at", _stamp(), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("needs_revision_since", _stamp(), nullable=True),
        sa.Column("last_activity_at", _stamp(), nullable=False),
    )
    op.create_index(
        "ix_submission_facts_scope",
        "submission_facts",
        ["course_id", "credential_id", "learner_id"],
    )
    op.create_index(
        "ix_submission_facts_learner", "submission_facts", ["learner_id", "course_id"]
    )
    op.create_table(
        "review_facts",
        sa.Column("review_id", sa.String(40), primary_key=True),
        sa.Column("submission_id", sa.String(40), nullable=False),
        sa.Column("credential_id", sa.String(80), nullable=False),
        sa.Column("course_id", sa.String(255), nullable=False),
        sa.Column("learner_id", sa.String(255), nullable=False),
        sa.Column("reviewer_id", sa.String(255), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("submitted_at", _stamp(), nullable=True),
        sa.Column("reviewed_at", _stamp(), nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("turnaround_seconds", sa.Float, nullable=True),
    )
    op.create_index(
        "ix_review_facts_scope", "review_facts", ["course_id", "credential_id", "reviewed_at"]
    )
    op.create_index("ix_review_facts_reviewer", "review_facts", ["reviewer_id"])
    op.create_index("ix_review_facts_learner", "review_facts", ["learner_id", "course_id"])
    op.create_table(
        "review_unmet",
        sa.Column("review_id", sa.String(40), primary_key=True),
        sa.Column("criterion_id", sa.String(80), primary_key=True),
        sa.Column("credential_id", sa.String(80), nullable=False),
        sa.Column("course_id", sa.String(255), nullable=False),
        sa.Column("learner_id", sa.String(255), nullable=False),
        sa.Column("reviewed_at", _stamp(), nullable=False),
    )
    op.create_index(
        "ix_review_unmet_scope", "review_unmet", ["course_id", "credential_id", "reviewed_at"]
    )
    op.create_index("ix_review_unmet_learner", "review_unmet", ["learner_id", "course_id"])
    op.create_table(
        "award_facts",
        sa.Column("award_id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("credential_id", sa.String(80), nullable=False),
        sa.Column("course_id", sa.String(255), nullable=False),
        sa.Column("learner_id", sa.String(255), nullable=False),
        sa.Column("submission_id", sa.String(40), nullable=True),
        sa.Column("issued_at", _stamp(), nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
        sa.Column("started_at", _stamp(), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=True),
    )
    op.create_index(
        "ix_award_facts_scope", "award_facts", ["course_id", "credential_id", "issued_at"]
    )
    op.create_index("ix_award_facts_learner", "award_facts", ["learner_id", "course_id"])

    # facts of the submissions, reviews and awards stored before this revision
    from mcembed.storage.facts_sql import backfill_facts

    backfill_facts(op.get_bind())


def downgrade() -> None:
    for name in (
        "award_facts",
        "review_unmet",
        "review_facts",
        "submission_facts",
        "directory_listings",
        "share_links",
        "evidence_shares",
        "goals",
        "recommendations",
        "notifications",
        "cohort_notes",
        "cohort_members",
        "cohort_targets",
        "cohort_facilitators",
        "cohorts",
    ):
        op.drop_table(name)
