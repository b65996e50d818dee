"""API tokens and idempotent answers hold the same contract on every store;
the 0005 migration creates exactly the tables ``tables.py`` describes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from factories import NOW
from mcembed import Conflict, NotFound
from mcembed.storage import SqlStore
from mcembed.storage import tables as t
from mcembed.tokens import ApiToken, IdempotentResponse, Scope, hash_secret
from stores import postgres_store


def make_token(tid: str = "tok_1", **over: Any) -> ApiToken:
    values: dict[str, Any] = {
        "id": tid,
        "prefix": "mce_abcdefgh",
        "secret_hash": hash_secret(f"secret-{tid}"),
        "person_id": "p1",
        "course_id": "c1",
        "created_at": NOW,
        "expires_at": NOW + timedelta(days=30),
    }
    values.update(over)
    return ApiToken(**values)


def test_tokens_are_found_by_id_and_secret_hash(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_api_token(make_token(scopes=frozenset({Scope.LEARNER, Scope.REVIEW})))
        tx.add_api_token(make_token("tok_2", created_at=NOW + timedelta(seconds=1)))
        tx.add_api_token(make_token("tok_3", person_id="p2"))
    with store.transaction() as tx:
        found = tx.find_api_token_by_hash(hash_secret("secret-tok_1"))
        assert found == make_token(scopes=frozenset({Scope.LEARNER, Scope.REVIEW}))
        assert tx.find_api_token("tok_9") is None
        assert tx.find_api_token_by_hash(hash_secret("nope")) is None
        assert [x.id for x in tx.list_api_tokens(person_id="p1", course_id="c1")] == [
            "tok_2",
            "tok_1",
        ]
        assert len(tx.list_api_tokens()) == 3
        assert tx.list_api_tokens(person_id="p1", course_id="c9") == []


def test_a_second_token_with_the_same_id_or_secret_is_refused(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_api_token(make_token())
    with pytest.raises(Conflict), store.transaction() as tx:
        tx.add_api_token(make_token())
    with pytest.raises(Conflict), store.transaction() as tx:
        tx.add_api_token(make_token("tok_2", secret_hash=hash_secret("secret-tok_1")))
    with store.transaction() as tx:
        assert [x.id for x in tx.list_api_tokens()] == ["tok_1"]


def test_updating_a_token_and_rolling_back(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_api_token(make_token())
    with store.transaction() as tx:
        tx.update_api_token(replace(make_token(), revoked_at=NOW, last_used_at=NOW))

    def change_then_fail() -> None:
        with store.transaction() as tx:
            tx.update_api_token(replace(make_token(), name="changed"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        change_then_fail()
    with store.transaction() as tx:
        found = tx.find_api_token("tok_1")
        assert found is not None
        assert found.revoked_at == NOW
        assert found.name == ""
        with pytest.raises(NotFound):
            tx.update_api_token(make_token("tok_9"))


def test_idempotent_answers_are_kept_once_per_owner_and_key(store: Any) -> None:
    answer = IdempotentResponse(
        owner_id="p1", key="k1", request_hash="h", status=201, body='{"a":1}', created_at=NOW
    )
    with store.transaction() as tx:
        tx.add_idempotent_response(answer)
        tx.add_idempotent_response(replace(answer, owner_id="p2"))
        tx.add_idempotent_response(replace(answer, key="old", created_at=NOW - timedelta(hours=30)))
    with pytest.raises(Conflict), store.transaction() as tx:
        tx.add_idempotent_response(replace(answer, body="other"))
    with store.transaction() as tx:
        assert tx.find_idempotent_response("p1", "k1") == answer
        assert tx.find_idempotent_response("p3", "k1") is None
        assert tx.remove_idempotent_responses(before=NOW - timedelta(hours=24)) == 1
        assert tx.find_idempotent_response("p1", "old") is None
        assert tx.find_idempotent_response("p2", "k1") is not None


API_TABLES = {"api_tokens", "api_idempotency"}


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "sqlite":
        store = SqlStore(f"sqlite:///{tmp_path / 'schema.db'}")
    else:
        store = postgres_store(request.getfixturevalue("postgres_schema"))
    yield store.engine
    store.close()


def test_the_migration_matches_the_api_tables(engine: Any) -> None:
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), t.metadata)
    about_api = [d for d in diffs if API_TABLES & set(str(d).split("'"))]
    assert about_api == []
    with engine.connect() as conn:
        names = set(engine.dialect.get_table_names(conn))
    assert names >= API_TABLES
