"""Baking into PNG and SVG, the way OB 3.0 and 2.0 specify; read back by
mcembed and by an independent reader (``openbadgeslib.baking``)."""

from __future__ import annotations

import io

import png
import pytest
from openbadgeslib import baking as independent
from PIL import Image

from mcembed.badges import OBVersion, badge_png, badge_svg, bake, unbake
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
