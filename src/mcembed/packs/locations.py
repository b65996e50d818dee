"""Read YAML into plain data while remembering the line of every field.

PyYAML's composer gives nodes with marks; we build the Python values ourselves
from those nodes so that each field path (``rubric.criteria[2].passing_level``)
maps to the line it was written on. Duplicate keys, which PyYAML would silently
collapse, are reported, and so are values nested deeper than ``MAX_DEPTH`` and
numbers too long to read: a problem with a line, never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import EXCERPT_CHARS, Location, Problem

__all__ = ["MAX_DEPTH", "LineMap", "format_path", "read_yaml"]

MAX_DEPTH = 64
"""How deep values may nest in a pack file (a rubric's descriptors are four levels
down). Deeper data is refused before anything walks it."""

try:  # libyaml is an order of magnitude faster when PyYAML was built with it
    _Base: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Base = yaml.SafeLoader


class _Loader(_Base):  # type: ignore[misc]
    """The safe loader with a faster tag resolver.

    libyaml parses in C but asks Python for the tag of every node, trying the
    implicit resolvers' expressions on each plain scalar: a third of the time
    a pack took to read. The safe loader has no path resolvers, so a plain
    scalar's tag depends on its text alone and is remembered; any other node's
    tag on its kind alone.
    """

    _plain: dict[str, str] = {}  # noqa: RUF012 - a cache shared by all loads

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            if not implicit[0]:
                return str(self.DEFAULT_SCALAR_TAG)
            tag = self._plain.get(value)
            if tag is None:
                tag = str(super().resolve(kind, value, implicit))
                if len(value) <= 64:
                    if len(self._plain) > 50_000:
                        self._plain.clear()
                    self._plain[value] = tag
            return tag
        if kind is yaml.SequenceNode:
            return str(self.DEFAULT_SEQUENCE_TAG)
        return str(self.DEFAULT_MAPPING_TAG)


assert not _Loader.yaml_path_resolvers, "the tag cache assumes no path resolvers"

_STR = "tag:yaml.org,2002:str"
_TYPED = frozenset(f"tag:yaml.org,2002:{name}" for name in ("int", "float", "bool", "null"))

PathPart = str | int
Path = tuple[PathPart, ...]


def format_path(path: Sequence[PathPart]) -> str:
    """``("rubric", "criteria", 2, "id")`` -> ``rubric.criteria[2].id``; a key
    longer than ``EXCERPT_CHARS`` shows its beginning, marked ``…``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = part if len(part) <= EXCERPT_CHARS else part[:EXCERPT_CHARS] + "…"
            out += f".{name}" if out else name
    return out


@dataclass(slots=True)
class LineMap:
    """Lines (1-based) of each value and of each mapping key in one file."""

    file: str
    values: dict[Path, int] = field(default_factory=dict)
    keys: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Sequence[PathPart], *, key: bool = False) -> int | None:
        """The line of ``path``; of its key when ``key``; else of the nearest parent."""
        p = tuple(path)
        if key and p in self.keys:
            return self.keys[p]
        while True:
            if p in self.values:
                return self.values[p]
            if not p:
                return None
            p = p[:-1]

    def at(self, path: Sequence[PathPart], *, key: bool = False) -> Location:
        return Location(self.file, self.line(path, key=key), format_path(path))


class _Builder:
    def __init__(self, lines: LineMap, problems: list[Problem]) -> None:
        self.lines = lines
        self.problems = problems
        self.scalars = yaml.constructor.SafeConstructor()
        self.too_deep = False

    def problem(self, node: yaml.Node, path: Path, message: str) -> None:
        where = Location(self.lines.file, node.start_mark.line + 1, format_path(path))
        self.problems.append(Problem(where, message))

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.lines.values[path] = node.start_mark.line + 1
        if len(path) > MAX_DEPTH:
            if not self.too_deep:  # once a file: its deeper levels say nothing new
                self.too_deep = True
                self.problem(
                    node,
                    path[:MAX_DEPTH],
                    f"is nested more than {MAX_DEPTH} levels deep; a pack file needs "
                    "no more than five",
                )
            return None
        kind = type(node)
        if kind is yaml.MappingNode:
            out: dict[str, Any] = {}
            keys = self.lines.keys
            for key_node, value_node in node.value:
                key = (
                    str(key_node.value)
                    if type(key_node) is yaml.ScalarNode
                    else self.build_key(key_node)
                )
                child = (*path, key)
                if key in out:
                    self.problems.append(
                        Problem(
                            Location(
                                self.lines.file, key_node.start_mark.line + 1, format_path(child)
                            ),
                            f"is given twice (first on line {keys[child]})",
                        )
                    )
                    continue
                keys[child] = key_node.start_mark.line + 1
                out[key] = self.build(value_node, child)
            return out
        if kind is yaml.SequenceNode:
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        tag = node.tag
        if tag == _STR:  # most scalars: no constructor needed
            return node.value
        if tag in _TYPED:
            try:
                return self.scalars.construct_object(node, deep=True)
            except ValueError:  # an int longer than Python converts (4,300 digits)
                self.problem(
                    node, path, f"is a number of {len(node.value):,} characters, too long to read"
                )
                return None
        # Dates, timestamps and custom tags stay text: the schema decides what a field means.
        return str(node.value)

    def build_key(self, node: yaml.Node) -> str:
        if isinstance(node, yaml.ScalarNode):
            return str(node.value)
        return str(self.scalars.construct_object(node, deep=True))


def read_yaml(text: str, file: str) -> tuple[Any, LineMap, list[Problem]]:
    """Parse one YAML document.

    Returns:
        The data (``None`` when the file is empty or unreadable), its line map,
        and problems (syntax errors, duplicate keys) with file and line.
    """
    lines = LineMap(file)
    problems: list[Problem] = []
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(x for x in (e.context, e.problem) if x) or "is not valid YAML"
        problems.append(Problem(Location(file, line), f"YAML syntax error: {message}"))
        return None, lines, problems
    except yaml.YAMLError as e:
        problems.append(Problem(Location(file), f"YAML error: {e}"))
        return None, lines, problems
    except RecursionError:  # PyYAML's pure-Python composer, without libyaml's own limit
        problems.append(Problem(Location(file), f"is nested more than {MAX_DEPTH} levels deep"))
        return None, lines, problems
    if node is None:
        return None, lines, problems
    return _Builder(lines, problems).build(node, ()), lines, problems
