"""The SQL tables (SQLAlchemy Core). Private to the storage package.

Nested values (evidence items, scores, decisions, credential documents) are
kept as JSON; what is filtered, joined or ordered on has its own column.
Migrations (``migrations/versions``) create exactly these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR

metadata = MetaData()

Json = JSON().with_variant(JSONB(), "postgresql")
Stamp = DateTime(timezone=True)

OPEN_STATES_SQL = "state IN ('draft', 'submitted', 'in_review', 'needs_revision', 'resubmitted')"

packs = Table(
    "packs",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("issuer", Json, nullable=False),
    Column("loaded_at", Stamp, nullable=False),
    Column("source", Text, nullable=False, default=""),
)

credentials = Table(
    "credentials",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("version", String(40), primary_key=True),
    Column("pack_id", String(80), nullable=False),
    Column("name", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("is_latest", Boolean, nullable=False),
    Column("document", Json, nullable=False),
    Column("search", TSVECTOR().with_variant(Text(), "sqlite"), nullable=True),
)

credential_tags = Table(
    "credential_tags",
    metadata,
    Column("credential_id", String(80), primary_key=True),
    Column("tag", String(120), primary_key=True),
)

credential_alignments = Table(
    "credential_alignments",
    metadata,
    Column("credential_id", String(80), primary_key=True),
    Column("n", Integer, primary_key=True),
    Column("framework", Text, nullable=False),
    Column("code", Text, nullable=False),
)

stacks = Table(
    "stacks",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("version", String(40), primary_key=True),
    Column("pack_id", String(80), nullable=False),
    Column("name", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("is_latest", Boolean, nullable=False),
    Column("document", Json, nullable=False),
)

people = Table(
    "people",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("name", Text, nullable=False, default=""),
    Column("email", Text, nullable=False, default=""),
)

submissions = Table(
    "submissions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("credential_id", String(80), nullable=False),
    Column("credential_version", String(40), nullable=False),
    Column("learner_id", String(255), nullable=False),
    Column("course_id", String(255), nullable=False, default=""),
    Column("state", String(20), nullable=False),
    Column("items", Json, nullable=False),
    Column("attempts", Json, nullable=False),
    Column("history", Json, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("updated_at", Stamp, nullable=False),
    Index("ix_submissions_course", "course_id", "updated_at"),
    Index("ix_submissions_learner", "learner_id", "credential_id"),
    Index(
        "uq_submissions_open",
        "learner_id",
        "credential_id",
        "course_id",
        unique=True,
        sqlite_where=text(OPEN_STATES_SQL),
        postgresql_where=text(OPEN_STATES_SQL),
    ),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("submission_id", String(40), ForeignKey("submissions.id"), nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    Column("reviewer_id", String(255), nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("document", Json, nullable=False),
    Column("created_at", Stamp, nullable=False),
)

self_assessments = Table(
    "self_assessments",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("submission_id", String(40), ForeignKey("submissions.id"), nullable=False, index=True),
    Column("document", Json, nullable=False),
    Column("created_at", Stamp, nullable=False),
)

awards = Table(
    "awards",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("credential_id", String(80), nullable=False),
    Column("credential_version", String(40), nullable=False),
    Column("learner_id", String(255), nullable=False),
    Column("course_id", String(255), nullable=False, default=""),
    Column("submission_id", String(40), ForeignKey("submissions.id"), nullable=True, unique=True),
    Column("issued_at", Stamp, nullable=False),
    Column("status", String(20), nullable=False),
    Column("document", Json, nullable=False),
    Index("ix_awards_learner", "learner_id", "course_id"),
    Index("ix_awards_course", "course_id", "issued_at"),
    Index(
        "uq_awards_stack",
        "learner_id",
        "credential_id",
        "course_id",
        unique=True,
        sqlite_where=text("kind = 'stack'"),
        postgresql_where=text("kind = 'stack'"),
    ),
)

# Who holds each stored file: a submission (its items and every attempt) or a
# pack (``pack:<id>``). Read for the learner's storage quota and before a file
# nothing holds any more is deleted (migration 0010).
file_holders = Table(
    "file_holders",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("holder_id", String(120), primary_key=True),
    Column("learner_id", String(255), nullable=False, default=""),
    Column("size", BigInteger, nullable=False),
    Index("ix_file_holders_holder", "holder_id"),
    Index("ix_file_holders_learner", "learner_id"),
)

# --- LTI: platforms, deployments, logins, launches, placements, grades, rosters, keys ---

lti_platforms = Table(
    "lti_platforms",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("issuer", String(255), nullable=False),
    Column("client_id", String(255), nullable=False),
    Column("document", Json, nullable=False),
    Index("uq_lti_platforms_client", "issuer", "client_id", unique=True),
)

lti_deployments = Table(
    "lti_deployments",
    metadata,
    Column(
        "platform_id",
        String(40),
        ForeignKey("lti_platforms.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("deployment_id", String(255), primary_key=True),
    Column("created_at", Stamp, nullable=False),
    Column("document", Json, nullable=False),
)

lti_login_states = Table(
    "lti_login_states",
    metadata,
    Column("state", String(100), primary_key=True),
    Column("expires_at", Stamp, nullable=False, index=True),
    Column("document", Json, nullable=False),
)

lti_launches = Table(
    "lti_launches",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("expires_at", Stamp, nullable=False, index=True),
    Column("document", Json, nullable=False),
)

lti_placements = Table(
    "lti_placements",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("course_id", String(255), nullable=False),
    Column("resource_link_id", String(255), nullable=False),
    Column("credential_id", String(80), nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("document", Json, nullable=False),
    Index("uq_lti_placements_link", "course_id", "resource_link_id", unique=True),
)

grade_deliveries = Table(
    "grade_deliveries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("course_id", String(255), nullable=False),
    Column("placement_id", String(40), nullable=False),
    Column("person_id", String(255), nullable=False),
    Column("state", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Stamp, nullable=False),
    Column("lease_until", Stamp, nullable=True),
    Column("claim_token", String(64), nullable=False, default=""),
    Column("created_at", Stamp, nullable=False),
    Column("document", Json, nullable=False),
    Index("ix_grade_deliveries_due", "state", "next_attempt_at"),
    Index("ix_grade_deliveries_course", "course_id", "created_at"),
    Index("ix_grade_deliveries_target", "placement_id", "person_id"),
)

lti_roster = Table(
    "lti_roster",
    metadata,
    Column("course_id", String(255), primary_key=True),
    Column("person_id", String(255), primary_key=True),
    Column("document", Json, nullable=False),
)

lti_tool_keys = Table(
    "lti_tool_keys",
    metadata,
    Column("kid", String(80), primary_key=True),
    Column("created_at", Stamp, nullable=False),
    Column("document", Json, nullable=False),
)

lti_registration_links = Table(
    "lti_registration_links",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("created_at", Stamp, nullable=False),
    Column("expires_at", Stamp, nullable=False),
    Column("used_at", Stamp, nullable=True),
    Column("document", Json, nullable=False),
)

# --- community: cohorts, notifications, recommendations, goals, portfolio, directory ---
# and the narrow facts that boards and analytics read (kept by community_sql).

NON_EMPTY_KEY_SQL = "key <> ''"

cohorts = Table(
    "cohorts",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("course_id", String(255), nullable=False),
    Column("name", Text, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("document", Json, nullable=False),
    Index("ix_cohorts_course", "course_id"),
)

cohort_facilitators = Table(
    "cohort_facilitators",
    metadata,
    Column("cohort_id", String(40), ForeignKey("cohorts.id"), primary_key=True),
    Column("person_id", String(255), primary_key=True),
    Index("ix_cohort_facilitators_person", "person_id"),
)

cohort_targets = Table(
    "cohort_targets",
    metadata,
    Column("cohort_id", String(40), ForeignKey("cohorts.id"), primary_key=True),
    Column("credential_id", String(80), primary_key=True),
)

cohort_members = Table(
    "cohort_members",
    metadata,
    Column("cohort_id", String(40), ForeignKey("cohorts.id"), primary_key=True),
    Column("person_id", String(255), primary_key=True),
    Column("course_id", String(255), nullable=False),
    Column("status", String(20), nullable=False),
    Column("name", Text, nullable=False),
    Column("document", Json, nullable=False),
    Index("ix_cohort_members_person", "person_id", "course_id"),
)

cohort_notes = Table(
    "cohort_notes",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("cohort_id", String(40), ForeignKey("cohorts.id"), nullable=False),
    Column("member_id", String(255), nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("document", Json, nullable=False),
    Index("ix_cohort_notes_member", "cohort_id", "member_id", "created_at"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("person_id", String(255), nullable=False),
    Column("key", String(400), nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("read_at", Stamp, nullable=True),
    Column("document", Json, nullable=False),
    Index("ix_notifications_person", "person_id", "created_at"),
    Index(
        "uq_notifications_key",
        "person_id",
        "key",
        unique=True,
        sqlite_where=text(NON_EMPTY_KEY_SQL),
        postgresql_where=text(NON_EMPTY_KEY_SQL),
    ),
)

recommendations = Table(
    "recommendations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("recipient_id", String(255), nullable=False),
    Column("sender_id", String(255), nullable=False),
    Column("course_id", String(255), nullable=False),
    Column("credential_id", String(80), nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("reported_at", Stamp, nullable=True),
    Column("document", Json, nullable=False),
    Index("ix_recommendations_recipient", "recipient_id", "course_id", "created_at"),
    Index("ix_recommendations_sender", "sender_id", "course_id", "created_at"),
    Index("ix_recommendations_reported", "reported_at"),
)

goals = Table(
    "goals",
    metadata,
    Column("person_id", String(255), primary_key=True),
    Column("credential_id", String(80), primary_key=True),
    Column("course_id", String(255), primary_key=True),
    Column("created_at", Stamp, nullable=False),
    Column("document", Json, nullable=False),
)

evidence_shares = Table(
    "evidence_shares",
    metadata,
    Column("award_id", String(40), ForeignKey("awards.id"), primary_key=True),
    Column("learner_id", String(255), nullable=False, index=True),
    Column("document", Json, nullable=False),
)

share_links = Table(
    "share_links",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("learner_id", String(255), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", Stamp, nullable=False),
    Column("revoked_at", Stamp, nullable=True),
    Column("document", Json, nullable=False),
)

directory_listings = Table(
    "directory_listings",
    metadata,
    Column("person_id", String(255), primary_key=True),
    Column("credential_id", String(80), primary_key=True),
    Column("created_at", Stamp, nullable=False),
)

submission_facts = Table(
    "submission_facts",
    metadata,
    Column("submission_id", String(40), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("credential_id", String(80), nullable=False),
    Column("course_id", String(255), nullable=False),
    Column("learner_id", String(255), nullable=False),
    Column("state", String(20), nullable=False),
    Column("started_at", Stamp, nullable=False),
    Column("first_submitted_at", Stamp, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("needs_revision_since", Stamp, nullable=True),
    Column("last_activity_at", Stamp, nullable=False),
    Index("ix_submission_facts_scope", "course_id", "credential_id", "learner_id"),
    Index("ix_submission_facts_learner", "learner_id", "course_id"),
)

review_facts = Table(
    "review_facts",
    metadata,
    Column("review_id", String(40), primary_key=True),
    Column("submission_id", String(40), nullable=False),
    Column("credential_id", String(80), nullable=False),
    Column("course_id", String(255), nullable=False),
    Column("learner_id", String(255), nullable=False),
    Column("reviewer_id", String(255), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("submitted_at", Stamp, nullable=True),
    Column("reviewed_at", Stamp, nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("turnaround_seconds", Float, nullable=True),
    Index("ix_review_facts_scope", "course_id", "credential_id", "reviewed_at"),
    # covering (PostgreSQL): per-reviewer and per-credential figures and their
    # medians read presorted index-only scans (migration 0006)
    Index(
        "ix_review_facts_reviewer",
        "reviewer_id",
        postgresql_include=["reviewed_at", "turnaround_seconds"],
    ),
    Index(
        "ix_review_facts_credential",
        "credential_id",
        postgresql_include=["reviewed_at", "turnaround_seconds", "reviewer_id"],
    ),
    Index("ix_review_facts_learner", "learner_id", "course_id"),
)

review_unmet = Table(
    "review_unmet",
    metadata,
    Column("review_id", String(40), primary_key=True),
    Column("criterion_id", String(80), primary_key=True),
    Column("credential_id", String(80), nullable=False),
    Column("course_id", String(255), nullable=False),
    Column("learner_id", String(255), nullable=False),
    Column("reviewed_at", Stamp, nullable=False),
    Index("ix_review_unmet_scope", "course_id", "credential_id", "reviewed_at"),
    Index("ix_review_unmet_learner", "learner_id", "course_id"),
)

award_facts = Table(
    "award_facts",
    metadata,
    Column("award_id", String(40), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("credential_id", String(80), nullable=False),
    Column("course_id", String(255), nullable=False),
    Column("learner_id", String(255), nullable=False),
    Column("submission_id", String(40), nullable=True),
    Column("issued_at", Stamp, nullable=False),
    Column("revoked", Boolean, nullable=False),
    Column("started_at", Stamp, nullable=True),
    Column("attempts", Integer, nullable=True),
    Index("ix_award_facts_scope", "course_id", "credential_id", "issued_at"),
    Index(
        "ix_award_facts_credential",
        "credential_id",
        postgresql_include=["kind", "revoked", "issued_at", "started_at", "attempts"],
    ),
    Index("ix_award_facts_learner", "learner_id", "course_id"),
)

# --- the REST API: tokens (hashed) and the first answers to idempotent retries ---------

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("person_id", String(255), nullable=False),
    Column("course_id", String(255), nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("document", Json, nullable=False),
    Index("ix_api_tokens_person", "person_id", "course_id"),
)

api_idempotency = Table(
    "api_idempotency",
    metadata,
    Column("owner_id", String(255), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("created_at", Stamp, nullable=False),
    Column("document", Json, nullable=False),
    Index("ix_api_idempotency_created", "created_at"),
)
