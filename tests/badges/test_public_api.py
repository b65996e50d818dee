"""The public API of ``mcembed.badges``: explicit re-exports, sorted."""

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
    assert badges.__all__ == sorted(badges.__all__) == public
