"""Evidence checks against requirements: words, types, sizes, links, code checks."""

from __future__ import annotations

import pytest

from factories import make_credential
from mcembed import (
    BlobRef,
    CheckResult,
    CodeCheck,
    EvidenceItem,
    EvidenceKind,
    EvidenceRequirement,
    word_count,
)
from mcembed.evidence import check_item, check_items, format_size, missing

REFLECTION = EvidenceRequirement(
    id="r", kind=EvidenceKind.REFLECTION, title="R", criteria=("a",), min_words=3, max_words=5
)
ARTIFACT = EvidenceRequirement(
    id="f",
    kind=EvidenceKind.ARTIFACT,
    title="F",
    criteria=("a",),
    file_types=("pdf",),
    max_bytes=1000,
)
CODE = EvidenceRequirement(
    id="c",
    kind=EvidenceKind.CODE_CHECK,
    title="C",
    criteria=("a",),
    target="f",
    checks=(CodeCheck(name="one"), CodeCheck(name="two")),
)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("one", 1),
        ("well-known teacher's notes", 3),
        ("  spaced\n\nout  ", 2),
        ("état, naïve — café", 3),
    ],
)
def test_word_count_counts_words_as_readers_do(text: str, words: int) -> None:
    assert word_count(text) == words


@pytest.mark.parametrize(
    ("requirement", "item", "final", "fragment"),
    [
        (
            REFLECTION,
            EvidenceItem(requirement_id="r", kind=EvidenceKind.REFLECTION, text="a b c d e f"),
            False,
            "has 6 words; at most 5",
        ),
        (
            REFLECTION,
            EvidenceItem(requirement_id="r", kind=EvidenceKind.REFLECTION, text="a b"),
            True,
            "has 2 words; at least 3",
        ),
        (
            ARTIFACT,
            EvidenceItem(
                requirement_id="f",
                kind=EvidenceKind.ARTIFACT,
                blob=BlobRef(sha256="0" * 64, size=10, media_type="x", filename="a.exe"),
            ),
            False,
            "'a.exe' is not an allowed type; allowed: pdf",
        ),
        (
            ARTIFACT,
            EvidenceItem(
                requirement_id="f",
                kind=EvidenceKind.ARTIFACT,
                blob=BlobRef(sha256="0" * 64, size=2000, media_type="x", filename="a.pdf"),
            ),
            False,
            "is 2 kB; the limit is 1 kB",
        ),
        (
            EvidenceRequirement(id="l", kind=EvidenceKind.LINK, title="L", criteria=("a",)),
            EvidenceItem(requirement_id="l", kind=EvidenceKind.LINK, url="javascript:alert(1)"),
            False,
            "is not a web address",
        ),
        (
            CODE,
            EvidenceItem(
                requirement_id="c",
                kind=EvidenceKind.CODE_CHECK,
                check_results=(CheckResult(name="one", passed=True),),
            ),
            True,
            "checks not passed yet: two",
        ),
        (
            CODE,
            EvidenceItem(
                requirement_id="c",
                kind=EvidenceKind.CODE_CHECK,
                check_results=(CheckResult(name="three", passed=True),),
            ),
            False,
            "reports check 'three'",
        ),
        (
            REFLECTION,
            EvidenceItem(requirement_id="r", kind=EvidenceKind.LINK, url="https://x.org"),
            False,
            "expects reflection evidence (got link)",
        ),
    ],
)
def test_bad_evidence_says_what_and_where(
    requirement: EvidenceRequirement, item: EvidenceItem, final: bool, fragment: str
) -> None:
    problems = check_item(requirement, item, final=final)
    assert any(fragment in p.message for p in problems), problems
    assert all(p.location.path == f"evidence.{requirement.id}" for p in problems)


def test_a_short_draft_is_fine_until_submitted() -> None:
    item = EvidenceItem(requirement_id="r", kind=EvidenceKind.REFLECTION, text="a b")
    assert check_item(REFLECTION, item) == []


def test_missing_lists_required_evidence_in_order() -> None:
    credential = make_credential()
    assert missing(credential, []) == ["reflection", "plan"]
    given = [
        EvidenceItem(
            requirement_id="plan",
            kind=EvidenceKind.ARTIFACT,
            blob=BlobRef(sha256="0" * 64, size=1, media_type="text/plain", filename="p.txt"),
        )
    ]
    assert missing(credential, given) == ["reflection"]


def test_final_check_lists_every_missing_item_and_unknown_ids() -> None:
    problems = check_items(
        make_credential(), [EvidenceItem(requirement_id="nope", kind=EvidenceKind.LINK)], final=True
    )
    messages = [str(p) for p in problems]
    assert any("no evidence requirement 'nope'" in m for m in messages)
    assert "evidence.reflection: Reflection: missing" in messages
    assert "evidence.plan: Evaluation plan: missing" in messages


@pytest.mark.parametrize(
    ("size", "text"),
    [(999, "999 bytes"), (1500, "1.5 kB"), (10_000_000, "10 MB"), (2_500_000_000, "2.5 GB")],
)
def test_sizes_read_like_people_write_them(size: int, text: str) -> None:
    assert format_size(size) == text


@pytest.mark.parametrize(
    ("min_words", "max_words", "text", "within", "shown"),
    [
        (3, 5, "one two", False, "2 words: 1 more needed (at least 3)"),
        (3, 5, "one two three", True, "3 words (between 3 and 5)"),
        (3, 5, "a b c d e f g", False, "7 words: 2 over the limit of 5"),
        (3, None, "well-known teacher's notes", True, "3 words (at least 3)"),
        (None, 5, "one", True, "1 word (at most 5)"),
        (None, None, "", True, "0 words"),
    ],
)
def test_count_words_reports_length_against_the_bounds(
    min_words: int | None, max_words: int | None, text: str, within: bool, shown: str
) -> None:
    """The live word count says how far the text is from the bounds the requirement sets."""
    from mcembed import count_words

    req = EvidenceRequirement(
        id="r", kind=EvidenceKind.REFLECTION, title="R", min_words=min_words, max_words=max_words
    )
    counted = count_words(req, text)
    assert counted.within is within
    assert str(counted) == shown
    problems = check_item(
        req, EvidenceItem(requirement_id="r", kind=EvidenceKind.REFLECTION, text=text), final=True
    )
    assert (not problems) is within
