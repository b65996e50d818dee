"""Revocation: the issuer's signed ``1EdTechRevocationList``.

Every credential an instance issues names the list in ``credentialStatus``
(``{"id": "{base}/status/{slug}", "type": "1EdTechRevocationList"}``). The
list is a JSON document (``id``, ``issuer``, ``revokedCredentials``: each
with the credential ``id`` and its ``revocationReason``), published signed as
a compact JWS by the issuer's VC-JWT key, so a verifier can trust it as much
as the credential. ``revocation_list`` builds it from the revoked awards;
the web tool serves ``signed_revocation_list`` at ``/status/<slug>``
(``application/jwt``; the plain JSON is there for people).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ..awards import Award, AwardStatus
from .issuers import IssuerIdentity
from .openbadges import REVOCATION_LIST, PublicUrls, iso
from .signing import sign_jwt

__all__ = ["find_revocation", "revocation_list", "signed_revocation_list"]


def revocation_list(
    issuer: IssuerIdentity,
    awards: Iterable[Award],
    *,
    now: datetime,
    urls: PublicUrls | None = None,
) -> dict[str, Any]:
    """The ``1EdTechRevocationList`` of ``issuer``: every revoked award in ``awards``.

    Args:
        awards: the instance's awards (active ones are skipped).
        now: when the list is published.
    """
    urls = urls or PublicUrls(issuer.profile.base_url, issuer.profile.slug)
    revoked = sorted(
        (a for a in awards if a.status is AwardStatus.REVOKED),
        key=lambda a: (a.revoked_at or a.issued_at, a.id),
    )
    return {
        "id": urls.status_list() or "",
        "type": REVOCATION_LIST,
        "issuer": issuer.id,
        "updated": iso(now),
        "revokedCredentials": [
            {
                "id": urls.credential(a.id),
                "revocationReason": a.revocation_reason,
                **({"revocationDate": iso(a.revoked_at)} if a.revoked_at else {}),
            }
            for a in revoked
        ],
    }


def signed_revocation_list(issuer: IssuerIdentity, document: Mapping[str, Any]) -> str:
    """``document`` (from ``revocation_list``) signed as a compact JWS by the issuer."""
    key = issuer.signing_key(issuer.profile.jwt_alg)
    # sign_jwt sets iss, jti and nbf from issuer, id and validFrom
    signed = {**document, "validFrom": document["updated"]}
    return sign_jwt(signed, key, kid=issuer.verification_method(key))


def find_revocation(document: Mapping[str, Any], credential_id: str) -> Mapping[str, Any] | None:
    """The entry for ``credential_id`` in a revocation list, or None if it is not revoked."""
    entries = document.get("revokedCredentials", [])
    if not isinstance(entries, list):
        return None
    for entry in entries:
        if isinstance(entry, Mapping) and entry.get("id") == credential_id:
            return entry
    return None
