"""OIDC login and launch through the emulator, with every negative case."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest

from lti_platform import LTI, auth_params


def test_a_signed_launch_opens_the_learner_page(lti: Any, client: Any) -> None:
    """Login, auth redirect, id_token post, learner page: the launch id rides in the URL."""
    launched = lti.launch("Learner", custom={"mcembed_credential": "evaluate-impact"})
    assert "/learn/credentials/evaluate-impact" in launched.location
    page = client.get(launched.location)
    assert page.status_code == 200
    assert "Evaluate the impact of professional learning" in page.get_data(as_text=True)


def test_login_by_post_works_too(lti: Any) -> None:
    auth, resp = lti.login(method="POST")
    assert resp.status_code == 302
    assert auth["response_mode"] == "form_post"
    assert auth["prompt"] == "none"
    assert auth["client_id"] == lti.emulator.client_id


def test_the_state_cookie_is_samesite_none_and_secure_without_https(lti: Any) -> None:
    """pylti1p3 drops SameSite=None; Secure when Flask sees plain HTTP; we never do."""
    _, resp = lti.login()
    cookie = resp.headers["Set-Cookie"]
    assert "SameSite=None" in cookie
    assert "Secure" in cookie
    assert "HttpOnly" in cookie


def test_proxy_headers_are_honoured_when_configured(tmp_path: Any, app_factory: Any) -> None:
    app = app_factory(tmp_path / "i", PROXY_COUNT=1)
    resp = app.test_client().get(
        "/lti/canvas.json",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "tool.example.org"},
    )
    assert resp.json["oidc_initiation_url"] == "https://tool.example.org/lti/login"


def test_the_platform_key_set_is_cached(lti: Any, emulator: Any) -> None:
    lti.launch()
    lti.launch()
    lti.launch()
    assert emulator.jwks_requests == 1


def test_a_rotated_platform_key_is_used_at_once(lti: Any, emulator: Any, other_key: Any) -> None:
    """The platform publishes a new key right after the tool fetched its set: the
    first launch signed with it fetches the set again and goes on."""
    lti.launch()
    assert emulator.jwks_requests == 1
    emulator.extra_keys = [other_key[1]]
    auth, _ = lti.login()
    resp = lti.post(
        lti.token(auth, sign={"pem": other_key[0], "kid": other_key[1]["kid"]}), auth["state"]
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert emulator.jwks_requests == 2


def _launch_with_kid(lti: Any, pem: str, kid: str) -> Any:
    auth, _ = lti.login()
    return lti.post(lti.token(auth, sign={"pem": pem, "kid": kid}), auth["state"])


def test_made_up_key_ids_beyond_the_bucket_fetch_nothing(
    lti: Any, emulator: Any, other_key: Any, tool: Any
) -> None:
    """A flood of unknown key ids spends the platform's few refetches, then none
    is made (503, relaunch); once the bucket refills a real rotation goes through."""
    keysets = tool.verifier.keysets
    now = [1000.0]
    keysets.monotonic = lambda: now[0]
    lti.launch()
    for n in range(keysets.refetch_burst + 5):
        resp = _launch_with_kid(lti, other_key[0], f"made-up-{n}")
        assert resp.status_code in (401, 503)
    assert emulator.jwks_requests == 1 + keysets.refetch_burst
    busy = _launch_with_kid(lti, other_key[0], "made-up-again")
    assert busy.status_code == 503
    assert "Launch again in a few seconds" in busy.get_data(as_text=True)
    assert emulator.jwks_requests == 1 + keysets.refetch_burst
    emulator.extra_keys = [other_key[1]]
    now[0] += keysets.refetch_every
    rotated = _launch_with_kid(lti, other_key[0], other_key[1]["kid"])
    assert rotated.status_code == 200, rotated.get_data(as_text=True)
    assert emulator.jwks_requests == 2 + keysets.refetch_burst


def test_each_platform_has_its_own_refetch_bucket() -> None:
    """Unknown key ids for one key set URL do not spend another's refetches."""
    from mcembed_lti.launch_data import KeySetBusy, KeySetCache

    asked: list[str] = []

    class Sets:
        def get(self, url: str, **_: Any) -> Any:
            asked.append(url)

            class Answer:
                def json(self, what: str = "") -> Any:
                    return {"keys": [{"kid": "k1"}]}

            return Answer()

    cache = KeySetCache(Sets(), refetch_burst=1, monotonic=lambda: 0.0)  # type: ignore[arg-type]
    assert cache.key("https://a.example/jwks", "k1") == {"kid": "k1"}
    assert cache.key("https://b.example/jwks", "k1") == {"kid": "k1"}
    assert cache.key("https://a.example/jwks", "x") is None
    with pytest.raises(KeySetBusy):
        cache.key("https://a.example/jwks", "y")
    assert cache.key("https://b.example/jwks", "x") is None
    assert asked == ["https://a.example/jwks", "https://b.example/jwks"] * 2


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"sign": "forged"}, 401, "bad_signature"),
        ({"sign": "unknown_kid"}, 401, "bad_signature"),
        ({"sign": "hs256"}, 401, "bad_signature"),
        ({"set": {"exp": int(time.time()) - 3600}}, 401, "expired"),
        ({"drop": ["exp"]}, 401, "missing_claim"),
        ({"drop": ["iat"]}, 401, "missing_claim"),
        ({"set": {"iat": int(time.time()) + 3600}}, 401, "bad_iat"),
        ({"drop": ["nonce"]}, 401, "missing_claim"),
        ({"set": {"nonce": "not-the-login-nonce"}}, 401, "nonce_mismatch"),
        (
            {"set": {"aud": ["tool-client-1", "someone-else"]}, "drop": ["azp"]},
            401,
            "wrong_audience",
        ),
        (
            {"set": {"aud": ["tool-client-1", "someone-else"], "azp": "someone-else"}},
            400,
            "unknown_platform",
        ),
        ({"set": {"aud": "another-tool"}, "drop": ["azp"]}, 400, "unknown_platform"),
        ({"set": {"iss": "https://unknown.example.org"}}, 400, "unknown_platform"),
        ({"set": {LTI + "version": "1.1"}}, 400, "wrong_version"),
        ({"set": {LTI + "message_type": "DataPrivacyLaunchRequest"}}, 400, "wrong_message_type"),
        ({"drop": [LTI + "resource_link"]}, 400, "bad_message"),
        ({"drop": [LTI + "roles"]}, 400, "bad_message"),
        ({"set": {LTI + "deployment_id": "not-listed"}}, 403, "unknown_deployment"),
    ],
)
def test_a_launch_failing_a_check_gets_a_clear_page(
    lti: Any, change: dict[str, Any], status: int, code: str, other_key: Any
) -> None:
    """Each failed check answers 4xx with what went wrong and what to tell the admin."""
    auth, _ = lti.login()
    claims: dict[str, Any] = {k: v for k, v in change.items() if k in ("set", "drop")}
    sign = change.get("sign")
    if sign == "forged":
        claims["sign"] = {"pem": other_key[0]}
    elif sign == "unknown_kid":
        claims["sign"] = {"pem": other_key[0], "kid": other_key[1]["kid"]}
    elif sign == "hs256":
        claims["sign"] = {"pem": "a-shared-secret-of-enough-length-1234567890", "alg": "HS256"}
    resp = lti.post(lti.token(auth, **claims), auth["state"])
    text = resp.get_data(as_text=True)
    assert resp.status_code == status, text
    assert f"<code>{code}</code>" in text
    assert "What to tell your LMS administrator" in text
    assert "Traceback" not in text


def test_a_launch_cannot_be_replayed_even_from_another_browser(lti: Any, app: Any) -> None:
    """pylti1p3 never consumes the nonce; we take the login state once."""
    auth, _ = lti.login()
    token = lti.token(auth)
    assert lti.post(token, auth["state"]).status_code == 200
    again = lti.post(token, auth["state"])
    assert again.status_code == 401
    assert "<code>nonce_reused</code>" in again.get_data(as_text=True)
    elsewhere = lti.post(token, auth["state"], client=app.test_client())
    assert elsewhere.status_code == 401


def test_two_posts_of_one_launch_at_once_make_one_launch(lti: Any, app: Any) -> None:
    auth, _ = lti.login()
    token = lti.token(auth)
    cookie = lti.client.get_cookie(f"lti1p3-{auth['state']}", path="/lti/")
    results: list[int] = []
    barrier = threading.Barrier(4)

    def post() -> None:
        c = app.test_client()
        c.set_cookie(cookie.key, cookie.value, path="/lti/")
        barrier.wait()
        results.append(
            c.post("/lti/launch", data={"id_token": token, "state": auth["state"]}).status_code
        )

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 401, 401, 401]


def test_a_state_from_another_window_does_not_launch(lti: Any, app: Any) -> None:
    """Browser B's login state posted in browser A (no cookie for it) is refused."""
    other = app.test_client()
    auth_b, _ = lti.login(client=other)
    lti.login()  # browser A has its own login under way
    resp = lti.post(lti.token(auth_b), auth_b["state"])
    assert resp.status_code == 401
    assert "<code>state_mismatch</code>" in resp.get_data(as_text=True)
    assert "new window" in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    ("form", "fragment"),
    [
        ({"state": "x"}, "without an id_token"),
        ({"id_token": "a.b.c"}, "without its state"),
        ({"id_token": "not-a-jwt", "state": "x"}, "could not be read"),
    ],
)
def test_a_malformed_launch_is_a_400(client: Any, form: dict[str, str], fragment: str) -> None:
    resp = client.post("/lti/launch", data=form)
    assert resp.status_code == 400
    assert fragment in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"iss": "https://nobody.example.org"}, "not registered"),
        ({"client_id": "unknown-client"}, "not registered"),
        ({"login_hint": ""}, "login_hint"),
    ],
)
def test_a_bad_login_is_a_400_with_a_page(
    lti: Any, client: Any, params: dict[str, str], fragment: str
) -> None:
    values = {
        "iss": lti.emulator.issuer,
        "login_hint": "h",
        "client_id": lti.emulator.client_id,
        **params,
    }
    resp = client.get("/lti/login", query_string=values)
    assert resp.status_code == 400
    assert fragment in resp.get_data(as_text=True)


def test_an_auto_policy_accepts_and_records_a_new_deployment(
    lti: Any, tool: Any, auto_deployments: None
) -> None:
    lti.launch(deployment_id="canvas-install-2")
    [platform] = tool.lms.list_platforms()
    assert "canvas-install-2" in [d.deployment_id for d in tool.lms.list_deployments(platform.id)]


def test_platform_storage_login_and_launch(lti: Any, client: Any) -> None:
    """With lti_storage_target, the login page stores state and nonce in the
    platform; a launch without the cookie is confirmed from that storage."""
    _, resp = lti.login(lti_storage_target="_parent")
    page = resp.get_data(as_text=True)
    assert 'data-mode="put"' in page
    assert f'data-origin="{lti.emulator.base}"' in page
    state = page.split('data-state="', 1)[1].split('"', 1)[0]
    nonce = page.split('data-nonce="', 1)[1].split('"', 1)[0]
    token = lti.token({"nonce": nonce, "state": state})
    fresh = lti.app.test_client()  # the iframe never got the cookie
    first = lti.post(token, state, client=fresh)
    assert first.status_code == 200
    assert 'data-mode="get"' in first.get_data(as_text=True)

    def verify(body: dict[str, str], **headers: str) -> Any:
        return fresh.post(
            "/lti/launch/verify", json=body, headers={"X-Mcembed-Storage": "1", **headers}
        )

    base = {"id_token": token, "state": state}
    # a value from another window's storage is refused, and spends nothing
    wrong = verify({**base, "stored_state": state, "stored_nonce": "other"})
    assert wrong.status_code == 401
    assert wrong.json["error"] == "state_mismatch"
    # a plain cross-site form cannot do this step
    assert fresh.post("/lti/launch/verify", data=base).status_code == 400
    assert (
        verify(
            {**base, "stored_state": state, "stored_nonce": nonce},
            **{"Sec-Fetch-Site": "cross-site"},
        ).status_code
        == 403
    )
    ok = verify({**base, "stored_state": state, "stored_nonce": nonce})
    assert ok.status_code == 200
    assert "/learn/" in ok.json["location"]
    assert verify({**base, "stored_state": state, "stored_nonce": nonce}).status_code == 401


def test_in_an_iframe_without_storage_the_login_checks_cookies_first(lti: Any, client: Any) -> None:
    values = {"iss": lti.emulator.issuer, "login_hint": "h", "client_id": lti.emulator.client_id}
    resp = client.get("/lti/login", query_string=values, headers={"Sec-Fetch-Dest": "iframe"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Open in a new window" in page
    [new_window] = re.findall(r'href="([^"]*new_window=1[^"]*)"', page)
    new_window = new_window.replace("&amp;", "&")
    again = client.get(new_window, headers={"Sec-Fetch-Dest": "document"})
    assert again.status_code == 302
    assert auth_params(again.headers["Location"])["state"]


def test_jwks_publishes_the_tool_key_and_keeps_the_old_one_after_rotation(
    client: Any, tool: Any
) -> None:
    first = client.get("/lti/jwks").json["keys"]
    assert len(first) == 1
    assert first[0]["alg"] == "RS256"
    assert "d" not in first[0]
    new = tool.keys.rotate()
    keys = client.get("/lti/jwks").json["keys"]
    assert {k["kid"] for k in keys} == {first[0]["kid"], new.kid}
    assert tool.keys.current().kid == new.kid
    from mcembed import Actor

    tool.lms.retire_tool_key(Actor.system(), first[0]["kid"])
    tool.keys.refresh()
    assert [k["kid"] for k in client.get("/lti/jwks").json["keys"]] == [new.kid]


def test_workers_starting_at_once_make_one_key(tool: Any) -> None:
    """Several processes start on an empty database: one key wins, all use it."""
    from mcembed_lti.keys import ToolKeys

    with tool.lms.store.transaction() as tx:
        assert tx.list_tool_keys() == []
    keys = [ToolKeys(tool.lms) for _ in range(4)]
    kids: list[str] = []
    barrier = threading.Barrier(4)

    def start(k: Any) -> None:
        barrier.wait()
        kids.append(k.current().kid)

    threads = [threading.Thread(target=start, args=(k,)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(kids)) == 1
    assert len(tool.lms.list_tool_keys()) == 1
