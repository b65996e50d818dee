"""At most ``MCEMBED_API_RATE_LIMIT`` requests a minute per token: then 429
``rate_limited`` with ``Retry-After``; counted in Redis when there is one."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from api_world import LEARNER, OTHER, Api, make_tool_app

from mcembed import ConfigError
from mcembed_lti.api.limits import RateLimiter


def test_a_token_over_its_limit_waits(tmp_path: Path) -> None:
    app = make_tool_app(tmp_path / "instance", API_RATE_LIMIT=3)
    api = Api(app, app.test_client())
    mine, theirs = api.token(LEARNER), api.token(OTHER)
    assert [api.get("/me", mine).status_code for _ in range(3)] == [200, 200, 200]
    over = api.get("/me", mine)
    assert over.status_code == 429
    assert over.json["error"]["code"] == "rate_limited"
    assert 1 <= int(over.headers["Retry-After"]) <= 60
    assert over.json["error"]["details"]["retry_after"] == int(over.headers["Retry-After"])
    assert api.get("/me", theirs).status_code == 200  # each token has its own count


def test_windows_start_afresh_each_minute() -> None:
    now = [600.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert [limiter.hit("t") for _ in range(3)] == [None, None, 60]
    now[0] = 659.5
    assert limiter.hit("t") == 1
    now[0] = 660.0
    assert limiter.hit("t") is None
    assert RateLimiter(0).hit("t") is None


@pytest.mark.redis
def test_servers_share_the_count_in_redis() -> None:
    url = os.environ.get("MCEMBED_TEST_REDIS_URL", "")
    if not url:
        pytest.skip("Redis tests need MCEMBED_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    import redis

    client = redis.Redis.from_url(url)
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    one = RateLimiter(2, redis=client, prefix=prefix, clock=lambda: 120.0)
    two = RateLimiter(2, redis=client, prefix=prefix, clock=lambda: 120.0)
    assert one.hit("t") is None
    assert two.hit("t") is None
    assert one.hit("t") == 60
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_a_bad_limit_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MCEMBED_API_RATE_LIMIT"):
        make_tool_app(tmp_path / "instance", API_RATE_LIMIT="lots")
