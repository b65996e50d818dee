"""Baking: a credential carried inside its badge image, PNG or SVG.

The way each version specifies:

- OB 3.0, PNG: one ``iTXt`` chunk with keyword ``openbadgecredential``;
  SVG: ``<openbadges:credential>`` in namespace ``https://purl.imsglobal.org/ob/v3p0``.
- OB 2.0, PNG: one ``iTXt`` chunk with keyword ``openbadges``;
  SVG: ``<openbadges:assertion>`` in namespace ``http://openbadges.org``.

A VC-JWT is baked as the chunk's text or the element's ``verify`` attribute;
a JSON credential as the text or a CDATA section. Baking again replaces the
earlier credential (an image carries one). PNG chunks are read and written
with ``pypng``; SVG is parsed with ``defusedxml`` (no entities, no external
references) and active content (scripts, event handlers) is removed.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

import png
from defusedxml import minidom

from ..errors import BadgeError
from .jws import is_compact

__all__ = [
    "BakedCredential",
    "OBVersion",
    "bake",
    "bake_png",
    "bake_svg",
    "baker",
    "image_kind",
    "unbake",
]

MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_CREDENTIAL_BYTES = 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class OBVersion(StrEnum):
    V3 = "3.0"
    V2 = "2.0"


_PNG_KEYWORD = {OBVersion.V3: b"openbadgecredential", OBVersion.V2: b"openbadges"}
_SVG_ELEMENT = {OBVersion.V3: "credential", OBVersion.V2: "assertion"}
_SVG_NAMESPACE = {
    OBVersion.V3: "https://purl.imsglobal.org/ob/v3p0",
    OBVersion.V2: "http://openbadges.org",
}


@dataclass(frozen=True, slots=True)
class BakedCredential:
    """What an image carries: the text (a JWT or JSON), the OB version, and the image kind."""

    text: str
    version: OBVersion
    image: str  # "png" or "svg"


def image_kind(data: bytes) -> str | None:
    """``"png"``, ``"svg"``, or None for anything else."""
    if data.startswith(PNG_SIGNATURE):
        return "png"
    head = data[:2048].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--")) and b"<svg" in data[:65536].lower():
        return "svg"
    return None


def _itxt(keyword: bytes, text: str) -> bytes:
    # keyword, NUL, compression flag 0, method 0, empty language, NUL, empty
    # translated keyword, NUL, then the UTF-8 text
    return keyword + b"\x00\x00\x00\x00\x00" + text.encode("utf-8")


def _read_itxt(data: bytes) -> tuple[bytes, str] | None:
    keyword, sep, rest = data.partition(b"\x00")
    if not sep or len(rest) < 2:
        return None
    compressed, _method, rest = rest[0], rest[1], rest[2:]
    _language, sep1, rest = rest.partition(b"\x00")
    _translated, sep2, text = rest.partition(b"\x00")
    if not (sep1 and sep2):
        return None
    if compressed:
        import zlib

        inflater = zlib.decompressobj()
        raw = inflater.decompress(text, MAX_CREDENTIAL_BYTES + 1)
        if len(raw) > MAX_CREDENTIAL_BYTES or inflater.unconsumed_tail:
            raise BadgeError("The baked credential is larger than 1 MiB once inflated.")
        text = raw
    try:
        return keyword, text.decode("utf-8")
    except UnicodeDecodeError:
        raise BadgeError("The baked credential is not UTF-8 text.") from None


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    if len(data) > MAX_IMAGE_BYTES:
        raise BadgeError(f"The image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB.")
    try:
        return list(png.Reader(bytes=data).chunks())
    except (png.Error, ValueError, EOFError) as e:
        raise BadgeError(f"This is not a readable PNG image: {e}") from None


def bake_png(image: bytes, credential: str, version: OBVersion = OBVersion.V3) -> bytes:
    """``image`` with ``credential`` (a JWT or JSON text) in an iTXt chunk.

    The chunks of an image up to 1 MiB are read and checked once and kept
    (for the 32 images used last), so baking many credentials into one badge
    image is cheap.

    Raises:
        BadgeError: the image is not a PNG.
    """
    if len(image) > MAX_IMAGE_BYTES:
        raise BadgeError(f"The image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB.")
    if len(image) > 1024 * 1024:
        return _bake_png_fully(image, credential, version)
    return _png_baker(image, version)(credential)


@lru_cache(maxsize=32)
def _png_baker(image: bytes, version: OBVersion) -> Callable[[str], bytes]:
    return baker(image, version) if image_kind(image) == "png" else _not_png


def _not_png(_credential: str) -> bytes:
    raise BadgeError("This is not a readable PNG image: no PNG signature.")


def _bake_png_fully(image: bytes, credential: str, version: OBVersion) -> bytes:
    """``image`` with ``credential`` (a JWT or JSON text) in an iTXt chunk.

    Raises:
        BadgeError: the image is not a PNG.
    """
    keywords = set(_PNG_KEYWORD.values())
    out: list[tuple[bytes, bytes]] = []
    for kind, content in _png_chunks(image):
        if kind == b"iTXt" and content.split(b"\x00", 1)[0] in keywords:
            continue  # an image carries one credential: baking again replaces it
        if kind == b"IEND":
            out.append((b"iTXt", _itxt(_PNG_KEYWORD[version], credential)))
        out.append((kind, content))
    buffer = io.BytesIO()
    png.write_chunks(buffer, out)
    return buffer.getvalue()


def _unbake_png(image: bytes) -> BakedCredential | None:
    by_keyword = {v: k for k, v in _PNG_KEYWORD.items()}
    for kind, content in _png_chunks(image):
        if kind != b"iTXt":
            continue
        found = _read_itxt(content)
        if found and found[0] in by_keyword:
            return BakedCredential(found[1], by_keyword[found[0]], "png")
    return None


def _parse_svg(image: bytes) -> Any:
    if len(image) > MAX_IMAGE_BYTES:
        raise BadgeError(f"The image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB.")
    try:
        return minidom.parseString(image, forbid_dtd=True)
    except Exception as e:  # defusedxml and expat raise several unrelated types
        raise BadgeError(f"This is not a readable SVG image: {e}") from None


def _strip_attributes(element: Any) -> None:
    for name in list(element.attributes.keys()):
        value = element.attributes[name].value.strip().lower()
        if name.lower().startswith("on") or value.startswith("javascript:"):
            element.removeAttribute(name)


def _strip_active_content(element: Any) -> None:
    _strip_attributes(element)
    for child in list(element.childNodes):
        if child.nodeType == child.ELEMENT_NODE:
            if child.localName in ("script", "foreignObject"):
                element.removeChild(child)
            else:
                _strip_active_content(child)


def bake_svg(image: bytes, credential: str, version: OBVersion = OBVersion.V3) -> bytes:
    """``image`` with ``credential`` in an ``<openbadges:credential>`` (3.0) or
    ``<openbadges:assertion>`` (2.0) element, first inside ``<svg>``.

    Raises:
        BadgeError: the image is not an SVG.
    """
    doc = _parse_svg(image)
    try:
        root = doc.documentElement
        if root is None or root.localName != "svg":
            raise BadgeError("This SVG has no <svg> root element.")
        for v in OBVersion:
            for old in root.getElementsByTagNameNS(_SVG_NAMESPACE[v], _SVG_ELEMENT[v]):
                old.parentNode.removeChild(old)
        _strip_active_content(root)
        root.setAttribute("xmlns:openbadges", _SVG_NAMESPACE[version])
        element = doc.createElementNS(
            _SVG_NAMESPACE[version], f"openbadges:{_SVG_ELEMENT[version]}"
        )
        if is_compact(credential):
            element.setAttribute("verify", credential)
        else:
            # "]]>" cannot appear inside one CDATA section: split it across two
            pieces = credential.split("]]>")
            for n, piece in enumerate(pieces):
                text = (">" if n else "") + piece + ("]]" if n < len(pieces) - 1 else "")
                element.appendChild(doc.createCDATASection(text))
        root.insertBefore(element, root.firstChild)
        return bytes(doc.toxml(encoding="utf-8"))
    finally:
        doc.unlink()


def _unbake_svg(image: bytes) -> BakedCredential | None:
    doc = _parse_svg(image)
    try:
        for v in OBVersion:
            for element in doc.getElementsByTagNameNS(_SVG_NAMESPACE[v], _SVG_ELEMENT[v]):
                verify = element.getAttribute("verify").strip()
                text = (
                    verify
                    or "".join(
                        c.data
                        for c in element.childNodes
                        if c.nodeType in (c.TEXT_NODE, c.CDATA_SECTION_NODE)
                    ).strip()
                )
                if len(text) > MAX_CREDENTIAL_BYTES:
                    raise BadgeError("The baked credential is larger than 1 MiB.")
                if text:
                    return BakedCredential(text, v, "svg")
        return None
    finally:
        doc.unlink()


def bake(image: bytes, credential: str, version: OBVersion = OBVersion.V3) -> bytes:
    """Bake into a PNG or an SVG, whichever ``image`` is.

    Raises:
        BadgeError: ``image`` is neither.
    """
    kind = image_kind(image)
    if kind == "png":
        return bake_png(image, credential, version)
    if kind == "svg":
        return bake_svg(image, credential, version)
    raise BadgeError("Only PNG and SVG images can carry a credential.")


def unbake(image: bytes) -> BakedCredential | None:
    """The credential baked into a PNG or SVG image, or None if it carries none.

    Raises:
        BadgeError: the image is neither PNG nor SVG, too large, or malformed.
    """
    kind = image_kind(image)
    if kind == "png":
        return _unbake_png(image)
    if kind == "svg":
        return _unbake_svg(image)
    raise BadgeError("Only PNG and SVG images can carry a credential.")


_PLACEHOLDER = "mcembed.placeholder.x"


def baker(image: bytes, version: OBVersion = OBVersion.V3) -> Callable[[str], bytes]:
    """A function that bakes credentials into ``image`` fast: for one image
    and many credentials (a bulk award), the image is read, checked and
    cleaned once, and each credential is put into the prepared bytes.

    ``baker(image)(text)`` equals ``bake(image, text)``.

    Raises:
        BadgeError: ``image`` is neither PNG nor SVG.
    """
    kind = image_kind(image)
    if kind == "png":
        baked = _bake_png_fully(image, _PLACEHOLDER, version)
        iend = baked.rindex(b"IEND") - 4  # the IEND chunk starts with its length
        start = baked.rindex(b"iTXt", 0, iend) - 4
        prefix, suffix = baked[:start], baked[iend:]
        keyword = _PNG_KEYWORD[version]

        def bake_into_png(text: str) -> bytes:
            out = io.BytesIO()
            out.write(prefix)
            png.write_chunk(out, b"iTXt", _itxt(keyword, text))
            out.write(suffix)
            return out.getvalue()

        return bake_into_png
    if kind == "svg":
        as_attribute = bake_svg(image, _PLACEHOLDER, version).split(_PLACEHOLDER.encode())
        as_cdata = bake_svg(image, "{" + _PLACEHOLDER + "}", version).split(
            ("{" + _PLACEHOLDER + "}").encode()
        )
        if len(as_attribute) != 2 or len(as_cdata) != 2:
            return lambda text: bake_svg(image, text, version)

        def bake_into_svg(text: str) -> bytes:
            if is_compact(text):
                return as_attribute[0] + text.encode() + as_attribute[1]
            data = text.encode().replace(b"]]>", b"]]]]><![CDATA[>")
            return as_cdata[0] + data + as_cdata[1]

        return bake_into_svg
    raise BadgeError("Only PNG and SVG images can carry a credential.")
