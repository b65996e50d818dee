"""Community endpoints: the same permissions as the core, JSON and CSV."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

from api_world import CRED, FOREIGN_TEACHER, LEARNER, OTHER, TEACHER, Api, submitted_over_api

from mcembed import Person

PASSING = [
    {"criterion_id": "design", "level": "Exemplary"},
    {"criterion_id": "impact", "level": "Proficient"},
]


def _known(api: Api, *people: object) -> None:
    with api.tool.service.store.transaction() as tx:
        for p in people:
            tx.put_person(Person(id=p.id, name=p.name))  # type: ignore[attr-defined]


def _cohort(api: Api, teacher: str) -> str:
    made = api.post("/cohorts", teacher, json={"name": "Data team", "credential_ids": [CRED]})
    assert made.status_code == 201, made.json
    cid = made.json["id"]
    community = api.tool.service.community
    instructor = api.tool.tokens.resolve(teacher).actor
    community.add_members(instructor, cid, [LEARNER.id])
    community.add_checkpoint(
        instructor,
        cid,
        title="Submitted",
        due_at=datetime.now(UTC) + timedelta(days=7),
        credential_id=CRED,
        step="submitted",
    )
    return cid


def test_cohorts_board_and_progress(api: Api) -> None:
    _known(api, LEARNER, OTHER, TEACHER)
    teacher = api.token(TEACHER, scopes=("learner", "review"))
    cid = _cohort(api, teacher)
    learner = api.token()
    assert [c["id"] for c in api.get("/cohorts", learner).json["items"]] == [cid]
    view = api.get(f"/cohorts/{cid}", learner).json
    assert view["cohort"]["name"] == "Data team"
    assert view["me"]["person_id"] == LEARNER.id
    assert view["can_manage"] is False
    board = api.get(f"/cohorts/{cid}/board", teacher).json
    assert [r["member"]["person_id"] for r in board["rows"]] == [LEARNER.id]
    chart = api.get(f"/cohorts/{cid}/board", teacher, headers={"Accept": "image/svg+xml"})
    assert chart.mimetype == "image/svg+xml"
    assert chart.data.startswith(b"<svg")
    # members see their own row, not the board; others not even the cohort
    assert api.get(f"/cohorts/{cid}/board", learner).status_code == 403
    assert api.get(f"/cohorts/{cid}/progress", learner).json["member"]["person_id"] == LEARNER.id
    assert api.get(f"/cohorts/{cid}", api.token(OTHER)).status_code == 403
    assert api.get("/cohorts", api.token(OTHER)).json["items"] == []
    foreign = api.token(FOREIGN_TEACHER, scopes=("review",))
    assert api.get(f"/cohorts/{cid}", foreign).status_code == 403
    # a learner cannot make a cohort; an instructor's learner-only token neither
    assert (
        api.post("/cohorts", learner, json={"name": "x", "credential_ids": [CRED]}).status_code
        == 403
    )
    assert (
        api.post(
            "/cohorts", api.token(TEACHER), json={"name": "x", "credential_ids": [CRED]}
        ).status_code
        == 403
    )
    bad = api.post("/cohorts", teacher, json={"name": "x", "credential_ids": "nope"})
    assert bad.status_code == 422


def test_the_coaching_list_is_for_those_who_manage_the_cohort(api: Api) -> None:
    """A member past a checkpoint with nothing done is listed, with the core's reason."""
    _known(api, LEARNER, OTHER, TEACHER)
    teacher = api.token(TEACHER, scopes=("learner", "review"))
    cid = _cohort(api, teacher)
    instructor = api.tool.tokens.resolve(teacher).actor
    api.tool.service.community.add_checkpoint(
        instructor,
        cid,
        title="Started",
        due_at=datetime.now(UTC) - timedelta(days=2),
        credential_id=CRED,
        step="started",
    )
    needs = api.get(f"/cohorts/{cid}/coaching", teacher)
    assert needs.status_code == 200, needs.json
    [need] = needs.json["items"]
    assert need["member"]["person_id"] == LEARNER.id
    assert need["reasons"][0]["kind"] == "late"
    assert need["reasons"][0]["checkpoint_id"]
    assert api.get(f"/cohorts/{cid}/coaching", api.token()).status_code == 403
    assert api.get(f"/cohorts/{cid}/coaching", api.token(OTHER)).status_code == 403
    assert api.get("/cohorts/coh-nope/coaching", teacher).status_code == 404


def test_anonymous_recommendations_never_name_the_sender(api: Api) -> None:
    _known(api, LEARNER, OTHER, TEACHER)
    peer = api.token(OTHER)
    sent = api.post(
        "/recommendations",
        peer,
        json={
            "credential_id": CRED,
            "recipients": [LEARNER.id],
            "note": "You would enjoy this",
            "anonymous": True,
        },
    )
    assert sent.status_code == 201, sent.json
    learner = api.token()
    mine = api.get("/recommendations", learner)
    [rec] = mine.json["items"]
    assert rec["note"] == "You would enjoy this"
    text = mine.get_data(as_text=True)
    assert OTHER.id not in text
    assert OTHER.name not in text
    assert api.get("/recommendations/sent", peer).json["items"][0]["recipient_id"] == LEARNER.id
    accepted = api.post(f"/recommendations/{rec['id']}/accept", learner)
    assert accepted.status_code == 200
    assert OTHER.id not in accepted.get_data(as_text=True)
    again = api.post(f"/recommendations/{rec['id']}/decline", learner)
    assert again.status_code == 409
    # nobody else can answer it
    assert api.post(f"/recommendations/{rec['id']}/decline", peer).status_code == 404
    assert api.get("/recommendations?status=weird", learner).status_code == 400


def test_portfolio_export_and_clr(api: Api) -> None:
    learner = api.token()
    sid = submitted_over_api(api, learner)["id"]
    reviewer = api.token(TEACHER, scopes=("review",))
    api.post(f"/submissions/{sid}/reviews", reviewer, json={"scores": PASSING})
    folio = api.get("/portfolio", learner).json
    assert [e["award"]["credential_id"] for e in folio["entries"]] == [CRED]
    export = api.get("/portfolio/export", learner)
    assert export.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(export.data)).namelist()
    assert any(n.endswith(".json") for n in names)
    assert api.get("/portfolio", api.token(OTHER)).json["entries"] == []
    missing = api.get("/portfolio/clr/no-such-stack", learner)
    assert missing.status_code == 404


def test_analytics_for_instructors_only_and_as_csv(api: Api) -> None:
    learner = api.token()
    submitted_over_api(api, learner)
    teacher = api.token(TEACHER, scopes=("review",))
    report = api.get("/analytics", teacher)
    assert report.status_code == 200, report.json
    assert set(report.json) >= {"rows", "total", "reviewers", "k"}
    csv = api.get("/analytics", teacher, headers={"Accept": "text/csv"})
    assert csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines()[0]
    assert api.get("/analytics", learner).status_code == 403
    assert api.get("/analytics?course_id=course-9", teacher).status_code == 403
    bad = api.get("/analytics?since=yesterday", teacher)
    assert bad.status_code == 400
    assert bad.json["error"]["details"]["field"] == "since"
    assert api.get("/analytics?by=colour", teacher).status_code == 422
