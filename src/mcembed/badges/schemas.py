"""The official Open Badges 3.0 JSON Schema, compiled once.

The 1EdTech ``AchievementCredential`` schema ships with mcembed
(``data/schemas``, see ``data/SOURCES.md``) and is never fetched.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema
import orjson

__all__ = ["validate_schema"]


def _date_time(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in value


_FORMATS: dict[str, Any] = {"date-time": _date_time, "uri": lambda v: ":" in v}


@cache
def _validators() -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """(the credential without its achievement, the achievement alone)."""
    schema = json.loads(
        resources.files("mcembed.badges")
        .joinpath("data")
        .joinpath("schemas")
        .joinpath("ob_v3p0_achievementcredential_schema.json")
        .read_text()
    )
    # The schema is written for draft 2019-09 but uses nothing draft-07 lacks;
    # fastjsonschema compiles it to Python once.
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    defs = schema["$defs"]
    achievement = {"$schema": schema["$schema"], "$ref": "#/$defs/Achievement", "$defs": defs}
    outer = copy.deepcopy(schema)
    outer["$defs"]["AchievementSubject"]["properties"]["achievement"] = {"type": "object"}
    return (
        fastjsonschema.compile(outer, formats=_FORMATS),
        fastjsonschema.compile(achievement, formats=_FORMATS),
    )


_ACHIEVEMENTS: dict[bytes, str | None] = {}
_LOCK = threading.Lock()


def _check_achievement(achievement: Any) -> str | None:
    # Every credential of one credential version carries the same
    # achievement: its verdict is kept by digest instead of re-checked.
    digest = hashlib.sha256(orjson.dumps(achievement, option=orjson.OPT_SORT_KEYS)).digest()
    if digest in _ACHIEVEMENTS:
        return _ACHIEVEMENTS[digest]
    try:
        _validators()[1](achievement)
        verdict = None
    except fastjsonschema.JsonSchemaException as e:
        verdict = f"credentialSubject.achievement: {e}"
    with _LOCK:
        if len(_ACHIEVEMENTS) > 4096:
            _ACHIEVEMENTS.clear()
        _ACHIEVEMENTS[digest] = verdict
    return verdict


def validate_schema(credential: Mapping[str, Any]) -> str | None:
    """None when ``credential`` meets the OB 3.0 AchievementCredential schema,
    else what is wrong."""
    try:
        _validators()[0](credential)
    except fastjsonschema.JsonSchemaException as e:
        return str(e)
    subject = credential.get("credentialSubject")
    if isinstance(subject, Mapping) and "achievement" in subject:
        try:
            return _check_achievement(subject["achievement"])
        except TypeError:
            return "credentialSubject.achievement is not plain JSON"
    return None
