"""Downloads keep their names in any script: ``Content-Disposition`` carries an
ASCII ``filename`` and the real name as RFC 6266 ``filename*=UTF-8''…``.

Through a real HTTP server: a header that is not Latin-1 makes the development
server send a broken response the browser waits on forever (Flask's test
client never encodes the header, so it cannot see it)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import pytest
import requests

from lti_platform import PLAN, serve, start_and_submit

NAMES = [
    "План урока.txt",
    "教学计划.txt",
    "🎓 plan ✅.txt",
    "café plan.txt",
    "plan; v2 100% done.txt",
    "plan.txt",
]
IDS = ["cyrillic", "cjk", "emoji", "latin-1", "separators", "ascii"]


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[bytes, str]:
    """GET ``url`` from a real server as a browser does (keep-alive); (body,
    Content-Disposition). A hang fails after the timeout."""
    resp = requests.get(url, headers=headers or {}, timeout=20)
    assert resp.status_code == 200, resp.text[:300]
    return resp.content, resp.headers["Content-Disposition"]


def assert_names(disposition: str, name: str) -> None:
    """An attachment, ASCII only, with an ASCII fallback and (when needed) the UTF-8 name."""
    assert disposition.isascii(), disposition
    assert disposition.startswith("attachment;"), disposition
    fallback = re.search(r'filename="((?:[^"\\]|\\.)*)"|filename=([^;\s]+)', disposition)
    assert fallback is not None, disposition
    encoded = re.search(r"filename\*=UTF-8''([^;\s]+)", disposition)
    if name.isascii():
        shown = fallback.group(1) if fallback.group(1) is not None else fallback.group(2)
        assert re.sub(r"\\(.)", r"\1", shown) == name
    else:
        assert encoded is not None, disposition
        assert unquote(encoded.group(1)) == name


@pytest.mark.parametrize("name", NAMES, ids=IDS)
def test_an_evidence_file_downloads_with_its_name_from_a_real_server(
    lti: Any, client: Any, app: Any, name: str
) -> None:
    """Its learner and a reviewer both get it, under the name it was uploaded with."""
    learner, sid = start_and_submit(lti, client, filename=name)
    reviewer = lti.launch("Instructor", sub="teacher-1")
    with serve(app) as base:
        for launch in (learner, reviewer):
            body, disposition = fetch(
                f"{base}/learn/submissions/{sid}/files/plan?launch={launch.id}"
            )
            assert body == PLAN
            assert_names(disposition, name)
