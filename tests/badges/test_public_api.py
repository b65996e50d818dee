"""The public API of ``mcembed.badges``: every public name is re-exported."""

from __future__ import annotations


def test_badges_all_is_the_sorted_public_names() -> None:
    import sys

    import mcembed.badges as badges

    public = sorted(
        n
        for n in vars(badges)
        if not n.startswith("_")
        and not isinstance(getattr(badges, n), type(sys))
        and n != "annotations"
    )
    # the order is ruff's (RUF022: constants first, then classes and functions)
    assert sorted(badges.__all__) == public
