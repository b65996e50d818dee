"""An LTI 1.3 platform for the tests: it signs real id_tokens with a key made
in the test session, and serves the endpoints an LMS offers a tool (JWKS,
OAuth 2 token, AGS line items and scores, NRPS memberships, Dynamic
Registration). It can be told to fail, to be down, and to recover.

Import: ``from lti_platform import PlatformEmulator``.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from jwcrypto import jwk
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"


def new_key() -> tuple[str, dict[str, Any]]:
    """An RSA key: (private PEM, public JWK with kid)."""
    key = jwk.JWK.generate(kty="RSA", size=2048)
    public = json.loads(key.export_public())
    public.update({"kid": key.thumbprint(), "alg": "RS256", "use": "sig"})
    return key.export_to_pem(private_key=True, password=None).decode(), public


@dataclass
class Member:
    user_id: str
    name: str
    roles: list[str]
    email: str = ""


@dataclass
class PlatformEmulator:
    """One platform (issuer) with one client id, served on loopback."""

    private_pem: str
    public_jwk: dict[str, Any]
    client_id: str = "tool-client-1"
    deployment_id: str = "deployment-1"
    moodle_style: bool = False
    base: str = ""
    tool_jwks: Any = None
    scores: list[dict[str, Any]] = field(default_factory=list)
    score_posts: int = 0
    line_items: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_scores: int = 0
    down: bool = False
    hang_scores: threading.Event | None = None
    members: list[Member] = field(default_factory=list)
    registrations: list[dict[str, Any]] = field(default_factory=list)
    token_requests: int = 0
    jwks_requests: int = 0
    config_requests: int = 0
    extra_keys: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- what a tool is told -------------------------------------------------------
    @property
    def issuer(self) -> str:
        return self.base

    @property
    def urls(self) -> dict[str, str]:
        return {
            "issuer": self.base,
            "client_id": self.client_id,
            "auth_login_url": self.base + "/auth",
            "auth_token_url": self.base + "/token",
            "key_set_url": self.base + "/jwks",
        }

    def line_item_url(self, n: int = 1) -> str:
        if self.moodle_style:
            return f"{self.base}/mod/lti/services.php/2/lineitems/{n}/lineitem?type_id=1"
        return f"{self.base}/lineitems/{n}"

    # --- signing --------------------------------------------------------------------
    def claims(
        self,
        *,
        nonce: str,
        sub: str = "user-1",
        roles: tuple[str, ...] = ("Learner",),
        message_type: str = "LtiResourceLinkRequest",
        context_id: str = "course-1",
        resource_link_id: str = "link-1",
        custom: dict[str, str] | None = None,
        name: str = "Lee Learner",
        line_item: str | None = "",
        deployment_id: str | None = None,
    ) -> dict[str, Any]:
        """A minimal, spec-complete claim set; tests change or drop one claim."""
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "sub": sub,
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            "name": name,
            "email": f"{sub}@example.org",
            LTI + "message_type": message_type,
            LTI + "version": "1.3.0",
            LTI + "deployment_id": deployment_id or self.deployment_id,
            LTI + "target_link_uri": "",
            LTI + "roles": [ROLE + r for r in roles],
            LTI + "context": {"id": context_id, "title": "Teaching with data", "label": "TWD"},
            LTI + "custom": custom or {},
            NRPS: {
                "context_memberships_url": f"{self.base}/memberships/{context_id}",
                "service_versions": ["2.0"],
            },
        }
        ags: dict[str, Any] = {
            "scope": [SCORE_SCOPE, LINEITEM_SCOPE],
            "lineitems": f"{self.base}/lineitems",
        }
        if line_item is not None:
            ags["lineitem"] = line_item or self.line_item_url()
        body[AGS] = ags
        if message_type == "LtiResourceLinkRequest":
            body[LTI + "resource_link"] = {"id": resource_link_id, "title": "Credential link"}
        if message_type == "LtiDeepLinkingRequest":
            body["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
                "deep_link_return_url": self.base + "/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": True,
                "data": "dl-data-1",
            }
        return body

    def sign(
        self,
        body: dict[str, Any],
        *,
        pem: str | None = None,
        kid: str | None = None,
        alg: str = "RS256",
    ) -> str:
        headers = {"kid": kid or self.public_jwk["kid"]}
        return jwt.encode(body, pem or self.private_pem, algorithm=alg, headers=headers)

    # --- the endpoints ------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        req = Request(environ)
        resp = self.route(req)
        return resp(environ, start_response)

    def route(self, req: Request) -> Response:
        path = req.path
        if path == "/jwks":
            with self.lock:
                self.jwks_requests += 1
            return self._json({"keys": [self.public_jwk, *self.extra_keys]})
        if path == "/token":
            return self.token(req)
        if path == "/auth":
            return self.auth(req)
        if path == "/course":
            return self.course_page(req)
        if path == "/frame":
            src = req.args["src"]
            return self._html(
                f"<header><strong>Emulated LMS</strong></header><main>"
                f'<iframe class="tool" name="tool" title="mcembed" src="{src}">'
                "</iframe></main>"
            )
        if path == "/storage-frame":
            return self.storage_frame()
        if path == "/deep-link-return":
            return self._html("<h1>Content received</h1><p>The course now has the new links.</p>")
        if path == "/.well-known/openid-configuration":
            with self.lock:
                self.config_requests += 1
            return self._json(self.openid_configuration())
        if path == "/register":
            return self.register(req)
        if path.startswith("/memberships/"):
            return self.memberships(req)
        if self.down:
            return Response("down for maintenance", status=503)
        if path == "/lineitems":
            return self.lineitems(req)
        if path.endswith("/scores"):
            return self.score(req)
        return Response("not found", status=404)

    def _json(
        self, data: Any, status: int = 200, headers: dict[str, str] | None = None
    ) -> Response:
        return Response(
            json.dumps(data), status=status, mimetype="application/json", headers=headers or {}
        )

    def _html(self, body: str, title: str = "Emulated LMS") -> Response:
        page = (
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<style>body{font-family:sans-serif;margin:0}header{background:#394b58;color:#fff;"
            "padding:.5rem 1rem}iframe.tool{border:0;width:100%;height:900px}</style></head>"
            f"<body>{body}</body></html>"
        )
        return Response(page, mimetype="text/html")

    def auth(self, req: Request) -> Response:
        """The OIDC authorization endpoint: signs the id_token for the user named in
        login_hint (JSON of claims) and form-posts it back, as an LMS does."""
        args = req.args
        hint = json.loads(args["login_hint"]) if args.get("login_hint", "").startswith("{") else {}
        if args.get("client_id") != self.client_id or args.get("response_mode") != "form_post":
            return Response("bad auth request", status=400)
        claims = {
            k: v
            for k, v in hint.items()
            if k
            in (
                "sub",
                "roles",
                "custom",
                "message_type",
                "context_id",
                "resource_link_id",
                "name",
                "line_item",
                "deployment_id",
            )
        }
        if "roles" in claims:
            claims["roles"] = tuple(claims["roles"])
        token = self.sign(self.claims(nonce=args["nonce"], **claims))
        body = (
            f'<form id="f" method="post" action="{args["redirect_uri"]}">'
            f'<input type="hidden" name="id_token" value="{token}">'
            f'<input type="hidden" name="state" value="{args["state"]}"></form>'
            "<script>document.getElementById('f').submit()</script>"
        )
        return self._html(body)

    def course_page(self, req: Request) -> Response:
        """A course page that frames the tool the way an LMS does; with
        ``storage=1`` it offers LTI platform storage in a sibling frame (Canvas)."""
        from urllib.parse import urlencode

        tool = req.args["tool"]
        hint = req.args.get("hint", "{}")
        params = {
            "iss": self.issuer,
            "login_hint": hint,
            "client_id": self.client_id,
            "target_link_uri": tool + "/lti/launch",
            "lti_deployment_id": self.deployment_id,
        }
        storage = ""
        if req.args.get("storage") == "1":
            params["lti_storage_target"] = "post_message_forwarding"
            storage = (
                '<iframe name="post_message_forwarding" title="LMS storage" '
                f'src="{self.base}/storage-frame" hidden></iframe>'
            )
        src = tool + "/lti/login?" + urlencode(params)
        # the tool frame starts once the storage frame listens, as in a loaded LMS page
        body = (
            f"<header><strong>Emulated LMS</strong> · Teaching with data</header>{storage}"
            f'<main><iframe class="tool" name="tool" title="mcembed" data-src="{src}" '
            'allow="clipboard-write"></iframe></main>'
            "<script>var t = document.querySelector('iframe.tool');"
            "var s = document.querySelector('iframe[name=post_message_forwarding]');"
            "function go() { t.src = t.dataset.src; }"
            "if (s) { s.addEventListener('load', go); } else { go(); }</script>"
        )
        return self._html(body)

    def storage_frame(self) -> Response:
        script = """<script>
var data = {};
window.addEventListener('message', function (e) {
  var m = e.data; if (!m || typeof m !== 'object' || !m.subject) { return; }
  var k = e.origin + ' ' + m.key;
  if (m.subject === 'lti.put_data') { data[k] = m.value;
    e.source.postMessage({subject: 'lti.put_data.response', message_id: m.message_id, key: m.key, value: m.value}, e.origin); }
  if (m.subject === 'lti.get_data') {
    e.source.postMessage({subject: 'lti.get_data.response', message_id: m.message_id, key: m.key, value: data[k]}, e.origin); }
});
</script>"""
        return self._html(script, "storage")

    def _authorised(self, req: Request) -> bool:
        return req.headers.get("Authorization", "").startswith("Bearer emu-token-")

    def token(self, req: Request) -> Response:
        assertion = req.form.get("client_assertion", "")
        try:
            header = jwt.get_unverified_header(assertion)
            keys = (self.tool_jwks() if callable(self.tool_jwks) else {"keys": []})["keys"]
            key = next(k for k in keys if k["kid"] == header.get("kid"))
            claims = jwt.decode(
                assertion,
                jwk.JWK(**key).export_to_pem(),
                algorithms=["RS256"],
                audience=self.base + "/token",
            )
        except Exception as e:
            return self._json({"error": "invalid_client", "detail": str(e)}, status=401)
        if claims.get("iss") != self.client_id:
            return self._json({"error": "invalid_client"}, status=401)
        with self.lock:
            self.token_requests += 1
        return self._json(
            {
                "access_token": f"emu-token-{uuid.uuid4().hex}",
                "token_type": "bearer",
                "expires_in": 3600,
                "scope": req.form.get("scope", ""),
            }
        )

    def lineitems(self, req: Request) -> Response:
        if not self._authorised(req):
            return Response(status=401)
        if req.method == "POST":
            data = json.loads(req.get_data())
            with self.lock:
                n = len(self.line_items) + 100
                url = self.line_item_url(n)
                item = {"id": url, **data}
                self.line_items[url] = item
            return self._json(item, status=201)
        return self._json(list(self.line_items.values()))

    def score(self, req: Request) -> Response:
        if not self._authorised(req):
            return Response(status=401)
        if req.headers.get("Content-Type") != "application/vnd.ims.lis.v1.score+json":
            return Response("wrong content type", status=415)
        if self.hang_scores is not None:
            self.hang_scores.wait(30)
        body = json.loads(req.get_data())
        with self.lock:
            self.score_posts += 1
            if self.fail_scores > 0:
                self.fail_scores -= 1
                return Response("internal error", status=500)
            record = {"url": req.url, "path": req.path, "query": req.query_string.decode(), **body}
            # one result per (line item, user, timestamp): a resend changes nothing
            key = (req.path, body["userId"], body["timestamp"])
            if not any((s["path"], s["userId"], s["timestamp"]) == key for s in self.scores):
                self.scores.append(record)
        return Response(status=204)

    def memberships(self, req: Request) -> Response:
        if not self._authorised(req):
            return Response(status=401)
        page = int(req.args.get("page", "1"))
        per = 2
        chunk = self.members[(page - 1) * per : page * per]
        headers = {}
        if page * per < len(self.members):
            headers["Link"] = f'<{self.base}{req.path}?page={page + 1}>; rel="next"'
        return self._json(
            {
                "id": req.url,
                "context": {"id": req.path.rsplit("/", 1)[-1]},
                "members": [
                    {
                        "user_id": m.user_id,
                        "name": m.name,
                        "email": m.email,
                        "roles": [ROLE + r for r in m.roles],
                        "status": "Active",
                    }
                    for m in chunk
                ],
            },
            headers=headers,
        )

    def openid_configuration(self) -> dict[str, Any]:
        return {
            "issuer": self.base,
            "authorization_endpoint": self.base + "/auth",
            "token_endpoint": self.base + "/token",
            "jwks_uri": self.base + "/jwks",
            "registration_endpoint": self.base + "/register",
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "moodle",
                "version": "4.3",
                "name": "Emulated Moodle",
            },
        }

    def register(self, req: Request) -> Response:
        if req.headers.get("Authorization") != "Bearer reg-token-1":
            return self._json({"error": "bad token"}, status=401)
        body = json.loads(req.get_data())
        with self.lock:
            self.registrations.append(body)
        return self._json(
            {
                **body,
                "client_id": self.client_id,
                "https://purl.imsglobal.org/spec/lti-tool-configuration": {
                    **body["https://purl.imsglobal.org/spec/lti-tool-configuration"],
                    "deployment_id": self.deployment_id,
                },
            }
        )


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve a WSGI app on a free loopback port in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def auth_params(location: str) -> dict[str, str]:
    """The OIDC auth request parameters a tool's login redirect carries."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


# --- driving the tool ------------------------------------------------------------------

LTI_ROLES = LTI + "roles"


class ManualDispatcher:
    """Grades are sent when a test says so."""

    def __init__(self) -> None:
        self.kicks = 0

    def kick(self) -> None:
        self.kicks += 1

    def close(self) -> None:
        return None


def make_app(instance: Path, emulator: PlatformEmulator, **config: Any) -> Any:
    from mcembed_lti import create_app

    settings: dict[str, Any] = {
        "TESTING": True,
        "INSTANCE": str(instance),
        "GRADE_DISPATCHER": ManualDispatcher(),
        # the emulator serves http on loopback: the fetcher's development switch
        "FETCH_DEVELOPMENT": True,
    }
    settings.update(config)
    app = create_app(settings)
    tool = app.extensions["mcembed_lti"]
    emulator.tool_jwks = tool.keys.jwks
    return app


@dataclass
class Launched:
    id: str
    response: Any
    location: str


class LtiDriver:
    """Performs real launches against the app with the emulator's signed tokens."""

    def __init__(self, app: Any, client: Any, emulator: PlatformEmulator) -> None:
        self.app = app
        self.client = client
        self.emulator = emulator

    def login(
        self, client: Any = None, method: str = "GET", **params: str
    ) -> tuple[dict[str, str], Any]:
        c = client or self.client
        values = {
            "iss": self.emulator.issuer,
            "login_hint": "hint-1",
            "target_link_uri": "http://localhost/lti/launch",
            "client_id": self.emulator.client_id,
            "lti_deployment_id": self.emulator.deployment_id,
            **params,
        }
        if method == "GET":
            resp = c.get("/lti/login", query_string=values)
        else:
            resp = c.post("/lti/login", data=values)
        assert resp.status_code in (200, 302), resp.get_data(as_text=True)
        if resp.status_code == 302:
            return auth_params(resp.headers["Location"]), resp
        return {}, resp

    def token(self, auth: dict[str, str], **claims: Any) -> str:
        overrides = {
            k: v
            for k, v in claims.items()
            if k
            in (
                "roles",
                "sub",
                "custom",
                "message_type",
                "context_id",
                "resource_link_id",
                "name",
                "line_item",
                "deployment_id",
            )
        }
        body = self.emulator.claims(nonce=auth["nonce"], **overrides)
        for key, value in claims.get("set", {}).items():
            body[key] = value
        for key in claims.get("drop", ()):
            body.pop(key, None)
        return self.emulator.sign(body, **claims.get("sign", {}))

    def post(self, token: str, state: str, client: Any = None) -> Any:
        return (client or self.client).post("/lti/launch", data={"id_token": token, "state": state})

    def launch(self, role: str = "Learner", *, client: Any = None, **claims: Any) -> Launched:
        auth, _ = self.login(client)
        roles = claims.pop("roles", (role,))
        resp = self.post(self.token(auth, roles=roles, **claims), auth["state"], client)
        assert resp.status_code in (200, 303), resp.get_data(as_text=True)
        location = resp.headers.get("Content-Location") or resp.headers["Location"]
        launch_id = location.split("launch=", 1)[1].split("&", 1)[0]
        return Launched(id=launch_id, response=resp, location=location)


CRED = "evaluate-impact"
REFLECTION = "I changed how we plan our team meetings together every week."
PLAN = b"Week 1: survey; week 6: observe."


def form_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(launch|csrf_token|revision)" value="([^"]*)"', html))


def start_and_submit(
    lti: Any,
    client: Any,
    sub: str = "user-1",
    context_id: str = "course-1",
    filename: str = "plan.txt",
) -> tuple[Any, str]:
    """A learner launches, starts, writes, uploads ``filename`` and submits; returns
    (launch, submission id)."""
    learner = lti.launch(
        "Learner", sub=sub, context_id=context_id, custom={"mcembed_credential": CRED}
    )
    page = client.get(learner.location).get_data(as_text=True)
    fields = form_fields(page)
    resp = client.post(f"/learn/credentials/{CRED}/start", data=fields)
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    sid = re.search(r'action="/learn/submissions/([^"]+)"', page).group(1)
    fields = form_fields(page)
    resp = client.post(
        f"/learn/submissions/{sid}",
        data={
            **fields,
            "text-reflection": REFLECTION,
            "url-portfolio": "https://example.org/p",
            "file-plan": (
                __import__("io").BytesIO(PLAN),
                filename,
            ),
            "action": "submit",
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)
    assert "notice=submitted" in resp.headers["Location"]
    return learner, sid
