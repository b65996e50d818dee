"""The badge once awarded: its image, a "verified" line, and the files to download.

The files and the verification are the core's (``Backend.badge_files``, which
uses ``mcembed.badges.award_files``; ``Backend.verify_badge``, the core
``Verifier``): this module only lays them out. Downloads are ``<a download>``
links with ``data:`` URLs, which work the same in JupyterLab, Notebook 7 and
Voila (no server route, nothing written to the workshop folder).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from mcembed import Award, BadgeError, Credential
from mcembed.badges import BadgeFile, Verification
from mcembed.evidence import format_size

from .backend import Backend
from .panel import escape

__all__ = ["award_html", "badge_html", "data_url", "verification_html"]

_LABELS = {
    "png": "Badge image, credential baked in (PNG)",
    "svg": "Badge image, credential baked in (SVG)",
    "json": "Credential with its proof (JSON)",
    "jwt": "Credential as a VC-JWT",
}

_STATUS = {
    "valid": "valid",
    "revoked": "revoked by its issuer",
    "expired": "expired",
    "not yet valid": "not valid yet",
    "invalid": "not valid",
}


def data_url(file: BadgeFile) -> str:
    """The file as a ``data:`` URL (what a download link points at)."""
    return f"data:{file.media_type};base64,{base64.b64encode(file.data).decode('ascii')}"


def _issuer(verification: Verification) -> tuple[str, str]:
    issuer = (verification.credential or {}).get("issuer")
    if isinstance(issuer, dict):
        return str(issuer.get("name") or ""), str(issuer.get("id") or "")
    return "", str(issuer or "")


def verification_html(verification: Verification) -> str:
    """One line saying whether the badge verifies, then every check (folded)."""
    name, ident = _issuer(verification)
    short = ident if len(ident) <= 32 else f"{ident[:20]}…{ident[-6:]}"
    signer = f"{escape(name)} (<code title='{escape(ident)}'>{escape(short)}</code>)"
    if verification.valid:
        line = f"✔ Verified: a valid Open Badge, signed by {signer}."
        colour = "#0b5e1a"
    else:
        failed = next((c for c in verification.checks if c.passed is False), None)
        why = f" {escape(failed.message)}" if failed else ""
        line = f"✘ Not verified: this badge is {_STATUS[verification.status]}.{why}"
        colour = "#a4000f"
    marks = {True: "✔", False: "✘", None: "–"}
    checks = "".join(
        f"<li>{marks[c.passed]} <strong>{escape(c.name)}</strong>: {escape(c.message)}</li>"
        for c in verification.checks
    )
    return (
        f"<p class='mcembed-verification' style='color:{colour}'>{line}</p>"
        f"<details><summary>What was checked</summary><ul>{checks}</ul></details>"
    )


def badge_html(files: Sequence[BadgeFile], verification: Verification, alt: str) -> str:
    """The badge image, the verification line and one download link per file."""
    image = next((f for f in files if f.media_type == "image/png"), files[0])
    links = "".join(
        f"<li><a download='{escape(f.name)}' href='{data_url(f)}' "
        f"type='{escape(f.media_type)}'>{escape(_LABELS.get(f.name.rsplit('.', 1)[-1], f.name))}"
        f"</a> <small>{escape(f.name)}, {escape(format_size(len(f.data)))}</small></li>"
        for f in files
    )
    return (
        "<div style='display:flex;gap:1.25em;align-items:flex-start;flex-wrap:wrap'>"
        f"<img class='mcembed-badge-image' src='{data_url(image)}' alt='{escape(alt)}' "
        "width='160' height='160'>"
        f"<div style='flex:1;min-width:16em'>{verification_html(verification)}"
        "<p>Download the badge: each file carries the signed credential, "
        "so it can be verified anywhere (e.g. <code>mcembed verify FILE</code>).</p>"
        f"<ul class='mcembed-badge-downloads'>{links}</ul></div></div>"
    )


def award_html(award: Award, credential: Credential, backend: Backend) -> str:
    """The award: credential, date, validity, status, points, then the badge."""
    issued = award.issued_at.strftime("%d %B %Y")
    until = (
        f", valid until {escape(award.expires_at.strftime('%d %B %Y'))}" if award.expires_at else ""
    )
    parts = [
        f"<p><strong>Awarded: {escape(credential.name)}</strong>, issued {escape(issued)}"
        f"{until}. Status: {escape(award.status.value)}.</p>"
    ]
    if award.total is not None:
        parts.append(f"<p>{award.total} of {award.max_total} rubric points.</p>")
    if award.revoked_at is not None:
        parts.append(
            f"<p role='alert' style='color:#a4000f'><strong>Revoked on "
            f"{escape(award.revoked_at.strftime('%d %B %Y'))}:</strong> "
            f"{escape(award.revocation_reason)}</p>"
        )
    try:
        files = backend.badge_files(award)
    except BadgeError:
        parts.append(
            "<p><small>This award was recorded without a signed badge: the workshop had "
            "no badge issuer when it was made.</small></p>"
        )
    else:
        png = next((f for f in files if f.media_type == "image/png"), files[0])
        parts.append(badge_html(files, backend.verify_badge(png.data), f"Badge: {credential.name}"))
    return f"<div class='mcembed-award'>{''.join(parts)}</div>"
