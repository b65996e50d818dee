"""Which query words a search matches on."""

from __future__ import annotations

import pytest

from factories import make_credential
from mcembed import rank
from mcembed.catalog import discriminating_terms

# (terms, how many credentials contain each, catalog size, expected)
CASES = [
    (["students", "fractions"], {"students": 90, "fractions": 4}, 100, ["fractions"]),
    (["students", "group"], {"students": 90, "group": 70}, 100, ["students", "group"]),
    (["students", "zzz"], {"students": 90}, 100, ["students"]),
    (["zzz"], {}, 100, []),
    (["half", "rare"], {"half": 50, "rare": 1}, 100, ["half", "rare"]),
    (["most", "rare"], {"most": 51, "rare": 1}, 100, ["rare"]),
]


@pytest.mark.parametrize(("terms", "frequency", "total", "expected"), CASES)
def test_words_in_most_of_the_catalog_only_count_when_nothing_rarer_matches(
    terms: list[str], frequency: dict[str, int], total: int, expected: list[str]
) -> None:
    assert discriminating_terms(terms, frequency, total) == expected


def test_rank_does_not_return_everything_for_a_word_everyone_uses() -> None:
    """'students' is in every credential; 'fractions' decides."""
    fractions = make_credential("fractions", name="Teaching fractions with models")
    others = [make_credential(f"c{i}", name=f"Credential {i}") for i in range(4)]
    ranked = rank([fractions, *others], "students struggle with fractions")
    assert [c.id for c, _ in ranked] == ["fractions"]
    assert len(rank(others, "students")) == 4
