"""The API tests' world: the tool with an issuer, the example pack and a test credential
placed in two courses, and ``api``: tokens for people and a client sending them.

Tokens are made through the core (``tool.tokens``) as the learner page and the
CLI do; requests carry them as ``Authorization: Bearer``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from factories import make_credential
from lti_platform import ManualDispatcher
from mcembed import Actor, Role, load_pack
from mcembed.badges import IssuerProfile, init_issuer
from mcembed.config import Settings
from mcembed.placements import Placement

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_PACK = ROOT / "examples" / "professional-learning"
CRED = "evaluate-impact"
COURSE = "course-1"
OTHER_COURSE = "course-9"

LEARNER = Actor(id="learner-1", course_id=COURSE, name="Lee Learner", email="lee@example.org")
OTHER = Actor(id="learner-2", course_id=COURSE, name="Ola Other")
FOREIGN = Actor(id="learner-1", course_id=OTHER_COURSE, name="Lee Learner")
TEACHER = Actor(
    id="teacher-1", course_id=COURSE, roles=frozenset({Role.INSTRUCTOR}), name="Tess Teacher"
)
FOREIGN_TEACHER = Actor(
    id="teacher-9", course_id=OTHER_COURSE, roles=frozenset({Role.INSTRUCTOR}), name="Finn"
)
REFLECTION = "I changed how we plan our team meetings together every week."


def make_tool_app(instance: Path, **config: Any) -> Any:
    from mcembed_lti import create_app

    init_issuer(
        Settings(instance=instance),
        IssuerProfile(
            name="Riverbend District",
            url="https://riverbend.example.org",
            base_url="http://localhost",
            slug="main",
        ),
    )
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE": str(instance),
            "GRADE_DISPATCHER": ManualDispatcher(),
            "BADGE_FETCH": None,
            **config,
        }
    )
    tool = app.extensions["mcembed_lti"]
    tool.service.add_pack(Actor.system(), load_pack(EXAMPLE_PACK))
    now = datetime.now(UTC)
    with tool.service.store.transaction() as tx:
        tx.add_credential(make_credential())
        for n, (course, credential) in enumerate(
            [
                (COURSE, CRED),
                (COURSE, "analyse-assessment-data-python"),
                (OTHER_COURSE, CRED),
            ]
        ):
            tx.put_placement(
                Placement(
                    id=f"plc_{n}",
                    platform_id="plt_1",
                    course_id=course,
                    resource_link_id=f"link-{n}",
                    credential_id=credential,
                    created_at=now,
                    updated_at=now,
                )
            )
    return app


@dataclass
class Api:
    """Makes tokens and sends requests with them."""

    app: Any
    client: Any

    @property
    def tool(self) -> Any:
        return self.app.extensions["mcembed_lti"]

    def token(self, actor: Actor = LEARNER, *, scopes: tuple[str, ...] = ("learner",)) -> str:
        return self.tool.tokens.create_personal(actor, scopes=scopes).secret

    def call(
        self,
        method: str,
        path: str,
        token: str | None,
        *,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> Any:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        return self.client.open(f"/api/v1{path}", method=method, headers=sent, **kw)

    def get(self, path: str, token: str | None, **kw: Any) -> Any:
        return self.call("GET", path, token, **kw)

    def post(self, path: str, token: str | None, **kw: Any) -> Any:
        return self.call("POST", path, token, **kw)

    def put(self, path: str, token: str | None, **kw: Any) -> Any:
        return self.call("PUT", path, token, **kw)


def submitted_over_api(api: Api, token: str) -> dict[str, Any]:
    """Start, fill (text, link, file) and submit the test credential; the submission."""
    sub = api.post("/submissions", token, json={"credential_id": CRED}).json
    sid = sub["id"]
    resp = api.put(
        f"/submissions/{sid}/evidence",
        token,
        json={
            "items": [
                {"requirement_id": "reflection", "kind": "reflection", "text": REFLECTION},
                {"requirement_id": "portfolio", "kind": "link", "url": "https://example.org/p"},
            ]
        },
    )
    assert resp.status_code == 200, resp.json
    import io

    resp = api.post(
        f"/submissions/{sid}/files",
        token,
        data={"requirement_id": "plan", "file": (io.BytesIO(b"Week 1: survey."), "plan.txt")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200, resp.json
    resp = api.post(f"/submissions/{sid}/submit", token)
    assert resp.status_code == 200, resp.json
    return resp.json
