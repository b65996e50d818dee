"""The LTI endpoints: OIDC login, launch, JWKS, Deep Linking, registration."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from mcembed import Actor, NotFound, PermissionDenied, ValidationError
from mcembed.launches import LaunchContext, MessageType
from mcembed.lms import PlacementRequest
from mcembed.placements import PlacementKind

from .. import registration
from ..launch import LaunchError, NeedsPlatformStorage
from ..pages import current_launch, lurl, reviewers_only, service, tool

bp = Blueprint("lti", __name__, url_prefix="/lti")


def base_url() -> str:
    """The tool's public URL: ``MCEMBED_BASE_URL``, else where it was reached."""
    return tool().settings.core.base_url or request.url_root.rstrip("/")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """OIDC third-party initiated login (GET and POST)."""
    params = dict(request.values.items())
    start = tool().verifier.login(params, base_url() + url_for("lti.launch"))
    if start.login.storage_target:
        page = render_template(
            "lti/login_storage.html",
            auth_url=start.auth_url,
            login=start.login,
            target=start.login.storage_target,
            origin=start.platform.origin,
        )
        response = Response(page)
    elif request.headers.get("Sec-Fetch-Dest") == "iframe" and not params.get("new_window"):
        # inside an LMS frame the cookie may be blocked: check before going on
        again = {**params, "new_window": "1"}
        response = Response(
            render_template(
                "lti/login_check.html",
                auth_url=start.auth_url,
                new_window_url=url_for("lti.login", **again),
            )
        )
    else:
        response = redirect(start.auth_url, code=302)
    return start.cookies.update_response(response)


def _landing_target(context: LaunchContext) -> tuple[str, dict[str, str], bool]:
    """The page a launch lands on: endpoint, its values, and whether the values
    are the view's own arguments (then the launch answers with the page itself)."""
    if context.message_type is MessageType.DEEP_LINKING:
        return "lti.deep_link", {}, False
    credential = context.custom.get("mcembed_credential", "")
    kind = context.custom.get("mcembed_kind", "credential")
    if context.is_reviewer:
        if credential and kind == "credential":
            return "review.queue", {"credential": credential}, False
        return "review.queue", {}, True
    if credential and kind == "credential":
        return "learner.credential", {"credential_id": credential}, True
    if credential and kind == "stack":
        return "learner.stack", {"stack_id": credential}, True
    return "learner.home", {}, True


def _landing(context: LaunchContext) -> str:
    endpoint, values, _ = _landing_target(context)
    return url_for(endpoint, launch=context.id, **values)


def _placement(context: LaunchContext) -> PlacementRequest | None:
    credential = context.custom.get("mcembed_credential", "")
    if not credential or context.message_type is not MessageType.RESOURCE_LINK:
        return None
    kind = PlacementKind(context.custom.get("mcembed_kind", "credential"))
    cached = tool().recent.get(("placement", kind, credential))
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    try:
        if kind is PlacementKind.STACK:
            definition: Any = service().get_stack(credential)
            maximum = definition.required
        else:
            definition = service().get_credential(credential)
            maximum = definition.rubric.max_points
    except NotFound:
        return None
    request_ = PlacementRequest(
        kind=kind, credential_id=credential, title=definition.name, score_maximum=maximum
    )
    tool().recent.put(("placement", kind, credential), request_)
    return request_


def _complete(
    form: dict[str, str], proof: dict[str, str] | None = None, origin: str = ""
) -> LaunchContext:
    verifier = tool().verifier
    context, _platform = verifier.launch(form, storage_proof=proof, origin=origin)
    return tool().lms.record_launch(context, placement=_placement(context))


def _origin_proof(state: str, origin: str) -> str:
    """Binds the id_token post's ``Origin`` to its state, for the storage check:
    the second half of that launch comes from the tool's own page."""
    message = f"frame-origin\n{state}\n{origin}".encode()
    return hmac.new(tool().settings.secret_key.encode(), message, hashlib.sha256).hexdigest()


@bp.route("/launch", methods=["POST"])
def launch() -> Any:
    """The id_token post: every check, then the page the link stands for."""
    form = dict(request.form.items())
    origin = request.headers.get("Origin", "")
    try:
        context = _complete(form, origin=origin)
    except NeedsPlatformStorage as need:
        return render_template(
            "lti/launch_storage.html",
            id_token=form.get("id_token", ""),
            state=form.get("state", ""),
            login=need.login,
            origin=need.platform.origin,
            frame_origin=origin,
            frame_proof=_origin_proof(form.get("state", ""), origin),
            verify_url=url_for("lti.launch_verify"),
        )
    endpoint, values, direct = _landing_target(context)
    url = url_for(endpoint, launch=context.id, **values)
    if not direct:
        return redirect(url, code=303)
    # answer with the page itself (one round trip less); its address replaces
    # the launch in the browser history, so a reload never re-posts the launch
    g.launch = context
    g.landing_url = url
    response = make_response(current_app.view_functions[endpoint](**values))
    response.headers["Content-Location"] = url
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/launch/verify", methods=["POST"])
def launch_verify() -> Any:
    """The second half of a cookie-less launch: the page read the state and nonce
    back from the platform's storage. Only the tool's own page can call this (a
    JSON body and a custom header need a same-origin fetch)."""
    if request.headers.get("X-Mcembed-Storage") != "1" or not request.is_json:
        abort(400, "This endpoint is only called by the tool's launch page.")
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site != "same-origin":
        abort(403, "This endpoint is only called by the tool's launch page.")
    data = request.get_json()  # not JSON, or nested too deep: a 400 that says so
    if not isinstance(data, dict):
        abort(400, "The launch page sends a JSON object.")
    form = {"id_token": str(data.get("id_token", "")), "state": str(data.get("state", ""))}
    proof = {"state": str(data.get("stored_state", "")), "nonce": str(data.get("stored_nonce", ""))}
    origin = str(data.get("frame_origin", ""))
    if not hmac.compare_digest(
        str(data.get("frame_proof", "")), _origin_proof(form["state"], origin)
    ):
        origin = ""  # not the origin the launch page was given: frame by the platform's only
    try:
        context = _complete(form, proof, origin)
    except NeedsPlatformStorage:  # pragma: no cover - a proof is given
        abort(400)
    except LaunchError as e:
        return jsonify({"error": e.code, "message": e.message, "hint": e.hint}), e.status
    return jsonify({"location": _landing(context)})


@bp.route("/jwks")
def jwks() -> Any:
    """The tool's public keys (every key not yet retired)."""
    response = jsonify(tool().keys.jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/canvas.json")
def canvas_json() -> Any:
    """The Canvas developer key configuration (paste its URL into Canvas)."""
    return jsonify(registration.canvas_configuration(base_url()))


@bp.route("/register", methods=["GET", "POST"])
def register() -> Any:
    """LTI Dynamic Registration (Moodle, Canvas): the LMS opens the registration
    link an administrator made (``/lti/register?link=...``) with
    ``openid_configuration`` and ``registration_token``. Without a usable link
    nothing is fetched; the link is taken when the registration is posted."""
    settings = tool().settings
    links = tool().lms.links
    link = request.values.get("link", "")
    links.check(link)
    config_url = request.values.get("openid_configuration", "")
    token = request.values.get("registration_token", "")
    if not config_url:
        raise ValidationError(
            "This page is opened by your LMS during Dynamic Registration; it needs the "
            "openid_configuration parameter."
        )
    if request.method == "GET":
        platform_config = registration.fetch_platform_configuration(tool().fetcher, config_url)
        return render_template(
            "lti/register.html",
            platform=platform_config,
            config_url=config_url,
            token=token,
            link=link,
            form_token=registration.form_token(settings.secret_key, config_url, link),
        )
    if not registration.check_form_token(
        settings.secret_key, config_url, request.form.get("form_token", ""), link
    ):
        from ..errors import CsrfError

        raise CsrfError("registration form token")
    taken = links.take(link)
    try:
        platform_config = registration.fetch_platform_configuration(tool().fetcher, config_url)
        platform = registration.register(
            tool().lms,
            tool().fetcher,
            platform_config,
            token,
            base_url(),
            Actor.system("registration"),
        )
    except Exception:
        links.give_back(taken)
        raise
    links.record(taken, platform_id=platform.id, issuer=platform.issuer)
    return render_template("lti/registered.html", platform=platform)


@bp.route("/deep-link", methods=["GET", "POST"])
@reviewers_only
def deep_link() -> Any:
    """Deep Linking 2.0: pick credentials (or stacks) from the catalog, with search."""
    context = current_launch()
    settings = context.deep_linking
    if context.message_type is not MessageType.DEEP_LINKING or not settings:
        raise PermissionDenied("Placing credentials needs a Deep Linking launch from the LMS.")
    multiple = str(settings.get("accept_multiple", True)).lower() != "false"
    if request.method == "POST":
        chosen = request.form.getlist("item")
        if not chosen:
            raise ValidationError("Choose at least one credential to place.")
        if len(chosen) > 1 and not multiple:
            raise ValidationError("Your LMS accepts one item here; choose only one.")
        items = [registration.content_item(service(), base_url(), ref) for ref in chosen]
        jwt_value = registration.deep_link_response(tool(), context, items)
        return render_template(
            "lti/deep_link_return.html",
            return_url=settings["deep_link_return_url"],
            jwt=jwt_value,
            items=items,
        )
    query = request.args.get("q", "").strip()
    hits = service().search_catalog(query, limit=50)
    stacks = service().list_stacks()
    return render_template(
        "lti/deep_link.html",
        hits=hits,
        stacks=stacks,
        query=query,
        multiple=multiple,
        title=settings.get("title") or "",
    )


__all__ = ["base_url", "bp", "lurl"]
