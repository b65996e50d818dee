"""Which origins may frame a launch's pages: the launching platform's, found
where an LMS really frames a tool from, and nothing a sender could slip in."""

from __future__ import annotations

from typing import Any

import pytest

from factories import NOW
from mcembed.codec import from_data, to_data
from mcembed.launches import MAX_FRAME_ORIGINS, LaunchContext, frame_origins
from mcembed.platforms import Platform, web_origin

CANVAS = Platform(
    id="plt_canvas",
    issuer="https://canvas.instructure.com",
    client_id="10000000000001",
    auth_login_url="https://sso.canvaslms.com/api/lti/authorize_redirect",
    auth_token_url="https://sso.canvaslms.com/login/oauth2/token",
    key_set_url="https://sso.canvaslms.com/api/lti/security/jwks",
    created_at=NOW,
)
MOODLE = Platform(
    id="plt_moodle",
    issuer="https://moodle.school.example",
    client_id="abc",
    auth_login_url="https://moodle.school.example/mod/lti/auth.php",
    auth_token_url="https://moodle.school.example/mod/lti/token.php",
    key_set_url="https://moodle.school.example/mod/lti/certs.php",
    created_at=NOW,
)
PRACTICE = Platform(
    id="plt_demo",
    issuer="http://127.0.0.1:8765/practice",
    client_id="mcembed-demo",
    auth_login_url="http://127.0.0.1:8765/practice/auth",
    auth_token_url="http://127.0.0.1:8765/practice/token",
    key_set_url="http://127.0.0.1:8765/practice/jwks",
    created_at=NOW,
)


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://School.Instructure.com/courses/1/x?y=1", "https://school.instructure.com"),
        ("https://lms.example:443/", "https://lms.example"),
        ("https://lms.example:8443/a", "https://lms.example:8443"),
        ("http://127.0.0.1:8765/practice/auth", "http://127.0.0.1:8765"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("https://münchen.example/", "https://xn--mnchen-3ya.example"),
        ("https://user:secret@lms.example/", "https://lms.example"),
    ],
)
def test_web_origin_of_an_https_or_local_address(url: str, origin: str) -> None:
    assert web_origin(url) == origin


@pytest.mark.parametrize(
    "url",
    [
        "",
        "null",
        "http://lms.example",  # plain http off this machine
        "https://[2001:db8::1]/",  # CSP cannot name an IPv6 address
        "https://lms.example; frame-ancestors *",  # a second directive slipped in
        "https://lms.example *",
        "https://*.example/",
        "https://lms.example:99999/",
        "javascript:alert(1)",
        "data:text/html,x",
        "file:///etc/passwd",
    ],
)
def test_web_origin_refuses_what_is_no_https_origin(url: str) -> None:
    assert web_origin(url) is None


# (platform, Origin header, return URL, Deep Linking return URL, origins)
CASES: list[tuple[Platform, str, str, str, tuple[str, ...]]] = [
    (
        CANVAS,
        "https://school.instructure.com",
        "https://school.instructure.com/courses/7/external_content/success/external_tool_redirect",
        "",
        (
            "https://school.instructure.com",
            "https://canvas.instructure.com",
            "https://sso.canvaslms.com",
        ),
    ),
    (  # the platform storage path of Canvas: no Origin, the return URL names the school
        CANVAS,
        "",
        "",
        "https://school.instructure.com/courses/7/deep_linking_response",
        (
            "https://school.instructure.com",
            "https://canvas.instructure.com",
            "https://sso.canvaslms.com",
        ),
    ),
    (MOODLE, "https://moodle.school.example", "", "", ("https://moodle.school.example",)),
    (PRACTICE, "http://127.0.0.1:8765", "", "", ("http://127.0.0.1:8765",)),
    (MOODLE, "null", "javascript:alert(1)", "", ("https://moodle.school.example",)),
    (
        MOODLE,
        "http://evil.example",
        "http://evil.example/x",
        "",
        ("https://moodle.school.example",),
    ),
]


@pytest.mark.parametrize(("platform", "origin", "back", "deep", "expected"), CASES)
def test_frame_origins_are_where_the_lms_frames_the_tool(
    platform: Platform, origin: str, back: str, deep: str, expected: tuple[str, ...]
) -> None:
    assert (
        frame_origins(platform, launch_origin=origin, return_url=back, deep_link_return_url=deep)
        == expected
    )


def test_frame_origins_are_few() -> None:
    many = frame_origins(
        CANVAS,
        launch_origin="https://a.example",
        return_url="https://b.example/x",
        deep_link_return_url="https://c.example/y",
    )
    assert len(many) == 5
    assert len(many) <= MAX_FRAME_ORIGINS


def test_a_launch_keeps_its_frame_origins_and_an_older_one_has_none() -> None:
    values: dict[str, Any] = {
        "id": "lch_1",
        "platform_id": "plt_canvas",
        "deployment_id": "d",
        "user_id": "u",
        "person_id": "lti:plt_canvas:u",
        "course_id": "c",
        "csrf_token": "t",
        "created_at": NOW,
        "expires_at": NOW,
    }
    launch = LaunchContext(**values, frame_origins=("https://school.instructure.com",))
    assert from_data(LaunchContext, to_data(launch)) == launch
    older = to_data(LaunchContext(**values))
    del older["frame_origins"]
    assert from_data(LaunchContext, older).frame_origins == ()
