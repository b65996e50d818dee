"""Public pages: the issuer, a credential's share-and-verify page (JSON by
content negotiation), its downloads, the revocation list, and /verify; and
every other URL the issuer signs into credentials: achievements, badge
images and the Open Badges 2.0 documents (JSON-LD, or the page for a browser)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request

from mcembed import NotFound, ValidationError, excerpt
from mcembed.badges.baking import MAX_IMAGE_BYTES

from ..downloads import attachment
from ..errors import CsrfError
from ..pages import service, tool

bp = Blueprint("public", __name__)

JSON_TYPES = ["application/ld+json", "application/json", "application/vc+ld+json"]
JWT_TYPES = ["application/vc+jwt", "application/jwt"]


def _badges() -> Any:
    badges = tool().badges
    if not badges.enabled:
        raise NotFound(
            "This instance does not issue badges yet: its administrator runs "
            "`mcembed issuer init` first."
        )
    return badges


def _wants(types: list[str]) -> bool:
    best = request.accept_mimetypes.best_match(["text/html", *types])
    return best in types


# the routes whose answer depends on Accept: caches must keep one copy per kind
_NEGOTIATED = frozenset(
    (
        "issuer",
        "credential",
        "status",
        "achievement",
        "assertion_ob2",
        "issuer_ob2",
        "achievement_ob2",
    )
)


@bp.after_request
def _vary_on_accept(response: Response) -> Response:
    if (request.endpoint or "").removeprefix("public.") in _NEGOTIATED:
        response.vary.add("Accept")
    return response


def _prefers_html() -> bool:
    """A browser asks for HTML first; anything else (``*/*``, no Accept, JSON)
    gets the JSON-LD document."""
    best = request.accept_mimetypes.best_match([*JSON_TYPES, "text/html"])
    return best == "text/html"


def _json_ld(document: Any, status: int = 200) -> Response:
    return Response(json.dumps(document, indent=2), status=status, mimetype="application/ld+json")


def _hosted() -> Any:
    hosted = _badges().hosted
    if hosted is None:
        raise NotFound("This instance's issuer hosts no documents here.")
    return hosted


def _award(award_id: str) -> Any:
    award = service().find_public_award(award_id)
    if award is None or not award.documents:
        raise NotFound(f"No credential {excerpt(award_id)} is published here.")
    return award


@bp.route("/issuers/<slug>")
def issuer(slug: str) -> Any:
    """The issuer's profile (JSON-LD with its public keys, or a page)."""
    badges = _badges()
    if slug != badges.issuer.profile.slug:
        raise NotFound(f"No issuer {excerpt(slug)} here.")
    document = badges.issuer.profile_document()
    if _wants(JSON_TYPES):
        return Response(json.dumps(document, indent=2), mimetype="application/ld+json")
    return render_template("public/issuer.html", issuer=badges.issuer, document=document)


@bp.route("/issuers/<slug>/did.json")
def did_document(slug: str) -> Any:
    badges = _badges()
    if slug != badges.issuer.profile.slug:
        raise NotFound(f"No issuer {excerpt(slug)} here.")
    return Response(
        json.dumps(badges.issuer.did_document(), indent=2), mimetype="application/did+json"
    )


@bp.route("/credentials/<award_id>")
def credential(award_id: str) -> Any:
    """Share and verify: the human page, the JSON, or the VC-JWT."""
    award = _award(award_id)
    badges = _badges()
    token = award.documents.get("jwt")
    if _wants(JWT_TYPES) and isinstance(token, str):
        return Response(token, mimetype="application/vc+jwt")
    if _wants(JSON_TYPES):
        return Response(
            json.dumps(award.documents.get("credential"), indent=2), mimetype="application/ld+json"
        )
    result = badges.verify(badges.credential_text(award))
    document = award.documents.get("credential") or {}
    return render_template(
        "public/credential.html",
        award=award,
        result=result,
        document=document,
        issuer=badges.issuer,
        ob2_url=badges.hosted.assertion_url(award.id) if badges.hosted else None,
    )


@bp.route("/credentials/<award_id>/ob2")
def assertion_ob2(award_id: str) -> Any:
    """The award as an Open Badges 2.0 hosted assertion; a revoked one is gone
    (410) with ``revoked: true``, as OB 2.0 hosted verification reads it."""
    hosted = _hosted().assertion(award_id)
    if _prefers_html():
        return credential(award_id)
    return _json_ld(hosted.document, 410 if hosted.revoked else 200)


@bp.route("/issuers/<slug>/ob2")
def issuer_ob2(slug: str) -> Any:
    """The issuer as an Open Badges 2.0 ``Issuer`` profile."""
    document = _hosted().issuer(slug)
    if _prefers_html():
        return issuer(slug)
    return _json_ld(document)


@bp.route("/achievements/<definition_id>/<version>")
def achievement(definition_id: str, version: str) -> Any:
    """What a credential's achievement is: its criteria and rubric for people
    (every criterion and level an element id, as its fragment), the OB 3.0
    ``Achievement`` for machines."""
    hosted = _hosted().achievement(definition_id, version)
    if _prefers_html():
        return render_template(
            "public/achievement.html",
            document=hosted.document,
            definition=hosted.definition,
            issuer=_badges().issuer,
        )
    return _json_ld(hosted.document)


@bp.route("/achievements/<definition_id>/<version>/ob2")
def achievement_ob2(definition_id: str, version: str) -> Any:
    """The achievement as an Open Badges 2.0 ``BadgeClass``."""
    document = _hosted().badge_class(definition_id, version)
    if _prefers_html():
        return achievement(definition_id, version)
    return _json_ld(document)


@bp.route("/images/<sha256>")
def image(sha256: str) -> Any:
    """A badge image a credential or stack names (never any other stored file)."""
    found = _hosted().image(sha256)
    response = Response(found.data, mimetype=found.media_type)
    # addressed by its content: it never changes
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    if found.media_type == "image/svg+xml":
        response.headers["Content-Security-Policy"] = "sandbox"
    return response


@bp.route("/credentials/<award_id>/<kind>")
def download(award_id: str, kind: str) -> Any:
    """Downloads: ``badge.png``, ``badge.svg`` (baked), ``credential.json``, ``credential.jwt``."""
    award = _award(award_id)
    badges = _badges()
    if kind == "badge.png":
        body, mime = badges.baked(award, "png"), "image/png"
    elif kind == "badge.svg":
        body, mime = badges.baked(award, "svg"), "image/svg+xml"
    elif kind == "credential.json":
        body = json.dumps(award.documents.get("credential"), indent=2).encode()
        mime = "application/ld+json"
    elif kind == "credential.jwt" and isinstance(award.documents.get("jwt"), str):
        body, mime = award.documents["jwt"].encode(), "application/vc+jwt"
    else:
        raise NotFound(
            f"No download {excerpt(kind)}; there are badge.png, badge.svg, "
            "credential.json and credential.jwt."
        )
    return attachment(
        body, f"{award.credential_id}-{kind}", mime, cache="no-cache", sandbox=kind == "badge.svg"
    )


@bp.route("/status/<slug>")
def status(slug: str) -> Any:
    """The issuer's signed revocation list (JSON on request)."""
    badges = _badges()
    if slug != badges.issuer.profile.slug:
        raise NotFound(f"No status list {excerpt(slug)} here.")
    document, signed = badges.revocation_list()
    if _wants(JSON_TYPES):
        return jsonify(document)
    response = Response(signed, mimetype="application/vc+jwt")
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def _form_token() -> str:
    stamp = str(int(time.time()))
    mac = hmac.new(
        tool().settings.secret_key.encode(), b"verify:" + stamp.encode(), hashlib.sha256
    ).hexdigest()
    return f"{stamp}.{mac}"


def _check_form_token(sent: str) -> None:
    stamp, _, mac = sent.partition(".")
    good = hmac.new(
        tool().settings.secret_key.encode(), b"verify:" + stamp.encode(), hashlib.sha256
    ).hexdigest()
    if not (stamp.isdigit() and hmac.compare_digest(mac, good) and time.time() - int(stamp) < 3600):
        raise CsrfError("verify form token")


@bp.route("/verify", methods=["GET", "POST"])
def verify() -> Any:
    """Anyone can check a badge: a PNG or SVG with a credential baked in, or
    the JSON or VC-JWT text."""
    badges = _badges()
    result = None
    if request.method == "POST":
        _check_form_token(request.form.get("form_token", ""))
        upload = request.files.get("file")
        text = request.form.get("text", "").strip()
        if upload is not None and upload.filename:
            data: bytes | str = upload.stream.read(MAX_IMAGE_BYTES + 1)
            if len(data) > MAX_IMAGE_BYTES:
                raise ValidationError(f"The file is larger than {MAX_IMAGE_BYTES} bytes.")
        elif text:
            data = text
        else:
            raise ValidationError("Choose a badge file or paste the credential to verify.")
        result = badges.verify(data)
        if _wants(["application/json"]):
            return jsonify(result.to_data())
    return render_template(
        "public/verify.html", result=result, form_token=_form_token(), issuer=badges.issuer
    )
