"""Plain JSON data to and from the domain values (used by storage and exports),
and JSON text from someone else read safely (``parse_json``).

One ``cattrs`` converter knows every value: datetimes travel as ISO 8601 text in
UTC, enums as their values, tuples as lists.

JSON that arrives from outside (a request body, an id_token, a pasted or baked
badge, a document fetched from a platform, an answer the notebook reads) is
parsed by ``parse_json`` only: nested more than ``MAX_JSON_DEPTH`` levels it is
refused with a ``ValidationError``. Python's ``json`` raises ``RecursionError``
at about a thousand levels, and whatever walks the data afterwards (PyJWT,
JSON-LD, JSON Schema, cattrs) recurses too: no caller sees either.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime
from enum import Enum, StrEnum
from typing import Any, TypeVar

import cattrs
import orjson

from .errors import ValidationError

__all__ = ["MAX_JSON_DEPTH", "canonical_json", "content_hash", "from_data", "parse_json", "to_data"]

MAX_JSON_DEPTH = 64
"""How deep JSON from outside may nest (an id_token nests five levels, an Open
Badges credential ten)."""

T = TypeVar("T")

_converter = cattrs.Converter(forbid_extra_keys=False)
_converter.register_unstructure_hook(datetime, lambda d: d.astimezone(UTC).isoformat())
_converter.register_structure_hook(datetime, lambda v, _: _parse_datetime(v))
# StrEnum must be named: cattrs would otherwise pass it through as a ``str``.
_converter.register_unstructure_hook(StrEnum, lambda v: v.value)
_converter.register_unstructure_hook(Enum, lambda v: v.value)
# Sets travel as sorted lists: JSON has no sets, and the order must be stable.
_converter.register_unstructure_hook_func(
    lambda t: t in (set, frozenset) or getattr(t, "__origin__", None) in (set, frozenset),
    lambda v: sorted(_converter.unstructure(x) for x in v),
)


def _award_hooks() -> None:
    # An award's signed documents are JSON data already (a credential is
    # 6 KB of nested dicts): walking them value by value was most of the
    # cost of storing an award. They are copied through as they are.
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

    from .awards import Award

    fields = make_dict_unstructure_fn(Award, _converter, documents=override(omit=True))
    rebuild = make_dict_structure_fn(Award, _converter, documents=override(omit=True))

    def unstructure(award: Award) -> dict[str, Any]:
        data = fields(award)
        data["documents"] = dict(award.documents)
        return data

    def structure(data: Any, _: Any) -> Award:
        award = rebuild(data, Award)
        documents = data.get("documents") or {}
        return replace(award, documents=dict(documents)) if documents else award

    _converter.register_unstructure_hook(Award, unstructure)
    _converter.register_structure_hook(Award, structure)


_award_hooks()


def _parse_datetime(value: Any) -> datetime:
    d = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def to_data(value: Any) -> Any:
    """A domain value as JSON-ready data (dicts, lists, strings, numbers)."""
    return _converter.unstructure(value)


def from_data(cls: type[T], data: Any) -> T:
    """Rebuild a domain value of type ``cls`` from ``to_data`` output."""
    return _converter.structure(data, cls)


def canonical_json(data: Any) -> str:
    """Sorted, compact JSON: the same data always gives the same text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(data: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``data``."""
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


def parse_json(
    text: str | bytes, *, what: str = "The JSON", max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """Parse JSON that someone else wrote, refusing what no honest sender nests.

    Args:
        text: the JSON text (bytes are read as UTF-8).
        what: how the message names the text, as it begins a sentence or
            follows a colon (``"The request body"``, ``"the JWT header"``).
        max_depth: how many levels of arrays and objects are accepted.

    Returns:
        The data: dicts, lists, strings, numbers, booleans and None.

    Raises:
        ValidationError: not JSON (not UTF-8, a syntax error, a number out of
            range) or nested deeper than ``max_depth``; the message says which.
    """
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        if "depth" not in str(e) and "recursion" not in str(e).lower():
            raise _refused(what, f"is not valid JSON: {e}") from None
        data = None  # orjson stops at 1,024 levels itself
    else:
        # levels cannot outnumber the brackets: most texts need no walk
        if isinstance(text, bytes):
            brackets = text.count(b"[") + text.count(b"{")
        else:
            brackets = text.count("[") + text.count("{")
        if brackets <= max_depth or _depth(data, max_depth) <= max_depth:
            return data
    raise _refused(
        what,
        f"is nested more than {max_depth} levels deep; at most {max_depth} levels of "
        "arrays and objects are accepted",
    )


def _refused(what: str, reason: str) -> ValidationError:
    return ValidationError(f"{what} {reason}.")


def _depth(data: Any, limit: int) -> int:
    """How deep ``data`` nests, counted without recursion; stops past ``limit``."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, level = pending.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        pending.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest
