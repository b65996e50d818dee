"""Code checks for the credential "Analyse classroom assessment data with Python".

The workshop notebook asks the learner to write three functions:

    parse_score(value)                      one CSV cell -> float, or None when there is no score
    mean_score_by_group(rows)               {group: mean of the usable scores}
    percent_meeting_standard(rows, cutoff)  percentage of scored students at or above cutoff

``rows`` is a list of dicts as ``csv.DictReader`` gives them, so every value is a
string, for example ``{"student": "S07", "group": "Period 2", "score": "78"}``.

Each check below takes ONE argument, the learner's function, and tests it on
small fixed inputs. It passes when it returns; it fails by raising
AssertionError with a message written for the learner. Standard library only,
no files, no network.
"""

import copy
import math

# --- helpers (names start with "_": they are not checks) --------------------------


def _callable(fn, name):
    if not callable(fn):
        raise AssertionError(
            f"{name} should be a function, but it is {type(fn).__name__}. "
            f"Define it with 'def {name}(...):' and run the cell again."
        )


def _call(fn, name, *args):
    """Call the learner's function; turn any exception into a kind failure message."""
    shown = ", ".join(repr(a) if not isinstance(a, list) else "rows" for a in args)
    try:
        return fn(*args)
    except AssertionError:
        raise
    except Exception as e:  # the learner's code raised: explain, do not crash the checker
        raise AssertionError(
            f"{name}({shown}) stopped with {type(e).__name__}: {e}. "
            "Your function should return a value for this input instead of raising an error."
        ) from None


def _close(a, b):
    return (
        isinstance(a, (int, float)) and not isinstance(a, bool) and math.isclose(a, b, abs_tol=1e-6)
    )


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.1f}" if value.is_integer() else f"{value:.4g}"
    return repr(value)


def _rows(*triples):
    return [{"student": s, "group": g, "score": sc} for s, g, sc in triples]


# --- parse_score ------------------------------------------------------------------


def check_parse_score_reads_numbers(parse_score):
    _callable(parse_score, "parse_score")
    for text, expected in (("87", 87.0), ("87.5", 87.5), ("100", 100.0), ("3.25", 3.25)):
        got = _call(parse_score, "parse_score", text)
        if isinstance(got, str):
            raise AssertionError(
                f"parse_score({text!r}) returned the text {got!r}. Return a number instead: "
                f"float({text!r}) gives {expected}."
            )
        if not _close(got, expected):
            raise AssertionError(
                f"parse_score({text!r}) should return {expected} but returned {_fmt(got)}."
            )
        if not isinstance(got, float):
            raise AssertionError(
                f"parse_score({text!r}) returned {got!r} ({type(got).__name__}); return a float such as "
                f"{expected}, so that '87.5' and '87' are handled the same way."
            )


def check_parse_score_strips_spaces(parse_score):
    _callable(parse_score, "parse_score")
    for text, expected in ((" 92 ", 92.0), ("\t64\n", 64.0), ("  70.5", 70.5)):
        got = _call(parse_score, "parse_score", text)
        if not _close(got, expected):
            raise AssertionError(
                f"parse_score({text!r}) should return {expected} but returned {_fmt(got)}. "
                "Spreadsheet exports often pad cells with spaces or tabs; strip them first."
            )


def check_parse_score_keeps_zero(parse_score):
    _callable(parse_score, "parse_score")
    for text in ("0", "0.0", " 0 "):
        got = _call(parse_score, "parse_score", text)
        if got is None:
            raise AssertionError(
                f"parse_score({text!r}) returned None, but a zero is a real score: the student sat the "
                "assessment and earned 0 points. Return 0.0 here and keep None for cells with no score."
            )
        if not _close(got, 0.0):
            raise AssertionError(
                f"parse_score({text!r}) should return 0.0 but returned {_fmt(got)}."
            )


def check_parse_score_missing_is_none(parse_score):
    _callable(parse_score, "parse_score")
    got = _call(parse_score, "parse_score", "75")
    if not _close(got, 75.0):
        raise AssertionError(
            f"parse_score('75') should return 75.0 but returned {_fmt(got)}. Get check_parse_score_reads_numbers "
            "passing first: this check then tests the cells that hold no score."
        )
    for text in ("", "   ", "absent", "N/A", "-", "ex"):
        got = _call(parse_score, "parse_score", text)
        if got is not None:
            hint = (
                " A blank cell means there is no score, which is not the same as 0."
                if _close(got, 0.0)
                else ""
            )
            raise AssertionError(
                f"parse_score({text!r}) should return None but returned {_fmt(got)}.{hint}"
            )


# --- mean_score_by_group ----------------------------------------------------------

_GROUP_ROWS = _rows(
    ("S01", "Period 1", "70"),
    ("S02", "Period 1", "80"),
    ("S03", "Period 1", "90"),
    ("S04", "Period 2", "65"),
    ("S05", "Period 2", "75"),
)


def _check_group_means(got, expected, what):
    if got is None:
        raise AssertionError(
            f"mean_score_by_group({what}) returned None. Did you forget 'return' at the end?"
        )
    if not isinstance(got, dict):
        raise AssertionError(
            f"mean_score_by_group({what}) should return a dict such as {expected!r}, "
            f"but returned a {type(got).__name__}."
        )
    if set(got) != set(expected):
        raise AssertionError(
            f"mean_score_by_group({what}) should have the groups {sorted(expected)} but has {sorted(got)}."
        )
    for group, mean in expected.items():
        if not _close(got[group], mean):
            raise AssertionError(
                f"mean_score_by_group({what}) gives {group!r} a mean of {_fmt(got[group])}; "
                f"it should be {_fmt(mean)}."
            )


def check_mean_by_group_basic(mean_score_by_group):
    _callable(mean_score_by_group, "mean_score_by_group")
    got = _call(mean_score_by_group, "mean_score_by_group", copy.deepcopy(_GROUP_ROWS))
    _check_group_means(got, {"Period 1": 80.0, "Period 2": 70.0}, "rows from two class periods")


def check_mean_by_group_skips_missing(mean_score_by_group):
    _callable(mean_score_by_group, "mean_score_by_group")
    rows = _rows(
        ("S01", "A", "60"),
        ("S02", "A", "90"),
        ("S03", "A", ""),
        ("S04", "B", "absent"),
        ("S05", "B", " 84 "),
    )
    got = _call(mean_score_by_group, "mean_score_by_group", rows)
    if isinstance(got, dict) and _close(got.get("A"), 50.0):
        raise AssertionError(
            "mean_score_by_group gives group 'A' a mean of 50.0: the blank score was counted as 0. "
            "Skip rows whose score is missing, so 'A' averages (60 + 90) / 2 = 75.0."
        )
    if isinstance(got, dict) and _close(got.get("B"), 42.0):
        raise AssertionError(
            "mean_score_by_group gives group 'B' a mean of 42.0: 'absent' was counted as 0. "
            "Skip rows with no usable score, so 'B' averages 84.0."
        )
    _check_group_means(got, {"A": 75.0, "B": 84.0}, "rows with a blank and an 'absent' score")


def check_mean_by_group_empty_and_unscored(mean_score_by_group):
    _callable(mean_score_by_group, "mean_score_by_group")
    got = _call(mean_score_by_group, "mean_score_by_group", [])
    if got != {}:
        raise AssertionError(
            f"mean_score_by_group([]) should return {{}} but returned {_fmt(got)}."
        )
    rows = _rows(("S01", "A", "88"), ("S02", "Resource", ""), ("S03", "Resource", "absent"))
    got = _call(mean_score_by_group, "mean_score_by_group", rows)
    if isinstance(got, dict) and "Resource" in got:
        raise AssertionError(
            f"mean_score_by_group gives the group 'Resource' the value {_fmt(got['Resource'])}, but none of "
            "its students has a usable score. Leave such a group out of the result rather than reporting "
            "a mean of 0 or dividing by zero."
        )
    _check_group_means(got, {"A": 88.0}, "rows where one group has no usable score")


def check_mean_by_group_leaves_rows_unchanged(mean_score_by_group):
    _callable(mean_score_by_group, "mean_score_by_group")
    rows = copy.deepcopy(_GROUP_ROWS) + _rows(("S06", "Period 2", ""))
    before = copy.deepcopy(rows)
    got = _call(mean_score_by_group, "mean_score_by_group", rows)
    if not isinstance(got, dict):
        raise AssertionError(
            f"mean_score_by_group(rows) returned {_fmt(got)}; it should return a dict of group means. "
            "Get check_mean_by_group_basic passing first, then come back to this one."
        )
    if rows != before:
        raise AssertionError(
            "mean_score_by_group changed the rows it was given. Other cells in your notebook still "
            "use those rows, so read from them and build a new dict instead of editing them."
        )


# --- percent_meeting_standard -----------------------------------------------------

_CUTOFF_ROWS = _rows(
    ("S01", "A", "55"),
    ("S02", "A", "72"),
    ("S03", "A", "81"),
    ("S04", "B", "90"),
    ("S05", "B", "68"),
)


def check_percent_basic(percent_meeting_standard):
    _callable(percent_meeting_standard, "percent_meeting_standard")
    got = _call(
        percent_meeting_standard, "percent_meeting_standard", copy.deepcopy(_CUTOFF_ROWS), 70
    )
    if _close(got, 0.6):
        raise AssertionError(
            "percent_meeting_standard(rows, 70) returned 0.6, a proportion. Return a percentage "
            "from 0 to 100 instead: 3 of 5 students is 60.0."
        )
    if _close(got, 40.0):
        raise AssertionError(
            "percent_meeting_standard(rows, 70) returned 40.0, the share of students BELOW the cutoff. "
            "Count the students at or above it: 3 of 5 is 60.0."
        )
    if not _close(got, 60.0):
        raise AssertionError(
            f"percent_meeting_standard(rows, 70) should return 60.0 (3 of 5 students scored 70 or more) "
            f"but returned {_fmt(got)}."
        )


def check_percent_cutoff_is_inclusive(percent_meeting_standard):
    _callable(percent_meeting_standard, "percent_meeting_standard")
    rows = _rows(("S01", "A", "70"), ("S02", "A", "69.5"), ("S03", "A", "70.0"), ("S04", "A", "85"))
    got = _call(percent_meeting_standard, "percent_meeting_standard", rows, 70)
    if _close(got, 25.0):
        raise AssertionError(
            "percent_meeting_standard(rows, 70) returned 25.0: students who scored exactly 70 were not "
            "counted. Meeting the standard means a score at or above the cutoff (>=), so the answer is 75.0."
        )
    if not _close(got, 75.0):
        raise AssertionError(
            f"percent_meeting_standard(rows, 70) should return 75.0 but returned {_fmt(got)}."
        )


def check_percent_excludes_missing(percent_meeting_standard):
    _callable(percent_meeting_standard, "percent_meeting_standard")
    rows = _rows(("S01", "A", "80"), ("S02", "A", "60"), ("S03", "A", ""), ("S04", "A", "absent"))
    got = _call(percent_meeting_standard, "percent_meeting_standard", rows, 70)
    if _close(got, 25.0):
        raise AssertionError(
            "percent_meeting_standard(rows, 70) returned 25.0: the two students with no score were counted "
            "as not meeting the standard. Leave them out of the count altogether: 1 of the 2 scored "
            "students is 50.0."
        )
    if not _close(got, 50.0):
        raise AssertionError(
            f"percent_meeting_standard(rows, 70) should return 50.0 but returned {_fmt(got)}."
        )


def check_percent_no_scores_is_none(percent_meeting_standard):
    _callable(percent_meeting_standard, "percent_meeting_standard")
    got = _call(percent_meeting_standard, "percent_meeting_standard", _rows(("S01", "A", "80")), 70)
    if not _close(got, 100.0):
        raise AssertionError(
            f"percent_meeting_standard(rows, 70) for one student who scored 80 should return 100.0 but returned "
            f"{_fmt(got)}. Get check_percent_basic passing first: this check then tests the case with no scores."
        )
    for rows, what in (
        ([], "[]"),
        (_rows(("S01", "A", ""), ("S02", "A", "N/A")), "rows with no usable score"),
    ):
        got = _call(percent_meeting_standard, "percent_meeting_standard", rows, 70)
        if got is not None:
            raise AssertionError(
                f"percent_meeting_standard({what}, 70) should return None, because there is no score to "
                f"count, but returned {_fmt(got)}. A result of 0 would wrongly say that nobody met the standard."
            )
