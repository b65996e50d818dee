"""pylti1p3 logins and launches, checked completely, turned into a ``LaunchContext``.

pylti1p3 2.0 does the protocol (OIDC parameters, message validators, JWT
parsing); around it this module closes its known traps:

- the nonce is consumed: the login state (state + nonce) is *taken* from the
  shared store once, atomically, so a launch form cannot be replayed, not even
  from another browser;
- unknown issuers and client ids, and every failed check, raise a typed
  ``LaunchError`` with a status, a message for the person and a hint for the
  LMS administrator (never a bare exception, never a 500);
- ``aud`` must contain the client id, ``azp`` must be it when present (and
  is required with several audiences), ``exp``, ``iat`` and ``nonce`` are
  required, the issuer must be the platform's;
- the platform key set is cached (and refetched when a new key id appears);
- deployments come from the database under the platform's policy;
- the state is bound to the browser by a ``SameSite=None; Secure`` cookie, or
  by the platform's postMessage storage where the platform offers it; a state
  from another window never launches.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import jwt
from flask import Response, request
from pylti1p3.contrib.flask import FlaskOIDCLogin, FlaskRequest
from pylti1p3.cookie import CookieService
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.message_validators import get_validators
from pylti1p3.session import SessionService

from mcembed import PermissionDenied, Role, ValidationError, excerpt, parse_json
from mcembed.clock import Clock
from mcembed.launches import (
    AgsEndpoint,
    LaunchContext,
    LoginState,
    MessageType,
    course_key,
    frame_origins,
    person_key,
)
from mcembed.lms import Lms
from mcembed.platforms import Platform

from .config import DbToolConf
from .launch_data import KeySetBusy, KeySetCache, KeySetError, LoginStates, ShortCache

__all__ = [
    "LaunchError",
    "LoginStart",
    "NeedsPlatformStorage",
    "ToolCookies",
    "Verifier",
    "lti_roles_to_roles",
]

log = logging.getLogger("mcembed_lti.launch")

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LOGIN_TTL = timedelta(minutes=10)
CLOCK_SKEW = 60


class LaunchError(Exception):
    """A login or launch that cannot go on.

    Attributes:
        code: a short name of the failed check (``bad_signature``, ``nonce_reused``...).
        status: the HTTP status to answer with.
        message: what the person reads.
        hint: what to tell the LMS administrator.
        detail: what is logged (never shown).
    """

    def __init__(
        self, code: str, message: str, *, status: int = 400, hint: str = "", detail: str = ""
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.hint = hint
        self.detail = detail or message
        self.new_window_url = ""


class NeedsPlatformStorage(Exception):
    """The state must be confirmed from the platform's browser storage first."""

    def __init__(self, login: LoginState, platform: Platform) -> None:
        super().__init__("platform storage check needed")
        self.login = login
        self.platform = platform


class ToolCookies(CookieService):
    """pylti1p3's cookie service, but always ``SameSite=None; Secure`` (pylti1p3
    sets them only when Flask itself sees HTTPS), HTTP-only, and only sent to
    ``/lti/``."""

    _cookie_prefix = "lti1p3"

    def __init__(self) -> None:
        self._to_set: dict[str, tuple[str, int | None]] = {}

    def _key(self, name: str) -> str:
        return f"{self._cookie_prefix}-{name}"

    def get_cookie(self, name: str) -> str | None:
        return request.cookies.get(self._key(name))

    def set_cookie(self, name: str, value: str | int, exp: int | None = 3600) -> None:
        self._to_set[self._key(name)] = (str(value), exp)

    def update_response(self, response: Response) -> Response:
        for key, (value, exp) in self._to_set.items():
            response.set_cookie(
                key, value, max_age=exp, secure=True, httponly=True, samesite="None", path="/lti/"
            )
        return response


class _NoSession(SessionService):
    """pylti1p3 keeps nonces and launches in the Flask session (a cookie that
    an LMS iframe may never send); here nothing goes there."""

    def __init__(self) -> None:
        pass


@dataclass(frozen=True, slots=True)
class LoginStart:
    """What the login answers: the platform's auth URL, and how to get there."""

    platform: Platform
    login: LoginState
    auth_url: str
    cookies: ToolCookies


class _OidcLogin(FlaskOIDCLogin):
    def __init__(self, conf: DbToolConf, cookies: ToolCookies) -> None:
        super().__init__(FlaskRequest(session={}), conf, _NoSession(), cookies)


def _short_role(uri: str) -> tuple[str, str]:
    """(kind, name) of an LTI role: ``membership``/``institution``/``system`` or
    ``context`` for the short names of LTI 1.1."""
    base = "http://purl.imsglobal.org/vocab/lis/v2/"
    if uri.startswith(base):
        rest = uri[len(base) :]
        kind = rest.split("/", 1)[0].split("#", 1)[0]
        name = rest.rsplit("#", 1)[-1]
        return kind, name
    return "context", uri.rsplit("#", 1)[-1]


def lti_roles_to_roles(lti_roles: list[str], reviewer_roles: tuple[str, ...]) -> frozenset[Role]:
    """The core roles of a launch's course roles. Institution and system roles
    (an LMS administrator) never make anyone an mcembed administrator: that
    would open every platform's data."""
    roles: set[Role] = set()
    for uri in lti_roles:
        kind, name = _short_role(uri)
        if kind not in ("membership", "context"):
            continue
        if name == "Instructor" or name == "Administrator":
            roles.add(Role.INSTRUCTOR)
        elif name in reviewer_roles:
            roles.add(Role.TEACHING_ASSISTANT)
        elif name in ("Learner", "Student"):
            roles.add(Role.LEARNER)
    return frozenset(roles or {Role.LEARNER})


class Verifier:
    """Runs logins and launches for one app (one per process, thread-safe).

    Args:
        lms: the core LMS use cases.
        conf: the pylti1p3 tool configuration over the database.
        states: where login states wait (Redis or the database).
        keysets: the platform key set cache.
        clock: the time.
        reviewer_roles: LTI role names that may review.
        session_hours: how long a launch's pages keep working.
    """

    def __init__(
        self,
        lms: Lms,
        conf_factory: Any,
        states: LoginStates,
        keysets: KeySetCache,
        clock: Clock,
        *,
        reviewer_roles: tuple[str, ...],
        session_hours: float,
    ) -> None:
        self.lms = lms
        self.conf_factory = conf_factory
        self.states = states
        self.keysets = keysets
        self.clock = clock
        self.reviewer_roles = reviewer_roles
        self.session = timedelta(hours=session_hours)
        # every launch reads these; a change elsewhere is seen within 30 seconds
        self.platforms = ShortCache(30.0)
        self.deployments = ShortCache(30.0)
        self.launches = ShortCache(600.0)
        self.public_keys = ShortCache(3600.0, size=1000)

    def find_platform(self, iss: str, client_id: str | None) -> Platform | None:
        """``Lms.find_platform``, remembered for a short while (only what is found)."""
        key = (iss, client_id or "")
        found: Platform | None = self.platforms.get(key)
        if found is None:
            found = self.lms.find_platform(iss, client_id)
            if found is not None:
                self.platforms.put(key, found)
        return found

    # --- OIDC login ------------------------------------------------------------------

    def login(self, params: dict[str, str], launch_url: str) -> LoginStart:
        """Start the OIDC login a platform initiated (GET or POST parameters).

        Raises:
            LaunchError: a parameter is missing or the platform is unknown.
        """
        for name in ("iss", "login_hint"):
            if not params.get(name):
                raise LaunchError(
                    "missing_parameter",
                    f"The LMS started the login without the {name!r} parameter.",
                    hint="The tool's login URL must be called by the LMS itself "
                    "(OIDC third-party initiated login).",
                )
        conf = self.conf_factory()
        cookies = ToolCookies()
        oidc = _OidcLogin(conf, cookies)
        oidc._request = FlaskRequest(session={}, request_data=params)
        try:
            registration = oidc.validate_oidc_login()
        except OIDCException as e:
            raise self._unknown_platform(params.get("iss", ""), params.get("client_id")) from e
        platform = conf.platform
        assert platform is not None
        assert registration is not None
        target = params.get("target_link_uri", "")
        now = self.clock.now()
        login = LoginState(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            platform_id=platform.id,
            target_link_uri=target,
            storage_target=params.get("lti_storage_target", "")[:100],
            issued_at=now,
            expires_at=now + LOGIN_TTL,
        )
        self.states.put(login)
        cookies.set_cookie(login.state, login.state, int(LOGIN_TTL.total_seconds()))
        auth = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": platform.client_id,
            "redirect_uri": launch_url,
            "state": login.state,
            "nonce": login.nonce,
            "login_hint": params["login_hint"],
        }
        if params.get("lti_message_hint"):
            auth["lti_message_hint"] = params["lti_message_hint"]
        sep = "&" if "?" in platform.auth_login_url else "?"
        return LoginStart(
            platform=platform,
            login=login,
            auth_url=platform.auth_login_url + sep + urlencode(auth),
            cookies=cookies,
        )

    def _unknown_platform(self, iss: str, client_id: str | None) -> LaunchError:
        named = f"issuer {excerpt(iss)}" + (
            f" and client id {excerpt(client_id)}" if client_id else ""
        )
        return LaunchError(
            "unknown_platform",
            "This LMS is not registered with the tool.",
            status=400,
            hint=f"No platform with {named} is registered. An administrator registers it "
            "with `mcembed lti add-platform` or through Dynamic Registration.",
            detail=f"unknown platform: {named}",
        )

    # --- launch ----------------------------------------------------------------------

    def launch(
        self,
        form: dict[str, str],
        *,
        storage_proof: dict[str, str] | None = None,
        origin: str = "",
    ) -> tuple[LaunchContext, Platform]:
        """Verify an id_token post and record the launch.

        Args:
            form: the posted ``id_token`` and ``state``.
            storage_proof: the state and nonce the platform's browser storage
                returned (the postMessage path), when there is no cookie.
            origin: the ``Origin`` header of the id_token post (the LMS page
                that posted it): one of the origins that may frame the launch.

        Raises:
            LaunchError: a check failed (the code names it).
            NeedsPlatformStorage: no cookie came, and the platform offers storage.
        """
        id_token = form.get("id_token", "")
        state = form.get("state", "")
        if not id_token:
            raise LaunchError(
                "missing_parameter",
                "The launch came without an id_token.",
                hint="The LMS must post the id_token to the tool's launch URL.",
            )
        if not state:
            raise LaunchError(
                "missing_parameter",
                "The launch came without its state.",
                hint="The LMS must return the state the tool sent at login.",
            )
        header, body = _decode_unverified(id_token)
        platform = self._platform_of(body)
        claims = self._verified_claims(id_token, header, platform)
        message_type = self._check_message(claims)
        login, taken = self._check_state(state, claims, platform, storage_proof)
        deployment_id = str(claims.get(LTI + "deployment_id") or "")
        try:
            if not self.deployments.get((platform.id, deployment_id)):
                self.lms.admit_deployment(platform, deployment_id)
                self.deployments.put((platform.id, deployment_id), True)
        except PermissionDenied as e:
            raise LaunchError(
                "unknown_deployment",
                "This install of the tool in your LMS is not registered yet.",
                status=403,
                hint=str(e),
            ) from e
        if not taken and self.states.take(login.state) is None:
            raise self._replayed()
        context = self._context(claims, platform, deployment_id, message_type, origin)
        return context, platform

    def _replayed(self) -> LaunchError:
        return LaunchError(
            "nonce_reused",
            "This launch has already been used or has expired. Open the tool again from "
            "your course.",
            status=401,
            hint="Each launch may be used once; a replayed launch form is refused.",
        )

    def _platform_of(self, body: dict[str, Any]) -> Platform:
        iss = body.get("iss")
        if not isinstance(iss, str) or not iss:
            raise LaunchError("bad_token", "The id_token names no issuer.", status=400)
        aud = body.get("aud")
        azp = body.get("azp")
        audiences = [aud] if isinstance(aud, str) else [a for a in aud or [] if isinstance(a, str)]
        candidates = [azp] if isinstance(azp, str) and azp else audiences
        for client_id in candidates:
            found = self.find_platform(iss, client_id)
            if found is not None:
                return found
        raise self._unknown_platform(iss, candidates[0] if candidates else None)

    def _public_key(self, header: dict[str, Any], platform: Platform) -> Any:
        kid = header.get("kid")
        if header.get("alg") != "RS256":
            raise LaunchError(
                "bad_signature",
                "The launch was not signed the way LTI requires.",
                status=401,
                detail=f"alg {excerpt(header.get('alg'))}, LTI 1.3 requires RS256",
            )
        if not kid:
            raise LaunchError(
                "bad_signature",
                "The launch names no signing key.",
                status=401,
                detail="id_token header has no kid",
            )
        try:
            jwk = self.keysets.key(platform.key_set_url, str(kid))
        except KeySetBusy as e:
            raise LaunchError(
                "key_set_busy",
                "The launch was signed with a key the tool has not seen yet, and it "
                "cannot read your LMS's keys again right now.",
                status=503,
                hint="Launch again in a few seconds.",
                detail=str(e),
            ) from e
        except KeySetError as e:
            raise LaunchError(
                "key_set_unavailable",
                "The tool could not get your LMS's public keys to check this launch.",
                status=502,
                hint=f"Check that the key set URL {platform.key_set_url} is reachable "
                "from the tool.",
                detail=str(e),
            ) from e
        if jwk is None:
            raise LaunchError(
                "bad_signature",
                "The launch was signed with a key your LMS does not publish.",
                status=401,
                hint=f"Key {excerpt(kid)} is not in {platform.key_set_url}.",
            )
        cache_key = (platform.key_set_url, str(kid), json.dumps(jwk, sort_keys=True))
        parsed = self.public_keys.get(cache_key)
        if parsed is not None:
            return parsed
        try:
            parsed = jwt.PyJWK(jwk, algorithm="RS256").key
            self.public_keys.put(cache_key, parsed)
            return parsed
        except (jwt.PyJWKError, ValueError, TypeError) as e:
            raise LaunchError(
                "bad_signature",
                "Your LMS published a key the tool cannot read.",
                status=401,
                detail=f"key {excerpt(kid)}: {e}",
            ) from e

    def _verified_claims(
        self, id_token: str, header: dict[str, Any], platform: Platform
    ) -> dict[str, Any]:
        key = self._public_key(header, platform)
        hint = "Check the LMS clock and the registration's client id and issuer."
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key,
                algorithms=["RS256"],
                audience=platform.client_id,
                issuer=platform.issuer,
                leeway=CLOCK_SKEW,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
            )
        except jwt.ExpiredSignatureError as e:
            raise LaunchError(
                "expired",
                "This launch has expired. Open the tool again from your course.",
                status=401,
                hint=hint,
                detail=str(e),
            ) from e
        except (jwt.ImmatureSignatureError, jwt.InvalidIssuedAtError) as e:
            raise LaunchError(
                "bad_iat",
                "This launch is dated in the future.",
                status=401,
                hint=hint,
                detail=str(e),
            ) from e
        except jwt.InvalidAudienceError as e:
            raise LaunchError(
                "wrong_audience",
                "This launch was meant for another tool.",
                status=401,
                hint=hint,
                detail=str(e),
            ) from e
        except jwt.InvalidIssuerError as e:
            raise LaunchError(
                "wrong_issuer",
                "This launch names the wrong LMS.",
                status=401,
                hint=hint,
                detail=str(e),
            ) from e
        except jwt.MissingRequiredClaimError as e:
            raise LaunchError(
                "missing_claim",
                f"The launch lacks the {e.claim!r} claim.",
                status=401,
                hint="The LMS must send every claim LTI 1.3 requires.",
                detail=str(e),
            ) from e
        except jwt.InvalidSignatureError as e:
            raise LaunchError(
                "bad_signature",
                "The launch's signature does not check out.",
                status=401,
                hint=hint,
                detail=str(e),
            ) from e
        except jwt.InvalidTokenError as e:
            raise LaunchError(
                "bad_token", "The launch could not be read.", status=400, detail=str(e)
            ) from e
        aud = claims.get("aud")
        azp = claims.get("azp")
        if isinstance(aud, list) and len(aud) > 1 and not azp:
            raise LaunchError(
                "wrong_audience",
                "This launch names several tools and none as its party.",
                status=401,
                hint="With several audiences, the LMS must send azp (the tool's client id).",
            )
        if azp is not None and azp != platform.client_id:
            raise LaunchError(
                "wrong_audience",
                "This launch was meant for another tool.",
                status=401,
                detail=f"azp {excerpt(azp)} is not {platform.client_id!r}",
            )
        return claims

    def _check_message(self, claims: dict[str, Any]) -> MessageType:
        kind = claims.get(LTI + "message_type")
        if claims.get(LTI + "version") != "1.3.0":
            raise LaunchError(
                "wrong_version",
                "This launch uses an LTI version the tool does not speak.",
                hint=f"The tool speaks LTI 1.3.0 (got {excerpt(claims.get(LTI + 'version'))}).",
            )
        try:
            message_type = MessageType(kind)
        except ValueError:
            raise LaunchError(
                "wrong_message_type",
                "The tool cannot open this kind of LTI message.",
                hint="Supported: LtiResourceLinkRequest, LtiDeepLinkingRequest "
                f"(got {excerpt(kind)}).",
            ) from None
        try:
            for validator in get_validators():
                if validator.can_validate(claims):
                    validator.validate(claims)
        except LtiException as e:
            raise LaunchError(
                "bad_message",
                f"The launch is incomplete: {e}.",
                hint="The LMS must send every claim this message type needs.",
                detail=str(e),
            ) from e
        return message_type

    def _check_login(self, login: LoginState, claims: dict[str, Any], platform: Platform) -> None:
        if login.platform_id != platform.id or not hmac.compare_digest(
            login.nonce, str(claims.get("nonce", ""))
        ):
            raise LaunchError(
                "nonce_mismatch",
                "This launch does not belong to the login that started it.",
                status=401,
                detail="the id_token's nonce or platform is not the login state's",
            )

    def _check_state(
        self,
        state: str,
        claims: dict[str, Any],
        platform: Platform,
        storage_proof: dict[str, str] | None,
    ) -> tuple[LoginState, bool]:
        """The login state, checked against the token and bound to this browser;
        and whether it was taken already (the cookie path takes it at once)."""
        cookie = ToolCookies().get_cookie(state)
        if cookie is not None and hmac.compare_digest(cookie, state):
            taken = self.states.take(state)
            if taken is None:
                raise self._replayed()
            self._check_login(taken, claims, platform)
            return taken, True
        login = self.states.peek(state)
        if login is None:
            raise self._replayed()
        self._check_login(login, claims, platform)
        if storage_proof is not None and login.storage_target:
            if hmac.compare_digest(storage_proof.get("state", ""), state) and hmac.compare_digest(
                storage_proof.get("nonce", ""), login.nonce
            ):
                return login, False
            raise self._state_mismatch(login)
        if login.storage_target and storage_proof is None:
            raise NeedsPlatformStorage(login, platform)
        raise self._state_mismatch(login)

    def _state_mismatch(self, login: LoginState) -> LaunchError:
        error = LaunchError(
            "state_mismatch",
            "This launch was started in another window or browser, or your browser "
            "blocked the tool's cookie inside the LMS page.",
            status=401,
            hint="Open the tool in a new window from your course. If it keeps happening, "
            "the LMS can enable LTI platform storage (lti_storage_target).",
        )
        error.new_window_url = login.target_link_uri
        return error

    def _context(
        self,
        claims: dict[str, Any],
        platform: Platform,
        deployment_id: str,
        kind: MessageType,
        origin: str,
    ) -> LaunchContext:
        now = self.clock.now()
        context = claims.get(LTI + "context") or {}
        link = claims.get(LTI + "resource_link") or {}
        context_id = str(context.get("id") or "")
        lti_roles = [str(r) for r in claims.get(LTI + "roles") or []]
        ags_claim = claims.get("https://purl.imsglobal.org/spec/lti-ags/claim/endpoint")
        nrps = claims.get("https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice") or {}
        custom = claims.get(LTI + "custom") or {}
        presentation = claims.get(LTI + "launch_presentation") or {}
        deep_linking = claims.get(
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
        )
        return_url = str(presentation.get("return_url") or "")
        dl_settings = deep_linking if isinstance(deep_linking, dict) else {}
        name = str(
            claims.get("name")
            or " ".join(str(claims.get(k) or "") for k in ("given_name", "family_name")).strip()
        )
        return LaunchContext(
            id=self.lms.new_launch_id(),
            platform_id=platform.id,
            deployment_id=deployment_id,
            message_type=kind,
            user_id=str(claims["sub"]),
            person_id=person_key(platform.id, str(claims["sub"])),
            course_id=course_key(
                platform.id, deployment_id, context_id or f"link:{link.get('id', '')}"
            ),
            context_id=context_id,
            context_title=str(context.get("title") or context.get("label") or ""),
            resource_link_id=str(link.get("id") or ""),
            resource_link_title=str(link.get("title") or ""),
            roles=lti_roles_to_roles(lti_roles, self.reviewer_roles),
            lti_roles=tuple(lti_roles),
            name=name,
            email=str(claims.get("email") or ""),
            custom={str(k): str(v) for k, v in dict(custom).items()},
            ags=AgsEndpoint(
                scopes=tuple(ags_claim.get("scope") or ()),
                lineitems=str(ags_claim.get("lineitems") or ""),
                lineitem=str(ags_claim.get("lineitem") or ""),
            )
            if isinstance(ags_claim, dict)
            else None,
            nrps_url=str(nrps.get("context_memberships_url") or ""),
            deep_linking=deep_linking,
            return_url=return_url,
            frame_origins=frame_origins(
                platform,
                launch_origin=origin,
                return_url=return_url,
                deep_link_return_url=str(dl_settings.get("deep_link_return_url") or ""),
            ),
            csrf_token=secrets.token_urlsafe(24),
            created_at=now,
            expires_at=now + self.session,
        )

    # --- pages after the launch ---------------------------------------------------------

    def current(self, launch_id: str) -> LaunchContext:
        """The launch a page request names.

        Raises:
            mcembed.NotFound: unknown or expired.
        """
        found: LaunchContext | None = self.launches.get(launch_id)
        if found is None or found.is_expired(self.clock.now()):
            found = self.lms.get_launch(launch_id)
            self.launches.put(launch_id, found)
        return found


def _decode_unverified(id_token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and body before the signature is checked: only to find the platform
    (the signature and every claim are checked once it is known). Both are read
    with ``parse_json``, so PyJWT later reads JSON no deeper than it can."""
    parts = id_token.split(".")
    try:
        if len(parts) != 3:
            raise ValueError("a JWT has three parts")
        header, body = (
            parse_json(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)), what=what)
            for part, what in zip(parts[:2], ("The id_token's header", "The id_token"), strict=True)
        )
    except ValidationError as e:
        raise LaunchError(
            "bad_token", "The launch could not be read.", hint=str(e), detail=str(e)
        ) from e
    except (ValueError, binascii.Error) as e:
        raise LaunchError(
            "bad_token",
            "The launch could not be read.",
            hint="The id_token must be a signed JWT.",
            detail=str(e),
        ) from e
    if not isinstance(body, dict) or not isinstance(header, dict):
        raise LaunchError("bad_token", "The launch could not be read.")
    return header, body
