"""The public API of mcembed_jupyter is what __all__ says, sorted."""

from __future__ import annotations

import sys

import mcembed_jupyter


def test_all_is_the_sorted_public_names() -> None:
    public = sorted(
        n
        for n in vars(mcembed_jupyter)
        if not n.startswith("_")
        and n != "annotations"
        and not isinstance(getattr(mcembed_jupyter, n), type(sys))
    )
    assert mcembed_jupyter.__all__ == public
