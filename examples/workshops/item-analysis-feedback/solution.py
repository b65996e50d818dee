"""Reference solution for the workshop "Turn item-level results into actionable feedback".

For facilitators: `mcembed workshop check workshop.ipynb --solution solution.py`
runs the notebook with these functions and with the blank template, and shows
that every check passes on the first and fails on the second. Keep this file
away from learners until the workshop is over.
"""


def _answer(row, item):
    return (row.get(item) or "").strip().upper()


def item_difficulty(responses, key):
    """{item: proportion of students who answered it correctly, 0 to 1}."""
    if not responses:
        return {}
    return {
        item: sum(1 for row in responses if _answer(row, item) == correct.upper()) / len(responses)
        for item, correct in key.items()
    }


def distractor_counts(responses, item):
    """{option: number of students who chose it}; blanks under "(blank)"."""
    counts = {}
    for row in responses:
        option = _answer(row, item) or "(blank)"
        counts[option] = counts.get(option, 0) + 1
    return counts


def discrimination_index(responses, key, item):
    """Proportion correct in the upper third minus the lower third; None below 3 students."""
    n = len(responses) // 3
    if n == 0:
        return None

    def total(row):
        return sum(1 for i, correct in key.items() if _answer(row, i) == correct.upper())

    ranked = sorted(responses, key=total, reverse=True)
    correct = key[item].upper()

    def share(group):
        return sum(1 for row in group if _answer(row, item) == correct) / len(group)

    return share(ranked[:n]) - share(ranked[-n:])


def skills_to_practise(answers, key, skills):
    """The skills of the items this student missed, each once, most-missed first."""
    missed = {}
    for item, correct in key.items():
        if _answer(answers, item) != correct.upper():
            skill = skills[item]
            missed[skill] = missed.get(skill, 0) + 1
    return sorted(missed, key=lambda skill: -missed[skill])
