"""The prebuilt statements of the hot paths can be cached by SQLAlchemy.

A statement SQLAlchemy cannot cache (a list of VALUES rows, a type that does
not declare itself cacheable) is compiled again at every execution, which
costs more than PostgreSQL takes to run it; nothing else would notice.
"""

from __future__ import annotations

from typing import Any

import pytest

from mcembed.storage.lti_sql import _L
from mcembed.storage.sqlalchemy import _Q, _PgWithFacts

HOT = {
    "submission update and its fact": _PgWithFacts.submission_update(),
    "review and its fact": _PgWithFacts.review_insert(0),
    "review, its fact and three unmet criteria": _PgWithFacts.review_insert(3),
    "award and its fact": _PgWithFacts.award_insert(),
    "launch with person": _L.pg_save_launch(False),
    "launch with person and roster entry": _L.pg_save_launch(True),
    "roster entry and placement of a launch": _L.member_and_placement,
    "submission": _Q.submission,
    "submission update (SQLite)": _Q.submission_update,
}


@pytest.mark.parametrize("name", sorted(HOT))
def test_a_hot_statement_is_cacheable(name: str) -> None:
    statement: Any = HOT[name]
    assert statement._generate_cache_key() is not None, f"{name} is compiled every time"
