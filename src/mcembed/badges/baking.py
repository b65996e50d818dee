"""Baking: a credential carried inside its badge image, PNG or SVG.

The way each version specifies:

- OB 3.0, PNG: one ``iTXt`` chunk with keyword ``openbadgecredential``;
  SVG: ``<openbadges:credential>`` in namespace ``https://purl.imsglobal.org/ob/v3p0``.
- OB 2.0, PNG: one ``iTXt`` chunk with keyword ``openbadges``;
  SVG: ``<openbadges:assertion>`` in namespace ``http://openbadges.org``.

A VC-JWT is baked as the chunk's text or the element's ``verify`` attribute;
a JSON credential as the text or a CDATA section. Baking again replaces the
earlier credential (an image carries one). PNG chunks are written with
``pypng``; SVG is parsed with ``defusedxml`` (no entities, no external
references) and active content (scripts, event handlers) is removed.

An image carries one credential or none. Reading one (``unbake``) finds every
credential it carries, in whatever form another reader might take one from:
PNG ``iTXt``, ``tEXt`` and ``zTXt`` chunks with either keyword, compressed or
not, before or after ``IEND``; SVG credential and assertion elements in either
namespace under any prefix (or a prefix ``openbadges`` bound to another
namespace), with the credential in ``verify`` or in the text. An image with
more than one is refused: a verifier would read one, and a wallet or another
tool might show the other.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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
    "baked_credentials",
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
    """What an image carries: the text (a JWT or JSON), the OB version, the
    image kind, and where in the image it was found (for messages)."""

    text: str
    version: OBVersion
    image: str  # "png" or "svg"
    where: str = field(default="", compare=False)


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


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(data, MAX_CREDENTIAL_BYTES + 1)
    except zlib.error as e:
        raise BadgeError(f"A compressed text chunk cannot be inflated: {e}.") from None
    if len(raw) > MAX_CREDENTIAL_BYTES or inflater.unconsumed_tail:
        raise BadgeError("The baked credential is larger than 1 MiB once inflated.")
    return raw


def _text_chunk(kind: bytes, data: bytes) -> tuple[bytes, bytes] | None:
    """(keyword, text) of an ``iTXt``, ``tEXt`` or ``zTXt`` chunk, or None if malformed."""
    keyword, sep, rest = data.partition(b"\x00")
    if not sep:
        return None
    if kind == b"tEXt":
        return keyword, rest
    if kind == b"zTXt":
        return (keyword, _inflate(rest[1:])) if rest else None
    if len(rest) < 2:
        return None
    compressed, rest = rest[0], rest[2:]
    _language, sep1, rest = rest.partition(b"\x00")
    _translated, sep2, text = rest.partition(b"\x00")
    if not (sep1 and sep2):
        return None
    return keyword, _inflate(text) if compressed else text


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    if len(data) > MAX_IMAGE_BYTES:
        raise BadgeError(f"The image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB.")
    try:
        return list(png.Reader(bytes=data).chunks())
    except (png.Error, ValueError, EOFError) as e:
        raise BadgeError(f"This is not a readable PNG image: {e}") from None


def _every_png_chunk(data: bytes) -> Iterator[tuple[int, bytes, bytes]]:
    """(offset, type, data) of every chunk, ``IEND`` and what follows it included.

    Up to ``IEND`` the file must be well formed (lengths and checksums); bytes
    after it are read as chunks as far as they look like chunks.
    """
    if len(data) > MAX_IMAGE_BYTES:
        raise BadgeError(f"The image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB.")
    offset, ended = len(PNG_SIGNATURE), False
    while offset < len(data):
        if len(data) - offset < 12:
            if ended:
                return
            raise BadgeError("This is not a readable PNG image: it ends inside a chunk.")
        length, kind = struct.unpack_from("!I4s", data, offset)
        end = offset + 12 + length
        checksum = data[end - 4 : end]
        content = data[offset + 8 : end - 4]
        well_formed = (
            end <= len(data)
            and kind.isalpha()
            and struct.pack("!I", zlib.crc32(content, zlib.crc32(kind))) == checksum
        )
        if not well_formed:
            if ended:
                return
            raise BadgeError(
                f"This is not a readable PNG image: the chunk at byte {offset} "
                f"({kind.decode('latin-1')!r}) is cut short or fails its checksum."
            )
        yield offset, kind, content
        ended = ended or kind == b"IEND"
        offset = end
    if not ended:
        raise BadgeError("This is not a readable PNG image: it has no IEND chunk.")


_TEXT_CHUNKS = (b"iTXt", b"tEXt", b"zTXt")
_KEYWORD_VERSION = {v.lower(): k for k, v in _PNG_KEYWORD.items()}
# a text chunk's type followed by an Open Badges keyword: how many of these a
# file holds, whether or not they sit where a chunk walk finds them
_KEYWORD_BYTES = re.compile(rb"(?:iTXt|tEXt|zTXt)(?i:openbadges|openbadgecredential)\x00")


def _png_credentials(image: bytes) -> list[BakedCredential]:
    found: list[BakedCredential] = []
    for offset, kind, content in _every_png_chunk(image):
        if kind not in _TEXT_CHUNKS:
            continue
        keyword = content.partition(b"\x00")[0].strip().lower()
        version = _KEYWORD_VERSION.get(keyword)
        if version is None:
            continue
        where = f"{kind.decode()} chunk {keyword.decode()!r} at byte {offset}"
        read = _text_chunk(kind, content)
        try:
            text = read[1].decode("utf-8" if kind == b"iTXt" else "latin-1") if read else ""
        except UnicodeDecodeError:
            raise BadgeError(f"The {where} is not UTF-8 text.") from None
        found.append(BakedCredential(text, version, "png", where))
    hidden = len(_KEYWORD_BYTES.findall(image)) - len(found)
    if hidden > 0:
        outside = "an Open Badges text chunk outside the list of chunks"
        found.extend(BakedCredential("", OBVersion.V3, "png", outside) for _ in range(hidden))
    return found


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
        BadgeError: the image is not a PNG, or hides a credential where it
            cannot be removed.
    """
    out: list[tuple[bytes, bytes]] = []
    for kind, content in _png_chunks(image):
        keyword = content.partition(b"\x00")[0].strip().lower()
        if kind in _TEXT_CHUNKS and keyword in _KEYWORD_VERSION:
            continue  # an image carries one credential: baking again replaces it
        if kind == b"IEND":
            out.append((b"iTXt", _itxt(_PNG_KEYWORD[version], credential)))
        out.append((kind, content))
    buffer = io.BytesIO()
    png.write_chunks(buffer, out)
    baked = buffer.getvalue()
    if len(_KEYWORD_BYTES.findall(baked)) != 1:
        raise BadgeError(
            "This PNG image hides an Open Badges text chunk inside another chunk; "
            "bake into an image without one."
        )
    return baked


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
        for old, _version in _svg_credential_elements(doc):
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


def _svg_version(namespace: str | None) -> OBVersion | None:
    """The OB version of an element namespace, however its URL is spelled."""
    plain = (namespace or "").strip().lower().rstrip("/#")
    plain = plain.removeprefix("https://").removeprefix("http://")
    for v, known in _SVG_NAMESPACE.items():
        if plain == known.removeprefix("https://").removeprefix("http://"):
            return v
    return None


_SVG_LOCAL = {name: v for v, name in _SVG_ELEMENT.items()}


def _svg_credential_elements(doc: Any) -> list[tuple[Any, OBVersion]]:
    """Every element that carries a credential, with the version its name says:
    a credential or assertion element in an Open Badges namespace under any
    prefix, or under the prefix ``openbadges`` whatever namespace it is bound to."""
    found = []
    for element in doc.getElementsByTagName("*"):
        local = (element.localName or element.tagName).lower()
        version = _SVG_LOCAL.get(local)
        if version is None:
            continue
        prefix = (element.prefix or "").lower()
        if _svg_version(element.namespaceURI) is not None or prefix == "openbadges":
            found.append((element, version))
    return found


def _svg_credentials(image: bytes) -> list[BakedCredential]:
    doc = _parse_svg(image)
    try:
        found: list[BakedCredential] = []
        for element, version in _svg_credential_elements(doc):
            where = f"<{element.tagName}> element"
            verify = " ".join(
                a.value.strip()
                for a in element.attributes.values()
                if (a.localName or a.name).lower() == "verify" and a.value.strip()
            )
            content = "".join(
                c.data
                for c in element.childNodes
                if c.nodeType in (c.TEXT_NODE, c.CDATA_SECTION_NODE)
            ).strip()
            if len(verify) > MAX_CREDENTIAL_BYTES or len(content) > MAX_CREDENTIAL_BYTES:
                raise BadgeError("The baked credential is larger than 1 MiB.")
            # OB 2.0 puts the hosted assertion's URL in verify beside its JSON:
            # that is one assertion; any other verify beside a text is a second one
            if (
                verify
                and content
                and not (version is OBVersion.V2 and verify.startswith(("https://", "http://")))
            ):
                found.append(BakedCredential(verify, version, "svg", f"verify of the {where}"))
                found.append(BakedCredential(content, version, "svg", f"text of the {where}"))
            elif verify or content:
                found.append(BakedCredential(verify or content, version, "svg", f"the {where}"))
        return found
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


def baked_credentials(image: bytes) -> list[BakedCredential]:
    """Every credential a PNG or SVG image carries, wherever it is (see the
    module docstring); an image made by ``bake`` carries exactly one.

    Raises:
        BadgeError: the image is neither PNG nor SVG, too large, or malformed.
    """
    kind = image_kind(image)
    if kind == "png":
        return _png_credentials(image)
    if kind == "svg":
        return _svg_credentials(image)
    raise BadgeError("Only PNG and SVG images can carry a credential.")


def unbake(image: bytes) -> BakedCredential | None:
    """The credential baked into a PNG or SVG image, or None if it carries none.

    Raises:
        BadgeError: the image is neither PNG nor SVG, too large, or malformed,
            or it carries more than one credential.
    """
    found = baked_credentials(image)
    if len(found) > 1:
        kind = found[0].image.upper()
        places = "; ".join(c.where for c in found)
        raise BadgeError(
            f"This {kind} image carries {len(found)} credentials ({places}); "
            "a badge image carries exactly one, so it cannot be told which one it stands for."
        )
    return found[0] if found else None


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
