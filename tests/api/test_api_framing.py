"""No site may frame the REST API: every answer, with a token or refused,
says ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``."""

from __future__ import annotations

import pytest
from api_world import Api


@pytest.mark.parametrize(
    ("path", "token", "status"),
    [
        ("/me", True, 200),
        ("/submissions", True, 200),
        ("/me", False, 401),
        ("/no-such-endpoint", True, 404),
        ("/openapi.json", False, 200),
    ],
)
def test_no_site_may_frame_an_api_answer(api: Api, path: str, token: bool, status: int) -> None:
    resp = api.get(path, api.token() if token else None)
    assert resp.status_code == status
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY"
