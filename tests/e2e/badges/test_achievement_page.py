"""The public pages behind the URLs of a signed credential, in Chromium: the
achievement page (criteria, rubric, alignments; a criterion's fragment scrolls
to it) and the credential's share page with its evidence entries; axe-core
finds no serious or critical violation, and each page is screenshot."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mcembed import Actor, Person, Settings, load_pack
from mcembed.badges import IssuerProfile, init_issuer

ROOT = Path(__file__).resolve().parents[3]
CRED = "digital-formative-assessment"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The tool on a port its issuer's URLs name, with one award; (base URL, award id)."""
    from werkzeug.serving import make_server

    from lti_platform import ManualDispatcher
    from mcembed_lti import create_app

    base = f"http://127.0.0.1:{free_port()}"
    instance = tmp_path / "instance"
    init_issuer(
        Settings(instance=instance),
        IssuerProfile(
            name="Riverbend District", url="https://riverbend.example.org", base_url=base
        ),
    )
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE": str(instance),
            "GRADE_DISPATCHER": ManualDispatcher(),
            "BADGE_FETCH": None,
        }
    )
    service = app.extensions["mcembed"]
    service.add_pack(Actor.system(), load_pack(ROOT / "examples" / "professional-learning"))
    [(award, _)] = service.award_learners(
        Actor.system(), CRED, [Person(id="lena", name="Lena Fischer", email="lena@example.org")]
    )
    server = make_server("127.0.0.1", int(base.rsplit(":", 1)[1]), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base, award.id
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_the_achievement_and_credential_pages(
    page: Any, served: tuple[str, str], axe: Any, screenshot: Any
) -> None:
    base, award_id = served
    page.goto(f"{base}/achievements/{CRED}/1")
    heading = page.get_by_role("heading", level=1)
    assert "formative assessment" in heading.inner_text()
    assert page.get_by_role("heading", name="Rubric").is_visible()
    assert page.get_by_role("img", name="Badge of").evaluate("i => i.naturalWidth") > 0
    screenshot(page, "public-achievement")
    violations = axe(page)
    assert violations == [], json.dumps(violations, indent=2)

    criterion = page.locator("section[id^='criterion-']").last
    fragment = criterion.get_attribute("id")
    page.goto(f"{base}/achievements/{CRED}/1#{fragment}")
    assert page.evaluate("document.querySelector(':target').id") == fragment
    assert criterion.is_visible()

    page.goto(f"{base}/credentials/{award_id}")
    assert page.get_by_role("heading", name="Evidence reviewed").is_visible()
    link = page.get_by_role("link", name="the criteria and rubric")
    assert link.get_attribute("href") == f"{base}/achievements/{CRED}/1"
    screenshot(page, "public-credential")
    violations = axe(page)
    assert violations == [], json.dumps(violations, indent=2)
    link.click()
    page.wait_for_url(f"{base}/achievements/{CRED}/1")
