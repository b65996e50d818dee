"""The progress board as a chart: SVG text a page embeds as it is.

One stacked bar per checkpoint (in due-date order) shows how many members are
done, on track, not started or late; a timeline above places the checkpoints
and today between the first and the last date. Colour is never the only
signal: every state also has its own fill pattern and symbol, every bar has
its counts written under it, and the SVG carries a title and a description
that screen readers read out (``role="img"``). User text (names, titles) is
escaped.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import escape as _html_escape

from .boards import Board, CellStatus, format_day

__all__ = ["board_chart_svg"]

# Colour-blind safe, each text colour at 4.5:1 or more on its fill.
_STYLE = {
    CellStatus.DONE: ("#1d5f8a", "#ffffff", "✓", "done"),
    CellStatus.ON_TRACK: ("#9fcbe8", "#10324a", "→", "on track"),
    CellStatus.NOT_STARTED: ("#e4e7eb", "#2f3a45", "○", "not started"),
    CellStatus.LATE: ("#c2410c", "#ffffff", "!", "late"),
}
_ORDER = (CellStatus.DONE, CellStatus.ON_TRACK, CellStatus.NOT_STARTED, CellStatus.LATE)
_INK = "#1f2933"
_MUTED = "#52606d"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def escape(text: str) -> str:
    """Text for an SVG text node or attribute (quotes included)."""
    return _html_escape(text, quote=True)


def quoteattr(text: str) -> str:
    return f'"{escape(text)}"'


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _when(due: datetime, now: datetime) -> str:
    days = (due.date() - now.date()).days
    if days == 0:
        return "due today"
    if days > 0:
        return f"in {_plural(days, 'day')}"
    return f"{_plural(-days, 'day')} ago"


def _summary(counts: dict[CellStatus, int]) -> str:
    return " · ".join(f"{counts[s]} {_STYLE[s][3]}" for s in _ORDER if counts[s])


def _patterns(prefix: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{prefix}-dots" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="{_STYLE[CellStatus.NOT_STARTED][0]}"/>'
        '<circle cx="4" cy="4" r="1.3" fill="#9aa5b1"/></pattern>'
        f'<pattern id="{prefix}-hatch" width="7" height="7" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="7" height="7" fill="{_STYLE[CellStatus.LATE][0]}"/>'
        '<rect width="2.2" height="7" fill="#9a3412"/></pattern>'
        f'<pattern id="{prefix}-lines" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="{_STYLE[CellStatus.ON_TRACK][0]}"/>'
        '<rect y="4.6" width="6" height="1.4" fill="#7fb3d6"/></pattern>'
        "</defs>"
    )


def _fill(status: CellStatus, prefix: str) -> str:
    return {
        CellStatus.DONE: _STYLE[CellStatus.DONE][0],
        CellStatus.ON_TRACK: f"url(#{prefix}-lines)",
        CellStatus.NOT_STARTED: f"url(#{prefix}-dots)",
        CellStatus.LATE: f"url(#{prefix}-hatch)",
    }[status]


def _text(x: float, y: float, body: str, *, size: int = 13, weight: int = 400, **attrs: str) -> str:
    extra = "".join(f" {k.replace('_', '-')}={quoteattr(v)}" for k, v in attrs.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}"{extra}>'
        f"{escape(body)}</text>"
    )


def board_chart_svg(board: Board, *, width: int = 760, id_prefix: str = "") -> str:
    """The board of a cohort as an accessible SVG document (text).

    Args:
        board: from ``boards.progress_board``.
        width: the drawing's width in pixels (it scales with its container).
        id_prefix: makes the ids inside unique when a page shows several charts
            (default: from the cohort id).
    """
    if width < 480:
        raise ValueError(f"the chart needs a width of at least 480 pixels (got {width})")
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", id_prefix or f"board-{board.cohort.id}")
    cohort, now = board.cohort, board.now
    members = len(board.rows)
    checkpoints = board.checkpoints
    label_w, pad = 300, 24
    bar_x, bar_w = label_w, width - label_w - pad
    parts: list[str] = []
    y = 30
    parts.append(_text(pad, y, _clip(cohort.name, 60), size=18, weight=650, fill=_INK))
    y += 22
    parts.append(
        _text(
            pad,
            y,
            f"{_plural(members, 'member')} · {_plural(len(checkpoints), 'checkpoint')} · "
            f"as of {format_day(now)}",
            fill=_MUTED,
        )
    )
    desc = [f"Progress of {cohort.name}: {_plural(members, 'member')}."]
    if not checkpoints or not members:
        y += 40
        empty = "No checkpoints yet." if not checkpoints else "No members yet."
        parts.append(_text(pad, y, empty, size=15, fill=_MUTED))
        desc.append(empty)
        return _document(width, y + 30, prefix, cohort.name, " ".join(desc), parts)

    # timeline: first to last due date, with today
    y += 48
    first, last = checkpoints[0].due_at, checkpoints[-1].due_at
    start = min(first, now)
    end = max(last, now)
    span = max((end - start).total_seconds(), 1.0)
    x0, x1 = pad + 12, width - pad - 12

    def at(moment: datetime) -> float:
        return x0 + (x1 - x0) * (moment - start).total_seconds() / span

    parts.append(
        f'<line x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke="#cbd2d9" stroke-width="4" '
        'stroke-linecap="round"/>'
    )
    parts.append(
        f'<line x1="{x0}" y1="{y}" x2="{at(now):.1f}" y2="{y}" stroke="#7b8794" stroke-width="4" '
        'stroke-linecap="round"/>'
    )
    for n, c in enumerate(checkpoints, start=1):
        cx = at(c.due_at)
        passed = c.due_at < now
        parts.append(
            f"<g><title>{escape(f'{n}. {c.title}, due {format_day(c.due_at)}')}</title>"
            f'<circle cx="{cx:.1f}" cy="{y}" r="10" fill="{"#52606d" if passed else "#ffffff"}" '
            f'stroke="#52606d" stroke-width="2"/>'
            + _text(
                cx,
                y + 4.5,
                str(n),
                size=11,
                weight=700,
                text_anchor="middle",
                fill="#ffffff" if passed else _INK,
            )
            + "</g>"
        )
    tx = at(now)
    parts.append(
        f'<path d="M{tx - 6:.1f},{y - 22} L{tx + 6:.1f},{y - 22} L{tx:.1f},{y - 13} Z" '
        f'fill="{_STYLE[CellStatus.LATE][0]}"/>'
    )
    anchor = "start" if tx < x0 + 40 else "end" if tx > x1 - 40 else "middle"
    parts.append(_text(tx, y - 27, "today", size=12, weight=600, text_anchor=anchor, fill=_INK))
    parts.append(_text(x0 - 12, y + 28, format_day(start), size=11, fill=_MUTED))
    parts.append(_text(x1 + 12, y + 28, format_day(end), size=11, text_anchor="end", fill=_MUTED))

    # legend
    y += 54
    lx = pad
    for status in _ORDER:
        _, _, symbol, words = _STYLE[status]
        parts.append(
            f'<rect x="{lx}" y="{y - 12}" width="16" height="16" rx="4" '
            f'fill="{_fill(status, prefix)}" stroke="#9aa5b1" stroke-width="0.8"/>'
        )
        label = f"{symbol} {words}"
        parts.append(_text(lx + 22, y + 1, label, fill=_INK))
        lx += 30 + 8 * len(label)

    # one bar per checkpoint
    y += 22
    row_h = 58
    for n, c in enumerate(checkpoints, start=1):
        counts = board.counts(c.id)
        top = y + 8
        parts.append(
            _text(pad, top + 14, f"{n}. {_clip(c.title, 29)}", size=14, weight=600, fill=_INK)
        )
        parts.append(
            _text(
                pad,
                top + 32,
                f"{c.step.words} · due {format_day(c.due_at)} · {_when(c.due_at, now)}",
                size=12,
                fill=_MUTED,
            )
        )
        bx = float(bar_x)
        segments = []
        for status in _ORDER:
            count = counts[status]
            if not count:
                continue
            w = bar_w * count / members
            fill, ink, symbol, words = _STYLE[status]
            seg = (
                f"<g><title>{escape(f'{count} {words}')}</title>"
                f'<rect x="{bx:.1f}" y="{top}" width="{w:.1f}" height="24" '
                f'fill="{_fill(status, prefix)}"/>'
            )
            label = f"{symbol} {count}"
            if w >= 12 + 8 * len(label):
                # the hatched fills are busy: the count sits on a solid chip
                if status in (CellStatus.LATE, CellStatus.NOT_STARTED, CellStatus.ON_TRACK):
                    cw = 10 + 7.5 * len(label)
                    seg += (
                        f'<rect x="{bx + w / 2 - cw / 2:.1f}" y="{top + 4}" width="{cw:.1f}" '
                        f'height="16" rx="8" fill="{fill}"/>'
                    )
                seg += _text(
                    bx + w / 2,
                    top + 16.5,
                    label,
                    size=12,
                    weight=700,
                    text_anchor="middle",
                    fill=ink,
                )
            segments.append(seg + "</g>")
            bx += w
        parts.append(
            f'<rect x="{bar_x - 1}" y="{top - 1}" width="{bar_w + 2}" height="26" rx="7" '
            'fill="none" stroke="#cbd2d9"/>'
        )
        parts.append(
            f'<clipPath id="{prefix}-bar-{n}"><rect x="{bar_x}" y="{top}" width="{bar_w}" '
            f'height="24" rx="6"/></clipPath>'
            f'<g clip-path="url(#{prefix}-bar-{n})">{"".join(segments)}</g>'
        )
        parts.append(_text(bar_x, top + 42, _summary(counts), size=12, fill=_MUTED))
        desc.append(
            f"Checkpoint {n}, {c.title}, {c.step.words}, due {format_day(c.due_at)}: "
            f"{_summary(counts)}."
        )
        y += row_h
    return _document(width, y + 16, prefix, f"{cohort.name}: progress", " ".join(desc), parts)


def _document(width: int, height: int, prefix: str, title: str, desc: str, parts: list[str]) -> str:
    return svg_document(width, height, prefix, title, desc, parts, defs=_patterns(prefix))


def svg_document(
    width: int, height: int, prefix: str, title: str, desc: str, parts: list[str], *, defs: str
) -> str:
    """A chart's ``<svg>``: titled and described for screen readers (ids under
    ``prefix``), its pattern ``defs``, a white card, then ``parts``."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" font-family="{escape(FONT)}" '
        'style="max-width:100%;height:auto">'
        f'<title id="{prefix}-title">{escape(title)}</title>'
        f'<desc id="{prefix}-desc">{escape(desc)}</desc>'
        f"{defs}"
        f'<rect width="{width}" height="{height}" rx="12" fill="#ffffff"/>'
        f"{''.join(parts)}</svg>"
    )
