"""Stacks: an ordered set of credentials with an earning rule.

Earning a stack awards the stack's own credential. A stack may contain other
stacks; the pack loader refuses cycles.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from .credentials import Alignment

__all__ = ["EarningRule", "Stack", "is_complete", "progress"]


class EarningRule(StrEnum):
    """How many of a stack's members must be earned."""

    ALL_OF = "all_of"
    N_OF = "n_of"


@dataclass(frozen=True, slots=True, kw_only=True)
class Stack:
    """An ordered set of credentials (or stacks) that together earn their own credential."""

    id: str
    version: str
    name: str
    summary: str
    members: tuple[str, ...]
    rule: EarningRule = EarningRule.ALL_OF
    n: int | None = None
    tags: tuple[str, ...] = ()
    alignments: tuple[Alignment, ...] = ()
    image: str | None = None
    pack_id: str = ""
    content_hash: str = ""

    def __post_init__(self) -> None:
        if not self.members:
            raise ValueError(f"stack {self.id!r} needs at least one member")
        if len(set(self.members)) != len(self.members):
            raise ValueError(f"stack {self.id!r} lists a member twice")
        if self.rule is EarningRule.N_OF:
            if self.n is None or not 1 <= self.n <= len(self.members):
                raise ValueError(
                    f"stack {self.id!r}: n_of needs n between 1 and {len(self.members)} "
                    f"(got {self.n})"
                )
        elif self.n is not None:
            raise ValueError(f"stack {self.id!r}: n is only used with the n_of rule")

    @property
    def required(self) -> int:
        """How many members must be earned."""
        return len(self.members) if self.rule is EarningRule.ALL_OF else int(self.n or 0)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


def progress(stack: Stack, earned: Collection[str]) -> tuple[int, int]:
    """Return (members earned, members required) for ``stack``.

    Args:
        stack: the stack.
        earned: ids of credentials and stacks the learner holds (active awards).
    """
    have = sum(1 for m in stack.members if m in earned)
    return min(have, stack.required), stack.required


def is_complete(stack: Stack, earned: Collection[str]) -> bool:
    """Whether the learner holding ``earned`` meets the stack's earning rule."""
    have, need = progress(stack, earned)
    return have >= need
