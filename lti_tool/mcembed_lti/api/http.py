"""What every API view shares: the bearer token, its scopes, JSON in and out,
size limits and idempotent retries. Views stay a few lines: read, call the
core with ``actor()``, answer ``to_data`` of the result."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, current_app, g, request

from mcembed import Service, ValidationError, parse_json
from mcembed.access import Actor
from mcembed.codec import from_data, to_data
from mcembed.tokens import (
    ApiToken,
    IdempotentResponse,
    Scope,
    TokenProblem,
    Tokens,
    Unauthenticated,
    require_scope,
)

from .errors import ApiError

__all__ = [
    "JSON_LIMIT",
    "actor",
    "body",
    "decode",
    "endpoint",
    "field",
    "items",
    "json_response",
    "service",
    "token",
    "tokens",
]

F = TypeVar("F", bound=Callable[..., Any])

JSON_LIMIT = 2 * 1024 * 1024  # a JSON body; files have their own limit
MAX_KEY = 255


def service() -> Service:
    return cast(Service, current_app.extensions["mcembed"])


def tokens() -> Tokens:
    return cast(Tokens, current_app.extensions["mcembed_lti"].tokens)


def token() -> ApiToken:
    found: ApiToken | None = g.get("api_token")
    if found is None:  # pragma: no cover - every view is an endpoint()
        raise Unauthenticated("This needs a token.")
    return found


def actor() -> Actor:
    return token().actor


def _authenticate() -> ApiToken:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if not header:
        raise Unauthenticated(
            "This needs a token: send 'Authorization: Bearer <token>' (make one on your "
            "learner page).",
            TokenProblem.MISSING,
            presented=False,
        )
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("Send the token as 'Authorization: Bearer <token>'.", presented=False)
    return tokens().resolve(secret.strip())


def _limit(found: ApiToken) -> None:
    limiter = current_app.extensions["mcembed_lti"].api_limiter
    wait = limiter.hit(found.id) if limiter is not None else None
    if wait is not None:
        raise ApiError(
            429,
            "rate_limited",
            f"More than {limiter.per_minute} requests a minute with this token; "
            f"try again in {wait} s.",
            {"retry_after": wait},
            {"Retry-After": str(wait)},
        )


def json_response(data: Any, status: int = 200) -> Response:
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")),
        status=status,
        mimetype="application/json",
    )
    return response


def body() -> dict[str, Any]:
    """The JSON object sent (an empty object when nothing was sent)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    if not (request.mimetype or "").endswith("json"):
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send JSON with 'Content-Type: application/json'.",
            {"field": "Content-Type"},
        )
    try:
        data = parse_json(raw, what="The body")
    except ValidationError as e:
        raise ApiError(400, "invalid_request", str(e), {"field": "body"}) from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_request", "The body must be a JSON object.", {"field": "body"})
    return data


def field(data: dict[str, Any], name: str, kind: type, *, required: bool = True) -> Any:
    """``data[name]`` checked to be of ``kind`` (``invalid_request`` naming the field)."""
    if name not in data or data[name] is None:
        if required:
            raise ApiError(422, "invalid_request", f"'{name}' is required.", {"field": name})
        return None
    value = data[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ApiError(
            422,
            "invalid_request",
            f"'{name}' must be {kind.__name__} (got {type(value).__name__}).",
            {"field": name},
        )
    return value


def decode(cls: type, data: Any, where: str) -> Any:
    """A domain value from JSON (``mcembed.codec.from_data``), or ``invalid_request``."""
    from cattrs import transform_error
    from cattrs.errors import BaseValidationError

    try:
        return from_data(cls, data)
    except (BaseValidationError, ValueError, TypeError, KeyError, AttributeError) as e:
        # cattrs groups every problem of the value; the values' own checks raise ValueError
        lines = transform_error(e, path=where)
        raise ApiError(
            422,
            "invalid_request",
            f"{where} is not a valid {cls.__name__}: {'; '.join(lines)}",
            {"field": where, "problems": lines},
        ) from None


def _request_hash() -> str:
    """Method, path, query and body; for forms the fields and file contents
    (a multipart boundary changes between retries)."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}?{request.query_string.decode()}".encode())
    if request.mimetype == "multipart/form-data":
        # a malformed part may come without a name: sort by text
        fields = sorted((str(k), str(v)) for k, v in request.form.items(multi=True))
        for name, value in fields:
            digest.update(f"\n{name}={value}".encode())
        for name, upload in sorted(request.files.items(multi=True), key=lambda x: str(x[0])):
            data = upload.stream.read()
            upload.stream.seek(0)
            digest.update(f"\n{name}:{upload.filename}:".encode() + hashlib.sha256(data).digest())
    else:
        digest.update(b"\n" + request.get_data(cache=True))
    return digest.hexdigest()


def _replay(view: Callable[..., Any], args: Any, kwargs: Any) -> Response:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return cast(Response, view(*args, **kwargs))
    if len(key) > MAX_KEY:
        raise ApiError(
            400,
            "invalid_request",
            f"An Idempotency-Key may be at most {MAX_KEY} characters.",
            {"field": "Idempotency-Key"},
        )
    owner = token().person_id
    fingerprint = _request_hash()
    kept = tokens().find_response(owner, key)
    if kept is None:
        response = cast(Response, view(*args, **kwargs))
        if not 200 <= response.status_code < 300 or response.is_streamed:
            return response
        kept = tokens().keep_response(
            IdempotentResponse(
                owner_id=owner,
                key=key,
                request_hash=fingerprint,
                status=response.status_code,
                media_type=response.mimetype or "application/json",
                body=response.get_data(as_text=True),
                created_at=service().clock.now(),
            )
        )
        if kept.request_hash == fingerprint and kept.body == response.get_data(as_text=True):
            return response
    if kept.request_hash != fingerprint:
        raise ApiError(
            409,
            "conflict",
            "This Idempotency-Key was used for another request; use a new key for a new request.",
            {"field": "Idempotency-Key"},
        )
    replayed = current_app.response_class(kept.body, status=kept.status, mimetype=kept.media_type)
    replayed.headers["Idempotent-Replayed"] = "true"
    return replayed


def endpoint(
    bp: Blueprint,
    rule: str,
    *,
    methods: tuple[str, ...] = ("GET",),
    scope: Scope | None = None,
    limit: int | Callable[[], int] = JSON_LIMIT,
) -> Callable[[F], F]:
    """Register an API view: a bearer token is required, with ``scope`` when
    given (``None``: any scope); bodies are capped at ``limit`` bytes (or what
    ``limit()`` says); a POST or
    PUT with an ``Idempotency-Key`` is answered once and replayed after."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            request.max_content_length = limit() if callable(limit) else limit
            g.api_token = _authenticate()
            _limit(g.api_token)
            if scope is not None:
                require_scope(g.api_token, scope)
            if request.method in ("POST", "PUT"):
                return _replay(view, args, kwargs)
            return view(*args, **kwargs)

        bp.add_url_rule(rule, view_func=wrapper, methods=list(methods))
        return cast(F, wrapper)

    return decorate


def items(values: Any) -> Response:
    """``{"items": [to_data(v), ...]}``."""
    return json_response({"items": [to_data(v) for v in values]})
