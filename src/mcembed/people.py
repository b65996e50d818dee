"""People known to the instance: learners and reviewers, as their platform names them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Person"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    """A learner or reviewer. ``id`` is stable per identity provider (for LTI:
    issuer and subject), ``name`` and ``email`` are whatever the platform last sent."""

    id: str
    name: str = ""
    email: str = ""
