"""The JSON Schema of the pack authoring format (``mcembed schema`` prints it).

One document with three entry points under ``$defs``: ``pack`` (``pack.yaml``),
``credential`` (``credentials/*.yaml``) and ``stack`` (``stacks/*.yaml``). Editors
that read JSON Schema (VS Code's YAML extension, JetBrains) validate while the
facilitator types; the loader validates with the same schema, then checks what
a schema cannot (cross references, files, versions).
"""

from __future__ import annotations

from typing import Any

__all__ = ["SCHEMA_ID", "pack_schema"]

SCHEMA_ID = "https://mcembed.org/schema/pack-1.json"

ID_PATTERN = "^[a-z0-9][a-z0-9-]{0,79}$"
ID_HINT = "use 1 to 80 lowercase letters, digits and hyphens, starting with a letter or digit"

_text = {"type": "string", "minLength": 1}


def _obj(properties: dict[str, Any], required: list[str], description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def _id(description: str) -> dict[str, Any]:
    return {"type": "string", "pattern": ID_PATTERN, "description": description, "x-hint": ID_HINT}


def _doc(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "description": description, **extra}


_url = {
    "type": "string",
    "minLength": 1,
    "description": "A full web address starting with https:// (or http://).",
}

_resource = _obj(
    {
        "title": _doc("What the reader will find."),
        "url": _url,
        "description": {"type": "string", "description": "Why it is worth reading."},
    },
    ["title", "url"],
)

_alignment = _obj(
    {
        "framework": _doc(
            "The framework, e.g. 'Learning Forward Standards for Professional Learning'."
        ),
        "code": {"type": "string", "description": "The code of the standard in the framework."},
        "name": {"type": "string", "description": "The name of the standard."},
        "url": _url,
    },
    ["framework"],
)

_check = _obj(
    {
        "name": {
            "type": "string",
            "pattern": "^[A-Za-z_][A-Za-z0-9_]*$",
            "description": "A function of that name in the check module.",
            "x-hint": "use a Python function name",
        },
        "description": _doc("What the check verifies, in the learner's words."),
        "hint": {"type": "string", "description": "Shown to the learner when the check fails."},
    },
    ["name", "description"],
)

EVIDENCE_KINDS = ["reflection", "artifact", "link", "code_check", "attestation"]

_evidence = _obj(
    {
        "id": _id("Unique within the credential."),
        "kind": {"enum": EVIDENCE_KINDS, "description": "What the learner submits."},
        "title": _doc("A short name for the evidence."),
        "prompt": {"type": "string", "description": "What the learner is asked to do or write."},
        "criteria": {
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
            "description": "Ids of the rubric criteria this evidence feeds.",
        },
        "required": {"type": "boolean", "description": "Default true."},
        "words": _obj(
            {"min": {"type": "integer", "minimum": 0}, "max": {"type": "integer", "minimum": 1}},
            [],
            "Word bounds of a reflection.",
        ),
        "file_types": {
            "type": "array",
            "items": {
                "type": "string",
                "pattern": "^\\.?[A-Za-z0-9]+$",
                "x-hint": "use an extension such as pdf",
            },
            "minItems": 1,
            "description": "Allowed file extensions of an artifact, e.g. [pdf, docx].",
        },
        "max_size": {
            "type": ["string", "integer"],
            "description": "Size cap of an artifact: bytes, or text such as '10 MB'.",
        },
        "target": {
            "type": "string",
            "description": "code_check: the name of the function or value the learner writes.",
        },
        "module": {
            "type": "string",
            "description": "code_check: the Python file (in the pack) that defines the checks.",
        },
        "checks": {"type": "array", "items": _check, "minItems": 1},
        "statement": {
            "type": "string",
            "description": "attestation: what the learner (or a witness) confirms.",
        },
    },
    ["id", "kind", "title", "criteria"],
    "One piece of evidence the learner submits.",
)
_evidence["allOf"] = [
    {
        "if": {"properties": {"kind": {"const": "code_check"}}, "required": ["kind"]},
        "then": {"required": ["target", "module", "checks"]},
    },
    {
        "if": {"properties": {"kind": {"const": "attestation"}}, "required": ["kind"]},
        "then": {"required": ["statement"]},
    },
    {
        "if": {"properties": {"kind": {"const": "artifact"}}, "required": ["kind"]},
        "then": {"required": ["file_types"]},
    },
]

_level = _obj(
    {
        "label": _doc("The level's name, e.g. 'Proficient'."),
        "points": {"type": "integer", "minimum": 0},
        "descriptor": {"type": "string", "description": "What this level means in general."},
    },
    ["label", "points"],
)

_criterion = _obj(
    {
        "id": _id("Unique within the rubric; evidence names it in `criteria`."),
        "name": _doc("The criterion as reviewers and learners read it."),
        "description": {"type": "string"},
        "descriptors": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "What each level looks like for this criterion, by level label.",
        },
        "passing_level": {
            "type": "string",
            "description": (
                "The lowest level that passes this criterion (overrides passing.each_at_least)."
            ),
        },
    },
    ["id", "name", "descriptors"],
)

_rubric = _obj(
    {
        "levels": {
            "type": "array",
            "items": _level,
            "minItems": 2,
            "description": "The performance levels, from the lowest to the highest.",
        },
        "criteria": {"type": "array", "items": _criterion, "minItems": 1},
    },
    ["levels", "criteria"],
)

_passing = _obj(
    {
        "each_at_least": {
            "type": "string",
            "description": "Every criterion must reach at least this level.",
        },
        "min_total": {
            "type": "integer",
            "minimum": 0,
            "description": "The points of all criteria together must reach at least this.",
        },
    },
    [],
    "When a submission passes. Give each_at_least, min_total, or both.",
)
_passing["minProperties"] = 1

_issuer = _obj(
    {
        "name": _doc("The organisation that issues the credentials."),
        "url": _url,
        "email": {
            "type": "string",
            "pattern": "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$",
            "x-hint": "give an address like pl@example.org",
        },
        "description": {"type": "string"},
        "image": {"type": "string", "description": "A PNG or SVG file in the pack."},
    },
    ["name", "url"],
)

_version = {
    "type": ["string", "integer"],
    "description": (
        "Change it whenever the definition changes; "
        "learners keep the version they were judged against."
    ),
}

_credential = _obj(
    {
        "id": _id("Stable id of the credential; never reuse it for another credential."),
        "version": _version,
        "name": _doc("The credential's title."),
        "summary": _doc("One or two sentences: what earning it shows."),
        "competency": _doc("The competency the credential certifies."),
        "key_method": {"type": "string", "description": "The key method the learner applies."},
        "method_components": {
            "type": "array",
            "items": _obj({"name": _doc("Component"), "description": {"type": "string"}}, ["name"]),
        },
        "research": {
            "type": "array",
            "items": _resource,
            "description": "Research behind the method.",
        },
        "resources": {
            "type": "array",
            "items": _resource,
            "description": "Resources for learning.",
        },
        "addresses": {
            "type": "array",
            "items": {"type": "string"},
            "description": (
                "Problems, in plain words, that this credential helps with (used by search)."
            ),
        },
        "evidence": {"type": "array", "items": _evidence, "minItems": 1},
        "rubric": _rubric,
        "passing": _passing,
        "tags": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "alignments": {"type": "array", "items": _alignment},
        "valid_for": _obj(
            {
                "years": {"type": "integer", "minimum": 0},
                "months": {"type": "integer", "minimum": 0},
                "days": {"type": "integer", "minimum": 0},
            },
            [],
            "How long an award stays valid; leave out for no expiry.",
        ),
        "image": {"type": "string", "description": "A PNG or SVG file in the pack."},
    },
    ["id", "version", "name", "summary", "competency", "evidence", "rubric", "passing"],
    "A micro-credential: one competency, its evidence and its rubric.",
)

_stack = _obj(
    {
        "id": _id("Stable id of the stack (shares the id space with credentials)."),
        "version": _version,
        "name": _doc("The stack's title."),
        "summary": _doc("What earning the whole stack shows."),
        "members": {
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
            "description": "Ids of credentials (or other stacks), in the order learners take them.",
        },
        "rule": {"enum": ["all_of", "n_of"], "description": "all_of (default) or n_of."},
        "n": {"type": "integer", "minimum": 1, "description": "With rule n_of: how many members."},
        "tags": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "alignments": {"type": "array", "items": _alignment},
        "image": {"type": "string", "description": "A PNG or SVG file in the pack."},
    },
    ["id", "version", "name", "summary", "members"],
    "A stack: earning its members earns the stack's own credential.",
)

_pack = _obj(
    {
        "id": _id("Stable id of the pack."),
        "name": _doc("The programme or collection the pack holds."),
        "description": {"type": "string"},
        "issuer": _issuer,
    },
    ["id", "name", "issuer"],
    "pack.yaml: the pack and its issuer.",
)


def pack_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the authoring files."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "mcembed credential pack",
        "description": (
            "Authoring files of an mcembed pack: pack.yaml ($defs/pack), "
            "credentials/*.yaml ($defs/credential) and stacks/*.yaml ($defs/stack)."
        ),
        "$defs": {"pack": _pack, "credential": _credential, "stack": _stack},
        "oneOf": [
            {"$ref": "#/$defs/pack"},
            {"$ref": "#/$defs/credential"},
            {"$ref": "#/$defs/stack"},
        ],
    }
