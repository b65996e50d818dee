"""The analytics settings: parsed, checked, and passed to the Community."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcembed import ConfigError, Role, Settings, open_service


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MCEMBED_ANALYTICS_ROLES": "instructor, boss"}, "'boss' is not a role"),
        ({"MCEMBED_ANALYTICS_ROLES": "instrutor"}, "did you mean 'instructor'"),
        ({"MCEMBED_ANALYTICS_ROLES": " , "}, "names no role"),
        ({"MCEMBED_ANALYTICS_MIN_GROUP": "five"}, "must be a whole number"),
        ({"MCEMBED_ANALYTICS_MIN_GROUP": "1"}, "at least 2"),
    ],
)
def test_bad_analytics_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_the_instance_community_uses_the_settings(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "MCEMBED_ANALYTICS_ROLES": "Teaching_Assistant,admin",
            "MCEMBED_ANALYTICS_MIN_GROUP": "10",
        },
        instance=tmp_path / "instance",
    )
    assert settings.analytics_roles == {Role.TEACHING_ASSISTANT, Role.ADMIN}
    service = open_service(settings)
    try:
        assert service.community.analytics_roles == {Role.TEACHING_ASSISTANT, Role.ADMIN}
        assert service.community.min_group == 10
    finally:
        service.store.close()
    defaults = Settings.from_env({})
    assert defaults.analytics_roles == {Role.INSTRUCTOR, Role.ADMIN}
    assert defaults.analytics_min_group == 5
