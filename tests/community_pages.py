"""Helpers of the community page tests: launches as named people, the
launch's person, forms read from a page, and a learner awarded through the
real pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lti_platform import form_fields, start_and_submit

ROOT = Path(__file__).resolve().parents[1]


def person(app: Any, launch_id: str) -> Any:
    """The ``LaunchContext`` of a launch (its person id, course id, actor)."""
    return app.extensions["mcembed_lti"].verifier.current(launch_id)


def launch(lti: Any, role: str, sub: str, name: str, context_id: str = "course-1") -> Any:
    return lti.launch(role, sub=sub, name=name, context_id=context_id)


def page(client: Any, path: str, launched: Any, **query: str) -> tuple[int, str]:
    sep = "&" if "?" in path else "?"
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    resp = client.get(f"{path}{sep}launch={launched.id}{extra}")
    return resp.status_code, resp.get_data(as_text=True)


def post(client: Any, path: str, launched: Any, html: str = "", **data: Any) -> Any:
    """POST a form of a page with the launch's id and token."""
    fields = form_fields(html) if html else {}
    if "csrf_token" not in fields:
        fields = {"launch": launched.id, "csrf_token": person_csrf(client, launched)}
    fields.pop("revision", None)
    return client.post(path, data={**fields, **data})


def person_csrf(client: Any, launched: Any) -> str:
    """The form token of a launch (as every page of it carries)."""
    return person(client.application, launched.id).csrf_token


def awarded(lti: Any, client: Any, sub: str, name: str) -> tuple[Any, str]:
    """A learner submits evaluate-impact through the pages and an instructor
    awards it; returns (the learner's launch, the submission id)."""
    learner, sid = start_and_submit(lti, client, sub=sub)
    if name:
        learner = lti.launch("Learner", sub=sub, name=name)
    reviewer = lti.launch("Instructor", sub="teacher-1", name="Tess Teacher")
    html = client.get(f"/review/submissions/{sid}?launch={reviewer.id}").get_data(as_text=True)
    resp = client.post(
        f"/review/submissions/{sid}",
        data={**form_fields(html), "level-design": "Proficient", "level-impact": "Exemplary"},
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return learner, sid
