"""Ranked catalog search: find the credential for a problem described in plain words.

Queries are free text ("students tune out during group work"). Words are
lowercased, stop words dropped, and stemmed, and any remaining word may match
(OR); ranking (BM25) rewards credentials that match more, rarer words, in
weightier fields: the name and the problems a credential ``addresses`` count
more than its prompts. The SQL stores run the same idea in the database (SQLite
FTS5, PostgreSQL full-text search); ``rank`` is the in-memory version.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

import snowballstemmer

from .credentials import Credential

__all__ = [
    "FIELD_WEIGHTS",
    "STOP_WORDS",
    "credential_fields",
    "discriminating_terms",
    "matches_filters",
    "query_terms",
    "rank",
    "tokenize",
]

_STOP_TEXT = """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further get gets had has have having he her here hers herself him himself his
    how i if in into is it its itself just me more most my myself no nor not now of off
    on once only or other our ours ourselves out over own same she should so some such
    than that the their theirs them themselves then there these they this those through
    to too under until up very was we were what when where which while who whom why will
    with would you your yours yourself yourselves i'm don't doesn't isn't aren't can't
    won't
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

# name, summary+competency, addresses+tags, the rest
FIELD_WEIGHTS = (4.0, 2.0, 3.0, 1.0)

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


def tokenize(text: str) -> list[str]:
    """Lowercased, stemmed words of ``text`` without stop words."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in STOP_WORDS and len(w) > 1]


def query_terms(text: str) -> list[str]:
    """The distinct search words of a query, in order (unstemmed, for SQL engines)."""
    seen: dict[str, None] = {}
    for w in _WORD.findall(text.lower()):
        w = w.split("'")[0]
        if w not in STOP_WORDS and len(w) > 1:
            seen.setdefault(w, None)
    return list(seen)


def discriminating_terms(
    terms: Sequence[str], frequency: Mapping[str, int], total: int
) -> list[str]:
    """The query words a search matches on.

    A word found in more than half the catalog hardly tells credentials apart
    (its BM25 weight is below ln 2, against 5 or more for a rare word) and would
    make the search score nearly every credential; such words are left out,
    unless no other query word occurs in the catalog at all. Words that occur
    nowhere are dropped.

    Args:
        terms: the query's words.
        frequency: how many credentials contain each word.
        total: how many credentials there are.
    """
    present = [t for t in terms if frequency.get(t, 0) > 0]
    rare = [t for t in present if frequency[t] * 2 <= total]
    return rare or present


def credential_fields(c: Credential) -> tuple[str, str, str, str]:
    """The searchable text of a credential, one string per weighted field."""
    rest = [c.key_method, *(m.name + " " + m.description for m in c.method_components)]
    rest += [r.title + " " + r.prompt for r in c.evidence]
    rest += [cr.name + " " + cr.description for cr in c.rubric.criteria]
    rest += [a.framework + " " + a.name + " " + a.code for a in c.alignments]
    return (
        c.name,
        c.summary + " " + c.competency,
        " ".join((*c.addresses, *c.tags)),
        " ".join(rest),
    )


def matches_filters(
    c: Credential, tags: Sequence[str] = (), framework: str = "", code: str = ""
) -> bool:
    """Whether ``c`` carries every tag and an alignment to ``framework``/``code``."""
    own = {t.lower() for t in c.tags}
    if any(t.lower() not in own for t in tags):
        return False
    if framework or code:
        return any(
            (not framework or framework.lower() in a.framework.lower())
            and (not code or code.lower() == a.code.lower())
            for a in c.alignments
        )
    return True


def rank(
    credentials: Iterable[Credential], text: str, *, k1: float = 1.2, b: float = 0.75
) -> list[tuple[Credential, float]]:
    """BM25F-style ranking of ``credentials`` for the query ``text``.

    Returns:
        Matching credentials with their scores, best first; credentials that
        share no word with the query are left out. An empty query returns all
        credentials by name with score 0.
    """
    pool = list(credentials)
    terms = set(tokenize(text))
    if not terms:
        return [(c, 0.0) for c in sorted(pool, key=lambda c: c.name.lower())]
    docs: list[dict[str, float]] = []
    for c in pool:
        tf: dict[str, float] = {}
        for weight, field in zip(FIELD_WEIGHTS, credential_fields(c), strict=True):
            for token in tokenize(field):
                tf[token] = tf.get(token, 0.0) + weight
        docs.append(tf)
    n = len(docs)
    avg = sum(sum(d.values()) for d in docs) / n if n else 1.0
    df = {t: sum(1 for d in docs if t in d) for t in terms}
    terms = set(discriminating_terms(sorted(terms), df, n))
    results = []
    for c, tf in zip(pool, docs, strict=True):
        length = sum(tf.values())
        score = 0.0
        for t in terms:
            f = tf.get(t, 0)
            if not f:
                continue
            idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
            score += idf * f * (k1 + 1) / (f + k1 * (1 - b + b * length / avg))
        if score > 0:
            results.append((c, score))
    results.sort(key=lambda pair: (-pair[1], pair[0].name.lower()))
    return results
