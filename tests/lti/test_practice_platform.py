"""The practice LMS as a platform, without a browser: what it accepts from the
tool (Deep Linking responses, client assertions, service calls) and what it
refuses, each with its status and message; the pages' CSRF and escaping; and
a second start reusing the instance."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
from werkzeug.test import Client

from lti_platform import new_key
from mcembed import Actor
from mcembed_lti.grades import NoDispatcher
from mcembed_lti.practice import MEMBERS, build_demo
from mcembed_lti.practice.platform import (
    ASSERTION_TYPE,
    DL,
    LTI,
    SCOPE_LINEITEM,
    SCOPE_NRPS,
    SCOPE_SCORE,
)
from mcembed_lti.practice.seed import CLIENT_ID, DEPLOYMENT_ID
from mcembed_lti.practice.store import Link

BASE = "http://localhost"  # where the test client sends its requests
CREDENTIAL = "digital-formative-assessment"


def build(instance: Path, base: str = BASE) -> Any:
    holder: dict[str, Any] = {}
    demo = build_demo(
        instance,
        base,
        tool_config={"TESTING": True, "GRADE_DISPATCHER": NoDispatcher()},
        tool_jwks=lambda refresh=False: holder["tool"].keys.jwks(),
    )
    holder["tool"] = demo.tool
    return demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    d = build(tmp_path_factory.mktemp("practice") / "instance")
    yield d
    d.close()


@pytest.fixture
def client(demo: Any) -> Client:
    return Client(demo.wsgi)


@pytest.fixture(scope="module")
def forger() -> tuple[str, dict[str, Any]]:
    return new_key()


def tool_sign(demo: Any, claims: dict[str, Any], *, pem: str | None = None, kid: str = "") -> str:
    key = demo.tool.keys.current()
    return jwt.encode(
        claims, pem or key.private_pem, algorithm="RS256", headers={"kid": kid or key.kid}
    )


def dl_request(demo: Any, user: str = "u-amara-okafor") -> str:
    """The signed ``data`` of a fresh Deep Linking request by ``user``."""
    from mcembed_lti.practice.course import member

    params = demo.platform.deep_linking_request(member(user))
    hint = demo.platform._hints.loads(params["lti_message_hint"])
    return demo.platform._hints.dumps({"dl": hint["deep_link"], "u": user})


def dl_claims(demo: Any, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": CLIENT_ID,
        "aud": demo.platform.issuer,
        "iat": now,
        "exp": now + 300,
        "nonce": uuid.uuid4().hex,
        LTI + "message_type": "LtiDeepLinkingResponse",
        LTI + "version": "1.3.0",
        LTI + "deployment_id": DEPLOYMENT_ID,
        DL + "data": dl_request(demo),
        DL + "content_items": [
            {
                "type": "ltiResourceLink",
                "title": "Use digital tools <b>for</b> formative assessment",
                "url": BASE + "/lti/launch",
                "custom": {"mcembed_credential": CREDENTIAL, "mcembed_kind": "credential"},
                "lineItem": {"scoreMaximum": 16, "label": "Formative assessment"},
            }
        ],
    }
    for key, value in changes.items():
        name = {"message_type": LTI + "message_type", "deployment": LTI + "deployment_id"}.get(
            key, key
        )
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def test_a_signed_deep_linking_response_places_the_link_and_its_column(
    demo: Any, client: Client
) -> None:
    """The tool's answer, checked with its JWKS, becomes a link and a gradebook column."""
    before = len(demo.platform.store.list_links())
    resp = client.post("/practice/deep-link-return", data={"JWT": tool_sign(demo, dl_claims(demo))})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    links = demo.platform.store.list_links()
    assert len(links) == before + 1
    assert links[-1].custom["mcembed_credential"] == CREDENTIAL
    (item,) = demo.platform.store.list_line_items(links[-1].id)
    assert (item.label, item.score_maximum) == ("Formative assessment", 16.0)
    page = client.get("/practice/").get_data(as_text=True)
    # the title the tool sent is text on the course page, never markup
    assert "Use digital tools &lt;b&gt;for&lt;/b&gt; formative assessment" in page


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"aud": "https://another-lms.example"}, 401, "addressed to someone else"),
        ({"iss": "another-tool"}, 401, "from another client"),
        ({"exp": int(time.time()) - 60}, 401, "expired"),
        ({"nonce": None}, 401, "lacks the nonce claim"),
        ({"message_type": "LtiResourceLinkRequest"}, 400, "not an LtiDeepLinkingResponse"),
        ({"deployment": "deployment-9"}, 400, "another deployment"),
        ({DL + "data": "made-up"}, 400, "does not echo"),
        (
            {DL + "content_items": [{"type": "ltiResourceLink", "url": "https://evil.example/x"}]},
            400,
            "links outside the tool",
        ),
        (
            {
                DL + "content_items": [
                    {
                        "type": "ltiResourceLink",
                        "url": BASE + "/lti/launch",
                        "lineItem": {"scoreMaximum": "lots"},
                    }
                ]
            },
            400,
            "scoreMaximum above 0",
        ),
        (
            {
                DL + "content_items": [
                    {"type": "ltiResourceLink", "url": BASE + "/lti/launch", "custom": ["x"]}
                ]
            },
            400,
            "custom parameters",
        ),
    ],
)
def test_deep_linking_responses_that_do_not_check_out_are_refused(
    demo: Any, client: Client, change: dict[str, Any], status: int, message: str
) -> None:
    before = len(demo.platform.store.list_links())
    resp = client.post(
        "/practice/deep-link-return", data={"JWT": tool_sign(demo, dl_claims(demo, **change))}
    )
    assert resp.status_code == status
    assert message in resp.get_data(as_text=True)
    assert len(demo.platform.store.list_links()) == before


def test_a_forged_or_replayed_deep_linking_response_is_refused(
    demo: Any, client: Client, forger: tuple[str, dict[str, Any]]
) -> None:
    forged = tool_sign(demo, dl_claims(demo), pem=forger[0])
    resp = client.post("/practice/deep-link-return", data={"JWT": forged})
    assert resp.status_code == 401
    assert "signature does not verify" in resp.get_data(as_text=True)
    unknown = tool_sign(demo, dl_claims(demo), pem=forger[0], kid="forger-key")
    resp = client.post("/practice/deep-link-return", data={"JWT": unknown})
    assert resp.status_code == 401
    assert "does not list" in resp.get_data(as_text=True)
    good = tool_sign(demo, dl_claims(demo))
    assert client.post("/practice/deep-link-return", data={"JWT": good}).status_code == 200
    again = client.post("/practice/deep-link-return", data={"JWT": good})
    assert again.status_code == 400
    assert "used already" in again.get_data(as_text=True)
    # a new nonce does not revive a request that was answered already
    reused = dict(jwt.decode(good, options={"verify_signature": False}), nonce="fresh")
    resp = client.post("/practice/deep-link-return", data={"JWT": tool_sign(demo, reused)})
    assert resp.status_code == 400
    assert "answered already" in resp.get_data(as_text=True)


def test_only_an_instructors_deep_linking_request_is_answered(demo: Any, client: Client) -> None:
    claims = dl_claims(demo)
    claims[DL + "data"] = dl_request(demo, "u-lena-fischer")
    resp = client.post("/practice/deep-link-return", data={"JWT": tool_sign(demo, claims)})
    assert resp.status_code == 400


# --- OAuth 2 tokens and the service endpoints ----------------------------------------------


def assertion(demo: Any, **changes: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": CLIENT_ID,
        "sub": CLIENT_ID,
        "aud": demo.platform.token_url,
        "iat": now,
        "exp": now + 60,
        "jti": uuid.uuid4().hex,
    }
    pem = changes.pop("pem", None)
    for key, value in changes.items():
        if value is None:
            claims.pop(key)
        else:
            claims[key] = value
    return tool_sign(demo, claims, pem=pem)


def token_form(demo: Any, scope: str = SCOPE_SCORE, **changes: Any) -> dict[str, str]:
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion(demo),
        "scope": scope,
    }
    form.update(changes)
    return form


def access_token(demo: Any, client: Client, scope: str) -> str:
    resp = client.post("/practice/token", data=token_form(demo, scope))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == scope
    return str(body["access_token"])


def test_token_refusals(demo: Any, client: Client, forger: tuple[str, dict[str, Any]]) -> None:
    """Each bad token request gets its OAuth error and a status, never a token."""
    cases = [
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"client_assertion_type": "secret"}, 400, "invalid_request"),
        ({"client_assertion": ""}, 401, "invalid_client"),
        ({"client_assertion": assertion(demo, pem=forger[0])}, 401, "invalid_client"),
        (
            {"client_assertion": assertion(demo, aud="https://elsewhere/token")},
            401,
            "invalid_client",
        ),
        ({"client_assertion": assertion(demo, iss="other", sub="other")}, 401, "invalid_client"),
        ({"client_assertion": assertion(demo, exp=int(time.time()) - 30)}, 401, "invalid_client"),
        ({"client_assertion": assertion(demo, jti=None)}, 401, "invalid_client"),
        ({"scope": "https://example.org/scope/everything"}, 400, "invalid_scope"),
    ]
    for change, status, error in cases:
        resp = client.post("/practice/token", data=token_form(demo, **change))
        assert (resp.status_code, resp.get_json()["error"]) == (status, error), change
        assert "access_token" not in resp.get_json()


def test_a_deeply_nested_jwt_header_is_refused_with_its_reason(demo: Any, client: Client) -> None:
    """The practice LMS reads what a tool sends with the same depth cap as the tool."""
    import base64

    head = base64.urlsafe_b64encode(b'{"a":' * 5000 + b"1" + b"}" * 5000).rstrip(b"=").decode()
    token = f"{head}.e30.c2ln"
    refused = client.post("/practice/deep-link-return", data={"JWT": token})
    assert refused.status_code == 400
    assert "its header is nested more than 64 levels deep" in refused.get_data(as_text=True)
    assertion = client.post("/practice/token", data=token_form(demo, client_assertion=token))
    assert assertion.status_code == 401
    assert assertion.get_json()["error"] == "invalid_client"
    assert "nested more than 64 levels deep" in assertion.get_json()["error_description"]


def test_a_client_assertion_works_once(demo: Any, client: Client) -> None:
    form = token_form(demo)
    assert client.post("/practice/token", data=form).status_code == 200
    again = client.post("/practice/token", data=form)
    assert again.status_code == 401
    assert "used already" in again.get_json()["error_description"]


def place_link(demo: Any) -> tuple[Link, int]:
    link = Link(
        id="rl-" + uuid.uuid4().hex[:8],
        title="Formative assessment",
        text="",
        url=BASE + "/lti/launch",
        custom={"mcembed_credential": CREDENTIAL},
        created_at="2027-02-01T09:00:00Z",
    )
    demo.platform.store.add_link(link)
    item = demo.platform.store.add_line_item(
        label=link.title, score_maximum=16, resource_link_id=link.id
    )
    return link, item.id


def score(user: str = "u-lena-fischer", stamp: str = "2027-02-03T10:00:00.000Z", given: Any = 12):
    return {
        "userId": user,
        "scoreGiven": given,
        "scoreMaximum": 16,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": stamp,
    }


def post_score(client: Client, url: str, body: dict[str, Any], token: str = "", **kw: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(
        urlsplit(url).path,
        data=json.dumps(body),
        headers=headers,
        content_type=kw.get("content_type", "application/vnd.ims.lis.v1.score+json"),
    )


def test_scores_need_a_token_with_the_score_scope(demo: Any, client: Client) -> None:
    _, item_id = place_link(demo)
    url = demo.platform.line_item_url(item_id) + "/scores"
    assert post_score(client, url, score()).status_code == 401
    assert post_score(client, url, score(), "made-up-token").status_code == 401
    nrps_only = access_token(demo, client, SCOPE_NRPS)
    resp = post_score(client, url, score(), nrps_only)
    assert resp.status_code == 403
    assert "scope" in resp.get_json()["error"]
    assert demo.platform.store.list_scores(item_id) == []


def test_scores_are_checked_and_the_newest_is_kept(demo: Any, client: Client) -> None:
    _, item_id = place_link(demo)
    url = demo.platform.line_item_url(item_id) + "/scores"
    token = access_token(demo, client, SCOPE_SCORE)
    bad = [
        (score(), {"content_type": "application/json"}, 415),
        (score(user="u-amara-okafor"), {}, 400),  # not a learner
        (score(user="someone-else"), {}, 400),
        ({**score(), "activityProgress": "Done"}, {}, 400),
        ({**score(), "timestamp": ""}, {}, 400),
        (score(given=-1), {}, 400),
    ]
    for body, kw, status in bad:
        assert post_score(client, url, body, token, **kw).status_code == status, body
    assert post_score(client, url, score(), token).status_code == 204
    old = score(stamp="2027-02-01T10:00:00.000Z", given=4)
    assert post_score(client, url, old, token).status_code == 204
    (kept,) = demo.platform.store.list_scores(item_id)
    assert kept.score_given == 12
    gradebook = client.get("/practice/grades").get_data(as_text=True)
    assert "12 / 16" in gradebook


def test_line_items_and_roster_need_their_scopes(demo: Any, client: Client) -> None:
    link, _ = place_link(demo)
    path = urlsplit(demo.platform.lineitems_url).path
    body = {"label": "Extra", "scoreMaximum": 4, "resourceLinkId": link.id}
    score_only = access_token(demo, client, SCOPE_SCORE)
    headers = {"Authorization": f"Bearer {score_only}"}
    assert client.post(path, json=body, headers=headers).status_code == 403
    lineitem = access_token(demo, client, SCOPE_LINEITEM)
    headers = {"Authorization": f"Bearer {lineitem}"}
    created = client.post(path, json=body, headers=headers)
    assert created.status_code == 201
    assert created.get_json()["resourceLinkId"] == link.id
    listed = client.get(path, query_string={"resource_link_id": link.id}, headers=headers)
    assert [i["label"] for i in listed.get_json()] == ["Formative assessment", "Extra"]
    refused = client.post(path, json={"label": "", "scoreMaximum": 0}, headers=headers)
    assert refused.status_code == 400
    members = urlsplit(demo.platform.memberships_url).path
    assert client.get(members, headers=headers).status_code == 403
    nrps = access_token(demo, client, SCOPE_NRPS)
    roster = client.get(members, headers={"Authorization": f"Bearer {nrps}"}).get_json()
    names = {m["name"] for m in roster["members"]}
    assert {"Amara Okafor", "Lena Fischer", "Sofia Rossi"} <= names
    assert client.get(members).status_code == 401


# --- the OIDC authorization step ------------------------------------------------------------


def auth_params(demo: Any, link_id: str, user: str = "u-lena-fischer", **changes: str) -> dict:
    from mcembed_lti.practice.course import member

    login = demo.platform.login_params(member(user), {"link": link_id})
    params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": CLIENT_ID,
        "redirect_uri": BASE + "/lti/launch",
        "state": "state-1",
        "nonce": "nonce-1",
        "login_hint": login["login_hint"],
        "lti_message_hint": login["lti_message_hint"],
    }
    params.update(changes)
    return params


def test_the_authorization_step_signs_an_id_token_for_the_hinted_person(
    demo: Any, client: Client
) -> None:
    link, item_id = place_link(demo)
    resp = client.get("/practice/auth", query_string=auth_params(demo, link.id))
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert f'action="{BASE}/lti/launch"' in page
    token = page.split('name="id_token" value="', 1)[1].split('"', 1)[0]
    public = jwt.PyJWK(demo.platform.jwks()["keys"][0])
    claims = jwt.decode(token, public, algorithms=["RS256"], audience=CLIENT_ID)
    assert claims["sub"] == "u-lena-fischer"
    assert claims["nonce"] == "nonce-1"
    assert claims[LTI + "resource_link"]["id"] == link.id
    ags = claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]
    assert ags["lineitem"] == demo.platform.line_item_url(item_id)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"client_id": "another-tool"}, "Unknown client_id"),
        ({"redirect_uri": "https://evil.example/lti/launch"}, "not registered"),
        ({"response_mode": "query"}, "response_mode"),
        ({"login_hint": "u-amara-okafor"}, "not one this LMS issued"),
        ({"nonce": ""}, "lacks nonce"),
    ],
)
def test_bad_authorization_requests_are_refused(
    demo: Any, client: Client, change: dict[str, str], message: str
) -> None:
    link, _ = place_link(demo)
    resp = client.get("/practice/auth", query_string=auth_params(demo, link.id, **change))
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert 'name="id_token"' not in resp.get_data(as_text=True)


def test_hints_for_two_people_cannot_be_mixed(demo: Any, client: Client) -> None:
    link, _ = place_link(demo)
    other = auth_params(demo, link.id, user="u-amara-okafor")
    params = auth_params(demo, link.id, lti_message_hint=other["lti_message_hint"])
    resp = client.get("/practice/auth", query_string=params)
    assert resp.status_code == 400
    assert "different people" in resp.get_data(as_text=True)


# --- the pages ------------------------------------------------------------------------------


def test_switching_person_needs_the_form_token(demo: Any, client: Client) -> None:
    place_link(demo)
    page = client.get("/practice/").get_data(as_text=True)
    resp = client.post("/practice/as", data={"user": "u-lena-fischer"})
    assert resp.status_code == 400
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    for elsewhere in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        resp = client.post(
            "/practice/as",
            data={"user": "u-lena-fischer", "csrf_token": token, "next": elsewhere},
        )
        assert resp.status_code == 303
        assert resp.headers["Location"] == "/practice/"
    assert "Acting as" in client.get("/practice/").get_data(as_text=True)
    # a learner cannot start Deep Linking
    assert client.get("/practice/add").status_code == 403
    grades = client.get("/practice/grades").get_data(as_text=True)
    assert '<th scope="row">Lena Fischer</th>' in grades
    assert '<th scope="row">Marcus Chen</th>' not in grades


def test_a_learner_sees_no_add_button_and_unknown_pages_are_404(client: Client) -> None:
    assert client.get("/practice/links/rl-nothing").status_code == 404
    assert client.get("/").status_code == 302
    assert client.get("/practice/api/lti/courses/other/memberships").status_code in (401, 404)


def test_pages_move_to_the_registered_address(demo: Any) -> None:
    """127.0.0.1 and localhost are different sites to a browser: the pages
    show at the one the platform is registered with."""
    client = Client(demo.wsgi)
    resp = client.get("/practice/grades?x=1", base_url="http://127.0.0.1:8765")
    assert resp.status_code == 302
    assert resp.headers["Location"] == BASE + "/practice/grades?x=1"
    assert client.get("/practice/grades", base_url=BASE).status_code == 200
    # the tool's own calls are answered wherever they arrive
    assert client.get("/practice/jwks", base_url="http://127.0.0.1:8765").status_code == 200


def test_a_second_start_reuses_the_instance_and_follows_a_new_port(tmp_path: Path) -> None:
    first = build(tmp_path / "instance")
    platform_id = first.tool.lms.find_platform(first.platform.issuer, CLIENT_ID).id
    kid, cohort = first.platform.kid, first.cohort_id
    first.close()
    second = build(tmp_path / "instance", base="http://127.0.0.1:9911")
    try:
        assert not second.first_start
        assert (second.platform.kid, second.cohort_id) == (kid, cohort)
        moved = second.tool.lms.find_platform(second.platform.issuer, CLIENT_ID)
        assert moved.id == platform_id
        assert moved.auth_login_url == "http://127.0.0.1:9911/practice/auth"
        assert [d.deployment_id for d in second.tool.lms.list_deployments(platform_id)] == [
            DEPLOYMENT_ID
        ]
        cohorts = second.tool.service.community.list_cohorts(Actor.system())
        assert [c.id for c in cohorts] == [cohort]
        login = second.platform.deep_linking_request(MEMBERS[0])
        assert login["target_link_uri"] == "http://127.0.0.1:9911/lti/launch"
    finally:
        second.close()


def test_the_seeded_cohort_has_a_filled_in_board(demo: Any) -> None:
    """Members from the roster, facilitators, checkpoints, meetings and progress
    made through the core: done, late, on track and waiting for revision."""
    from mcembed_lti.practice.seed import actor_for

    platform = demo.tool.lms.find_platform(demo.platform.issuer, CLIENT_ID)
    instructor = actor_for(platform, MEMBERS[0])
    community = demo.tool.service.community
    view = community.get_cohort(instructor, demo.cohort_id)
    cohort = view.cohort
    assert len(cohort.facilitators) == 2
    assert len(cohort.checkpoints) == 4
    assert {m.kind.value for m in cohort.meetings} == {
        "orientation",
        "coaching",
        "brainstorm",
        "showcase",
    }
    board = community.progress_board(instructor, demo.cohort_id)
    rows = {r.member.name: [c.status.value for c in r.cells] for r in board.rows}
    assert set(rows) == {
        "Lena Fischer",
        "Marcus Chen",
        "Priya Raman",
        "Diego Alvarez",
        "Sofia Rossi",
    }
    assert rows["Marcus Chen"][:2] == ["done", "done"]
    assert rows["Diego Alvarez"][0] == "done"
    assert rows["Lena Fischer"][0] == "late"
    assert "<svg" in community.board_chart(instructor, demo.cohort_id)
    coaching = {n.member.name for n in community.coaching_list(instructor, demo.cohort_id)}
    assert {"Lena Fischer", "Sofia Rossi"} <= coaching
    queue = demo.tool.service.list_submissions(instructor)
    assert {s.state.value for s in queue.items} >= {"awarded", "needs_revision", "submitted"}


def test_a_facilitators_own_pack_gets_a_cohort_of_its_own(tmp_path: Path) -> None:
    """``mcembed demo --pack DIR`` on a pack without the example's credentials:
    the course has a cohort pursuing that pack, and nobody has started yet."""
    from click.testing import CliRunner

    from mcembed.cli import cli
    from mcembed_lti.practice.seed import actor_for

    assert CliRunner().invoke(cli, ["init", str(tmp_path / "pack")]).exit_code == 0
    holder: dict[str, Any] = {}
    demo = build_demo(
        tmp_path / "instance",
        BASE,
        pack=tmp_path / "pack",
        tool_config={"TESTING": True, "GRADE_DISPATCHER": NoDispatcher()},
        tool_jwks=lambda refresh=False: holder["tool"].keys.jwks(),
    )
    holder["tool"] = demo.tool
    try:
        platform = demo.tool.lms.find_platform(demo.platform.issuer, CLIENT_ID)
        instructor = actor_for(platform, MEMBERS[0])
        board = demo.tool.service.community.progress_board(instructor, demo.cohort_id)
        assert board.cohort.name.endswith(": practice cohort")
        assert len(board.rows) == 5
        assert {c.status.value for r in board.rows for c in r.cells} == {"not_started"}
        assert list(demo.tool.service.list_submissions(instructor).items) == []
    finally:
        demo.close()


def test_a_tool_jwks_that_cannot_be_read_is_a_clear_refusal(demo: Any) -> None:
    """No 500 when the tool's key set is away: 503 with the reason."""
    from mcembed_lti.practice.platform import PlatformError

    def away(refresh: bool = False) -> Any:
        raise ConnectionError("connection refused")

    kept = demo.platform.tool_jwks
    demo.platform.tool_jwks = away
    try:
        with pytest.raises(PlatformError) as refused:
            demo.platform.read_deep_link_response(tool_sign(demo, dl_claims(demo)))
        assert refused.value.status == 503
        assert "connection refused" in refused.value.message
        resp = Client(demo.wsgi).post("/practice/token", data=token_form(demo))
        assert resp.status_code == 503
        assert resp.get_json()["error"] == "temporarily_unavailable"
        assert "connection refused" in resp.get_json()["error_description"]
    finally:
        demo.platform.tool_jwks = kept
