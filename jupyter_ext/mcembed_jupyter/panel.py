"""The box every workshop widget is: a heading, its controls, and a message line.

A widget catches ``McembedError`` (evidence that does not meet its
requirement, a step the submission's state does not allow) and shows the
message in its message line; every other exception propagates, so a bug is
seen as a bug.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import ipywidgets as widgets

from mcembed import McembedError

__all__ = ["Panel", "escape", "paragraphs"]

# ipywidgets gives HTML widgets the line height of a control; text reads better tighter.
_STYLE = """<style>
.mcembed-panel .widget-html-content { line-height: 1.45; }
.mcembed-panel .widget-html-content p { margin: 0.4em 0; }
.mcembed-panel .widget-html-content li { margin: 0.2em 0; }
.mcembed-panel table th, .mcembed-panel table td {
  border: 1px solid #9a9a9a; padding: 0.3em 0.5em; vertical-align: top; text-align: left;
}
.mcembed-panel h3.mcembed-title { margin: 0.5em 0 0.2em 0; }
</style>"""


def escape(text: str) -> str:
    """Text as HTML, with nothing in it interpreted."""
    return html.escape(text, quote=True)


def paragraphs(text: str) -> str:
    """Plain text as escaped HTML paragraphs (blank lines separate them)."""
    parts = [p.strip() for p in text.split("\n\n") if p.strip()]
    return "".join(f"<p>{escape(p)}</p>" for p in parts)


class Panel(widgets.VBox):
    """A titled box with a message line for what the core says.

    Args:
        title: the heading.
        css: a class name for styling and for browser tests to find the widget.
    """

    def __init__(self, title: str, css: str, **kwargs: object) -> None:
        self.heading = widgets.HTML(f"{_STYLE}<h3 class='mcembed-title'>{escape(title)}</h3>")
        self.message = widgets.HTML("", layout=widgets.Layout(min_height="0"))
        self.message.add_class("mcembed-message")
        super().__init__(**kwargs)
        self.add_class("mcembed-panel")
        self.add_class(css)
        self.layout.border = "1px solid #b0b0b0"
        self.layout.padding = "0.25em 1em 0.75em 1em"
        self.layout.margin = "0.5em 0"

    def set_body(self, body: Sequence[widgets.Widget]) -> None:
        self.children = (self.heading, *body, self.message)

    def say(self, text: str, *, kind: str = "info") -> None:
        """Show ``text`` in the message line (``info``, ``ok`` or ``error``)."""
        colours = {"info": "#1a1a1a", "ok": "#0b5e1a", "error": "#a4000f"}
        role = "alert" if kind == "error" else "status"
        lines = "<br>".join(escape(line) for line in text.splitlines())
        self.message.value = (
            f"<div role='{role}' class='mcembed-{kind}' style='color:{colours[kind]}'>{lines}</div>"
            if text
            else ""
        )

    @contextmanager
    def showing_errors(self) -> Iterator[None]:
        """Show a ``McembedError`` raised inside in the message line; let others through."""
        try:
            yield
        except McembedError as e:
            self.say(str(e), kind="error")
