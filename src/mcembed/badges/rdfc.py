"""pyld's JSON-LD processor and RDFC-1.0 canonicalisation, as Data Integrity
proofs use them (``signing.Canonicalizer``). A module of its own because pyld
takes a tenth of a second to import (it imports requests): VC-JWT badges,
baking and the notebook widgets never need it.
"""

from __future__ import annotations

import math
from typing import Any

from pyld.canon import URDNA2015
from pyld.jsonld import JsonLdProcessor

from .contexts import UnknownContext

__all__ = ["MAX_CANONICALIZATION_WORK", "BudgetedRdfc", "MemoProcessor"]


class MemoProcessor(JsonLdProcessor):  # type: ignore[misc]
    """pyld's processor with processed contexts memoised across documents.

    pyld treats an active context as immutable once built, so the context it
    returns for (active context, local context) can be reused. Documents may
    only name pinned context URLs (checked before canonicalising), so the
    memo holds a bounded set of shapes.
    """

    def __init__(self) -> None:
        super().__init__()
        self.memo: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        if isinstance(local_ctx, str):
            local: Any = local_ctx
        elif isinstance(local_ctx, list) and all(isinstance(c, str) for c in local_ctx):
            local = tuple(local_ctx)
        else:
            local = id(local_ctx)
        key = (id(active_ctx), local, override_protected, propagate, validate_scoped)
        hit = self.memo.get(key)
        if (
            hit is not None
            and hit[0] is active_ctx
            and (hit[1] is local_ctx or not isinstance(local, int))
        ):
            return hit[2]
        result = super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )
        if len(self.memo) > 20_000:
            self.memo.clear()
        self.memo[key] = (active_ctx, local_ctx, result)
        return result


# Steps of N-degree hashing (one per call, plus the permutations of each group
# of look-alike blank nodes) allowed: a credential needs none, as its blank
# nodes differ at the first degree; a "poison graph" of symmetric blank nodes
# needs factorially many (a clique of 9 would take minutes). 2,000 steps are
# well under a second.
MAX_CANONICALIZATION_WORK = 2_000


class BudgetedRdfc(URDNA2015):  # type: ignore[misc]
    """pyld's RDFC-1.0 (URDNA2015) with a bound on the N-degree hashing work."""

    def __init__(self, budget: int) -> None:
        super().__init__()
        self.budget = budget

    def create_hash_to_related(self, id_: Any, issuer: Any) -> Any:
        related = super().create_hash_to_related(id_, issuer)
        self.budget -= 1
        for nodes in related.values():
            if len(nodes) > 1:
                self.budget -= math.factorial(min(len(nodes), 12))
        if self.budget < 0:
            raise UnknownContext(
                "The document's blank nodes would take too much work to canonicalise; "
                "it is not a credential mcembed checks."
            )
        return related
