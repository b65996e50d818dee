"""Reference solution for the workshop "Analyse classroom assessment data with Python".

For facilitators: `mcembed workshop check workshop.ipynb --solution solution.py`
runs the notebook with these functions and with the blank template, and shows
that every check passes on the first and fails on the second. Keep this file
away from learners until the workshop is over.
"""


def parse_score(value):
    """One CSV cell -> the score as a float, or None when it holds no usable score."""
    try:
        return float(value.strip())
    except ValueError:
        return None


def mean_score_by_group(rows):
    """{group: mean of the usable scores}, skipping students with no score."""
    totals = {}
    counts = {}
    for row in rows:
        score = parse_score(row["score"])
        if score is None:
            continue
        group = row["group"]
        totals[group] = totals.get(group, 0.0) + score
        counts[group] = counts.get(group, 0) + 1
    return {group: totals[group] / counts[group] for group in totals}


def percent_meeting_standard(rows, cutoff):
    """Percentage (0-100) of scored students at or above cutoff; None if nobody has a score."""
    scores = [s for s in (parse_score(row["score"]) for row in rows) if s is not None]
    if not scores:
        return None
    return 100 * sum(1 for s in scores if s >= cutoff) / len(scores)
