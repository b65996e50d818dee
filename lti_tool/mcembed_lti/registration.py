"""Registration with LMSs (Dynamic Registration, the Canvas JSON) and Deep Linking.

Dynamic Registration (1EdTech LTI DR 1.0, Moodle 4.x and Canvas): the LMS
opens the registration link an administrator made (``/lti/register?link=...``)
with its ``openid_configuration`` URL and a one-time ``registration_token``;
the tool reads the platform's configuration, posts its own client
registration, and records the platform and deployment the LMS returns. Both
fetches go through the outbound fetcher (``mcembed.fetching``), and so must
every endpoint the configuration names.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from mcembed import Actor, FetchError, NotFound, Service, ValidationError, excerpt
from mcembed.fetching import Fetcher
from mcembed.launches import LaunchContext
from mcembed.lms import Lms
from mcembed.platforms import DeploymentPolicy, Platform, check_platform_url

from .config import registration_for

__all__ = [
    "ContentItem",
    "canvas_configuration",
    "check_form_token",
    "content_item",
    "deep_link_response",
    "fetch_platform_configuration",
    "form_token",
    "register",
    "tool_registration",
]

TOOL_NAME = "mcembed micro-credentials"
SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
]
DESCRIPTION = (
    "Micro-credentials earned from real work: learners submit evidence, reviewers score it "
    "with a rubric, and success is a signed Open Badges 3.0 credential and a grade."
)


def canvas_configuration(base: str) -> dict[str, Any]:
    """The Canvas developer key JSON (Admin > Developer Keys > + LTI Key > Enter URL)."""
    host = urlsplit(base).hostname or ""
    launch = base + "/lti/launch"
    return {
        "title": TOOL_NAME,
        "description": DESCRIPTION,
        "oidc_initiation_url": base + "/lti/login",
        "target_link_uri": launch,
        "public_jwk_url": base + "/lti/jwks",
        "scopes": SCOPES,
        "extensions": [
            {
                "domain": host,
                "tool_id": "mcembed",
                "platform": "canvas.instructure.com",
                "privacy_level": "public",
                "settings": {
                    "text": "Micro-credentials",
                    "placements": [
                        {
                            "placement": "link_selection",
                            "message_type": "LtiDeepLinkingRequest",
                            "target_link_uri": launch,
                            "text": "Add a micro-credential",
                        },
                        {
                            "placement": "assignment_selection",
                            "message_type": "LtiDeepLinkingRequest",
                            "target_link_uri": launch,
                            "text": "Add a micro-credential",
                        },
                        {
                            "placement": "course_navigation",
                            "message_type": "LtiResourceLinkRequest",
                            "target_link_uri": launch,
                            "text": "Micro-credentials",
                            "default": "enabled",
                        },
                    ],
                },
            }
        ],
        "custom_fields": {},
    }


def tool_registration(base: str, product: str) -> dict[str, Any]:
    """The client registration the tool posts during Dynamic Registration."""
    launch = base + "/lti/launch"
    host = urlsplit(base).hostname or ""
    deep_link = {
        "type": "LtiDeepLinkingRequest",
        "target_link_uri": launch,
        "label": "Add a micro-credential",
    }
    course = {"type": "LtiResourceLinkRequest", "target_link_uri": launch, "label": TOOL_NAME}
    if product == "canvas":
        deep_link["placements"] = ["link_selection", "assignment_selection"]
        course["placements"] = ["course_navigation"]
    else:
        deep_link["placements"] = ["ContentArea"]
    body: dict[str, Any] = {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": base + "/lti/login",
        "redirect_uris": [launch],
        "client_name": TOOL_NAME,
        "jwks_uri": base + "/lti/jwks",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(SCOPES),
        "https://purl.imsglobal.org/spec/lti-tool-configuration": {
            "domain": host,
            "description": DESCRIPTION,
            "target_link_uri": launch,
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
            "messages": [deep_link, course],
        },
    }
    if product == "canvas":
        body["https://canvas.instructure.com/lti/privacy_level"] = "public"
    return body


@dataclass(frozen=True, slots=True, kw_only=True)
class PlatformConfiguration:
    """What the platform's openid configuration says."""

    url: str
    issuer: str
    name: str
    product: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    token_audience: str = ""


_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
# what the tool itself calls: each must pass the fetch policy now
_FETCHED = ("token_endpoint", "jwks_uri", "registration_endpoint")


def fetch_platform_configuration(fetcher: Fetcher, url: str) -> PlatformConfiguration:
    """Read and check a platform's openid configuration.

    Raises:
        ValidationError: not allowed (not https, not a public address), not
            reachable, not JSON, or a required field is missing or not allowed;
            the message names the field and never quotes what the platform sent.
    """
    try:
        data = fetcher.get(url).json("The platform's configuration")
    except FetchError as e:
        raise ValidationError(f"Cannot read the platform's configuration: {e}.") from None
    if not isinstance(data, dict):
        raise ValidationError(f"The platform's configuration at {url} is not a JSON object.")
    missing = [k for k in ("issuer", *_ENDPOINTS) if not data.get(k)]
    if missing:
        raise ValidationError(f"The platform's configuration at {url} lacks {', '.join(missing)}.")
    lti = data.get("https://purl.imsglobal.org/spec/lti-platform-configuration") or {}
    if not isinstance(lti, dict):
        lti = {}
    product = str(lti.get("product_family_code") or "")
    for key in _ENDPOINTS:
        try:
            check_platform_url(key, str(data[key]))
        except ValueError:
            raise ValidationError(
                f"The platform's configuration at {url}: {key} is not an https:// URL."
            ) from None
    for key in _FETCHED:
        try:
            fetcher.check(str(data[key]))
        except FetchError:
            raise ValidationError(
                f"The platform's configuration at {url}: {key} names an address the tool "
                "does not fetch from (only https:// on the public internet, or a network "
                "an administrator allowed with MCEMBED_FETCH_ALLOW_NETWORKS)."
            ) from None
    return PlatformConfiguration(
        url=url,
        issuer=str(data["issuer"]),
        name=str(lti.get("name") or urlsplit(str(data["issuer"])).hostname or ""),
        product="canvas" if "canvas" in product.lower() else (product.lower() or "lti"),
        authorization_endpoint=str(data["authorization_endpoint"]),
        token_endpoint=str(data["token_endpoint"]),
        jwks_uri=str(data["jwks_uri"]),
        registration_endpoint=str(data["registration_endpoint"]),
        token_audience=str(data.get("authorization_server") or ""),
    )


def form_token(secret: str, config_url: str, link: str = "") -> str:
    """The registration page's form token (the page has no launch yet), bound to
    the platform's configuration and the registration link."""
    message = b"register:" + link.encode() + b"\n" + config_url.encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def check_form_token(secret: str, config_url: str, sent: str, link: str = "") -> bool:
    return bool(sent) and hmac.compare_digest(form_token(secret, config_url, link), sent)


def register(
    lms: Lms,
    fetcher: Fetcher,
    config: PlatformConfiguration,
    registration_token: str,
    base: str,
    actor: Actor,
) -> Platform:
    """Post the tool's registration to the platform and record what it returns.

    Raises:
        ValidationError: the platform refused or answered something unusable
            (the message gives its status, never its answer).
    """
    headers = {}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        answer = fetcher.post_json(
            config.registration_endpoint,
            tool_registration(base, config.product),
            headers=headers,
            timeout=15,
        ).json("The platform's registration answer")
    except FetchError as e:
        if e.status is not None:
            raise ValidationError(
                f"The platform refused the registration (HTTP {e.status}). Start it again "
                "from the LMS; its registration token may have expired."
            ) from None
        raise ValidationError(f"The registration could not be completed: {e}.") from None
    if not isinstance(answer, dict):
        raise ValidationError("The platform's registration answer is not a JSON object.")
    client_id = str(answer.get("client_id") or "")
    tool_config = answer.get("https://purl.imsglobal.org/spec/lti-tool-configuration") or {}
    if not isinstance(tool_config, dict):
        tool_config = {}
    deployment_id = str(tool_config.get("deployment_id") or "")
    if not client_id:
        raise ValidationError("The platform's registration answer has no client_id.")
    return lms.add_platform(
        actor,
        issuer=config.issuer,
        client_id=client_id,
        name=config.name,
        auth_login_url=config.authorization_endpoint,
        auth_token_url=config.token_endpoint,
        key_set_url=config.jwks_uri,
        auth_audience=config.token_audience,
        product=config.product,
        # Canvas makes a deployment per install; Moodle names its one deployment here
        deployment_policy=DeploymentPolicy.AUTO
        if config.product == "canvas" or not deployment_id
        else DeploymentPolicy.LISTED,
        deployment_ids=[deployment_id] if deployment_id else [],
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ContentItem:
    """One credential or stack placed through Deep Linking."""

    kind: str
    id: str
    title: str
    text: str
    score_maximum: int
    url: str


def content_item(service: Service, base: str, ref: str) -> ContentItem:
    """The content item for a picked ``credential:<id>`` or ``stack:<id>``."""
    kind, _, ident = ref.partition(":")
    try:
        if kind == "stack":
            stack = service.get_stack(ident)
            return ContentItem(
                kind="stack",
                id=stack.id,
                title=stack.name,
                text=stack.summary,
                score_maximum=stack.required,
                url=base + "/lti/launch",
            )
        if kind == "credential":
            c = service.get_credential(ident)
            return ContentItem(
                kind="credential",
                id=c.id,
                title=c.name,
                text=c.summary,
                score_maximum=c.rubric.max_points,
                url=base + "/lti/launch",
            )
    except NotFound as e:
        raise ValidationError(f"Cannot place {excerpt(ref)}: {e}") from None
    raise ValidationError(f"Cannot place {excerpt(ref)}: choose a credential or a stack.")


def deep_link_response(tool: Any, context: LaunchContext, items: list[ContentItem]) -> str:
    """The signed LtiDeepLinkingResponse JWT (pylti1p3), with a line item per link."""
    platform = tool.lms.get_platform(context.platform_id)
    settings = dict(context.deep_linking or {})
    link = DeepLink(registration_for(platform, tool.keys), context.deployment_id, settings)
    resources = []
    for item in items:
        line_item = (
            LineItem()
            .set_score_maximum(item.score_maximum)
            .set_label(item.title)
            .set_resource_id(item.id)
            .set_tag("mcembed")
        )
        resources.append(
            DeepLinkResource()
            .set_url(item.url)
            .set_title(item.title)
            .set_custom_params({"mcembed_credential": item.id, "mcembed_kind": item.kind})
            .set_lineitem(line_item)
        )
    message = link.get_message_jwt(resources)
    for resource, item in zip(
        message["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"],  # type: ignore[union-attr]
        items,
        strict=True,
    ):
        resource["text"] = item.text
    return str(link.encode_jwt(message))
