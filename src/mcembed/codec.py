"""Plain JSON data to and from the domain values (used by storage and exports).

One ``cattrs`` converter knows every value: datetimes travel as ISO 8601 text in
UTC, enums as their values, tuples as lists.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime
from enum import Enum, StrEnum
from typing import Any, TypeVar

import cattrs

__all__ = ["canonical_json", "content_hash", "from_data", "to_data"]

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
