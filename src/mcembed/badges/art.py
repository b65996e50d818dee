"""Badge art for credentials without an image: a medallion with the
credential's initials and name, in colours chosen from its id.

``badge_svg`` writes the SVG; ``badge_png`` draws the same design with
Pillow (at twice the size, then scaled down, for smooth edges).
"""

from __future__ import annotations

import hashlib
import io
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from PIL import ImageFont

__all__ = ["Palette", "badge_png", "badge_svg", "initials", "palette_for"]


@dataclass(frozen=True, slots=True)
class Palette:
    """Top and bottom of the medallion's gradient, and its rim."""

    top: str
    bottom: str
    rim: str


# Pairs chosen to keep white text above 4.5:1 contrast.
PALETTES: tuple[Palette, ...] = (
    Palette("#1d4ed8", "#1e3a8a", "#93c5fd"),
    Palette("#0f766e", "#134e4a", "#99f6e4"),
    Palette("#7e22ce", "#4c1d95", "#d8b4fe"),
    Palette("#b91c1c", "#7f1d1d", "#fca5a5"),
    Palette("#c2410c", "#7c2d12", "#fdba74"),
    Palette("#15803d", "#14532d", "#86efac"),
    Palette("#be185d", "#831843", "#f9a8d4"),
    Palette("#334155", "#0f172a", "#cbd5e1"),
)

_STOP_WORDS = {"a", "an", "and", "for", "in", "of", "on", "the", "to", "with"}


def palette_for(key: str) -> Palette:
    """A palette picked from ``key`` (a credential id): stable, and varied across ids."""
    return PALETTES[hashlib.sha256(key.encode()).digest()[0] % len(PALETTES)]


def initials(name: str, limit: int = 3) -> str:
    """``"Evaluate the impact of professional learning"`` -> ``"EIP"``."""
    words = [w for w in name.replace("-", " ").split() if w.lower() not in _STOP_WORDS]
    letters = "".join(w[0] for w in words if w[0].isalnum())[:limit]
    return letters.upper() or "?"


def _lines(name: str) -> tuple[list[str], int, int]:
    """The name wrapped to fit under the rule: (lines, font size, line step).
    Long names get a smaller font and a fourth line before being cut short."""
    for width, size, step, most in ((20, 24, 30, 3), (25, 20, 25, 4)):
        wrapped = textwrap.wrap(name, width=width)
        if len(wrapped) <= most:
            return wrapped, size, step
    lines = wrapped[:most]
    lines[-1] = lines[-1][: width - 3].rstrip() + "…"
    return lines, size, step


def badge_svg(name: str, key: str, *, palette: Palette | None = None) -> bytes:
    """A 512×512 SVG medallion for a credential called ``name`` (``key``: its id)."""
    p = palette or palette_for(key)
    lines, size, step = _lines(name)
    start = 330 - step * (len(lines) - 1) // 2 + size // 3
    text = "".join(
        f'<tspan x="256" y="{start + step * n}">{escape(line)}</tspan>'
        for n, line in enumerate(lines)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" '
        'viewBox="0 0 512 512" role="img">'
        f"<title>{escape(name)}</title>"
        "<defs>"
        f'<linearGradient id="g" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="{p.top}"/><stop offset="1" stop-color="{p.bottom}"/>'
        "</linearGradient>"
        "</defs>"
        f'<circle cx="256" cy="256" r="244" fill="{p.rim}"/>'
        '<circle cx="256" cy="256" r="224" fill="url(#g)"/>'
        '<circle cx="256" cy="256" r="204" fill="none" stroke="#ffffff" '
        'stroke-opacity="0.35" stroke-width="3"/>'
        '<text x="256" y="236" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" '
        f'font-size="112" font-weight="700" fill="#ffffff">{escape(initials(name))}</text>'
        '<rect x="136" y="262" width="240" height="4" rx="2" fill="#ffffff" fill-opacity="0.6"/>'
        '<text text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" '
        f'font-size="{size}" font-weight="600" fill="#ffffff">{text}</text>'
        "</svg>"
    ).encode()


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def badge_png(name: str, key: str, *, size: int = 512, palette: Palette | None = None) -> bytes:
    """The same medallion as ``badge_svg``, as a ``size``×``size`` PNG."""
    # Pillow is imported when a PNG is drawn: most imports of mcembed draw none
    from PIL import Image, ImageDraw

    p = palette or palette_for(key)
    scale = 2
    s = size * scale
    unit = s / 512

    def box(r: float) -> tuple[float, float, float, float]:
        c = s / 2
        return (c - r * unit, c - r * unit, c + r * unit, c + r * unit)

    top, bottom = _rgb(p.top), _rgb(p.bottom)
    gradient = Image.new("RGBA", (1, s))
    for y in range(s):
        t = y / (s - 1)
        gradient.putpixel(
            (0, y), (*(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)), 255)
        )
    gradient = gradient.resize((s, s))
    image = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse(box(244), fill=(*_rgb(p.rim), 255))
    mask = Image.new("L", (s, s), 0)
    ImageDraw.Draw(mask).ellipse(box(224), fill=255)
    image.paste(gradient, (0, 0), mask)
    draw.ellipse(box(204), outline=(255, 255, 255, 110), width=max(1, round(3 * unit)))
    white = (255, 255, 255, 255)
    draw.text(
        (s / 2, 236 * unit),
        initials(name),
        font=_font(round(112 * unit)),
        fill=white,
        anchor="ms",
        stroke_width=round(2 * unit),
        stroke_fill=white,
    )
    draw.rounded_rectangle(
        (136 * unit, 262 * unit, 376 * unit, 266 * unit),
        radius=2 * unit,
        fill=(255, 255, 255, 160),
    )
    lines, font_size, step = _lines(name)
    start = 330 - step * (len(lines) - 1) // 2 + font_size // 3
    for n, line in enumerate(lines):
        draw.text(
            (s / 2, (start + step * n) * unit),
            line,
            font=_font(round(font_size * unit)),
            fill=white,
            anchor="ms",
            stroke_width=max(1, round(0.5 * unit)),
            stroke_fill=white,
        )
    image = image.resize((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
