"""Code checks for the credential "Turn item-level results into actionable feedback".

The workshop notebook asks the learner to write four functions over the export
of a multiple-choice quiz. ``responses`` is a list of dicts as ``csv.DictReader``
gives them, one per student, for example
``{"student": "S03", "Q1": "B", "Q2": "a", "Q3": ""}``; ``key`` maps each item to
its correct option, for example ``{"Q1": "B", "Q2": "C", "Q3": "A"}``.

    item_difficulty(responses, key)             {item: proportion of students correct, 0 to 1}
    distractor_counts(responses, item)          {option: how many students chose it}
    discrimination_index(responses, key, item)  upper third minus lower third, -1 to 1, or None
    skills_to_practise(answers, key, skills)    skills of the items one student missed, most-missed first

Answers are compared ignoring case and surrounding spaces; a blank or absent
answer counts as incorrect.

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


def _call(fn, name, shown, *args):
    """Call the learner's function; turn any exception into a kind failure message."""
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


def _quiz(key_items, *rows):
    """Rows given as (student, "BCAD") strings, one letter per item in order."""
    out = []
    for student, letters in rows:
        row = {"student": student}
        row.update(zip(key_items, letters, strict=False))
        out.append(row)
    return out


# Six students, four items. Totals: S01 4, S02 3, S03 2, S04 2, S05 1, S06 0.
_KEY = {"Q1": "B", "Q2": "C", "Q3": "A", "Q4": "D"}
_RESPONSES = _quiz(
    list(_KEY),
    ("S01", "BCAD"),
    ("S02", "BCAA"),
    ("S03", "BAAC"),
    ("S04", "ACAB"),
    ("S05", "CCBB"),
    ("S06", "AACB"),
)


# --- item_difficulty --------------------------------------------------------------


def _check_difficulty(got, expected, what):
    if got is None:
        raise AssertionError(
            f"item_difficulty({what}) returned None. Did you forget 'return' at the end?"
        )
    if not isinstance(got, dict):
        raise AssertionError(
            f"item_difficulty({what}) should return a dict such as {{'Q1': 0.5, ...}}, "
            f"but returned a {type(got).__name__}."
        )
    if set(got) != set(expected):
        raise AssertionError(
            f"item_difficulty({what}) should have one entry per item in the key, {sorted(expected)}, "
            f"but has {sorted(got)}."
        )
    for item, p in expected.items():
        if _close(got[item], p * 100) and p:
            raise AssertionError(
                f"item_difficulty gives {item} the value {_fmt(got[item])}, a percentage. Return the "
                f"proportion from 0 to 1 instead ({_fmt(p)}): it is the usual form of the difficulty index."
            )
        if not _close(got[item], p):
            raise AssertionError(
                f"item_difficulty({what}) gives {item} the value {_fmt(got[item])}; it should be {_fmt(p)}."
            )


def check_difficulty_basic(item_difficulty):
    _callable(item_difficulty, "item_difficulty")
    got = _call(
        item_difficulty, "item_difficulty", "responses, key", copy.deepcopy(_RESPONSES), dict(_KEY)
    )
    _check_difficulty(
        got, {"Q1": 3 / 6, "Q2": 4 / 6, "Q3": 4 / 6, "Q4": 1 / 6}, "a six-student quiz"
    )


def check_difficulty_ignores_case_and_spaces(item_difficulty):
    _callable(item_difficulty, "item_difficulty")
    key = {"Q1": "B", "Q2": "C"}
    responses = [
        {"student": "S01", "Q1": "b", "Q2": " C "},
        {"student": "S02", "Q1": " B", "Q2": "c"},
        {"student": "S03", "Q1": "A", "Q2": "C"},
        {"student": "S04", "Q1": "B\t", "Q2": "d"},
    ]
    got = _call(item_difficulty, "item_difficulty", "responses, key", responses, key)
    if isinstance(got, dict) and (_close(got.get("Q1"), 0.0) or _close(got.get("Q1"), 0.25)):
        raise AssertionError(
            "item_difficulty counts answers such as 'b' or ' B' as wrong. Quiz exports mix upper and lower "
            "case and pad cells with spaces: compare answer.strip().upper() with the key."
        )
    _check_difficulty(got, {"Q1": 0.75, "Q2": 0.75}, "answers in mixed case with spaces")


def check_difficulty_blank_is_incorrect(item_difficulty):
    _callable(item_difficulty, "item_difficulty")
    key = {"Q1": "A", "Q2": "B"}
    responses = [
        {"student": "S01", "Q1": "A", "Q2": "B"},
        {"student": "S02", "Q1": "", "Q2": "B"},
        {"student": "S03", "Q1": "A"},
        {"student": "S04", "Q1": "C", "Q2": ""},
    ]
    got = _call(item_difficulty, "item_difficulty", "responses, key", responses, key)
    if isinstance(got, dict) and _close(got.get("Q2"), 1.0):
        raise AssertionError(
            "item_difficulty gives Q2 the value 1.0, as if only the students who answered it counted. "
            "A blank or absent answer counts as incorrect: 2 of the 4 students answered Q2 correctly, so 0.5."
        )
    _check_difficulty(got, {"Q1": 0.5, "Q2": 0.5}, "a quiz with blank and absent answers")


def check_difficulty_no_responses(item_difficulty):
    _callable(item_difficulty, "item_difficulty")
    got = _call(item_difficulty, "item_difficulty", "[], key", [], dict(_KEY))
    if got != {}:
        raise AssertionError(
            f"item_difficulty([], key) should return {{}} (there are no students to count) "
            f"but returned {_fmt(got)}."
        )


# --- distractor_counts ------------------------------------------------------------


def _check_counts(got, expected, what):
    if got is None:
        raise AssertionError(
            f"distractor_counts({what}) returned None. Did you forget 'return' at the end?"
        )
    if not isinstance(got, dict):
        raise AssertionError(
            f"distractor_counts({what}) should return a dict such as {expected!r}, "
            f"but returned a {type(got).__name__}."
        )
    if dict(got) != expected:
        raise AssertionError(
            f"distractor_counts({what}) should return {expected!r} but returned {dict(got)!r}."
        )


def check_distractors_basic(distractor_counts):
    _callable(distractor_counts, "distractor_counts")
    got = _call(
        distractor_counts, "distractor_counts", "responses, 'Q4'", copy.deepcopy(_RESPONSES), "Q4"
    )
    _check_counts(got, {"D": 1, "A": 1, "C": 1, "B": 3}, "responses, 'Q4'")


def check_distractors_normalise_answers(distractor_counts):
    _callable(distractor_counts, "distractor_counts")
    responses = [
        {"student": "S01", "Q1": "b"},
        {"student": "S02", "Q1": " B "},
        {"student": "S03", "Q1": "B"},
        {"student": "S04", "Q1": "c"},
    ]
    got = _call(distractor_counts, "distractor_counts", "responses, 'Q1'", responses, "Q1")
    if isinstance(got, dict) and len(got) > 2:
        raise AssertionError(
            f"distractor_counts(responses, 'Q1') returned {dict(got)!r}: 'b', ' B ' and 'B' are the same "
            "choice and should be counted together. Use answer.strip().upper() as the option."
        )
    _check_counts(got, {"B": 3, "C": 1}, "responses, 'Q1'")


def check_distractors_count_blanks(distractor_counts):
    _callable(distractor_counts, "distractor_counts")
    responses = [
        {"student": "S01", "Q1": "A"},
        {"student": "S02", "Q1": ""},
        {"student": "S03", "Q1": "  "},
        {"student": "S04"},
    ]
    got = _call(distractor_counts, "distractor_counts", "responses, 'Q1'", responses, "Q1")
    if isinstance(got, dict) and sum(v for v in got.values() if isinstance(v, int)) != 4:
        raise AssertionError(
            f"distractor_counts(responses, 'Q1') returned {dict(got)!r}, which counts "
            f"{sum(v for v in got.values() if isinstance(v, int))} students, but there are 4. Count blank, "
            "space-only and absent answers under the option '(blank)': how many students skipped an item "
            "is useful information too."
        )
    _check_counts(got, {"A": 1, "(blank)": 3}, "responses, 'Q1'")


# --- discrimination_index ---------------------------------------------------------


def _check_index(got, expected, what):
    if got is None:
        raise AssertionError(
            f"discrimination_index({what}) returned None, but there are enough students to compute it "
            f"({_fmt(expected)}). Return None only when the class has fewer than 3 students."
        )
    if not _close(got, expected):
        raise AssertionError(
            f"discrimination_index({what}) should return {_fmt(expected)} but returned {_fmt(got)}."
        )


def check_discrimination_basic(discrimination_index):
    _callable(discrimination_index, "discrimination_index")
    got = _call(
        discrimination_index,
        "discrimination_index",
        "responses, key, 'Q2'",
        copy.deepcopy(_RESPONSES),
        dict(_KEY),
        "Q2",
    )
    if _close(got, -0.5):
        raise AssertionError(
            "discrimination_index(responses, key, 'Q2') returned -0.5, the right size but the wrong sign. "
            "Sort students from the highest total score to the lowest, then subtract the lower group's "
            "proportion correct from the upper group's: 1.0 - 0.5 = 0.5."
        )
    _check_index(got, 0.5, "responses, key, 'Q2'")


def check_discrimination_can_be_negative(discrimination_index):
    _callable(discrimination_index, "discrimination_index")
    # Q5 behaves like a mis-keyed item: the strongest students avoid the keyed answer.
    key = {"Q1": "A", "Q2": "A", "Q3": "A", "Q4": "A", "Q5": "B"}
    responses = _quiz(
        list(key),
        ("T1", "AAAAC"),  # total 4
        ("T2", "AACCB"),  # total 3
        ("T3", "ACCCB"),  # total 2
        ("T4", "CACCB"),  # total 2
        ("T5", "CCCCB"),  # total 1
        ("T6", "DCCCB"),  # total 1
    )
    got = _call(
        discrimination_index, "discrimination_index", "responses, key, 'Q5'", responses, key, "Q5"
    )
    if _close(got, 0.5):
        raise AssertionError(
            "discrimination_index(responses, key, 'Q5') returned 0.5, but on this item the lower group did "
            "better than the upper group, so the index is -0.5. Keep the sign (do not use abs): a negative "
            "value is the warning that an item may be mis-keyed or ambiguous."
        )
    _check_index(got, -0.5, "responses, key, 'Q5'")


def check_discrimination_uses_thirds(discrimination_index):
    _callable(discrimination_index, "discrimination_index")
    key = {"Q1": "A", "Q2": "B", "Q3": "C"}
    responses = _quiz(
        list(key),
        ("U1", "ABC"),
        ("U2", "ABC"),
        ("U3", "ABC"),  # totals 3
        ("M1", "DBC"),
        ("M2", "BBC"),
        ("M3", "CBC"),  # totals 2, all miss Q1
        ("L1", "ADD"),
        ("L2", "DDD"),
        ("L3", "BAA"),  # totals 1, 0, 0
    )
    got = _call(
        discrimination_index, "discrimination_index", "responses, key, 'Q1'", responses, key, "Q1"
    )
    if _close(got, 0.5):
        raise AssertionError(
            "discrimination_index(responses, key, 'Q1') returned 0.5, which is what halves of the class give. "
            "Use thirds: with 9 students the upper and lower groups have 9 // 3 = 3 students each, so "
            "the answer is 1.0 - 1/3 = 0.667."
        )
    if _close(got, 1.0):
        raise AssertionError(
            "discrimination_index(responses, key, 'Q1') returned 1.0, which is what groups of 2 give. "
            "Use thirds: with 9 students each group has 9 // 3 = 3 students, so the answer is 1.0 - 1/3 = 0.667."
        )
    _check_index(got, 1 - 1 / 3, "responses, key, 'Q1'")


def check_discrimination_small_class_is_none(discrimination_index):
    _callable(discrimination_index, "discrimination_index")
    key = {"Q1": "A", "Q2": "B"}
    three = _quiz(list(key), ("S01", "AB"), ("S02", "AC"), ("S03", "CC"))  # totals 2, 1, 0
    got = _call(
        discrimination_index, "discrimination_index", "responses, key, 'Q1'", three, key, "Q1"
    )
    if not _close(got, 1.0):
        raise AssertionError(
            f"With 3 students, 3 // 3 = 1, so the upper third is the top scorer (S01, right on Q1) and the "
            f"lower third is the bottom scorer (S03, wrong on Q1): the index is 1.0 - 0.0 = 1.0, but "
            f"discrimination_index returned {_fmt(got)}. Three students is the smallest class that has an index."
        )
    for responses, what in (
        (_quiz(list(key), ("S01", "AB"), ("S02", "CC")), "two students"),
        ([], "no students"),
    ):
        got = _call(
            discrimination_index,
            "discrimination_index",
            "responses, key, 'Q1'",
            responses,
            key,
            "Q1",
        )
        if got is not None:
            raise AssertionError(
                f"discrimination_index should return None for {what} (fewer than 3, so the upper and lower "
                f"thirds would be empty), but returned {_fmt(got)}."
            )


# --- skills_to_practise -----------------------------------------------------------

_SKILL_KEY = {"Q1": "B", "Q2": "C", "Q3": "A", "Q4": "D", "Q5": "A"}
_SKILLS = {
    "Q1": "equivalent fractions",
    "Q2": "comparing fractions",
    "Q3": "equivalent fractions",
    "Q4": "placing fractions on a number line",
    "Q5": "comparing fractions",
}


def _student(**answers):
    row = {"student": "S09"}
    row.update(answers)
    return row


def _skills(fn, answers):
    got = _call(
        fn, "skills_to_practise", "answers, key, skills", answers, dict(_SKILL_KEY), dict(_SKILLS)
    )
    if got is None:
        raise AssertionError(
            "skills_to_practise returned None. Did you forget 'return' at the end?"
        )
    if not isinstance(got, list):
        raise AssertionError(
            f"skills_to_practise should return a list of skill names, but returned a {type(got).__name__}."
        )
    return got


def check_skills_lists_missed_skills(skills_to_practise):
    _callable(skills_to_practise, "skills_to_practise")
    answers = _student(Q1="B", Q2="C", Q3="A", Q4="", Q5="C")  # missed Q4 (blank) and Q5
    got = _skills(skills_to_practise, answers)
    expected = {"placing fractions on a number line", "comparing fractions"}
    if set(got) != expected:
        extra = (
            ""
            if "placing fractions on a number line" in got
            else (" The blank answer to Q4 counts as missed, so its skill belongs in the list.")
        )
        raise AssertionError(
            f"For a student who missed Q4 and Q5, skills_to_practise returned {got!r}; it should contain "
            f"exactly {sorted(expected)!r}.{extra}"
        )


def check_skills_no_duplicates(skills_to_practise):
    _callable(skills_to_practise, "skills_to_practise")
    answers = _student(Q1="A", Q2="C", Q3="D", Q4="D", Q5="A")  # missed Q1 and Q3, same skill
    got = _skills(skills_to_practise, answers)
    if got != ["equivalent fractions"]:
        raise AssertionError(
            f"For a student who missed Q1 and Q3 (both 'equivalent fractions'), skills_to_practise returned "
            f"{got!r}; it should return ['equivalent fractions'], each skill once. A student reading "
            "the same next step twice learns nothing new."
        )


def check_skills_most_missed_first(skills_to_practise):
    _callable(skills_to_practise, "skills_to_practise")
    answers = _student(
        Q1="C", Q2="A", Q3="A", Q4="D", Q5="B"
    )  # missed Q1 (1x equivalent), Q2 and Q5 (2x comparing)
    got = _skills(skills_to_practise, answers)
    expected = ["comparing fractions", "equivalent fractions"]
    if got != expected:
        raise AssertionError(
            f"This student missed two 'comparing fractions' items and one 'equivalent fractions' item. "
            f"skills_to_practise returned {got!r}; it should return {expected!r}, the most-missed skill first."
        )
    answers = _student(Q1="A", Q2="B", Q3="A", Q4="D", Q5="A")  # missed Q1 and Q2: one each
    got = _skills(skills_to_practise, answers)
    expected = ["equivalent fractions", "comparing fractions"]
    if got != expected:
        raise AssertionError(
            f"This student missed one item of each of two skills. skills_to_practise returned {got!r}; "
            f"it should return {expected!r}: on a tie, keep the order in which the skills first appear "
            "in the key (Q1 comes before Q2), not alphabetical order."
        )


def check_skills_all_correct_is_empty(skills_to_practise):
    _callable(skills_to_practise, "skills_to_practise")
    answers = _student(Q1="b", Q2=" C", Q3="A ", Q4="d", Q5="a")
    got = _skills(skills_to_practise, answers)
    if got != []:
        raise AssertionError(
            f"This student answered every item correctly (in mixed case, with spaces), but "
            f"skills_to_practise returned {got!r}. Compare answers ignoring case and surrounding spaces, "
            "and return [] when nothing was missed."
        )
