"""Hosting: what an instance serves at the URLs its signed documents name.

Every URL an issuer writes into a credential it signs resolves (the table in
``openbadges``): the credential, the issuer and its revocation list, and here
the rest, each read from the instance's own store:

- ``achievement``: the OB 3.0 ``Achievement`` of a credential or stack version
  (``/achievements/<id>/<version>``), the same document every credential of it
  embeds, standing alone with its JSON-LD context. Its criterion, level,
  total and alignment ids are fragments of that URL, which the page for
  people carries as element ids.
- ``badge_class``, ``issuer`` and ``assertion``: the Open Badges 2.0 hosted
  documents (``.../ob2``). An award's assertion names the recipient as its
  signed credential does; a revoked award's says ``revoked`` and why.
- ``image``: a badge image (``/images/<sha256>``), only one that a credential
  or stack names as its image: the same store keeps evidence files, which
  are never served here.

Unknown ids raise ``NotFound``; the adapter decides the status and the media type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..awards import Award
from ..credentials import Credential
from ..errors import NotFound
from ..stacks import Stack
from ..storage.base import Store
from ..storage.blobs import BlobStore
from .baking import image_kind
from .contexts import CONTEXT_OB3, CONTEXT_VC2
from .issuing import BadgeRecognizer
from .openbadges import ob2_badge_class, ob2_hosted_assertion, ob2_issuer

__all__ = ["HostedAchievement", "HostedAssertion", "HostedDocuments", "HostedImage"]

_SHA256 = re.compile(r"[0-9a-f]{64}")
_MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


@dataclass(frozen=True, slots=True, kw_only=True)
class HostedAchievement:
    """A credential or stack version and its OB 3.0 ``Achievement`` document."""

    definition: Credential | Stack
    document: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class HostedAssertion:
    """An award's OB 2.0 assertion; ``revoked`` ones say so (and are served as gone)."""

    award: Award
    document: dict[str, Any]
    revoked: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class HostedImage:
    """A badge image's bytes and media type."""

    data: bytes
    media_type: str


class HostedDocuments:
    """The documents at an instance's public URLs.

    Args:
        store: the instance's store (definitions and awards).
        blobs: where pack images are kept.
        recognizer: the instance's issuer and the builder of its documents.
    """

    def __init__(self, store: Store, blobs: BlobStore, recognizer: BadgeRecognizer) -> None:
        self.store = store
        self.blobs = blobs
        self.recognizer = recognizer

    def _definition(self, definition_id: str, version: str) -> Credential | Stack:
        with self.store.transaction() as tx:
            found: Credential | Stack | None = tx.find_credential(definition_id, version)
            if found is None:
                found = tx.find_stack(definition_id, version)
        if found is None:
            raise NotFound(
                f"No achievement {definition_id!r} version {version!r} is published here."
            )
        return found

    def achievement(self, definition_id: str, version: str) -> HostedAchievement:
        """The OB 3.0 ``Achievement`` at ``/achievements/<id>/<version>``.

        Raises:
            NotFound: no credential or stack of that id and version.
        """
        definition = self._definition(definition_id, version)
        embedded = self.recognizer.builder.achievement(definition)
        document = {"@context": [CONTEXT_VC2, CONTEXT_OB3], **embedded}
        return HostedAchievement(definition=definition, document=document)

    def badge_class(self, definition_id: str, version: str) -> dict[str, Any]:
        """The OB 2.0 ``BadgeClass`` at ``/achievements/<id>/<version>/ob2``.

        Raises:
            NotFound: no credential or stack of that id and version.
        """
        definition = self._definition(definition_id, version)
        return ob2_badge_class(self.recognizer.builder, definition)

    def issuer(self, slug: str) -> dict[str, Any]:
        """The OB 2.0 ``Issuer`` at ``/issuers/<slug>/ob2``.

        Raises:
            NotFound: ``slug`` is not this instance's issuer.
        """
        issuer = self.recognizer.issuer
        if slug != issuer.profile.slug:
            raise NotFound(f"No issuer {slug!r} here.")
        return ob2_issuer(issuer, self.recognizer.urls)

    def assertion(self, award_id: str) -> HostedAssertion:
        """The OB 2.0 hosted ``Assertion`` at ``/credentials/<award>/ob2``.

        Raises:
            NotFound: no signed award of that id.
        """
        with self.store.transaction() as tx:
            award = tx.find_award(award_id)
        if award is None or not award.documents:
            raise NotFound(f"No credential {award_id!r} is published here.")
        definition = self._definition(award.credential_id, award.credential_version)
        try:
            document = ob2_hosted_assertion(self.recognizer.builder, award, definition)
        except ValueError:
            raise NotFound(
                f"Credential {award_id!r} names no hashed recipient, so it has no "
                "Open Badges 2.0 assertion."
            ) from None
        return HostedAssertion(award=award, document=document, revoked="revoked" in document)

    def assertion_url(self, award_id: str) -> str:
        """Where an award's OB 2.0 assertion is hosted (for backpacks that import 2.0)."""
        urls = self.recognizer.urls
        return urls.ob2(urls.credential(award_id))

    def image(self, sha256: str) -> HostedImage:
        """The badge image at ``/images/<sha256>``: a PNG or SVG that a credential
        or stack names as its image.

        Raises:
            NotFound: no credential or stack names that image.
        """
        gone = NotFound(f"No badge image {sha256[:64]!r} is published here.")
        if not _SHA256.fullmatch(sha256):
            raise gone
        with self.store.transaction() as tx:
            owner = tx.find_definition_with_image(f"sha256:{sha256}")
        if owner is None:
            raise gone
        try:
            data = self.blobs.read(sha256)
        except (LookupError, OSError):
            raise gone from None
        kind = image_kind(data)
        if kind is None:
            raise gone
        return HostedImage(data=data, media_type=_MEDIA_TYPES[kind])
