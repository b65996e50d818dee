"""SqlStore: the ``Store`` on SQLite (default) or PostgreSQL, with SQLAlchemy Core.

SQLite runs in WAL mode with foreign keys on, and every writing transaction
starts with ``BEGIN IMMEDIATE`` so that two writers queue instead of failing
halfway. PostgreSQL runs at READ COMMITTED; the submission ``revision`` guard
(``UPDATE ... WHERE revision = :expected``) is what keeps two reviewers from
both deciding. Catalog search uses FTS5 on SQLite and ``tsvector`` on
PostgreSQL. SQLAlchemy errors never leave this module.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import (
    Connection,
    Engine,
    Text,
    bindparam,
    cast,
    column,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal_column,
    select,
    table,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import (
    DisconnectionError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.sql.expression import CompoundSelect, Select, TextClause

from ..awards import Award, AwardKind
from ..catalog import credential_fields, discriminating_terms, query_terms
from ..codec import from_data, to_data
from ..credentials import Credential, Issuer
from ..errors import AlreadyDecided, ConfigError, Conflict, McembedError
from ..evidence import EvidenceItem
from ..people import Person
from ..reviews import Review, SelfAssessment
from ..stacks import Stack
from ..submissions import Attempt, HistoryEntry, Submission, SubmissionState
from . import tables as t
from .api_sql import ApiSqlRepositories
from .base import (
    AwardFilter,
    CatalogHit,
    CatalogQuery,
    PackRecord,
    Page,
    SubmissionFilter,
    Transaction,
)
from .community_sql import CommunitySqlRepositories
from .facts_sql import fact_params, pg_fact_upsert
from .files_sql import FilesSqlRepositories
from .lti_sql import LtiSqlRepositories

__all__ = ["SqlStore", "StorageError", "make_engine"]


class StorageError(McembedError):
    """The database failed in a way the caller cannot fix (connection lost, disk full)."""


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything stored is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


_FTS_TERM = re.compile(r"[^a-z0-9]")
# The SQLite FTS5 table (created by the migration; SQLite only).
_FTS = table("credential_search", column("credential_id"))
# Which full-text row holds each credential (SQLite only, from migration 0007).
_FTS_ROWS = table("credential_search_rows", column("credential_id"), column("search_rowid"))
_FREQUENCY_TTL = 60.0


class _Q:
    """Statements of the hot paths, built once: building a statement costs more
    than SQLite takes to run it."""

    c = t.credentials
    term_frequency = text("SELECT count(*) FROM credential_search WHERE credential_search MATCH :m")
    search_delete = text(
        "DELETE FROM credential_search WHERE rowid = "
        "(SELECT search_rowid FROM credential_search_rows WHERE credential_id = :id)"
    )
    search_insert = text(
        "INSERT INTO credential_search (credential_id, name, summary, addresses, rest) "
        "VALUES (:id, :name, :summary, :addresses, :rest)"
    )
    search_row = text(
        "INSERT OR REPLACE INTO credential_search_rows (credential_id, search_rowid) "
        "VALUES (:id, :rowid)"
    )
    credential_cols = (c.c.id, c.c.version, c.c.content_hash, c.c.document)
    credential_latest = select(*credential_cols).where(c.c.id == bindparam("id"), c.c.is_latest)
    credential_version = select(*credential_cols).where(
        c.c.id == bindparam("id"), c.c.version == bindparam("version")
    )
    # The JSON columns come as text: a submission already parsed at this
    # revision (the common case: this process wrote it) is not parsed again.
    submission_cols = (
        *(col for col in t.submissions.c if col.name not in ("items", "attempts", "history")),
        cast(t.submissions.c["items"], Text).label("items"),
        cast(t.submissions.c["attempts"], Text).label("attempts"),
        cast(t.submissions.c["history"], Text).label("history"),
    )
    submission = select(*submission_cols).where(t.submissions.c.id == bindparam("sid"))
    open_submission = select(*submission_cols).where(
        t.submissions.c.learner_id == bindparam("learner"),
        t.submissions.c.credential_id == bindparam("credential"),
        t.submissions.c.course_id == bindparam("course"),
        text(t.OPEN_STATES_SQL),
    )
    submission_insert = insert(t.submissions)
    submission_update = (
        update(t.submissions)
        .where(
            t.submissions.c.id == bindparam("sid"),
            t.submissions.c.revision == bindparam("expected"),
        )
        .values(
            state=bindparam("state"),
            items=bindparam("items"),
            attempts=bindparam("attempts"),
            history=bindparam("history"),
            revision=bindparam("new_revision"),
            updated_at=bindparam("updated_at"),
        )
    )
    latest_stacks = (
        select(t.stacks.c.id, t.stacks.c.version)
        .where(t.stacks.c.is_latest)
        .order_by(func.lower(t.stacks.c.name), t.stacks.c.id)
    )
    latest_stacks_of_pack = latest_stacks.where(t.stacks.c.pack_id == bindparam("pack"))
    review_insert = insert(t.reviews)
    award_insert = insert(t.awards)
    latest_award = (
        select(t.awards.c.document)
        .where(
            t.awards.c.learner_id == bindparam("learner"),
            t.awards.c.credential_id == bindparam("credential"),
            t.awards.c.course_id == bindparam("course"),
        )
        .order_by(t.awards.c.issued_at.desc(), t.awards.c.id.desc())
        .limit(1)
    )


class _PgWithFacts:
    """PostgreSQL statements that write a submission, review or award together
    with the facts describing it, as data-modifying CTEs: one round trip where
    SQLite takes one statement each. Built once per shape."""

    @staticmethod
    @functools.cache
    def submission_update() -> Any:
        """The conditional update; its fact only if the update happened. Returns
        how many submissions it updated (0: someone changed it first)."""
        updated = _Q.submission_update.returning(t.submissions.c.id).cte("updated")
        fact = pg_fact_upsert(t.submission_facts, "sf", source=updated).cte("fact")
        return select(func.count()).select_from(updated).add_cte(fact)

    @staticmethod
    @functools.cache
    def review_insert(unmet: int) -> Any:
        r = t.reviews
        stmt: Any = insert(r).values({c.name: bindparam(c.name, type_=c.type) for c in r.c})
        stmt = stmt.add_cte(pg_fact_upsert(t.review_facts, "rf").cte("review_fact"))
        if unmet:
            stmt = stmt.add_cte(pg_fact_upsert(t.review_unmet, "ru", unmet).cte("unmet"))
        return stmt

    @staticmethod
    @functools.cache
    def award_insert() -> Any:
        a = t.awards
        stmt: Any = insert(a).values({c.name: bindparam(c.name, type_=c.type) for c in a.c})
        return stmt.add_cte(pg_fact_upsert(t.award_facts, "af").cte("award_fact"))


def _catalog_filters(query: CatalogQuery, credential_id: Any) -> list[Any]:
    """Tag and alignment filters on ``credential_id``, as IN (subquery) tests:
    the subquery runs once, where a correlated EXISTS would run per match."""
    filters: list[Any] = []
    tags = t.credential_tags
    for tag in query.tags:
        filters.append(
            credential_id.in_(select(tags.c.credential_id).where(tags.c.tag == tag.lower()))
        )
    if query.framework or query.code:
        a = t.credential_alignments
        conds = []
        if query.framework:
            conds.append(a.c.framework.contains(query.framework.lower(), autoescape=True))
        if query.code:
            conds.append(a.c.code == query.code.lower())
        filters.append(credential_id.in_(select(a.c.credential_id).where(*conds)))
    return filters


@functools.cache
def _person_upsert(sqlite: bool) -> Any:
    people = t.people
    upsert = (sqlite_insert if sqlite else postgresql_insert)(people)
    return upsert.on_conflict_do_update(
        index_elements=[people.c.id],
        set_={"name": upsert.excluded.name, "email": upsert.excluded.email},
        where=(people.c.name != upsert.excluded.name) | (people.c.email != upsert.excluded.email),
    )


@functools.cache
def _submission_listing(
    course: bool, learner: bool, credential: bool, states: int
) -> tuple[Any, Any]:
    """The count and page statements of a submission listing, built once for
    each shape of filter (which fields it names)."""
    s = t.submissions
    conds = []
    if course:
        conds.append(s.c.course_id == bindparam("course"))
    if learner:
        conds.append(s.c.learner_id == bindparam("learner"))
    if credential:
        conds.append(s.c.credential_id == bindparam("credential"))
    if states:
        conds.append(s.c.state.in_(bindparam("states", expanding=True)))
    count = select(func.count()).select_from(s).where(*conds)
    query = (
        select(*_Q.submission_cols)
        .where(*conds)
        .order_by(s.c.updated_at.desc(), s.c.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    return count, query


def _submission_row(s: Submission) -> dict[str, Any]:
    return {
        "id": s.id,
        "credential_id": s.credential_id,
        "credential_version": s.credential_version,
        "learner_id": s.learner_id,
        "course_id": s.course_id,
        "state": s.state.value,
        "items": [to_data(i) for i in s.items],
        "attempts": [to_data(a) for a in s.attempts],
        "history": [to_data(h) for h in s.history],
        "revision": s.revision,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    }


def _parse_submission(row: Any) -> Submission:
    return Submission(
        id=row.id,
        credential_id=row.credential_id,
        credential_version=row.credential_version,
        learner_id=row.learner_id,
        course_id=row.course_id,
        state=SubmissionState(row.state),
        items=tuple(from_data(list[EvidenceItem], json.loads(row.items))),
        attempts=tuple(from_data(list[Attempt], json.loads(row.attempts))),
        history=tuple(from_data(list[HistoryEntry], json.loads(row.history))),
        created_at=_aware(row.created_at),
        updated_at=_aware(row.updated_at),
        revision=row.revision,
    )


class _SqlTransaction(
    LtiSqlRepositories, CommunitySqlRepositories, ApiSqlRepositories, FilesSqlRepositories
):
    def __init__(self, store: SqlStore, conn: Connection) -> None:
        self.store = store
        self.conn = conn
        self.sqlite = store.is_sqlite
        # submissions read or written here, kept by the store once committed
        self.seen: list[Submission] = []

    def _submission(self, row: Any) -> Submission:
        # A submission at a given revision never changes: every write bumps it.
        found = self.store._submissions.get((row.id, row.revision))
        if found is None:
            found = _parse_submission(row)
            self.seen.append(found)
        return found

    # --- packs ------------------------------------------------------------------
    def put_pack(self, pack: PackRecord) -> None:
        values = {
            "name": pack.name,
            "description": pack.description,
            "issuer": to_data(pack.issuer),
            "loaded_at": pack.loaded_at,
            "source": pack.source,
        }
        done = self.conn.execute(update(t.packs).where(t.packs.c.id == pack.id).values(**values))
        if done.rowcount == 0:
            self.conn.execute(insert(t.packs).values(id=pack.id, **values))

    def _pack(self, row: Any) -> PackRecord:
        return PackRecord(
            id=row.id,
            name=row.name,
            description=row.description,
            issuer=from_data(Issuer, row.issuer),
            loaded_at=_aware(row.loaded_at),
            source=row.source,
        )

    def find_pack(self, pack_id: str) -> PackRecord | None:
        row = self.conn.execute(select(t.packs).where(t.packs.c.id == pack_id)).first()
        return self._pack(row) if row else None

    def list_packs(self) -> list[PackRecord]:
        rows = self.conn.execute(select(t.packs).order_by(func.lower(t.packs.c.name)))
        return [self._pack(r) for r in rows]

    # --- credentials ------------------------------------------------------------
    def add_credential(self, credential: Credential) -> None:
        c = t.credentials
        self.store._frequencies.clear()
        self.conn.execute(update(c).where(c.c.id == credential.id).values(is_latest=False))
        values: dict[str, Any] = {
            "id": credential.id,
            "version": credential.version,
            "pack_id": credential.pack_id,
            "name": credential.name,
            "content_hash": credential.content_hash,
            "is_latest": True,
            "document": to_data(credential),
        }
        fields = credential_fields(credential)
        if not self.sqlite:
            weights = ("A", "B", "A", "D")
            vector: Any = None
            for weight, value in zip(weights, fields, strict=True):
                part = func.setweight(
                    func.to_tsvector("english", value), literal_column(f"'{weight}'")
                )
                vector = part if vector is None else vector.op("||")(part)
            values["search"] = vector
        try:
            self.conn.execute(insert(c).values(**values))
        except IntegrityError:
            raise Conflict(f"credential {credential.ref} already exists") from None
        self.conn.execute(
            delete(t.credential_tags).where(t.credential_tags.c.credential_id == credential.id)
        )
        self.conn.execute(
            delete(t.credential_alignments).where(
                t.credential_alignments.c.credential_id == credential.id
            )
        )
        tags = {tag.lower() for tag in credential.tags}
        if tags:
            self.conn.execute(
                insert(t.credential_tags),
                [{"credential_id": credential.id, "tag": tag} for tag in tags],
            )
        if credential.alignments:
            self.conn.execute(
                insert(t.credential_alignments),
                [
                    {
                        "credential_id": credential.id,
                        "n": n,
                        "framework": a.framework.lower(),
                        "code": a.code.lower(),
                    }
                    for n, a in enumerate(credential.alignments)
                ],
            )
        if self.sqlite:
            self.conn.execute(_Q.search_delete, {"id": credential.id})
            rowid = self.conn.execute(
                _Q.search_insert,
                {
                    "id": credential.id,
                    "name": fields[0],
                    "summary": fields[1],
                    "addresses": fields[2],
                    "rest": fields[3],
                },
            ).lastrowid
            self.conn.execute(_Q.search_row, {"id": credential.id, "rowid": rowid})

    def _credential(self, row: Any) -> Credential:
        return self.store._credential_from(row.id, row.version, row.content_hash, row.document)

    def find_credential(self, credential_id: str, version: str | None = None) -> Credential | None:
        if version is None:
            row = self.conn.execute(_Q.credential_latest, {"id": credential_id}).first()
        else:
            # A version never changes once added, so a parsed copy is as good as a read.
            cached = self.store._versions.get((credential_id, version))
            if cached is not None:
                return cached
            row = self.conn.execute(
                _Q.credential_version, {"id": credential_id, "version": version}
            ).first()
        return self._credential(row) if row else None

    def list_credentials(self, *, pack_id: str | None = None) -> list[Credential]:
        c = t.credentials
        query = select(c.c.id, c.c.version, c.c.content_hash, c.c.document).where(c.c.is_latest)
        if pack_id is not None:
            query = query.where(c.c.pack_id == pack_id)
        rows = self.conn.execute(query.order_by(func.lower(c.c.name), c.c.id))
        return [self._credential(r) for r in rows]

    def list_credential_versions(self, credential_id: str) -> list[Credential]:
        c = t.credentials
        rows = self.conn.execute(
            select(c.c.id, c.c.version, c.c.content_hash, c.c.document).where(
                c.c.id == credential_id
            )
        )
        return [self._credential(r) for r in rows]

    def search_credentials(self, query: CatalogQuery) -> list[CatalogHit]:
        c = t.credentials
        terms = [_FTS_TERM.sub("", term) for term in query_terms(query.text)]
        terms = [term for term in terms if term]
        if terms:
            frequency, total = self._term_frequencies(terms)
            terms = discriminating_terms(terms, frequency, total)
            if not terms:
                return []
        # Rank on ids and scores only, then fetch the few documents: carrying
        # the documents through the sort makes the database copy every match.
        if not terms:
            stmt = (
                select(c.c.id, literal_column("0.0").label("score"))
                .where(c.c.is_latest, *_catalog_filters(query, c.c.id))
                .order_by(func.lower(c.c.name), c.c.id)
                .limit(query.limit)
            )
        elif self.sqlite:
            # The FTS table holds only latest versions: no join is needed, and
            # the filters test each full-text hit, never the other way round.
            # bm25() is lower for better matches. Ordering by it alone lets
            # FTS5 keep only the top rows (a second sort key costs 4x).
            bm25 = "bm25(credential_search, 4.0, 2.0, 3.0, 1.0)"
            score: Any = literal_column(bm25).label("score")
            where: list[Any] = [text("credential_search MATCH :match")]
            filters = _catalog_filters(query, _FTS_ROWS.c.credential_id)
            if filters:
                # The filters pick full-text row ids, which each match carries
                # in the index; its credential id would be read from its stored
                # row. The unary + keeps SQLite from handing the IN test to
                # FTS5, which would look up each id instead of matching once.
                where.append(
                    literal_column("+credential_search.rowid").in_(
                        select(_FTS_ROWS.c.search_rowid).where(*filters)
                    )
                )
            stmt = (
                select(_FTS.c.credential_id.label("id"), score)
                .where(*where)
                .order_by(score)
                .limit(query.limit)
                .params(match=" OR ".join(f'"{term}"' for term in terms))
            )
        else:
            tsquery = func.to_tsquery("english", bindparam("tsq"))
            rank = func.ts_rank(c.c.search, tsquery).label("score")
            stmt = (
                select(c.c.id, rank)
                .where(
                    c.c.is_latest, *_catalog_filters(query, c.c.id), c.c.search.op("@@")(tsquery)
                )
                .order_by(rank.desc(), c.c.id)
                .limit(query.limit)
                .params(tsq=" | ".join(terms))
            )
        sign = -1.0 if self.sqlite and terms else 1.0
        ranked = [(r.id, sign * float(r.score)) for r in self.conn.execute(stmt)]
        if not ranked:
            return []
        rows = self.conn.execute(
            select(c.c.id, c.c.version, c.c.content_hash, c.c.document).where(
                c.c.is_latest, c.c.id.in_([cid for cid, _ in ranked])
            )
        )
        found = {r.id: self._credential(r) for r in rows}
        return [CatalogHit(credential=found[cid], score=score) for cid, score in ranked]

    def _term_frequencies(self, terms: list[str]) -> tuple[dict[str, int], int]:
        """How many latest credentials contain each term, and how many there are.

        Counted with the full-text index (a term's posting list, not a scan)
        and kept for a minute: the catalog changes when a pack is loaded, and
        this process forgets the counts when it adds a credential itself.
        """
        cache = self.store._frequencies
        now = time.monotonic()
        if cache.get("", (0.0, 0))[0] < now - _FREQUENCY_TTL:
            cache.clear()
            c = t.credentials
            total = self.conn.execute(select(func.count()).where(c.c.is_latest)).scalar_one()
            cache[""] = (now, total)
        out: dict[str, int] = {}
        for term in terms:
            hit = cache.get(term)
            if hit is None:
                if self.sqlite:
                    count = self.conn.execute(
                        _Q.term_frequency,
                        {"m": f'"{term}"'},
                    ).scalar_one()
                else:
                    c = t.credentials
                    count = self.conn.execute(
                        select(func.count()).where(
                            c.c.is_latest,
                            c.c.search.op("@@")(func.to_tsquery("english", term)),
                        )
                    ).scalar_one()
                hit = (now, int(count))
                cache[term] = hit
            out[term] = hit[1]
        return out, cache[""][1]

    # --- stacks -----------------------------------------------------------------
    def add_stack(self, stack: Stack) -> None:
        s = t.stacks
        self.conn.execute(update(s).where(s.c.id == stack.id).values(is_latest=False))
        try:
            self.conn.execute(
                insert(s).values(
                    id=stack.id,
                    version=stack.version,
                    pack_id=stack.pack_id,
                    name=stack.name,
                    content_hash=stack.content_hash,
                    is_latest=True,
                    document=to_data(stack),
                )
            )
        except IntegrityError:
            raise Conflict(f"stack {stack.ref} already exists") from None

    def find_stack(self, stack_id: str, version: str | None = None) -> Stack | None:
        s = t.stacks
        query = select(s.c.document).where(s.c.id == stack_id)
        query = (
            query.where(s.c.is_latest) if version is None else query.where(s.c.version == version)
        )
        row = self.conn.execute(query).first()
        return from_data(Stack, row.document) if row else None

    def list_stacks(self, *, pack_id: str | None = None) -> list[Stack]:
        # Every award asks for the stacks it may complete: the versions are
        # listed on each call (another process may have loaded a pack), but a
        # version never changes, so its parsed value is kept.
        if pack_id is None:
            rows = self.conn.execute(_Q.latest_stacks).all()
        else:
            rows = self.conn.execute(_Q.latest_stacks_of_pack, {"pack": pack_id}).all()
        cache = self.store._stacks
        found = [cache.get((r.id, r.version)) for r in rows]
        if any(stack is None for stack in found):
            s = t.stacks
            missing = [r.id for r, stack in zip(rows, found, strict=True) if stack is None]
            for doc in self.conn.execute(
                select(s.c.document).where(s.c.is_latest, s.c.id.in_(missing))
            ).scalars():
                stack = from_data(Stack, doc)
                cache[(stack.id, stack.version)] = stack
            found = [cache[(r.id, r.version)] for r in rows]
        return [stack for stack in found if stack is not None]

    def find_definition_with_image(self, image: str) -> Credential | Stack | None:
        # rare (a badge image's first request), so a scan of the JSON documents
        # rather than a column and an index of its own
        c, s = t.credentials, t.stacks
        row = self.conn.execute(
            select(c.c.id, c.c.version, c.c.content_hash, c.c.document)
            .where(c.c.document["image"].as_string() == image)
            .limit(1)
        ).first()
        if row is not None:
            return self._credential(row)
        doc = self.conn.execute(
            select(s.c.document).where(s.c.document["image"].as_string() == image).limit(1)
        ).scalar()
        return from_data(Stack, doc) if doc is not None else None

    # --- people -----------------------------------------------------------------
    def put_person(self, person: Person) -> None:
        # one statement: insert, or bring the names up to date when they changed
        self.conn.execute(
            _person_upsert(self.sqlite),
            {"id": person.id, "name": person.name, "email": person.email},
        )

    def find_person(self, person_id: str) -> Person | None:
        row = self.conn.execute(select(t.people).where(t.people.c.id == person_id)).first()
        return Person(id=row.id, name=row.name, email=row.email) if row else None

    # --- submissions ------------------------------------------------------------
    def add_submission(self, submission: Submission) -> None:
        try:
            self.conn.execute(_Q.submission_insert, _submission_row(submission))
            self.seen.append(submission)
            self._note_submission(submission)
        except IntegrityError:
            raise Conflict(
                f"learner {submission.learner_id} already has an open submission for "
                f"{submission.credential_id}"
            ) from None
        self._hold_files(submission, {})

    def _files_at(self, submission_id: str, revision: int) -> dict[str, int] | None:
        """The files a submission held at ``revision``, when this process has
        it at hand (it almost always does: it was read to be changed)."""
        for seen in reversed(self.seen):
            if seen.id == submission_id and seen.revision == revision:
                return seen.files
        cached = self.store._submissions.get((submission_id, revision))
        return cached.files if cached is not None else None

    def find_submission(self, submission_id: str) -> Submission | None:
        row = self.conn.execute(_Q.submission, {"sid": submission_id}).first()
        return self._submission(row) if row else None

    def update_submission(self, submission: Submission, expected_revision: int) -> Submission:
        before = self._files_at(submission.id, expected_revision)
        row = _submission_row(submission)
        stored = replace(submission, revision=expected_revision + 1)
        params = {
            "sid": submission.id,
            "expected": expected_revision,
            "state": row["state"],
            "items": row["items"],
            "attempts": row["attempts"],
            "history": row["history"],
            "new_revision": expected_revision + 1,
            "updated_at": submission.updated_at,
        }
        if self.sqlite:
            updated = self.conn.execute(_Q.submission_update, params).rowcount
        else:
            fact = fact_params(t.submission_facts, "sf", [self._submission_fact(stored)])
            updated = self.conn.execute(
                _PgWithFacts.submission_update(), {**params, **fact}
            ).scalar_one()
        if updated != 1:
            raise AlreadyDecided(
                f"Submission {submission.id} was changed by someone else "
                "(another reviewer may have decided it); reload it and try again."
            )
        self.seen.append(stored)
        if self.sqlite:
            self._note_submission(stored)
        self._hold_files(stored, before)
        return stored

    def find_open_submission(
        self, learner_id: str, credential_id: str, course_id: str
    ) -> Submission | None:
        rows = self.conn.execute(
            _Q.open_submission,
            {"learner": learner_id, "credential": credential_id, "course": course_id},
        ).first()
        return self._submission(rows) if rows else None

    def list_submissions(self, where: SubmissionFilter) -> Page[Submission]:
        count, query = _submission_listing(
            where.course_id is not None,
            where.learner_id is not None,
            where.credential_id is not None,
            len(where.states),
        )
        params: dict[str, Any] = {
            "course": where.course_id,
            "learner": where.learner_id,
            "credential": where.credential_id,
            "states": [st.value for st in where.states],
        }
        total = self.conn.execute(count, params).scalar_one()
        if not total:
            return Page(items=[], total=0)
        rows = self.conn.execute(
            query, {**params, "limit": where.limit, "offset": where.offset}
        ).all()
        return Page(items=[self._submission(r) for r in rows], total=total)

    # --- reviews ----------------------------------------------------------------
    def add_review(self, review: Review) -> None:
        params = {
            "id": review.id,
            "submission_id": review.submission_id,
            "attempt": review.attempt,
            "reviewer_id": review.reviewer_id,
            "passed": review.passed,
            "document": to_data(review),
            "created_at": review.created_at,
        }
        facts = None if self.sqlite else self._review_facts(review)
        if facts is None:
            self.conn.execute(_Q.review_insert, params)
            self._note_review(review)
            return
        row, unmet = facts
        self.conn.execute(
            _PgWithFacts.review_insert(len(unmet)),
            {
                **params,
                **fact_params(t.review_facts, "rf", [row]),
                **fact_params(t.review_unmet, "ru", unmet),
            },
        )

    def list_reviews(self, submission_id: str) -> list[Review]:
        r = t.reviews
        rows = self.conn.execute(
            select(r.c.document)
            .where(r.c.submission_id == submission_id)
            .order_by(r.c.created_at, r.c.id)
        )
        return [from_data(Review, row.document) for row in rows]

    def add_self_assessment(self, assessment: SelfAssessment) -> None:
        self.conn.execute(
            insert(t.self_assessments).values(
                id=assessment.id,
                submission_id=assessment.submission_id,
                document=to_data(assessment),
                created_at=assessment.created_at,
            )
        )

    def list_self_assessments(self, submission_id: str) -> list[SelfAssessment]:
        a = t.self_assessments
        rows = self.conn.execute(
            select(a.c.document)
            .where(a.c.submission_id == submission_id)
            .order_by(a.c.created_at, a.c.id)
        )
        return [from_data(SelfAssessment, row.document) for row in rows]

    # --- awards -----------------------------------------------------------------
    def _award_row(self, award: Award) -> dict[str, Any]:
        return {
            "id": award.id,
            "kind": award.kind.value,
            "credential_id": award.credential_id,
            "credential_version": award.credential_version,
            "learner_id": award.learner_id,
            "course_id": award.course_id,
            "submission_id": award.submission_id,
            "issued_at": award.issued_at,
            "status": award.status.value,
            "document": to_data(award),
        }

    def add_award(self, award: Award) -> None:
        try:
            if self.sqlite:
                self.conn.execute(_Q.award_insert, self._award_row(award))
            else:
                fact = fact_params(t.award_facts, "af", [self._award_fact(award)])
                self.conn.execute(_PgWithFacts.award_insert(), {**self._award_row(award), **fact})
        except IntegrityError:
            what = (
                f"submission {award.submission_id}"
                if award.submission_id
                else f"stack {award.credential_id}"
            )
            raise Conflict(f"{what} already has an award for learner {award.learner_id}") from None
        if self.sqlite:
            self._note_award(award)

    def find_latest_award(
        self, learner_id: str, credential_id: str, course_id: str
    ) -> Award | None:
        row = self.conn.execute(
            _Q.latest_award,
            {"learner": learner_id, "credential": credential_id, "course": course_id},
        ).first()
        return from_data(Award, row.document) if row else None

    def find_award(self, award_id: str) -> Award | None:
        row = self.conn.execute(
            select(t.awards.c.document).where(t.awards.c.id == award_id)
        ).first()
        return from_data(Award, row.document) if row else None

    def find_award_for_submission(self, submission_id: str) -> Award | None:
        row = self.conn.execute(
            select(t.awards.c.document).where(t.awards.c.submission_id == submission_id)
        ).first()
        return from_data(Award, row.document) if row else None

    def find_stack_award(self, learner_id: str, stack_id: str, course_id: str) -> Award | None:
        a = t.awards
        row = self.conn.execute(
            select(a.c.document).where(
                a.c.kind == AwardKind.STACK.value,
                a.c.learner_id == learner_id,
                a.c.credential_id == stack_id,
                a.c.course_id == course_id,
            )
        ).first()
        return from_data(Award, row.document) if row else None

    def update_award(self, award: Award) -> None:
        row = self._award_row(award)
        done = self.conn.execute(update(t.awards).where(t.awards.c.id == award.id).values(**row))
        if done.rowcount != 1:
            raise Conflict(f"award {award.id} does not exist")
        self._note_award(award)

    def list_awards(self, where: AwardFilter) -> Page[Award]:
        a = t.awards
        conds = []
        if where.course_id is not None:
            conds.append(a.c.course_id == where.course_id)
        if where.learner_id is not None:
            conds.append(a.c.learner_id == where.learner_id)
        if where.credential_id is not None:
            conds.append(a.c.credential_id == where.credential_id)
        if where.status is not None:
            conds.append(a.c.status == where.status.value)
        total = self.conn.execute(select(func.count()).select_from(a).where(*conds)).scalar_one()
        rows = self.conn.execute(
            select(a.c.document)
            .where(*conds)
            .order_by(a.c.issued_at.desc(), a.c.id.desc())
            .limit(where.limit)
            .offset(where.offset)
        )
        return Page(items=[from_data(Award, r.document) for r in rows], total=total)

    # --- bulk award (a cohort at once: one statement per batch, not per learner) ---
    def put_people(self, people: Sequence[Person]) -> None:
        if not people:
            return
        dialect_insert = sqlite_insert if self.sqlite else postgresql_insert
        stmt = dialect_insert(t.people)
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.people.c.id],
            set_={"name": stmt.excluded.name, "email": stmt.excluded.email},
        )
        latest = {p.id: p for p in people}  # a person listed twice: the last wins
        self.conn.execute(
            stmt, [{"id": p.id, "name": p.name, "email": p.email} for p in latest.values()]
        )

    def find_latest_awards(
        self, learner_ids: Sequence[str], credential_id: str, course_id: str
    ) -> dict[str, Award]:
        a = t.awards
        found: dict[str, Award] = {}
        for start in range(0, len(learner_ids), 500):
            rows = self.conn.execute(
                select(a.c.learner_id, a.c.document)
                .where(
                    a.c.credential_id == credential_id,
                    a.c.course_id == course_id,
                    a.c.learner_id.in_(list(learner_ids[start : start + 500])),
                )
                .order_by(a.c.issued_at, a.c.id)
            )
            for row in rows:
                found[row.learner_id] = from_data(Award, row.document)
        return found

    def add_awards(self, awards: Sequence[Award]) -> None:
        if not awards:
            return
        try:
            with self.conn.begin_nested():
                self.conn.execute(_Q.award_insert, [self._award_row(a) for a in awards])
        except IntegrityError:
            raise Conflict("one of these awards already exists") from None


class SqlStore:
    """A ``Store`` in a SQL database.

    Args:
        url: a SQLAlchemy URL (``sqlite:///path.db``, ``postgresql+psycopg://...``).
        engine: an existing engine instead of ``url`` (tests).
        migrate: bring the schema up to date now (default for SQLite); otherwise
            a database that is behind raises ``ConfigError`` naming the command.
    """

    def __init__(
        self, url: str | None = None, *, engine: Engine | None = None, migrate: bool | None = None
    ) -> None:
        if engine is None:
            if not url:
                raise ConfigError("SqlStore needs a database URL (MCEMBED_DATABASE_URL)")
            engine = make_engine(url)
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._cache: dict[tuple[str, str, str], Credential] = {}
        self._versions: dict[tuple[str, str], Credential] = {}
        self._cache_lock = threading.Lock()
        # term -> (when counted, credentials containing it); "" -> (when, catalog size)
        self._frequencies: dict[str, tuple[float, int]] = {}
        self._stacks: dict[tuple[str, str], Stack] = {}
        self._submissions: dict[tuple[str, int], Submission] = {}
        from .migrate import ensure_current

        ensure_current(engine, migrate=self.is_sqlite if migrate is None else migrate)

    def _credential_from(self, cid: str, version: str, digest: str, document: Any) -> Credential:
        # Credential versions never change, so their parsed values can be shared.
        key = (cid, version, digest)
        found = self._cache.get(key)
        if found is None:
            found = from_data(Credential, document)
            with self._cache_lock:
                if len(self._cache) > 20_000:
                    self._cache.clear()
                    self._versions.clear()
                self._cache[key] = found
                self._versions[(cid, version)] = found
        return found

    def _remember(self, submissions: list[Submission]) -> None:
        """Keep submissions a committed transaction wrote or read."""
        if len(self._submissions) > 10_000:
            self._submissions.clear()
        for submission in submissions:
            self._submissions[(submission.id, submission.revision)] = submission

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        try:
            with self._begin() as conn:
                tx = _SqlTransaction(self, conn)
                yield tx
            # Only now: a rolled-back write's revision is reused by the next one.
            self._remember(tx.seen)
        except McembedError:
            raise
        except OperationalError as e:
            raise StorageError(f"The database could not complete the operation: {e.orig}") from e
        except SQLAlchemyError as e:
            raise StorageError(f"Database error: {e.__class__.__name__}: {e}") from e

    def _begin(self) -> Any:
        if self.is_sqlite:
            return begin(self.engine)
        return _begin_at_first_write(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def _is_read(statement: Any) -> bool:
    """Whether ``statement`` only reads: a SELECT without data-modifying CTEs."""
    if isinstance(statement, Select | CompoundSelect):
        return not getattr(statement, "_independent_ctes", ())
    if isinstance(statement, TextClause):
        return statement.text.lstrip()[:6].upper() == "SELECT"
    return False


class _WriteBegins:
    """The connection of a PostgreSQL transaction that begins just before its
    first write (or savepoint).

    At READ COMMITTED, PostgreSQL's default and what the store is written for,
    each statement of a transaction reads a fresh snapshot of its own, so a
    read run on its own sees exactly what it would have seen inside the
    transaction; and the store takes no read locks (its writes are conditional
    on what they change instead). Reads before the first write therefore need
    no transaction, and a unit of work that only reads, every page view, is
    spared its BEGIN and COMMIT: two of the three round trips of a one-query
    page.
    """

    __slots__ = ("_conn", "_driver", "begun", "dialect")

    def __init__(self, conn: Connection, driver: Any) -> None:
        self._conn = conn
        self._driver = driver
        self.dialect = conn.dialect
        self.begun = False

    def _write(self) -> None:
        if not self.begun:
            # the driver sends BEGIN with the next statement, and COMMIT (or
            # ROLLBACK) when the unit ends, as in any transaction
            self._driver.autocommit = False
            self.begun = True

    def execute(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        if not self.begun and not _is_read(statement):
            self._write()
        return self._conn.execute(statement, *args, **kwargs)

    def begin_nested(self) -> Any:
        self._write()
        return self._conn.begin_nested()

    def begin_write(self) -> None:
        """Begin the transaction now: the next statement reads, but takes a
        lock that must last until the unit ends (an advisory lock)."""
        self._write()


@contextmanager
def _begin_at_first_write(engine: Engine) -> Iterator[Any]:
    # The driver's own autocommit switch, not SQLAlchemy's isolation_level
    # option: that option works through a connection event, and any event
    # makes SQLAlchemy dispatch events around every statement.
    with engine.connect() as conn:
        driver = conn.connection.driver_connection
        driver.autocommit = True  # type: ignore[union-attr]
        try:
            with conn.begin():
                yield _WriteBegins(conn, driver)
        finally:
            # back to the pool as it came; the unit has committed or rolled
            # back, unless the connection broke, and then the pool drops it
            if driver.autocommit and not driver.closed:  # type: ignore[union-attr]
                driver.autocommit = False  # type: ignore[union-attr]


@contextmanager
def begin(engine: Engine) -> Iterator[Connection]:
    """A transaction; on SQLite one that takes the write lock at once
    (``BEGIN IMMEDIATE``), so concurrent writers queue for it instead of
    failing halfway through.

    Issued here rather than from a "begin" event: any connection event makes
    SQLAlchemy dispatch events around every statement, which cost a fifth of
    the time of a short statement.
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


# JSON columns through orjson: an award's signed credential is 6 KB of JSON,
# which the standard library's encoder takes ten times longer to write.
_JSON_CODEC: dict[str, Any] = {"json_serializer": _dumps, "json_deserializer": orjson.loads}


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **_JSON_CODEC
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, decide when transactions begin.
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20, **_JSON_CODEC)
    _ping_when_idle(engine)
    return engine


IDLE_PING_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection before use only when it has sat idle.

    ``pool_pre_ping`` costs a round trip on every checkout, three a launch; a
    connection in steady use is known good. One idle for a while (a database
    restart, a proxy's idle timeout) is pinged first and, if dead, replaced:
    the pool retries the checkout with a fresh connection. Pool events, unlike
    connection events, add nothing to each statement.
    """

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            cursor = dbapi_conn.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_conn.rollback()
        except Exception as e:
            raise DisconnectionError(f"a pooled connection was dead: {e}") from e
