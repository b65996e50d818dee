"""The board chart in a real browser: it renders, reads out, passes axe-core.

Pages embedding it come with the LTI tool; this checks the SVG the core hands them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from community_world import COACH, INSTRUCTOR, STACK_ID, World, learner
from factories import NOW


def filled_board(w: World) -> str:
    c = w.community
    cohort = c.create_cohort(
        INSTRUCTOR,
        name="Lincoln Middle School — Learning Leadership 2026",
        stack_id=STACK_ID,
        facilitators=[INSTRUCTOR.id, COACH.id],
    )
    people = [learner(n) for n in range(1, 13)]
    c.add_members(INSTRUCTOR, cohort.id, [p.id for p in people])
    steps = [
        ("Orientation done: evaluation started", 2, "evaluate-impact", "started"),
        ("Evaluation plan submitted", 12, "evaluate-impact", "submitted"),
        ("Impact credential earned", 30, "evaluate-impact", "awarded"),
        ("Learning plan submitted", 45, "plan-learning", "submitted"),
        ("Showcase: leadership stack earned", 70, STACK_ID, "awarded"),
    ]
    for title, days, credential, step in steps:
        c.add_checkpoint(
            COACH,
            cohort.id,
            title=title,
            due_at=NOW + timedelta(days=days),
            credential_id=credential,
            step=step,
        )
    for i, p in enumerate(people):
        if i < 4:
            w.award(p)
        elif i < 7:
            w.submit(p)
        elif i < 10:
            w.start(p)
    w.clock.advance(days=16)
    return c.board_chart(INSTRUCTOR, cohort.id)


def test_board_chart_in_the_browser(
    mem: World, page: Any, axe: Callable[..., list[dict[str, Any]]], screenshot: Any
) -> None:
    svg = filled_board(mem)
    page.set_content(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Board</title></head>"
        f"<body style='margin:24px;background:#f5f7fa'><main><h1>Cohort progress</h1>{svg}</main>"
        "</body></html>"
    )
    chart = page.locator("svg[role=img]")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 600
    assert box["height"] > 300
    name = page.evaluate(
        "() => { const s = document.querySelector('svg[role=img]');"
        " return s.getAttribute('aria-labelledby').split(' ')"
        ".map(id => document.getElementById(id).textContent).join(' | '); }"
    )
    assert name.startswith("Lincoln Middle School — Learning Leadership 2026: progress | ")
    assert (
        "Checkpoint 2, Evaluation plan submitted, submitted, due 13 Sep 2026: 7 done · 5 late."
        in name
    )
    assert page.get_by_text("7 done · 5 late", exact=True).is_visible()
    violations = axe(page)
    assert violations == [], json.dumps(violations, indent=2)
    screenshot(page, "community-board-chart")
    page.set_viewport_size({"width": 520, "height": 900})
    assert chart.bounding_box()["width"] <= 520  # scales down with its container
    screenshot(page, "community-board-chart-narrow")
