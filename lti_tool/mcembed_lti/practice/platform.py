"""The practice LMS as an LTI 1.3 platform, apart from its web pages.

What a real LMS does for a tool, done for real: its own RSA key and JWKS,
the OIDC authorization step of the third-party initiated login (checking the
request, then signing the id_token for the person and the link), Deep Linking
responses read and checked against the tool's JWKS, OAuth 2 client-credentials
tokens granted on the tool's signed JWT assertion, and bearer checks for the
AGS and NRPS endpoints. Failures raise ``PlatformError`` with the HTTP status
and a message the page or JSON answer shows.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
from itsdangerous import BadSignature, URLSafeTimedSerializer
from jwcrypto import jwk

from mcembed import parse_json

from .course import COURSE, Member, member
from .store import Link, PracticeStore

__all__ = [
    "ALL_SCOPES",
    "AuthRequest",
    "PlatformError",
    "PracticePlatform",
    "load_or_create_key",
]

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
ALL_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READ, SCOPE_RESULT_READ, SCOPE_SCORE, SCOPE_NRPS)
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_SECONDS = 3600
HINT_SECONDS = 600

# the tool's link in the course menu (Canvas: course_navigation), no credential of its own
COURSE_NAVIGATION = Link(
    id="course-navigation",
    title="Micro-credentials",
    text="The tool's own pages for this course.",
    url="",
    custom={},
    created_at="",
)


class PlatformError(Exception):
    """A request the practice LMS refuses: ``status`` and a readable message.
    ``oauth`` is the OAuth 2 error code for the token endpoint."""

    def __init__(self, status: int, message: str, *, oauth: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.oauth = oauth


def load_or_create_key(path: Path) -> jwk.JWK:
    """The platform's RSA key, made on first start and kept in ``path`` (0600)."""
    if path.exists():
        return jwk.JWK.from_pem(path.read_bytes())
    key = jwk.JWK.generate(kty="RSA", size=2048)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(key.export_to_pem(private_key=True, password=None))
    tmp.chmod(0o600)
    tmp.replace(path)
    return key


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthRequest:
    """A checked OIDC authorization request: who launches what, and where to post."""

    user: Member
    message: dict[str, Any]
    redirect_uri: str
    state: str
    nonce: str


class PracticePlatform:
    """One platform (issuer) with one registered tool (client id, deployment).

    Args:
        store: the practice LMS's own state.
        key: the platform's signing key.
        secret: signs the login and message hints this platform hands out.
        issuer: the platform's ``iss`` (fixed at the first start).
        base: where the server answers now (the platform's URLs hang off it).
        client_id, deployment_id: the tool's registration.
        tool_jwks: returns the tool's JWKS (``refresh=True`` after an unknown kid).
        clock: seconds since the epoch (tests pass a fixed one).
    """

    def __init__(
        self,
        store: PracticeStore,
        key: jwk.JWK,
        *,
        secret: str,
        issuer: str,
        base: str,
        client_id: str,
        deployment_id: str,
        tool_jwks: Callable[..., Mapping[str, Any]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.key = key
        self.kid = key.thumbprint()
        self.pem = key.export_to_pem(private_key=True, password=None)
        self.issuer = issuer
        self.base = base.rstrip("/")
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.tool_jwks = tool_jwks
        self.clock = clock
        self._hints = URLSafeTimedSerializer(secret, salt="mcembed-practice-hint")

    # --- the platform's URLs ---------------------------------------------------------
    def url(self, path: str) -> str:
        return f"{self.base}/practice{path}"

    @property
    def token_url(self) -> str:
        return self.url("/token")

    @property
    def lineitems_url(self) -> str:
        return self.url(f"/api/lti/courses/{COURSE.context_id}/line_items")

    def line_item_url(self, item_id: int) -> str:
        return f"{self.lineitems_url}/{item_id}"

    @property
    def memberships_url(self) -> str:
        return self.url(f"/api/lti/courses/{COURSE.context_id}/memberships")

    def tool_url(self, path: str) -> str:
        return f"{self.base}{path}"

    def jwks(self) -> dict[str, Any]:
        public = json.loads(self.key.export_public())
        public.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return {"keys": [public]}

    # --- the third-party initiated login ----------------------------------------------------
    def login_params(self, user: Member, message: dict[str, Any]) -> dict[str, str]:
        """The parameters of the tool's login URL for ``user`` opening ``message``
        (``{"link": id}`` or ``{"deep_link": request id}``)."""
        return {
            "iss": self.issuer,
            "login_hint": self._hints.dumps({"u": user.user_id}),
            "lti_message_hint": self._hints.dumps({"u": user.user_id, **message}),
            "target_link_uri": self.tool_url("/lti/launch"),
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }

    def deep_linking_request(self, user: Member) -> dict[str, str]:
        """A new Deep Linking request by ``user``: the tool's login parameters."""
        request_id = secrets.token_urlsafe(16)
        self.store.add_dl_request(request_id, user.user_id, self.clock())
        return self.login_params(user, {"deep_link": request_id})

    def _hint(self, value: str, name: str) -> dict[str, Any]:
        try:
            data = self._hints.loads(value, max_age=HINT_SECONDS)
        except BadSignature:
            raise PlatformError(
                400,
                f"The {name} is not one this LMS issued, or it is older than ten minutes. "
                "Go back to the course and open the link again.",
            ) from None
        if not isinstance(data, dict):
            raise PlatformError(400, f"The {name} is malformed.")
        return data

    def check_auth_request(self, params: Mapping[str, str], launch_url: str) -> AuthRequest:
        """Check an OIDC authorization request from the tool (OIDC core 3.1.2.1 as
        LTI 1.3 profiles it).

        Args:
            launch_url: the tool's launch URL at the host the browser is on; the
                redirect_uri must be it or the registered one.
        """
        expected = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
        }
        for name, value in expected.items():
            if params.get(name) != value:
                raise PlatformError(
                    400, f"The login request's {name} must be {value!r} (got {params.get(name)!r})."
                )
        if params.get("client_id") != self.client_id:
            raise PlatformError(
                400,
                f"Unknown client_id {params.get('client_id')!r}: no tool is registered with it.",
            )
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in {self.tool_url("/lti/launch"), launch_url}:
            raise PlatformError(
                400,
                f"The redirect_uri {redirect_uri!r} is not registered for this tool "
                f"(registered: {self.tool_url('/lti/launch')}).",
            )
        for name in ("state", "nonce", "login_hint", "lti_message_hint"):
            if not params.get(name):
                raise PlatformError(400, f"The login request lacks {name}.")
        login = self._hint(params["login_hint"], "login_hint")
        message = self._hint(params["lti_message_hint"], "lti_message_hint")
        if login.get("u") != message.get("u"):
            raise PlatformError(400, "The login_hint and lti_message_hint name different people.")
        user = member(str(login.get("u")))
        if user is None:
            raise PlatformError(400, "The login_hint names nobody in this course.")
        return AuthRequest(
            user=user,
            message=message,
            redirect_uri=redirect_uri,
            state=params["state"],
            nonce=params["nonce"],
        )

    def id_token(self, request: AuthRequest) -> tuple[str, dict[str, Any]]:
        """The signed id_token answering ``request``, and its claims (for the log)."""
        user = request.user
        now = int(self.clock())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "sub": user.user_id,
            "exp": now + 300,
            "iat": now,
            "nonce": request.nonce,
            "name": user.name,
            "given_name": user.given_name,
            "family_name": user.family_name,
            "email": user.email,
            LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "roles": [ROLE + r for r in user.roles],
            LTI + "context": {
                "id": COURSE.context_id,
                "label": COURSE.label,
                "title": COURSE.title,
                "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
            },
            LTI + "tool_platform": {
                "guid": self.issuer,
                "name": "mcembed practice LMS",
                "product_family_code": "mcembed-practice",
            },
            LTI + "launch_presentation": {
                "document_target": "iframe",
                "return_url": self.url("/"),
                "locale": "en",
            },
            NRPS_CLAIM: {
                "context_memberships_url": self.memberships_url,
                "service_versions": ["2.0"],
            },
        }
        if "deep_link" in request.message:
            if not user.is_instructor:
                raise PlatformError(403, "Only the instructor adds content to the course.")
            claims[LTI + "message_type"] = "LtiDeepLinkingRequest"
            claims[LTI + "target_link_uri"] = self.tool_url("/lti/launch")
            claims[DL + "deep_linking_settings"] = {
                "deep_link_return_url": self.url("/deep-link-return"),
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe"],
                "accept_multiple": True,
                "auto_create": True,
                "title": "Add a credential",
                "data": self._hints.dumps({"dl": request.message["deep_link"], "u": user.user_id}),
            }
            claims[AGS_CLAIM] = {
                "scope": [SCOPE_LINEITEM, SCOPE_SCORE, SCOPE_LINEITEM_READ, SCOPE_RESULT_READ],
                "lineitems": self.lineitems_url,
            }
        else:
            link_id = str(request.message.get("link") or "")
            link: Link | None = (
                COURSE_NAVIGATION
                if link_id == COURSE_NAVIGATION.id
                else self.store.find_link(link_id)
            )
            if link is None:
                raise PlatformError(404, "That link is no longer in the course.")
            items = self.store.list_line_items(link.id)
            claims[LTI + "message_type"] = "LtiResourceLinkRequest"
            claims[LTI + "target_link_uri"] = link.url or self.tool_url("/lti/launch")
            claims[LTI + "resource_link"] = {
                "id": link.id,
                "title": link.title,
                "description": link.text,
            }
            claims[LTI + "custom"] = link.custom
            ags: dict[str, Any] = {
                "scope": [SCOPE_LINEITEM, SCOPE_SCORE, SCOPE_LINEITEM_READ, SCOPE_RESULT_READ],
                "lineitems": self.lineitems_url,
            }
            if items:
                ags["lineitem"] = self.line_item_url(items[0].id)
            claims[AGS_CLAIM] = ags
        token = jwt.encode(claims, self.pem, algorithm="RS256", headers={"kid": self.kid})
        return token, claims

    # --- Deep Linking responses ----------------------------------------------------------
    def _tool_key(self, token: str) -> Any:
        head = token.split(".", 1)[0]
        try:
            # PyJWT reads the header with json, which recurses: the core's cap first
            parse_json(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)), what="its header")
            header = jwt.get_unverified_header(token)
        except (jwt.PyJWTError, ValueError) as e:
            raise PlatformError(400, f"The tool's JWT cannot be read: {e}") from None
        if header.get("alg") != "RS256":
            raise PlatformError(
                400, f"The tool's JWT must be signed with RS256 (got {header.get('alg')!r})."
            )
        kid = header.get("kid")
        for refresh in (False, True):
            try:
                keys = self.tool_jwks(refresh=refresh).get("keys", [])
            except Exception as e:  # the tool's JWKS is away or not JSON: say so, no 500
                raise PlatformError(
                    503, f"Cannot read the tool's public keys: {type(e).__name__}: {e}"
                ) from None
            for candidate in keys:
                if candidate.get("kid") == kid:
                    return jwk.JWK(**candidate).export_to_pem()
        raise PlatformError(
            401, f"The tool's JWT is signed with key {kid!r}, which the tool's JWKS does not list."
        )

    def read_deep_link_response(self, token: str) -> tuple[Member, list[dict[str, Any]]]:
        """Check an LtiDeepLinkingResponse: signature with the tool's JWKS,
        ``iss`` (the client id), ``aud`` (this platform), times, nonce (once),
        deployment, message type, version, and the request it answers (once).

        Returns:
            the instructor who asked, and the content items.
        """
        if not token:
            raise PlatformError(400, "The tool's answer carries no JWT.")
        key = self._tool_key(token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self.issuer,
                issuer=self.client_id,
                options={"require": ["exp", "iat", "nonce", "iss", "aud"]},
                leeway=5,
            )
        except jwt.PyJWTError as e:
            raise PlatformError(401, "The tool's JWT " + _why(e)) from None
        if claims.get(LTI + "message_type") != "LtiDeepLinkingResponse":
            raise PlatformError(400, "The tool's JWT is not an LtiDeepLinkingResponse.")
        if claims.get(LTI + "version") != "1.3.0":
            raise PlatformError(400, "The tool's JWT is not LTI 1.3.0.")
        if claims.get(LTI + "deployment_id") != self.deployment_id:
            raise PlatformError(400, "The tool's JWT names another deployment.")
        if not self.store.take_jti(
            "dl-nonce:" + str(claims["nonce"]), float(claims["exp"]) + 60, self.clock()
        ):
            raise PlatformError(400, "This Deep Linking answer was used already.")
        try:
            data = self._hints.loads(str(claims.get(DL + "data") or ""), max_age=3600)
        except BadSignature:
            raise PlatformError(
                400, "The tool's answer does not echo this LMS's request."
            ) from None
        user_id = self.store.take_dl_request(str(data.get("dl") or ""), 3600, self.clock())
        user = member(user_id or "")
        if user is None or user.user_id != data.get("u") or not user.is_instructor:
            raise PlatformError(
                400, "This Deep Linking request is unknown, answered already, or expired."
            )
        items = claims.get(DL + "content_items") or []
        if not isinstance(items, list):
            raise PlatformError(400, "content_items must be a list.")
        links = [i for i in items if isinstance(i, dict) and i.get("type") == "ltiResourceLink"]
        for item in links:
            url = str(item.get("url") or "")
            if urlsplit(url).path != "/lti/launch":
                raise PlatformError(400, f"A content item links outside the tool ({url!r}).")
            if not isinstance(item.get("custom") or {}, dict):
                raise PlatformError(400, "A content item's custom parameters must be an object.")
            line_item = item.get("lineItem")
            if line_item is not None:
                maximum = line_item.get("scoreMaximum") if isinstance(line_item, dict) else None
                if (
                    not isinstance(maximum, int | float)
                    or isinstance(maximum, bool)
                    or maximum <= 0
                ):
                    raise PlatformError(
                        400, "A content item's lineItem needs a scoreMaximum above 0."
                    )
        return user, links

    # --- OAuth 2 client credentials ----------------------------------------------------------
    def issue_token(self, form: Mapping[str, str]) -> dict[str, Any]:
        """Grant an access token for the tool's signed JWT assertion (RFC 7523)."""
        if form.get("grant_type") != "client_credentials":
            raise PlatformError(
                400, "grant_type must be client_credentials.", oauth="unsupported_grant_type"
            )
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise PlatformError(
                400, f"client_assertion_type must be {ASSERTION_TYPE}.", oauth="invalid_request"
            )
        assertion = form.get("client_assertion", "")
        if not assertion:
            raise PlatformError(401, "client_assertion is missing.", oauth="invalid_client")
        try:
            key = self._tool_key(assertion)
            claims = jwt.decode(
                assertion,
                key,
                algorithms=["RS256"],
                audience=self.token_url,
                options={"require": ["exp", "iat", "iss", "sub", "aud", "jti"]},
                leeway=5,
            )
        except PlatformError as e:
            if e.status == 503:  # the tool's keys could not be read: try again later
                raise PlatformError(503, e.message, oauth="temporarily_unavailable") from None
            raise PlatformError(401, e.message, oauth="invalid_client") from None
        except jwt.PyJWTError as e:
            raise PlatformError(
                401, f"The client assertion was refused: {e}.", oauth="invalid_client"
            ) from None
        if claims["iss"] != self.client_id or claims["sub"] != self.client_id:
            raise PlatformError(
                401, "The client assertion names another client.", oauth="invalid_client"
            )
        if not self.store.take_jti(
            "assertion:" + str(claims["jti"]), float(claims["exp"]) + 60, self.clock()
        ):
            raise PlatformError(
                401, "The client assertion was used already.", oauth="invalid_client"
            )
        asked = form.get("scope", "").split()
        granted = [s for s in asked if s in ALL_SCOPES]
        if not granted:
            raise PlatformError(
                400, "None of the requested scopes is offered.", oauth="invalid_scope"
            )
        token = secrets.token_urlsafe(32)
        self.store.add_token(_digest(token), granted, self.clock() + TOKEN_SECONDS)
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": TOKEN_SECONDS,
            "scope": " ".join(granted),
        }

    def check_bearer(self, authorization: str, *scopes: str) -> None:
        """Refuse a service call without a live token granting one of ``scopes``."""
        kind, _, token = authorization.partition(" ")
        if kind.lower() != "bearer" or not token:
            raise PlatformError(401, "This endpoint needs an access token (Authorization: Bearer).")
        found = self.store.find_token(_digest(token.strip()))
        if found is None or found[1] < self.clock():
            raise PlatformError(401, "The access token is unknown or has expired.")
        if not set(scopes) & set(found[0]):
            raise PlatformError(403, "The access token does not grant this service's scope.")


def _why(e: jwt.PyJWTError) -> str:
    """Why PyJWT refused a token, as the end of a sentence."""
    if isinstance(e, jwt.InvalidSignatureError):
        return "signature does not verify."
    if isinstance(e, jwt.ExpiredSignatureError):
        return "has expired."
    if isinstance(e, jwt.InvalidAudienceError):
        return "is addressed to someone else (aud)."
    if isinstance(e, jwt.InvalidIssuerError):
        return "comes from another client (iss)."
    if isinstance(e, jwt.MissingRequiredClaimError):
        return f"lacks the {e.claim} claim."
    if isinstance(e, jwt.ImmatureSignatureError):
        return "is not valid yet (iat)."
    return f"cannot be read ({type(e).__name__})."


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
