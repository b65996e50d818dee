"""The analytics chart: one group of bars per row, never a suppressed figure."""

from __future__ import annotations

import re

import pytest

from mcembed.analytics import AnalyticsFilter, Grouping, RawFigures, report
from mcembed.analytics_charts import analytics_chart_svg


def _report(*rows: RawFigures) -> object:
    total = RawFigures(
        key="",
        started=sum(r.started for r in rows),
        submitted=sum(r.submitted for r in rows),
        awarded=sum(r.awarded for r in rows),
    )
    return report(
        AnalyticsFilter(grouping=Grouping.CREDENTIAL),
        rows,
        total,
        k=5,
        labels={"a": "Evaluate <impact> & more", "b": "Plan learning", "c": "Coach peers"},
    )


def test_bars_say_their_numbers_and_names_are_escaped() -> None:
    """Each row's three figures are written out and in the description."""
    svg = analytics_chart_svg(
        _report(
            RawFigures(key="a", started=40, submitted=31, awarded=22, median_days_to_award=12.5),
            RawFigures(key="b", started=18, submitted=9, awarded=6),
        )
    )
    assert svg.startswith("<svg")
    assert 'role="img"' in svg
    assert "Evaluate &lt;impact&gt; &amp; more" in svg
    assert "<impact>" not in svg
    assert "Evaluate &lt;impact&gt; &amp; more: 40 started, 31 submitted, 22 awarded." in svg
    assert "median days to award: 12.5" in svg
    assert len(re.findall(r"<rect x=\"110\" y=\"[\d.]+\" width", svg)) == 6


def test_a_suppressed_figure_draws_no_bar() -> None:
    """A count under k is "<5" with no bar; its neighbour hidden for the total is too."""
    svg = analytics_chart_svg(
        _report(
            RawFigures(key="a", started=40, submitted=31, awarded=22),
            RawFigures(key="b", started=18, submitted=9, awarded=3),
            RawFigures(key="c", started=12, submitted=8, awarded=7),
        )
    )
    assert "Plan learning: 18 started, 9 submitted, &lt;5 awarded." in svg
    # the next smallest awarded count is hidden too, so 3 cannot be worked out
    assert "Coach peers: 12 started, 8 submitted, &lt;5 awarded." in svg
    assert "3 awarded" not in svg
    assert "7 awarded" not in svg
    assert len(re.findall(r"<title>[^<]* awarded</title>", svg)) == 1


def test_an_empty_report_says_so_and_a_narrow_chart_is_refused() -> None:
    assert "Nothing in this range yet." in analytics_chart_svg(_report())
    with pytest.raises(ValueError, match="at least 480"):
        analytics_chart_svg(_report(), width=300)
