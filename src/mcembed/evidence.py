"""Evidence items a learner submits, and their checks against a requirement.

One ``EvidenceItem`` answers one ``EvidenceRequirement``. Which fields are set
depends on the kind: ``text`` for a reflection, ``blob`` for an artifact, ``url``
for a link, ``check_results`` and ``code`` for a code check, ``attested`` for an
attestation. The rules here (word bounds, file types, size caps, what is still
missing) are the only copy of them; the web pages and widgets ask these
functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .credentials import Credential, EvidenceKind, EvidenceRequirement
from .errors import EvidenceError, Location, Problem, excerpt

__all__ = [
    "BlobRef",
    "CheckResult",
    "EvidenceItem",
    "WordCount",
    "check_item",
    "check_items",
    "check_upload",
    "count_words",
    "format_size",
    "is_web_url",
    "missing",
    "raise_for",
    "word_count",
]

_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*", re.UNICODE)


def word_count(text: str) -> int:
    """Count words the way a reader would: hyphenated and apostrophe words are one."""
    return len(_WORD.findall(text))


@dataclass(frozen=True, slots=True, kw_only=True)
class WordCount:
    """A reflection's length against its requirement's word bounds, for live display."""

    words: int
    min_words: int | None = None
    max_words: int | None = None

    @property
    def too_few(self) -> bool:
        return self.min_words is not None and self.words < self.min_words

    @property
    def too_many(self) -> bool:
        return self.max_words is not None and self.words > self.max_words

    @property
    def within(self) -> bool:
        """Whether the text may be submitted as far as its length goes."""
        return not (self.too_few or self.too_many)

    def __str__(self) -> str:
        words = f"{self.words} word{'' if self.words == 1 else 's'}"
        if self.too_many:
            over = self.words - (self.max_words or 0)
            return f"{words}: {over} over the limit of {self.max_words}"
        if self.too_few:
            short = (self.min_words or 0) - self.words
            return f"{words}: {short} more needed (at least {self.min_words})"
        if self.min_words is not None and self.max_words is not None:
            return f"{words} (between {self.min_words} and {self.max_words})"
        if self.min_words is not None:
            return f"{words} (at least {self.min_words})"
        if self.max_words is not None:
            return f"{words} (at most {self.max_words})"
        return words


def count_words(requirement: EvidenceRequirement, text: str) -> WordCount:
    """How ``text`` measures against ``requirement``'s word bounds."""
    return WordCount(
        words=word_count(text), min_words=requirement.min_words, max_words=requirement.max_words
    )


def is_web_url(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in url


@dataclass(frozen=True, slots=True, kw_only=True)
class BlobRef:
    """A stored file: its content address, size and the name the learner gave it."""

    sha256: str
    size: int
    media_type: str
    filename: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult:
    """The outcome of one named code check."""

    name: str
    passed: bool
    message: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceItem:
    """The learner's answer to one evidence requirement."""

    requirement_id: str
    kind: EvidenceKind
    text: str = ""
    url: str = ""
    blob: BlobRef | None = None
    check_results: tuple[CheckResult, ...] = ()
    code: str = ""
    attested: bool = False
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def is_empty(self) -> bool:
        """Whether nothing has been given yet."""
        return not (
            self.text.strip()
            or self.url.strip()
            or self.blob
            or self.check_results
            or self.attested
        )


def _extension(filename: str) -> str:
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check_item(
    requirement: EvidenceRequirement, item: EvidenceItem, *, final: bool = False
) -> list[Problem]:
    """Problems with ``item`` as an answer to ``requirement``.

    Args:
        requirement: what the credential asks for.
        item: the learner's answer.
        final: ``True`` when submitting; drafts may be incomplete (too few words,
            checks not passed yet) but never invalid (wrong file type, bad URL).

    Returns:
        One problem per thing wrong, empty when the item is acceptable.
    """
    where = Location(path=f"evidence.{requirement.id}")
    problems: list[Problem] = []

    def add(message: str) -> None:
        problems.append(Problem(where, message))

    if item.kind != requirement.kind:
        add(f"expects {requirement.kind.value} evidence (got {item.kind.value})")
        return problems

    if requirement.kind is EvidenceKind.REFLECTION:
        counted = count_words(requirement, item.text)
        if counted.too_many:
            add(f"has {counted.words} words; at most {requirement.max_words} are allowed")
        if final and counted.too_few:
            add(f"has {counted.words} words; at least {requirement.min_words} are needed")
    elif requirement.kind is EvidenceKind.ARTIFACT:
        if item.blob is not None:
            problems.extend(check_upload(requirement, item.blob.filename, item.blob.size))
    elif requirement.kind is EvidenceKind.LINK:
        if item.url and not is_web_url(item.url):
            add(f"{excerpt(item.url)} is not a web address; give a full http:// or https:// URL")
    elif requirement.kind is EvidenceKind.CODE_CHECK:
        known = {c.name for c in requirement.checks}
        for result in item.check_results:
            if result.name not in known:
                add(f"reports check {excerpt(result.name)}, which the requirement does not define")
        if final:
            ran = {r.name: r for r in item.check_results}
            failing = [
                c.name for c in requirement.checks if not (c.name in ran and ran[c.name].passed)
            ]
            if failing:
                add(f"checks not passed yet: {', '.join(failing)}")
    return problems


def check_upload(
    requirement: EvidenceRequirement, filename: str, size: int | None = None
) -> list[Problem]:
    """Problems with a file for ``requirement`` known before (or without) reading it:
    the requirement's kind, the file's type by its name, and its size if known."""
    where = Location(path=f"evidence.{requirement.id}")
    if requirement.kind is not EvidenceKind.ARTIFACT:
        return [Problem(where, f"takes {requirement.kind.value} evidence, not a file")]
    problems = []
    ext = _extension(filename)
    if requirement.file_types and ext not in requirement.file_types:
        allowed = ", ".join(requirement.file_types)
        problems.append(
            Problem(where, f"file {filename!r} is not an allowed type; allowed: {allowed}")
        )
    if size is not None and requirement.max_bytes is not None and size > requirement.max_bytes:
        problems.append(
            Problem(
                where,
                f"file {filename!r} is {format_size(size)}; "
                f"the limit is {format_size(requirement.max_bytes)}",
            )
        )
    return problems


def check_items(
    credential: Credential, items: Iterable[EvidenceItem], *, final: bool = False
) -> list[Problem]:
    """Problems with a set of items for ``credential``; with ``final``, also what is missing."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for item in items:
        if item.requirement_id in seen:
            problems.append(
                Problem(
                    Location(path=f"evidence.{item.requirement_id}"),
                    "is given more than once",
                )
            )
            continue
        seen.add(item.requirement_id)
        try:
            requirement = credential.requirement(item.requirement_id)
        except LookupError as e:
            problems.append(Problem(Location(path=f"evidence.{item.requirement_id}"), str(e)))
            continue
        problems.extend(check_item(requirement, item, final=final))
    if final:
        for req_id in missing(credential, items):
            req = credential.requirement(req_id)
            problems.append(Problem(Location(path=f"evidence.{req_id}"), f"{req.title}: missing"))
    return problems


def missing(credential: Credential, items: Iterable[EvidenceItem]) -> list[str]:
    """Ids of required evidence that has not been given yet, in the credential's order."""
    given = {i.requirement_id for i in items if not i.is_empty()}
    return [r.id for r in credential.evidence if r.required and r.id not in given]


def raise_for(problems: Sequence[Problem], what: str) -> None:
    """Raise ``EvidenceError`` listing ``problems``, if any."""
    if problems:
        lines = [what] + [f"- {p}" for p in problems]
        raise EvidenceError("\n".join(lines), problems)


def format_size(size: int) -> str:
    """A byte count as people read it: ``512 bytes``, ``2.5 MB``."""
    if size < 1000:
        return f"{size} bytes"
    unit, scale = "kB", 1000
    if size >= 1000**3:
        unit, scale = "GB", 1000**3
    elif size >= 1000**2:
        unit, scale = "MB", 1000**2
    text = f"{size / scale:.1f}".rstrip("0").rstrip(".")
    return f"{text} {unit}"
