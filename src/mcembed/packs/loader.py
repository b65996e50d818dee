"""Load a pack folder into values, collecting every problem before failing.

A pack folder::

    pack.yaml              id, name, description, issuer
    credentials/*.yaml     one credential per file
    stacks/*.yaml          one stack per file
    images/                PNG or SVG files the YAML names
    checks/                Python modules with the code checks

``load_pack`` reads it all, validates each file against the JSON Schema, then
checks what a schema cannot: references between criteria, levels, evidence and
stacks; stack cycles; files that must exist; web addresses. Every problem names
the file, the line and the field path, and all of them are reported at once in
one ``PackError``.
"""

from __future__ import annotations

import ast
import copy
import gc
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import fastjsonschema

from ..codec import content_hash
from ..credentials import (
    Alignment,
    CodeCheck,
    Credential,
    EvidenceKind,
    EvidenceRequirement,
    Issuer,
    MethodComponent,
    Resource,
    ValidityPeriod,
)
from ..errors import EXCERPT_CHARS, Location, PackError, Problem, did_you_mean, excerpt
from ..evidence import is_web_url
from ..rubrics import Criterion, Level, PassingRule, Rubric
from ..stacks import EarningRule, Stack
from .locations import LineMap, PathPart, format_path, read_yaml
from .schema import pack_schema

__all__ = ["MAX_IMAGE_BYTES", "Pack", "load_pack", "parse_size"]

MAX_IMAGE_BYTES = 2_000_000
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True, kw_only=True)
class Pack:
    """A loaded pack: its issuer, credentials and stacks, and the files they name.

    ``files`` maps each pack-relative path named by the YAML (images, check
    modules) to its bytes, so the pack can be stored without the folder.
    """

    id: str
    name: str
    description: str = ""
    issuer: Issuer
    credentials: tuple[Credential, ...] = ()
    stacks: tuple[Stack, ...] = ()
    files: Mapping[str, bytes] = field(default_factory=dict)
    root: str = ""

    def credential(self, credential_id: str) -> Credential:
        for c in self.credentials:
            if c.id == credential_id:
                return c
        raise KeyError(credential_id)


def parse_size(value: str | int) -> int | None:
    """``'10 MB'`` -> 10_000_000, ``'512 KiB'`` -> 524_288, ``2048`` -> 2048.

    Returns ``None`` when the text is not a size."""
    if isinstance(value, int):
        return value if value > 0 else None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]i?[bB]|[bB]|bytes)?\s*", value)
    if not match:
        return None
    number = float(match.group(1))
    unit = (match.group(2) or "b").lower()
    scale = {
        "b": 1,
        "bytes": 1,
        "kb": 1000,
        "mb": 1000**2,
        "gb": 1000**3,
        "kib": 1024,
        "mib": 1024**2,
        "gib": 1024**3,
    }[unit]
    size = int(number * scale)
    return size if size > 0 else None


# --- schema validation ------------------------------------------------------------

_TYPE_WORDS = {
    "object": "a mapping of fields",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _names(values: Iterable[str]) -> str:
    """Names the author wrote, listed in a message (a long one as an excerpt)."""
    return ", ".join(v if len(v) <= EXCERPT_CHARS else excerpt(v) for v in values)


def _kind_conditions(evidence_schema: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """The schema's ``if kind == X then required [...]`` rules, as (X, fields)."""
    return [
        (rule["if"]["properties"]["kind"]["const"], list(rule["then"]["required"]))
        for rule in evidence_schema.get("allOf", ())
    ]


@cache
def _fast_validator(kind: str) -> Callable[[Any], bool]:
    """A compiled check for the common case of a valid file; ``jsonschema``
    then explains the rare invalid one in full.

    fastjsonschema evaluates each ``if`` by raising and catching an exception
    (several per evidence item), which was a quarter of the load time. The
    compiled copy leaves the evidence's kind conditions out and they are
    checked here, from the same schema.
    """
    schema = copy.deepcopy(pack_schema())
    evidence = schema["$defs"]["credential"]["properties"]["evidence"]["items"]
    conditions = _kind_conditions(evidence)
    evidence.pop("allOf", None)
    compiled = fastjsonschema.compile(
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "$defs": schema["$defs"],
            "$ref": f"#/$defs/{kind}",
        }
    )

    def valid(data: Any) -> bool:
        try:
            compiled(data)
        except fastjsonschema.JsonSchemaException:
            return False
        if kind != "credential":
            return True
        return all(
            item.keys() >= set(required)
            for item in data.get("evidence", ())
            for value, required in conditions
            if item.get("kind") == value
        )

    return valid


@cache
def _validator(kind: str) -> Any:
    """The full validator, which explains every problem of an invalid file.

    Imported on first use: jsonschema takes up to two seconds to import where
    its URL grammar package is installed, and valid packs never need it."""
    import jsonschema

    schema = pack_schema()
    sub = {"$defs": schema["$defs"], "$ref": f"#/$defs/{kind}"}
    cls = jsonschema.validators.validator_for(schema)
    return cls(sub)


def _schema_problems(kind: str, data: Any, lines: LineMap) -> tuple[list[Problem], bool]:
    """Problems against the schema, and whether any is more than an unknown field
    (unknown fields do not stop the loader from checking the rest of the file)."""
    problems: list[Problem] = []
    hard = False
    if _fast_validator(kind)(data):
        return problems, hard
    for error in _validator(kind).iter_errors(data):
        path: tuple[PathPart, ...] = tuple(error.absolute_path)
        schema = error.schema if isinstance(error.schema, dict) else {}
        instance = error.instance
        v = error.validator
        if v == "additionalProperties":
            allowed = list(schema.get("properties", {}))
            for key in instance:
                if key not in allowed:
                    problems.append(
                        Problem(
                            lines.at((*path, key), key=True),
                            f"unknown field {excerpt(key)}{did_you_mean(key, allowed)}",
                        )
                    )
            continue
        hard = True
        if v == "required":
            for name in error.validator_value:
                if isinstance(instance, dict) and name not in instance:
                    where = lines.at(path, key=True)
                    field_path = format_path((*path, name))
                    problems.append(
                        Problem(
                            Location(where.file, where.line, field_path), "is required but missing"
                        )
                    )
            continue
        if v == "type":
            expected = error.validator_value
            names = [str(n) for n in (expected if isinstance(expected, list) else [expected])]
            want = " or ".join(_TYPE_WORDS.get(n, n) for n in names)
            got = _TYPE_WORDS.get(_type_of(instance), _type_of(instance))
            message = f"must be {want} (got {got}: {excerpt(instance)})"
        elif v == "enum":
            choices = [str(c) for c in error.validator_value]
            message = f"must be one of {', '.join(choices)} (got {excerpt(instance)})" + (
                did_you_mean(instance, choices) if isinstance(instance, str) else ""
            )
        elif v == "pattern":
            hint = schema.get("x-hint", f"must match {error.validator_value}")
            message = f"{excerpt(instance)} is not valid: {hint}"
        elif v == "minItems":
            n = error.validator_value
            message = f"needs at least {n} item{'s' if n != 1 else ''}"
        elif v == "minLength":
            message = "must not be empty"
        elif v == "minimum":
            message = f"must be at least {error.validator_value} (got {excerpt(instance)})"
        elif v == "minProperties":
            message = "is empty; " + schema.get("description", "give at least one field")
        else:
            # jsonschema's own message quotes the whole value
            message = error.message.replace(repr(instance), excerpt(instance))
        problems.append(Problem(lines.at(path), message))
    return problems, hard


# --- the loader -------------------------------------------------------------------


class _PackReader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.files: dict[str, bytes] = {}
        self.file_hashes: dict[str, str] = {}

    # helpers
    def display(self, rel: str) -> str:
        return str(self.root / rel)

    def problem(self, where: Location, message: str) -> None:
        self.problems.append(Problem(where, message))

    def read(self, rel: str, kind: str) -> tuple[dict[str, Any] | None, LineMap, bool]:
        """Read and schema-check one file: (data, lines, whether it can be built)."""
        path = self.root / rel
        shown = self.display(rel)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.problem(Location(shown), "is not UTF-8 text")
            return None, LineMap(shown), False
        except OSError as e:
            self.problem(Location(shown), f"cannot be read: {e.strerror}")
            return None, LineMap(shown), False
        data, lines, problems = read_yaml(text, shown)
        self.problems.extend(problems)
        if problems:
            return None, lines, False
        if data is None:
            self.problem(Location(shown, 1), "is empty")
            return None, lines, False
        # Schema problems are recorded but the data is still returned, so that
        # its id counts for duplicates and for other files' references.
        schema_problems, hard = _schema_problems(kind, data, lines)
        self.problems.extend(schema_problems)
        return (data if isinstance(data, dict) else None), lines, not hard

    def check_url(self, value: str, lines: LineMap, path: tuple[PathPart, ...]) -> None:
        if not is_web_url(value):
            self.problem(
                lines.at(path),
                f"{excerpt(value)} is not a web address; give a full URL starting with https://",
            )

    def pack_file(
        self,
        value: str,
        lines: LineMap,
        path: tuple[PathPart, ...],
        what: str,
        accept: Callable[[bytes], str | None],
    ) -> str | None:
        """Check a file the YAML names; remember its bytes. Returns its SHA-256."""
        posix = PurePosixPath(value.replace("\\", "/"))
        if posix.is_absolute() or ".." in posix.parts or not posix.parts:
            self.problem(lines.at(path), f"{excerpt(value)} must be a path inside the pack folder")
            return None
        rel = posix.as_posix()
        if rel in self.file_hashes:
            return self.file_hashes[rel]
        full = self.root / rel
        if not full.is_file():
            near = (
                [
                    p.relative_to(self.root).as_posix()
                    for p in (self.root / posix.parent).glob("*")
                    if p.is_file()
                ]
                if (self.root / posix.parent).is_dir()
                else []
            )
            self.problem(
                lines.at(path),
                f"{what} {excerpt(rel)} does not exist in the pack{did_you_mean(rel, near)}",
            )
            return None
        data = full.read_bytes()
        trouble = accept(data)
        if trouble:
            self.problem(lines.at(path), f"{what} {excerpt(rel)} {trouble}")
            return None
        self.files[rel] = data
        digest = hashlib.sha256(data).hexdigest()
        self.file_hashes[rel] = digest
        return digest

    def image(self, value: str, lines: LineMap, path: tuple[PathPart, ...]) -> str | None:
        return self.pack_file(value, lines, path, "image", _image_trouble)

    # pack.yaml
    def load_meta(self) -> tuple[dict[str, Any] | None, LineMap]:
        if not (self.root / "pack.yaml").is_file():
            self.problem(
                Location(self.display("pack.yaml")),
                "is missing: every pack needs a pack.yaml with its id, name and issuer",
            )
            return None, LineMap(self.display("pack.yaml"))
        data, lines, ok = self.read("pack.yaml", "pack")
        if data and ok:
            issuer = data["issuer"]
            if isinstance(issuer.get("url"), str):
                self.check_url(issuer["url"], lines, ("issuer", "url"))
            if isinstance(issuer.get("image"), str):
                self.image(issuer["image"], lines, ("issuer", "image"))
        return data, lines

    # credentials
    def build_credential(
        self, data: dict[str, Any], lines: LineMap, pack_id: str
    ) -> Credential | None:
        before = len(self.problems)
        rubric = self.build_rubric(data, lines)
        evidence = tuple(self.build_evidence(data, lines, rubric))
        for key in ("resources", "research"):
            for i, res in enumerate(data.get(key, [])):
                self.check_url(res["url"], lines, (key, i, "url"))
        for i, al in enumerate(data.get("alignments", [])):
            if "url" in al:
                self.check_url(al["url"], lines, ("alignments", i, "url"))
        image_hash = None
        if "image" in data:
            image_hash = self.image(data["image"], lines, ("image",))
        validity = None
        if "valid_for" in data:
            vf = data["valid_for"]
            if not any(vf.get(k) for k in ("years", "months", "days")):
                self.problem(
                    lines.at(("valid_for",)),
                    "needs years, months or days above 0; leave it out for no expiry",
                )
            else:
                validity = ValidityPeriod(
                    years=vf.get("years", 0), months=vf.get("months", 0), days=vf.get("days", 0)
                )
        if rubric is None or len(self.problems) > before:
            return None
        credential = Credential(
            id=data["id"],
            version=str(data["version"]),
            name=data["name"].strip(),
            summary=data["summary"].strip(),
            competency=data["competency"].strip(),
            key_method=data.get("key_method", "").strip(),
            method_components=tuple(
                MethodComponent(name=m["name"], description=m.get("description", "").strip())
                for m in data.get("method_components", [])
            ),
            research=tuple(_resource(r) for r in data.get("research", [])),
            resources=tuple(_resource(r) for r in data.get("resources", [])),
            addresses=tuple(a.strip() for a in data.get("addresses", [])),
            evidence=evidence,
            rubric=rubric,
            tags=tuple(dict.fromkeys(t.strip() for t in data.get("tags", []))),
            alignments=tuple(_alignment(a) for a in data.get("alignments", [])),
            validity=validity,
            image=PurePosixPath(data["image"]).as_posix() if "image" in data else None,
            pack_id=pack_id,
        )
        # The hash covers what the author wrote (not layout or comments) and the
        # bytes of the files it names, so a changed image or check is a change too.
        files = {r.module: self.file_hashes.get(r.module, "") for r in evidence if r.module}
        if credential.image:
            files[credential.image] = image_hash or ""
        return replace(credential, content_hash=content_hash({"source": data, "files": files}))

    def build_rubric(self, data: dict[str, Any], lines: LineMap) -> Rubric | None:
        rubric = data["rubric"]
        passing = data["passing"]
        ok = True
        scale = rubric["levels"]
        labels = [lv["label"] for lv in scale]
        for i, lv in enumerate(scale):
            if labels.index(lv["label"]) != i:
                self.problem(
                    lines.at(("rubric", "levels", i, "label")),
                    f"level {excerpt(lv['label'])} is listed twice",
                )
                ok = False
            if i and lv["points"] <= scale[i - 1]["points"]:
                self.problem(
                    lines.at(("rubric", "levels", i, "points")),
                    f"levels go from the lowest to the highest points: {excerpt(lv['label'])} "
                    f"({lv['points']}) must have more points than {excerpt(scale[i - 1]['label'])} "
                    f"({scale[i - 1]['points']})",
                )
                ok = False
        each = passing.get("each_at_least")
        if each is not None and each not in labels:
            self.problem(
                lines.at(("passing", "each_at_least")),
                f"no level {excerpt(each)}{did_you_mean(each, labels)}{_levels_are(labels)}",
            )
            ok = False
        criteria: list[Criterion] = []
        min_levels: dict[str, str] = {}
        seen: dict[str, int] = {}
        for i, c in enumerate(rubric["criteria"]):
            here = ("rubric", "criteria", i)
            if c["id"] in seen:
                self.problem(
                    lines.at((*here, "id")),
                    f"criterion id {excerpt(c['id'])} is already used by criteria[{seen[c['id']]}]",
                )
                ok = False
                continue
            seen[c["id"]] = i
            descriptors: dict[str, str] = c["descriptors"]
            for label in descriptors:
                if label not in labels:
                    self.problem(
                        lines.at((*here, "descriptors", label), key=True),
                        f"no level {excerpt(label)}{did_you_mean(label, labels)}"
                        f"{_levels_are(labels)}",
                    )
                    ok = False
            absent = [
                lv["label"]
                for lv in scale
                if lv["label"] not in descriptors and not lv.get("descriptor")
            ]
            if absent:
                self.problem(
                    lines.at((*here, "descriptors")),
                    f"describe every level for this criterion; missing: {_names(absent)}",
                )
                ok = False
            required = c.get("passing_level", each)
            if "passing_level" in c and c["passing_level"] not in labels:
                self.problem(
                    lines.at((*here, "passing_level")),
                    f"no level {excerpt(c['passing_level'])}"
                    f"{did_you_mean(c['passing_level'], labels)}{_levels_are(labels)}",
                )
                ok = False
            elif required is not None:
                min_levels[c["id"]] = required
            if not ok:
                continue
            criteria.append(
                Criterion(
                    id=c["id"],
                    name=c["name"].strip(),
                    description=c.get("description", "").strip(),
                    levels=tuple(
                        Level(
                            label=lv["label"],
                            points=lv["points"],
                            descriptor=descriptors.get(
                                lv["label"], lv.get("descriptor", "")
                            ).strip(),
                        )
                        for lv in scale
                    ),
                )
            )
        if not ok:
            return None
        max_points = sum(c.max_points for c in criteria)
        min_total = passing.get("min_total")
        if min_total is not None and min_total > max_points:
            self.problem(
                lines.at(("passing", "min_total")),
                f"{min_total} is more than the rubric's maximum of {max_points} points",
            )
            return None
        return Rubric(
            criteria=tuple(criteria),
            passing=PassingRule(min_levels=min_levels, min_total=min_total),
        )

    def build_evidence(
        self, data: dict[str, Any], lines: LineMap, rubric: Rubric | None
    ) -> Iterable[EvidenceRequirement]:
        criterion_ids = [c["id"] for c in data["rubric"]["criteria"]]
        fed: set[str] = set()
        seen: dict[str, int] = {}
        for i, ev in enumerate(data["evidence"]):
            here = ("evidence", i)
            kind = EvidenceKind(ev["kind"])
            if ev["id"] in seen:
                self.problem(
                    lines.at((*here, "id")),
                    f"evidence id {excerpt(ev['id'])} is already used by "
                    f"evidence[{seen[ev['id']]}]",
                )
                continue
            seen[ev["id"]] = i
            for j, cid in enumerate(ev["criteria"]):
                if cid not in criterion_ids:
                    self.problem(
                        lines.at((*here, "criteria", j)),
                        f"no rubric criterion {excerpt(cid)}{did_you_mean(cid, criterion_ids)}; "
                        f"the criteria are {_names(criterion_ids)}",
                    )
                fed.add(cid)
            for name, owner in _KIND_FIELDS.items():
                if name in ev and owner is not kind:
                    self.problem(
                        lines.at((*here, name), key=True),
                        f"{name!r} is only used by {owner.value} evidence; "
                        f"this is {kind.value} evidence",
                    )
            min_words = max_words = max_bytes = None
            if "words" in ev:
                min_words, max_words = ev["words"].get("min"), ev["words"].get("max")
                if min_words is not None and max_words is not None and min_words > max_words:
                    self.problem(
                        lines.at((*here, "words")),
                        f"min ({min_words}) is more than max ({max_words})",
                    )
            if "max_size" in ev:
                max_bytes = parse_size(ev["max_size"])
                if max_bytes is None:
                    self.problem(
                        lines.at((*here, "max_size")),
                        f"{excerpt(ev['max_size'])} is not a size; "
                        "write e.g. 10 MB, 500 kB or a number of bytes",
                    )
            checks: tuple[CodeCheck, ...] = ()
            if kind is EvidenceKind.CODE_CHECK and "module" in ev:
                checks = tuple(
                    CodeCheck(
                        name=c["name"],
                        description=c["description"].strip(),
                        hint=c.get("hint", "").strip(),
                    )
                    for c in ev["checks"]
                )
                names = self.module_functions(ev["module"], lines, (*here, "module"))
                if names is not None:
                    for j, check in enumerate(checks):
                        if check.name not in names:
                            self.problem(
                                lines.at((*here, "checks", j, "name")),
                                f"module {excerpt(ev['module'])} defines no function "
                                f"{excerpt(check.name)}"
                                f"{did_you_mean(check.name, names)}",
                            )
            yield EvidenceRequirement(
                id=ev["id"],
                kind=kind,
                title=ev["title"].strip(),
                prompt=ev.get("prompt", "").strip(),
                criteria=tuple(ev["criteria"]),
                required=ev.get("required", True),
                min_words=min_words,
                max_words=max_words,
                file_types=tuple(
                    dict.fromkeys(t.lower().lstrip(".") for t in ev.get("file_types", []))
                ),
                max_bytes=max_bytes,
                target=ev.get("target", ""),
                module=PurePosixPath(ev["module"]).as_posix() if "module" in ev else "",
                checks=checks,
                statement=ev.get("statement", "").strip(),
            )
        for i, cid in enumerate(criterion_ids):
            if cid not in fed:
                self.problem(
                    lines.at(("rubric", "criteria", i, "id")),
                    f"criterion {excerpt(cid)} is fed by no evidence; name it in some "
                    "evidence's criteria so reviewers have something to score",
                )

    def module_functions(
        self, value: str, lines: LineMap, path: tuple[PathPart, ...]
    ) -> list[str] | None:
        digest = self.pack_file(value, lines, path, "check module", _python_trouble)
        if digest is None:
            return None
        tree = ast.parse(self.files[PurePosixPath(value).as_posix()])
        return [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]

    # stacks
    def build_stack(self, data: dict[str, Any], lines: LineMap, pack_id: str) -> Stack | None:
        before = len(self.problems)
        rule = EarningRule(data.get("rule", "all_of"))
        n = data.get("n")
        members = data["members"]
        if rule is EarningRule.N_OF and n is None:
            self.problem(lines.at(("rule",)), "n_of needs n: how many members must be earned")
        if rule is EarningRule.N_OF and n is not None and n > len(members):
            self.problem(lines.at(("n",)), f"is {n}, but the stack has only {len(members)} members")
        if rule is EarningRule.ALL_OF and n is not None:
            self.problem(lines.at(("n",), key=True), "is only used with rule: n_of")
        for i, m in enumerate(members):
            if members.index(m) != i:
                self.problem(lines.at(("members", i)), f"{excerpt(m)} is listed twice")
        image_hash = self.image(data["image"], lines, ("image",)) if "image" in data else None
        for i, al in enumerate(data.get("alignments", [])):
            if "url" in al:
                self.check_url(al["url"], lines, ("alignments", i, "url"))
        if len(self.problems) > before:
            return None
        stack = Stack(
            id=data["id"],
            version=str(data["version"]),
            name=data["name"].strip(),
            summary=data["summary"].strip(),
            members=tuple(members),
            rule=rule,
            n=n,
            tags=tuple(dict.fromkeys(t.strip() for t in data.get("tags", []))),
            alignments=tuple(_alignment(a) for a in data.get("alignments", [])),
            image=PurePosixPath(data["image"]).as_posix() if "image" in data else None,
            pack_id=pack_id,
        )
        files = {stack.image: image_hash or ""} if stack.image else {}
        return replace(stack, content_hash=content_hash({"source": data, "files": files}))


_KIND_FIELDS = {
    "words": EvidenceKind.REFLECTION,
    "file_types": EvidenceKind.ARTIFACT,
    "max_size": EvidenceKind.ARTIFACT,
    "target": EvidenceKind.CODE_CHECK,
    "module": EvidenceKind.CODE_CHECK,
    "checks": EvidenceKind.CODE_CHECK,
    "statement": EvidenceKind.ATTESTATION,
}


def _levels_are(labels: list[str]) -> str:
    return f"; the levels are {_names(labels)}"


def _resource(data: dict[str, Any]) -> Resource:
    return Resource(
        title=data["title"].strip(),
        url=data["url"],
        description=data.get("description", "").strip(),
    )


def _alignment(data: dict[str, Any]) -> Alignment:
    return Alignment(
        framework=data["framework"].strip(),
        code=str(data.get("code", "")).strip(),
        name=data.get("name", "").strip(),
        url=data.get("url", ""),
    )


def _image_trouble(data: bytes) -> str | None:
    if len(data) > MAX_IMAGE_BYTES:
        return f"is {len(data):,} bytes; images may be at most {MAX_IMAGE_BYTES:,} bytes"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    head = data[:2048].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--")) and b"<svg" in data[:8192].lower():
        return None
    return "is neither a PNG nor an SVG image"


def _python_trouble(data: bytes) -> str | None:
    try:
        ast.parse(data)
    except SyntaxError as e:
        return f"has a Python syntax error on line {e.lineno}: {e.msg}"
    except ValueError as e:
        return f"cannot be read as Python: {e}"
    return None


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())


def _find_cycles(graph: Mapping[str, tuple[str, ...]]) -> list[list[str]]:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node)
    return cycles


def load_pack(path: str | os.PathLike[str]) -> Pack:
    """Read the pack folder at ``path``.

    Args:
        path: the folder holding ``pack.yaml``.

    Returns:
        The pack with its credentials and stacks.

    Raises:
        PackError: with every problem found, each naming file, line and field path.
    """
    # Parsing builds many small objects that all live until the end: the cyclic
    # garbage collector would rescan them over and over for nothing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _load_pack(Path(path))
    finally:
        if was_enabled:
            gc.enable()


def _load_pack(root: Path) -> Pack:
    if not root.is_dir():
        raise PackError(
            [Problem(Location(str(root)), "is not a folder (a pack is a folder with pack.yaml)")]
        )
    reader = _PackReader(root)
    meta, _ = reader.load_meta()
    pack_id = meta["id"] if meta and isinstance(meta.get("id"), str) else ""

    for extra in sorted(
        p for p in root.iterdir() if p.suffix in YAML_SUFFIXES and p.name != "pack.yaml"
    ):
        reader.problem(
            Location(str(extra)),
            "is not part of the pack format: credentials go in credentials/, stacks in stacks/",
        )

    ids: dict[str, Location] = {}
    credentials: list[Credential] = []
    stacks: list[Stack] = []
    stack_data: list[tuple[dict[str, Any], LineMap]] = []

    def claim(data: dict[str, Any] | None, lines: LineMap) -> bool:
        if not data or not isinstance(data.get("id"), str):
            return False
        where = lines.at(("id",))
        first = ids.get(data["id"])
        if first is not None:
            reader.problem(
                where, f"id {excerpt(data['id'])} is already used in {first.file}:{first.line}"
            )
            return False
        ids[data["id"]] = where
        return True

    credential_files = _yaml_files(root / "credentials")
    if not credential_files and meta is not None:
        reader.problem(
            Location(str(root / "credentials")), "holds no credential files (credentials/*.yaml)"
        )
    for file in credential_files:
        data, lines, ok = reader.read(file.relative_to(root).as_posix(), "credential")
        if claim(data, lines) and data is not None and ok:
            credential = reader.build_credential(data, lines, pack_id)
            if credential is not None:
                credentials.append(credential)
    for file in _yaml_files(root / "stacks"):
        data, lines, ok = reader.read(file.relative_to(root).as_posix(), "stack")
        if claim(data, lines) and data is not None and ok:
            stack_data.append((data, lines))

    graph = {d["id"]: tuple(d["members"]) for d, _ in stack_data}
    for data, lines in stack_data:
        for i, member in enumerate(data["members"]):
            if member not in ids:
                reader.problem(
                    lines.at(("members", i)),
                    f"no credential or stack {excerpt(member)} in this pack"
                    f"{did_you_mean(member, ids)}",
                )
    for cycle in _find_cycles(graph):
        first = next(d for d in stack_data if d[0]["id"] == cycle[0])
        reader.problem(
            first[1].at(("members",)),
            f"stacks form a cycle: {' -> '.join(cycle)}",
        )
    for data, lines in stack_data:
        stack = reader.build_stack(data, lines, pack_id)
        if stack is not None:
            stacks.append(stack)

    if reader.problems or meta is None:
        raise PackError(reader.problems, pack=str(root))
    issuer = meta["issuer"]
    return Pack(
        id=meta["id"],
        name=meta["name"].strip(),
        description=meta.get("description", "").strip(),
        issuer=Issuer(
            name=issuer["name"].strip(),
            url=issuer["url"],
            email=issuer.get("email", ""),
            description=issuer.get("description", "").strip(),
            image=issuer.get("image"),
        ),
        credentials=tuple(credentials),
        stacks=tuple(stacks),
        files=dict(reader.files),
        root=str(root),
    )
