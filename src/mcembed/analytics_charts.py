"""Programme analytics as a chart: SVG text a page embeds as it is.

One group of three bars per row of the report (a credential or a cohort):
how many started, submitted and were awarded. A suppressed figure draws no
bar and says "<k" in its place, so the chart never shows what the table
hides. Each bar has its number written beside it and its own pattern, and
the SVG carries a title and a description that screen readers read out.
User text (credential and cohort names) is escaped.
"""

from __future__ import annotations

import re

from .analytics import AnalyticsReport, Figure, FigureRow
from .charts import escape, quoteattr, svg_document

__all__ = ["analytics_chart_svg"]

_SERIES = (
    ("started", "started", "#9fcbe8", "lines"),
    ("submitted", "submitted", "#4f8fbf", "dots"),
    ("awarded", "awarded", "#1d5f8a", "solid"),
)
_INK = "#1f2933"
_MUTED = "#52606d"
_MAX_ROWS = 40


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _text(x: float, y: float, body: str, *, size: int = 13, weight: int = 400, **attrs: str) -> str:
    extra = "".join(f" {k.replace('_', '-')}={quoteattr(v)}" for k, v in attrs.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}"{extra}>'
        f"{escape(body)}</text>"
    )


def _fill(kind: str, colour: str, prefix: str) -> str:
    return colour if kind == "solid" else f"url(#{prefix}-{kind})"


def _patterns(prefix: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{prefix}-lines" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" fill="#9fcbe8"/>'
        '<rect y="4.6" width="6" height="1.4" fill="#6fa3c9"/></pattern>'
        f'<pattern id="{prefix}-dots" width="7" height="7" patternUnits="userSpaceOnUse">'
        '<rect width="7" height="7" fill="#4f8fbf"/>'
        '<circle cx="3.5" cy="3.5" r="1.3" fill="#1d5f8a"/></pattern>'
        "</defs>"
    )


def _said(figure: Figure) -> str:
    return str(figure) if (figure.suppressed or figure.value is not None) else "0"


def analytics_chart_svg(
    report: AnalyticsReport, *, title: str = "", width: int = 760, id_prefix: str = "analytics"
) -> str:
    """The report's rows as an accessible SVG bar chart (text).

    Args:
        report: from ``Community.analytics`` (already suppressed).
        title: the chart's heading (default: by credential / by cohort).
        width: the drawing's width in pixels (it scales with its container).
        id_prefix: makes the ids inside unique when a page shows several charts.

    Raises:
        ValueError: a width under 480 pixels.
    """
    if width < 480:
        raise ValueError(f"the chart needs a width of at least 480 pixels (got {width})")
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", id_prefix)
    grouping = report.where.grouping.value
    heading = title or f"Started, submitted and awarded, by {grouping}"
    rows: list[FigureRow] = list(report.rows[:_MAX_ROWS])
    pad, label_w = 24, 110
    bar_x = label_w
    bar_w = width - label_w - pad - 56
    parts: list[str] = [_text(pad, 30, _clip(heading, 70), size=18, weight=650, fill=_INK)]
    desc = [f"{heading}."]
    y = 58
    lx = pad
    for _, words, colour, kind in _SERIES:
        parts.append(
            f'<rect x="{lx}" y="{y - 12}" width="16" height="16" rx="3" '
            f'fill="{_fill(kind, colour, prefix)}" stroke="#9aa5b1" stroke-width="0.8"/>'
        )
        parts.append(_text(lx + 22, y + 1, words, fill=_INK))
        lx += 40 + 8 * len(words)
    parts.append(
        _text(lx, y + 1, f'"<{report.k}": fewer than {report.k}, not shown', size=12, fill=_MUTED)
    )
    if not rows:
        y += 40
        parts.append(_text(pad, y, "Nothing in this range yet.", size=15, fill=_MUTED))
        desc.append("Nothing in this range yet.")
        return _document(width, y + 30, prefix, heading, " ".join(desc), parts)
    peak = max(
        [
            getattr(r, name).value or 0.0
            for r in rows
            for name, *_ in _SERIES
            if not getattr(r, name).suppressed
        ]
        + [1.0]
    )
    y += 30
    bar_h, gap = 14, 5
    for r in rows:
        parts.append(_text(pad, y + 14, _clip(r.label, 80), size=14, weight=600, fill=_INK))
        top = y + 24
        said = []
        for i, (name, words, colour, kind) in enumerate(_SERIES):
            figure: Figure = getattr(r, name)
            by = top + i * (bar_h + gap)
            value = _said(figure)
            said.append(f"{value} {words}")
            parts.append(_text(pad, by + 11.5, words, size=12, fill=_MUTED))
            if figure.suppressed or not figure.value:
                parts.append(_text(bar_x + 4, by + 11.5, value, size=12, weight=600, fill=_INK))
                continue
            w = max(2.0, bar_w * figure.value / peak)
            parts.append(
                f"<g><title>{escape(f'{value} {words}')}</title>"
                f'<rect x="{bar_x}" y="{by}" width="{w:.1f}" height="{bar_h}" rx="3" '
                f'fill="{_fill(kind, colour, prefix)}"/></g>'
            )
            parts.append(_text(bar_x + w + 6, by + 11.5, value, size=12, weight=600, fill=_INK))
        med = r.median_days_to_award
        shown = str(med) if (med.suppressed or med.value is not None) else "–"
        below = top + 3 * (bar_h + gap) + 12
        parts.append(_text(pad, below, f"median days to award: {shown}", size=12, fill=_MUTED))
        desc.append(f"{r.label}: {', '.join(said)}.")
        y = below + 18
    if len(report.rows) > _MAX_ROWS:
        more = len(report.rows) - _MAX_ROWS
        parts.append(_text(pad, y + 10, f"and {more} more in the table below", fill=_MUTED))
        y += 24
    return _document(width, y + 12, prefix, heading, " ".join(desc), parts)


def _document(width: int, height: int, prefix: str, title: str, desc: str, parts: list[str]) -> str:
    return svg_document(width, height, prefix, title, desc, parts, defs=_patterns(prefix))
