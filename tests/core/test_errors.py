"""Messages quote what someone gave as a short, marked excerpt, never in full."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from factories import make_credential
from mcembed import McembedError, Settings, excerpt
from mcembed.errors import did_you_mean
from mcembed.evidence import EvidenceItem, check_item
from mcembed.platforms import check_platform_url
from mcembed.tokens import parse_duration

MEGABYTE = "x" * 1_048_576
MARKED = "'" + "x" * 40 + "…' (1,048,576 characters)"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("Profficient", "'Profficient'"),
        ("x" * 40, "'" + "x" * 40 + "'"),
        ("x" * 41, "'" + "x" * 40 + "…' (41 characters)"),
        (MEGABYTE, MARKED),
        ("it's " * 20, '"' + "it's " * 8 + '…" (100 characters)'),
        (12, "12"),
        ([1], "[1]"),
        (list(range(10_000)), "[0, 1, 2, 3, ...] (10,000 items)"),
        ({"a": MEGABYTE}, "{'a': 'xxxxxxx...xxxxxxxx'}"),
    ],
)
def test_excerpt_quotes_a_short_marked_beginning(value: object, shown: str) -> None:
    assert excerpt(value) == shown


def test_excerpt_of_a_number_too_long_to_print() -> None:
    assert excerpt(10**5000) == "a number too long to show"


def test_did_you_mean_skips_values_too_long_to_be_a_typo() -> None:
    """A megabyte near a name gets no suggestion (difflib would take minutes on it)."""
    assert did_you_mean("Profficient", ["Proficient", MEGABYTE]) == " (did you mean 'Proficient'?)"
    assert did_you_mean(MEGABYTE, [MEGABYTE[:-1], "Proficient"]) == ""


def _link_problem(value: str) -> None:
    credential = make_credential()
    link = next(r for r in credential.evidence if r.kind.value == "link")
    problems = check_item(
        link, EvidenceItem(requirement_id=link.id, kind=link.kind, url=value), final=True
    )
    raise McembedError("; ".join(str(p) for p in problems))


# (what takes the value, the fragment of the message around the excerpt)
OVERLONG: list[tuple[str, Callable[[str], Any], str]] = [
    ("duration", parse_duration, " is not a duration"),
    ("platform URL", lambda v: check_platform_url("key set URL", v), "key set URL must be"),
    ("base URL", lambda v: Settings.from_env({"MCEMBED_BASE_URL": v}), "MCEMBED_BASE_URL"),
    ("level", lambda v: make_credential().rubric.criteria[0].level(v), "has no level"),
    ("criterion", lambda v: make_credential().rubric.criterion(v), "has no criterion"),
    ("link evidence", _link_problem, "is not a web address"),
]


@pytest.mark.parametrize(("what", "call", "fragment"), OVERLONG, ids=[o[0] for o in OVERLONG])
def test_core_messages_quote_an_excerpt_of_an_overlong_value(
    what: str, call: Callable[[str], Any], fragment: str
) -> None:
    with pytest.raises((McembedError, ValueError)) as err:
        call(MEGABYTE)
    message = str(err.value)
    assert fragment in message
    assert MARKED in message
    assert len(message) < 400, message[:400]
