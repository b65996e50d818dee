"""Baking into PNG and SVG, the way OB 3.0 and 2.0 specify; read back by
mcembed and by an independent reader (``openbadgeslib.baking``)."""

from __future__ import annotations

import io
import zlib

import png
import pytest
from openbadgeslib import baking as independent
from PIL import Image

from mcembed.badges import OBVersion, badge_png, badge_svg, bake, baked_credentials, unbake
from mcembed.badges.art import initials, palette_for
from mcembed.errors import BadgeError

JWT = "eyJhbGciOiJFZERTQSJ9.eyJpZCI6InVybjp4In0.c2lnbmF0dXJl"
JSON = '{"id": "urn:x", "name": "Ünïcode ]]> and <tags>"}'


@pytest.fixture(scope="module")
def png_art() -> bytes:
    return badge_png("Evaluate the impact of professional learning", "evaluate-impact")


@pytest.fixture(scope="module")
def svg_art() -> bytes:
    return badge_svg("Evaluate the impact of professional learning", "evaluate-impact")


def itxt_keywords(data: bytes) -> list[bytes]:
    return [c.split(b"\0")[0] for t, c in png.Reader(bytes=data).chunks() if t == b"iTXt"]


@pytest.mark.parametrize("text", [JWT, JSON])
@pytest.mark.parametrize("version", list(OBVersion))
def test_png_round_trip(png_art: bytes, text: str, version: OBVersion) -> None:
    baked = bake(png_art, text, version)
    found = unbake(baked)
    assert found is not None
    assert (found.text, found.version, found.image) == (text, version, "png")
    expected = b"openbadgecredential" if version is OBVersion.V3 else b"openbadges"
    assert itxt_keywords(baked) == [expected]
    Image.open(io.BytesIO(baked)).verify()  # still a valid PNG


@pytest.mark.parametrize("text", [JWT, JSON])
@pytest.mark.parametrize("version", list(OBVersion))
def test_svg_round_trip(svg_art: bytes, text: str, version: OBVersion) -> None:
    baked = bake(svg_art, text, version)
    found = unbake(baked)
    assert found is not None
    assert (found.text, found.version, found.image) == (text, version, "svg")
    if version is OBVersion.V3:
        assert b'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in baked
        assert b"<openbadges:credential" in baked
    else:
        assert b'xmlns:openbadges="http://openbadges.org"' in baked
        assert b"<openbadges:assertion" in baked
    if text == JWT:
        assert f'verify="{JWT}"'.encode() in baked
    else:
        assert b"<![CDATA[" in baked


def test_baking_again_replaces_the_credential(png_art: bytes, svg_art: bytes) -> None:
    for art in (png_art, svg_art):
        twice = bake(bake(art, "first.a.b"), JWT)
        assert unbake(twice).text == JWT  # type: ignore[union-attr]
    assert len(itxt_keywords(bake(bake(png_art, JSON), JWT))) == 1


def test_an_independent_reader_finds_our_ob3_credential(png_art: bytes, svg_art: bytes) -> None:
    assert independent.extract_png(bake(png_art, JWT), keyword=independent.ITXT_KEYWORD_OB3) == JWT
    assert independent.extract_svg(bake(svg_art, JWT), element=independent.SVG_ELEMENT_OB3) == JWT
    assert (
        independent.extract_svg(
            bake(svg_art, JSON), element=independent.SVG_ELEMENT_OB3, text_fallback=True
        )
        == JSON
    )


def test_we_read_what_an_independent_baker_wrote(png_art: bytes) -> None:
    baked = independent.bake_png(png_art, JWT, keyword=independent.ITXT_KEYWORD_OB3)
    assert unbake(baked).text == JWT  # type: ignore[union-attr]


def test_svg_active_content_is_removed() -> None:
    hostile = (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b'<script>alert(2)</script><a href="javascript:alert(3)"><rect/></a></svg>'
    )
    baked = bake(hostile, JWT)
    assert b"alert" not in baked
    assert unbake(baked).text == JWT  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (b"GIF89a", "Only PNG and SVG"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a readable PNG"),
        (b"<svg><unclosed></svg>", "not a readable SVG"),
        (b"<?xml version='1.0'?><html/><!-- <svg -->", "no <svg> root"),
    ],
)
def test_bad_images_are_refused_with_a_reason(image: bytes, message: str) -> None:
    with pytest.raises(BadgeError, match=message):
        bake(image, JWT)


def test_an_image_without_a_credential_unbakes_to_none(png_art: bytes, svg_art: bytes) -> None:
    assert unbake(png_art) is None
    assert unbake(svg_art) is None


def test_generated_art_uses_name_and_colours() -> None:
    svg = badge_svg("Data literacy & <inquiry>", "data-literacy")
    assert b"Data literacy &amp; &lt;inquiry&gt;" in svg
    assert palette_for("data-literacy").top.encode() in svg
    assert initials("Evaluate the impact of professional learning") == "EIP"
    image = Image.open(io.BytesIO(badge_png("Data literacy", "data-literacy")))
    assert image.size == (512, 512)
    assert image.getpixel((0, 0))[3] == 0  # transparent corners
    assert image.getpixel((256, 60))[3] == 255
    assert palette_for("a") != palette_for("b") or palette_for("a") != palette_for("c")


@pytest.mark.parametrize("kind", ["png", "svg"])
@pytest.mark.parametrize("text", [JWT, JSON])
@pytest.mark.parametrize("version", list(OBVersion))
def test_a_prepared_baker_bakes_exactly_like_bake(
    png_art: bytes, svg_art: bytes, kind: str, text: str, version: OBVersion
) -> None:
    from mcembed.badges.baking import baker

    art = png_art if kind == "png" else svg_art
    fast = baker(art, version)(text)
    assert unbake(fast) == unbake(bake(art, text, version))
    if kind == "png":
        from mcembed.badges.baking import _bake_png_fully

        assert fast == bake(art, text, version) == _bake_png_fully(art, text, version)


# --- an image carries one credential: crafted files that carry two -----------------

OTHER = "eyJhbGciOiJFZERTQSJ9.eyJpZCI6InVybjp5In0.b3RoZXI"


def png_with(image: bytes, *chunks: tuple[bytes, bytes], where: str = "before IEND") -> bytes:
    """``image`` with more chunks: just after IHDR, before IEND, or after IEND."""
    listed = list(png.Reader(bytes=image).chunks())
    if where == "after IHDR":
        listed[1:1] = chunks
    elif where == "before IEND":
        listed[-1:-1] = chunks
    buffer = io.BytesIO()
    png.write_chunks(buffer, listed)
    data = buffer.getvalue()
    if where == "after IEND":
        for kind, content in chunks:
            extra = io.BytesIO()
            png.write_chunk(extra, kind, content)
            data += extra.getvalue()
    return data


def itxt(keyword: bytes, text: str, *, compressed: bool = False) -> tuple[bytes, bytes]:
    body = zlib.compress(text.encode()) if compressed else text.encode()
    return b"iTXt", keyword + b"\0" + bytes([int(compressed), 0]) + b"\0\0" + body


@pytest.mark.parametrize(
    ("chunk", "where", "found"),
    [
        (itxt(b"openbadgecredential", OTHER), "before IEND", "iTXt chunk 'openbadgecredential'"),
        (itxt(b"openbadgecredential", OTHER), "after IHDR", "iTXt chunk 'openbadgecredential'"),
        (itxt(b"openbadgecredential", OTHER), "after IEND", "iTXt chunk 'openbadgecredential'"),
        (
            itxt(b"openbadgecredential", OTHER, compressed=True),
            "before IEND",
            "iTXt chunk 'openbadgecredential'",
        ),
        (itxt(b"openbadges", '{"type": "Assertion"}'), "before IEND", "iTXt chunk 'openbadges'"),
        (
            (b"tEXt", b"openbadges\0https://x.example/a.json"),
            "after IHDR",
            "tEXt chunk 'openbadges'",
        ),
        ((b"tEXt", b"openbadgecredential\0" + OTHER.encode()), "after IEND", "tEXt chunk"),
        (
            (b"zTXt", b"openbadgecredential\0\0" + zlib.compress(OTHER.encode())),
            "before IEND",
            "zTXt chunk 'openbadgecredential'",
        ),
        (itxt(b"OpenBadgeCredential", OTHER), "before IEND", "iTXt chunk 'openbadgecredential'"),
        # hidden inside a private chunk, where a lenient reader resynchronising may find it
        (
            (b"prVt", b"iTXtopenbadgecredential\0\0\0\0\0" + OTHER.encode()),
            "before IEND",
            "outside the list of chunks",
        ),
    ],
)
def test_a_png_with_a_second_credential_is_refused(
    png_art: bytes, chunk: tuple[bytes, bytes], where: str, found: str
) -> None:
    crafted = png_with(bake(png_art, JWT), chunk, where=where)
    with pytest.raises(BadgeError, match="This PNG image carries 2 credentials") as refused:
        unbake(crafted)
    assert "iTXt chunk 'openbadgecredential' at byte" in str(refused.value)
    assert found in str(refused.value)
    assert "a badge image carries exactly one" in str(refused.value)
    assert len(baked_credentials(crafted)) == 2


def test_every_form_of_png_text_chunk_is_read_when_it_is_the_only_one(png_art: bytes) -> None:
    for chunk in [
        itxt(b"openbadgecredential", JWT, compressed=True),
        (b"zTXt", b"openbadgecredential\0\0" + zlib.compress(JWT.encode())),
        (b"tEXt", b"openbadgecredential\0" + JWT.encode()),
    ]:
        found = unbake(png_with(png_art, chunk))
        assert found is not None
        assert (found.text, found.version) == (JWT, OBVersion.V3)


def test_baking_removes_every_earlier_credential_chunk(png_art: bytes) -> None:
    crowded = png_with(
        png_art,
        (b"tEXt", b"openbadges\0https://x.example/a.json"),
        (b"zTXt", b"OpenBadgeCredential\0\0" + zlib.compress(OTHER.encode())),
        where="after IHDR",
    )
    assert unbake(bake(crowded, JWT)).text == JWT  # type: ignore[union-attr]
    hidden = png_with(png_art, (b"prVt", b"iTXtopenbadges\0\0\0\0\0x"))
    with pytest.raises(BadgeError, match="hides an Open Badges text chunk"):
        bake(hidden, JWT)


def test_a_damaged_png_is_refused_with_where(png_art: bytes) -> None:
    baked = bytearray(bake(png_art, JWT))
    baked[-20] ^= 0xFF  # inside the credential's chunk, before IEND
    with pytest.raises(BadgeError, match="fails its checksum"):
        unbake(bytes(baked))
    with pytest.raises(BadgeError, match="no IEND chunk"):
        unbake(bake(png_art, JWT)[:-12])


SVG_OB3 = "https://purl.imsglobal.org/ob/v3p0"


@pytest.mark.parametrize(
    ("extra", "found"),
    [
        (
            f'<openbadges:credential xmlns:openbadges="{SVG_OB3}" verify="{OTHER}"/>',
            "<openbadges:credential>",
        ),
        (
            f'<g><g><ob:credential xmlns:ob="{SVG_OB3}" verify="{OTHER}"/></g></g>',
            "<ob:credential>",
        ),
        (
            f'<credential xmlns="{SVG_OB3}"><![CDATA[{{"id": "urn:y"}}]]></credential>',
            "<credential>",
        ),
        (
            f'<x:Credential xmlns:x="http://purl.imsglobal.org/ob/v3p0/" verify="{OTHER}"/>',
            "<x:Credential>",
        ),
        (
            '<openbadges:assertion xmlns:openbadges="http://openbadges.org">{"type": "Assertion"}</openbadges:assertion>',
            "<openbadges:assertion>",
        ),
        (
            '<a:assertion xmlns:a="https://openbadges.org/">{"type": "Assertion"}</a:assertion>',
            "<a:assertion>",
        ),
        # the prefix a reader looks for, bound to another namespace
        (
            f'<openbadges:credential xmlns:openbadges="urn:elsewhere" verify="{OTHER}"/>',
            "<openbadges:credential>",
        ),
    ],
)
def test_an_svg_with_a_second_credential_is_refused(svg_art: bytes, extra: str, found: str) -> None:
    baked = bake(svg_art, JWT)
    crafted = baked.replace(b"</svg>", extra.encode() + b"</svg>")
    with pytest.raises(BadgeError, match="This SVG image carries 2 credentials") as refused:
        unbake(crafted)
    assert found in str(refused.value)
    assert "a badge image carries exactly one" in str(refused.value)


def test_one_svg_element_with_two_credentials_is_refused(svg_art: bytes) -> None:
    crafted = bake(svg_art, JWT).replace(
        b"/>", b'><![CDATA[{"id": "urn:y"}]]></openbadges:credential>', 1
    )
    assert b"<![CDATA[" in crafted
    with pytest.raises(BadgeError, match="verify of the <openbadges:credential> element; text of"):
        unbake(crafted)


def test_an_ob2_svg_assertion_with_its_hosted_url_is_one_assertion(svg_art: bytes) -> None:
    svg = svg_art.replace(
        b"</svg>",
        b'<openbadges:assertion xmlns:openbadges="http://openbadges.org" '
        b'verify="https://x.example/a.json"><![CDATA[{"type": "Assertion"}]]>'
        b"</openbadges:assertion></svg>",
    )
    found = unbake(svg)
    assert found is not None
    assert found.version is OBVersion.V2


def test_baking_an_svg_removes_credentials_under_any_prefix(svg_art: bytes) -> None:
    crowded = svg_art.replace(
        b"</svg>",
        f'<ob:credential xmlns:ob="{SVG_OB3}" verify="{OTHER}"/>'
        '<a:assertion xmlns:a="http://openbadges.org">{}</a:assertion></svg>'.encode(),
    )
    assert unbake(bake(crowded, JWT)).text == JWT  # type: ignore[union-attr]
