"""A small fake of the tool's REST API v1 (the contract's learner and reviewer calls) over
a core ``Service``, and a ``requests`` transport that calls any WSGI app in-process
(this fake, or the real tool's Flask app) and can drop the network on purpose.

The fake keeps to the contract: domain values as ``to_data``, JSON errors with a
stable code, ``Idempotency-Key`` answers replayed. It is for the client's unit
tests; the integration tests run the real tool instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.test import EnvironBuilder, run_wsgi_app
from werkzeug.wrappers import Request, Response

from mcembed import (
    Actor,
    Conflict,
    CriterionScore,
    EvidenceError,
    EvidenceItem,
    McembedError,
    NotFound,
    PermissionDenied,
    Service,
    SubmissionState,
    ValidationError,
)
from mcembed.badges import KeyResolver, Verifier, award_files
from mcembed.codec import from_data, to_data

ERRORS: tuple[tuple[type[McembedError], int, str], ...] = (
    (EvidenceError, 422, "invalid_request"),
    (ValidationError, 400, "invalid_request"),
    (NotFound, 404, "not_found"),
    (PermissionDenied, 403, "forbidden"),
    (Conflict, 409, "conflict"),
)

ROUTES = Map(
    [
        Rule("/api/v1/me", endpoint="me"),
        Rule("/api/v1/credentials/<cid>", endpoint="credential"),
        Rule("/api/v1/credentials/<cid>/checks/<rid>", endpoint="checks"),
        Rule("/api/v1/submissions", endpoint="submissions", methods=["GET", "POST"]),
        Rule("/api/v1/submissions/<sid>", endpoint="submission"),
        Rule("/api/v1/submissions/<sid>/evidence", endpoint="evidence", methods=["PUT"]),
        Rule("/api/v1/submissions/<sid>/files", endpoint="upload", methods=["POST"]),
        Rule("/api/v1/submissions/<sid>/files/<sha>", endpoint="file"),
        Rule("/api/v1/submissions/<sid>/submit", endpoint="submit", methods=["POST"]),
        Rule("/api/v1/submissions/<sid>/self-assessment", endpoint="self", methods=["POST"]),
        Rule("/api/v1/submissions/<sid>/reviews", endpoint="review", methods=["POST"]),
        Rule("/api/v1/awards", endpoint="awards"),
        Rule("/api/v1/awards/<aid>/files", endpoint="award_files"),
        Rule("/api/v1/awards/<aid>/files/<kind>", endpoint="award_file"),
        Rule("/api/v1/verify", endpoint="verify", methods=["POST"]),
    ]
)


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json")


def _error(status: int, code: str, message: str) -> Response:
    response = _json({"error": {"code": code, "message": message}}, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


@dataclass
class FakeApi:
    """The contract over ``service``; ``tokens`` maps a token to its person (or an error code)."""

    service: Service
    tokens: dict[str, Actor | str] = field(default_factory=dict)
    answered: dict[tuple[str, str], tuple[int, bytes]] = field(default_factory=dict)
    handled: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with Request(environ) as request:  # closes uploaded files' temporary files
            return self.respond(request)(environ, start_response)

    def respond(self, request: Request) -> Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        actor = self.tokens.get(token)
        if not isinstance(actor, Actor):
            code = actor if isinstance(actor, str) else "unauthenticated"
            return _error(401, code, "The token is not valid.")
        key = request.headers.get("Idempotency-Key")
        if key and (actor.id, key) in self.answered:
            status, body = self.answered[(actor.id, key)]
            return Response(body, status=status, content_type="application/json")
        try:
            endpoint, args = ROUTES.bind_to_environ(request.environ).match()
            self.handled.append((request.method, endpoint))
            response = getattr(self, f"on_{endpoint}")(request, actor, **args)
        except HTTPException as e:
            return _error(
                e.code or 400, "not_found" if e.code == 404 else "invalid_request", str(e)
            )
        except McembedError as e:
            status, code = next(((s, c) for t, s, c in ERRORS if isinstance(e, t)), (400, "error"))
            return _error(status, code, str(e))
        if key and request.method in ("POST", "PUT") and response.status_code < 500:
            self.answered[(actor.id, key)] = (response.status_code, response.get_data())
        return response

    # --- the endpoints -------------------------------------------------------------------

    def on_me(self, request: Request, actor: Actor) -> Response:
        return _json(
            {
                "person_id": actor.id,
                "name": actor.name,
                "course_id": actor.course_id,
                "roles": sorted(r.value for r in actor.roles),
                "scopes": ["learner"],
                "expires_at": "2027-01-01T00:00:00+00:00",
            }
        )

    def on_credential(self, request: Request, actor: Actor, cid: str) -> Response:
        return _json(to_data(self.service.get_credential(cid, request.args.get("version"))))

    def on_checks(self, request: Request, actor: Actor, cid: str, rid: str) -> Response:
        credential = self.service.get_credential(cid, request.args.get("version"))
        return _json({"source": self.service.read_check_module(credential, rid)})

    def on_submissions(self, request: Request, actor: Actor) -> Response:
        if request.method == "POST":
            body = request.get_json()
            found = self.service.list_submissions(actor, credential_id=body["credential_id"])
            submission = self.service.start_submission(actor, body["credential_id"])
            existing = any(s.id == submission.id for s in found.items)
            return _json(to_data(submission), 200 if existing else 201)
        states = [SubmissionState(s) for s in request.args.getlist("state")]
        page = self.service.list_submissions(
            actor, credential_id=request.args.get("credential_id"), states=states, limit=500
        )
        return _json({"items": [to_data(s) for s in page.items]})

    def on_submission(self, request: Request, actor: Actor, sid: str) -> Response:
        return _json(to_data(self.service.get_submission(actor, sid)))

    def on_evidence(self, request: Request, actor: Actor, sid: str) -> Response:
        items = [from_data(EvidenceItem, d) for d in request.get_json()["items"]]
        return _json(to_data(self.service.save_draft(actor, sid, items)))

    def on_upload(self, request: Request, actor: Actor, sid: str) -> Response:
        upload = request.files["file"]
        stored = self.service.attach_file(
            actor, sid, request.form["requirement_id"], upload.filename or "", upload.read()
        )
        return _json(to_data(stored))

    def on_file(self, request: Request, actor: Actor, sid: str, sha: str) -> Response:
        data = self.service.read_evidence_file(actor, sid, sha)
        return Response(data, content_type="application/octet-stream")

    def on_submit(self, request: Request, actor: Actor, sid: str) -> Response:
        return _json(to_data(self.service.submit(actor, sid)))

    def on_self(self, request: Request, actor: Actor, sid: str) -> Response:
        body = request.get_json()
        scores = [from_data(CriterionScore, s) for s in body["scores"]]
        made = self.service.self_assess(actor, sid, scores, note=body.get("note", ""))
        return _json(to_data(made))

    def on_review(self, request: Request, actor: Actor, sid: str) -> Response:
        body = request.get_json()
        self.service.record_review(
            actor,
            sid,
            [from_data(CriterionScore, s) for s in body["scores"]],
            feedback=body.get("feedback", ""),
            expected_revision=body.get("expected_revision"),
        )
        return _json(to_data(self.service.get_submission(actor, sid)))

    def on_awards(self, request: Request, actor: Actor) -> Response:
        return _json({"items": [to_data(a) for a in self.service.list_awards(actor)]})

    def _award_files(self, actor: Actor, aid: str) -> Iterable[Any]:
        award = next(a for a in self.service.list_awards(actor) if a.id == aid)
        definition = self.service.get_credential(award.credential_id, award.credential_version)
        return award_files(award, definition, self.service.blobs)

    def on_award_files(self, request: Request, actor: Actor, aid: str) -> Response:
        items = [
            {"kind": f.name.rsplit(".", 1)[-1], "filename": f.name, "media_type": f.media_type}
            for f in self._award_files(actor, aid)
        ]
        return _json(
            {"items": [{**i, "url": f"/api/v1/awards/{aid}/files/{i['kind']}"} for i in items]}
        )

    def on_award_file(self, request: Request, actor: Actor, aid: str, kind: str) -> Response:
        found = next(f for f in self._award_files(actor, aid) if f.name.endswith(f".{kind}"))
        return Response(found.data, content_type=found.media_type)

    def on_verify(self, request: Request, actor: Actor) -> Response:
        return _json(to_data(Verifier(KeyResolver(None), fetch=None).verify(request.get_data())))


@dataclass
class Fault:
    """What goes wrong with the next matching request: ``down`` (never arrives),
    ``lost`` (handled, answer lost), ``timeout`` (handled, no answer in time), or an
    HTTP status answered instead of handling it."""

    kind: str | int
    method: str = ""
    path: str = ""
    times: int = 1
    retry_after: int = 0


class WSGITransport(requests.adapters.BaseAdapter):
    """Sends ``requests`` calls to a WSGI app in this process, with faults on demand."""

    def __init__(self, app: Callable[..., Any]) -> None:
        super().__init__()
        self.app = app
        self.faults: list[Fault] = []
        self.sent: list[tuple[str, str, dict[str, str]]] = []

    def fail(
        self, kind: str | int, method: str = "", path: str = "", times: int = 1, **more: Any
    ) -> None:
        self.faults.append(Fault(kind, method, path, times, **more))

    def _fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.method in ("", method) and fault.path in path:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = urlsplit(request.url or "")
        method = request.method or "GET"
        self.sent.append((method, url.path, dict(request.headers)))
        fault = self._fault(method, url.path)
        if fault is not None and fault.kind == "down":
            raise requests.ConnectionError("network is down")
        if fault is not None and isinstance(fault.kind, int):
            return self._response(
                request, fault.kind, {"Retry-After": str(fault.retry_after)}, b"busy"
            )
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        environ = EnvironBuilder(
            path=url.path,
            query_string=url.query,
            method=method,
            headers=dict(request.headers),
            data=body,
            base_url=f"{url.scheme}://{url.netloc}",
        ).get_environ()
        app_iter, status, headers = run_wsgi_app(self.app, environ, buffered=True)
        content = b"".join(app_iter)
        if fault is not None and fault.kind == "lost":
            raise requests.ConnectionError("connection reset before the answer arrived")
        if fault is not None and fault.kind == "timeout":
            raise requests.ReadTimeout("no answer in time")
        return self._response(request, int(status.split()[0]), dict(headers), content)

    def _response(
        self, request: requests.PreparedRequest, status: int, headers: dict[str, str], body: bytes
    ) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(headers)
        response._content = body
        response.url = request.url or ""
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


def session_for(
    app: Callable[..., Any], base_url: str = "http://tool.test"
) -> tuple[requests.Session, WSGITransport]:
    """A ``requests`` session whose calls to ``base_url`` go to ``app`` in this process."""
    session = requests.Session()
    transport = WSGITransport(app)
    session.mount(base_url, transport)
    return session, transport
