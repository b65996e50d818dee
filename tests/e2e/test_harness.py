"""The browser harness itself: Chromium renders a served page, and the axe
check tells an accessible page from one with a serious violation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

GOOD = b"""<!doctype html><html lang="en"><head><title>Fine</title></head>
<body><main><h1>Fine</h1><img src="data:," alt="A dot"><label>Name <input name="n"></label>
</main></body></html>"""
BAD = b"""<!doctype html><html lang="en"><head><title>Broken</title></head>
<body><main><h1>Broken</h1><img src="data:,"><input name="n"></main></body></html>"""


def _pages(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    body = BAD if environ["PATH_INFO"] == "/bad" else GOOD
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [body]


def test_axe_passes_an_accessible_page_and_flags_a_broken_one(
    page: Any, axe: Any, live_wsgi: Any
) -> None:
    """An unlabelled input and an image without alt text are caught; a clean page is clean."""
    with live_wsgi(_pages) as base:
        page.goto(f"{base}/good")
        assert page.title() == "Fine"
        assert axe(page) == []
        page.goto(f"{base}/bad")
        found = {v["id"] for v in axe(page)}
        assert {"image-alt", "label"} <= found
