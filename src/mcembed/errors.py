"""Every error mcembed raises, in one tree.

```
McembedError
├── ValidationError (ValueError)     bad input; ``.problems`` lists each Problem
│   ├── PackError                    authoring files; every problem has file, line, field path
│   └── EvidenceError                evidence does not meet its requirement
│       └── QuotaExceeded            a file would take a learner over their storage quota
├── NotFound (LookupError)           unknown id
├── PermissionDenied                 role or course check failed
├── Conflict                         the current state does not allow it
│   ├── InvalidTransition            names the current state and the allowed actions
│   └── AlreadyDecided               another reviewer decided first
├── BadgeError
│   ├── SigningError
│   └── VerificationError            ``.checks`` says which checks failed
├── FetchError                       an outbound fetch failed (``.url``, ``.status``);
│   │                                never quotes what the remote sent
│   └── FetchRefused                 the URL's scheme or address is not allowed; nothing sent
└── ConfigError                      missing or contradictory settings, names the variable
```

Adapters map these to their own world (HTTP status codes, widget messages); the
core knows nothing of HTTP. Third-party errors (SQLAlchemy, YAML, JOSE) are
translated where they enter and never leave the core.

A message quotes what someone gave through ``excerpt``: a value of any length
(a megabyte pasted into a pack field, a URL, a form field) is shown as its
first few characters, marked, with its length, never in full.
"""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AlreadyDecided",
    "BadgeError",
    "ConfigError",
    "Conflict",
    "EvidenceError",
    "FetchError",
    "FetchRefused",
    "InvalidTransition",
    "Location",
    "McembedError",
    "NotFound",
    "PackError",
    "PermissionDenied",
    "Problem",
    "QuotaExceeded",
    "SigningError",
    "ValidationError",
    "VerificationError",
    "did_you_mean",
    "excerpt",
]

EXCERPT_CHARS = 40
"""How many characters of a value a message quotes."""

SUGGEST_MAX_CHARS = 100
"""Values longer than this get no ``did you mean``: they are no typo of a name,
and comparing them costs time quadratic in their length."""


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem is: a file, a line (1-based) and a field path such as
    ``rubric.criteria[2].passing_level``. Any part may be unknown."""

    file: str | None = None
    line: int | None = None
    path: str = ""

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line:
                where += f":{self.line}"
        if self.path:
            where = f"{where}: {self.path}" if where else self.path
        return where


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, and where it is."""

    location: Location
    message: str

    def __str__(self) -> str:
        where = str(self.location)
        return f"{where}: {self.message}" if where else self.message


class McembedError(Exception):
    """Base class of every error mcembed raises on purpose."""


class ValidationError(McembedError, ValueError):
    """Input that cannot be accepted. ``problems`` holds every problem found."""

    def __init__(self, message: str | None = None, problems: Sequence[Problem] = ()) -> None:
        self.problems: list[Problem] = list(problems)
        if message is None:
            message = "\n".join(str(p) for p in self.problems) or "invalid input"
        super().__init__(message)

    @property
    def message(self) -> str:
        return str(self.args[0])


class PackError(ValidationError):
    """A credential pack has problems; each names the file, the line and the field path."""

    def __init__(self, problems: Sequence[Problem], pack: str | None = None) -> None:
        # By file, then line; problems of one line keep the order they were found in.
        problems = sorted(problems, key=lambda p: (p.location.file or "", p.location.line or 0))
        count = len(problems)
        head = f"{pack}: " if pack else ""
        noun = "problem" if count == 1 else "problems"
        lines = [f"{head}{count} {noun} in the pack"] + [str(p) for p in problems]
        super().__init__("\n".join(lines), problems)


class EvidenceError(ValidationError):
    """Evidence does not meet its requirement (word bounds, file type, size, ...)."""


class QuotaExceeded(EvidenceError):
    """A file would take a learner's files over their storage quota.

    ``quota``, ``used`` (before the file) and ``size`` (the file's) are bytes.
    """

    def __init__(
        self, message: str, problems: Sequence[Problem], *, quota: int, used: int, size: int
    ) -> None:
        self.quota = quota
        self.used = used
        self.size = size
        super().__init__(message, problems)


class NotFound(McembedError, LookupError):
    """An id that does not exist (or that the caller may not know exists)."""


class PermissionDenied(McembedError):
    """The actor's role or course does not allow this."""


class Conflict(McembedError):
    """The current state does not allow this operation."""


class InvalidTransition(Conflict):
    """A submission cannot take this action from its current state."""

    def __init__(self, submission_id: str, action: str, state: str, allowed: Iterable[str]) -> None:
        self.submission_id = submission_id
        self.action = action
        self.state = state
        self.allowed = tuple(allowed)
        if not self.allowed:
            tail = f"'{state}' is final; no action is allowed"
        elif len(self.allowed) == 1:
            tail = f"from '{state}' the allowed action is {self.allowed[0]}"
        else:
            tail = f"from '{state}' the allowed actions are {', '.join(self.allowed)}"
        super().__init__(
            f"Cannot {action.replace('_', ' ')} submission {submission_id}: "
            f"it is '{state}'; {tail}."
        )


class AlreadyDecided(Conflict):
    """Another reviewer changed or decided this submission first."""


class BadgeError(McembedError):
    """Issuing or reading an Open Badges credential failed."""


class SigningError(BadgeError):
    """A credential could not be signed (missing or unusable key)."""


class VerificationError(BadgeError):
    """A credential did not verify. ``checks`` holds the individual results."""

    def __init__(self, message: str, checks: Sequence[Any] = ()) -> None:
        self.checks = list(checks)
        super().__init__(message)


class FetchError(McembedError):
    """Fetching a URL someone named failed: no connection, an error status, too
    large or too slow. The message never quotes the remote body, and reads the
    same for every way a connection can fail.

    Attributes:
        url: the URL that was fetched.
        status: the HTTP status when the server answered one, else ``None``.
    """

    def __init__(self, message: str, *, url: str = "", status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(message)


class FetchRefused(FetchError):
    """The URL was refused before any connection: its scheme, or an address its
    host resolves to, is not allowed by the fetch policy."""


class ConfigError(McembedError):
    """Settings are missing or contradict each other; the message names the variable."""


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """A value as a message quotes it: its ``repr`` when short; else its first
    ``limit`` characters, marked with an ellipsis, and its length.

    ``excerpt("x" * 1_048_576)`` is ``'xxx…' (1,048,576 characters)`` with 40
    x's; ``excerpt("Profficient")`` is ``'Profficient'``. Lists and mappings show
    their first items (and how many there are, when there are more).

    Args:
        value: what someone gave (text, a number, a list...).
        limit: how many characters to quote.
    """
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        quoted = repr(value[:limit])
        return f"{quoted[:-1]}…{quoted[-1]} ({len(value):,} characters)"
    try:
        shown = _short_repr.repr(value)
    except ValueError:  # an int of more digits than Python converts to text
        return "a number too long to show"
    if len(shown) > 2 * limit:
        shown = shown[: 2 * limit] + "…"
    if isinstance(value, list | tuple | dict | set | frozenset) and len(value) > _ITEMS:
        shown += f" ({len(value):,} items)"
    return shown


_ITEMS = 4
_short_repr = reprlib.Repr()
_short_repr.maxstring = EXCERPT_CHARS // 2
_short_repr.maxother = EXCERPT_CHARS
_short_repr.maxlevel = 2
for _name in ("maxlist", "maxtuple", "maxdict", "maxset", "maxfrozenset"):
    setattr(_short_repr, _name, _ITEMS)


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest choice, or an empty string.

    Phrased like click's ``_format_possibilities``; a value (or choice) longer
    than ``SUGGEST_MAX_CHARS`` is no typo of a name and gets no suggestion.
    """
    if len(value) > SUGGEST_MAX_CHARS:
        return ""
    near = [c for c in choices if len(c) <= SUGGEST_MAX_CHARS]
    close = difflib.get_close_matches(value, near, n=3, cutoff=0.6)
    if not close:
        return ""
    if len(close) == 1:
        return f" (did you mean {excerpt(close[0], SUGGEST_MAX_CHARS)}?)"
    listed = ", ".join(excerpt(c, SUGGEST_MAX_CHARS) for c in close)
    return f" (did you mean one of {listed}?)"
