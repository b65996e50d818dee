"""An award's badge as the files its holder downloads.

``award_files`` gives, for an award with signed documents:

- ``<stem>.png`` and ``<stem>.svg``: the badge image with the credential
  baked in (the VC-JWT when there is one, else the JSON);
- ``<stem>.json``: the credential with its Data Integrity proof (only when it
  has one: a JSON credential without a proof proves nothing);
- ``<stem>.jwt``: the credential secured as a VC-JWT (when issued as one).

The images are the credential's own (a pack image in the blob store) where
it has one of that kind, generated badge art otherwise (``badge_png``,
``badge_svg``). ``mcembed award`` writes the same images for a cohort.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import orjson

from ..awards import Award
from ..credentials import Credential
from ..errors import BadgeError
from ..stacks import Stack
from ..storage.blobs import BlobStore
from .art import badge_png, badge_svg
from .baking import bake, image_kind

__all__ = ["BadgeFile", "award_files", "badge_images"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class BadgeFile:
    """One downloadable file: its name, media type and bytes."""

    name: str
    media_type: str
    data: bytes


def badge_images(credential: Credential | Stack, blobs: BlobStore) -> tuple[bytes, bytes]:
    """The (PNG, SVG) images of ``credential``, not yet baked.

    Its own image (``sha256:`` reference to a pack image in ``blobs``) where it
    is of that kind, the generated badge art otherwise.
    """
    png = svg = b""
    ref = credential.image or ""
    if ref.startswith("sha256:"):
        try:
            data = blobs.read(ref.removeprefix("sha256:"))
        except (LookupError, OSError):
            data = b""
        kind = image_kind(data)
        if kind == "svg":
            svg = data
        elif kind == "png":
            png = data
    return (
        png or badge_png(credential.name, credential.id),
        svg or badge_svg(credential.name, credential.id),
    )


def _safe_stem(text: str) -> str:
    """``text`` made safe as a file name (letters, digits, ``.``, ``_``, ``-``)."""
    return _UNSAFE.sub("-", text).strip("-.")[:80] or "badge"


def award_files(
    award: Award,
    credential: Credential | Stack,
    blobs: BlobStore,
    *,
    stem: str | None = None,
) -> tuple[BadgeFile, ...]:
    """The badge of ``award`` as files: baked PNG and SVG, the JSON credential, the VC-JWT.

    Args:
        award: an award whose ``documents`` the issuer signed.
        credential: its definition, a credential or stack (name, id and image of
            the badge art).
        blobs: where pack images are kept.
        stem: the file names without extension (default: the credential's id).

    Raises:
        BadgeError: the award carries no signed credential (the instance had no
            issuer when it was made).
    """
    documents = award.documents
    document = documents.get("credential")
    token = documents.get("jwt")
    token = token if isinstance(token, str) else None
    proved = isinstance(document, dict) and "proof" in document
    if token is None and not proved:
        raise BadgeError(
            f"Award {award.id} carries no signed credential: it was recorded when the "
            "instance had no issuer (`mcembed issuer init`)."
        )
    name = _safe_stem(stem if stem is not None else credential.id)
    baked = token if token is not None else orjson.dumps(document).decode()
    png, svg = badge_images(credential, blobs)
    files = [
        BadgeFile(f"{name}.png", "image/png", bake(png, baked)),
        BadgeFile(f"{name}.svg", "image/svg+xml", bake(svg, baked)),
    ]
    if proved:
        text = orjson.dumps(document, option=orjson.OPT_INDENT_2)
        files.append(BadgeFile(f"{name}.json", "application/json", text))
    if token is not None:
        files.append(BadgeFile(f"{name}.jwt", "application/jwt", token.encode()))
    return tuple(files)
