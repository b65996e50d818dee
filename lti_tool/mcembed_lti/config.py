"""The tool's settings, and the pylti1p3 tool configuration served from the database.

Settings come from ``create_app``'s mapping over ``MCEMBED_*`` variables (see
``mcembed.config.SETTINGS`` and the README). Platform registrations live in the
database (``mcembed lti add-platform``, Dynamic Registration), so every worker
on every host sees the same ones and a new Canvas deployment needs no restart.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract

from mcembed import ConfigError, Settings
from mcembed.lms import Lms
from mcembed.platforms import Platform

from .keys import ToolKeys

__all__ = ["DbToolConf", "ToolSettings", "registration_for"]

DEFAULT_REVIEWER_ROLES = ("Instructor", "TeachingAssistant", "Administrator")


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolSettings:
    """What the web tool needs beyond the core ``Settings``."""

    core: Settings
    secret_key: str
    proxy_count: int = 0
    reviewer_roles: tuple[str, ...] = DEFAULT_REVIEWER_ROLES
    session_hours: float = 8.0
    grade_worker: str = "thread"
    redis_prefix: str = "mcembed"
    api_rate_limit: int = 600
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ToolSettings:
        """Build from a Flask config whose ``MCEMBED_`` prefix was stripped."""
        env = {
            f"MCEMBED_{key}": str(value)
            for key, value in config.items()
            if key
            in {
                "INSTANCE",
                "DATABASE_URL",
                "REDIS_URL",
                "BASE_URL",
                "MAX_UPLOAD_BYTES",
                "LEARNER_QUOTA_BYTES",
                "AUTO_MIGRATE",
                "ANALYTICS_ROLES",
                "ANALYTICS_MIN_GROUP",
                "MODERATION_ROLES",
                "FETCH_ALLOW_NETWORKS",
                "FETCH_DEVELOPMENT",
            }
            and value is not None
            and value != ""
        }
        core = Settings.from_env(env)
        try:
            proxies = int(config.get("PROXY_COUNT") or 0)
            hours = float(config.get("LTI_SESSION_HOURS") or 8)
        except (TypeError, ValueError):
            raise ConfigError(
                "MCEMBED_PROXY_COUNT must be a whole number and MCEMBED_LTI_SESSION_HOURS "
                f"a number (got {config.get('PROXY_COUNT')!r}, "
                f"{config.get('LTI_SESSION_HOURS')!r})"
            ) from None
        if proxies < 0 or hours <= 0:
            raise ConfigError("MCEMBED_PROXY_COUNT must be 0 or more and the session hours above 0")
        worker = str(config.get("GRADE_WORKER") or "thread")
        if worker not in ("thread", "none"):
            raise ConfigError(f"MCEMBED_GRADE_WORKER must be thread or none (got {worker!r})")
        try:
            rate = int(
                config.get("API_RATE_LIMIT")
                if config.get("API_RATE_LIMIT") not in (None, "")
                else 600
            )
        except (TypeError, ValueError):
            rate = -1
        if rate < 0:
            raise ConfigError(
                "MCEMBED_API_RATE_LIMIT must be a whole number of requests a minute per token, "
                f"0 for no limit (got {config.get('API_RATE_LIMIT')!r})"
            )
        roles = str(config.get("LTI_REVIEWER_ROLES") or "")
        extra_roles = tuple(r.strip() for r in roles.split(",") if r.strip())
        return cls(
            core=core,
            secret_key=str(config.get("SECRET_KEY") or "") or _instance_secret(core.instance),
            proxy_count=proxies,
            reviewer_roles=DEFAULT_REVIEWER_ROLES + extra_roles,
            session_hours=hours,
            grade_worker=worker,
            redis_prefix=str(config.get("REDIS_PREFIX") or "mcembed"),
            api_rate_limit=rate,
        )


def _instance_secret(instance: Path) -> str:
    """A secret made once per instance folder (shared by the workers of one host)."""
    instance.mkdir(parents=True, exist_ok=True, mode=0o750)
    path = instance / "secret_key"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(secrets.token_urlsafe(48))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # atomic: the first worker's secret wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def registration_for(platform: Platform, keys: ToolKeys) -> Registration:
    """A pylti1p3 ``Registration`` for ``platform``, signing with the tool's current key."""
    key = keys.current()
    reg = _KeyedRegistration(kid=key.kid)
    reg.set_issuer(platform.issuer).set_client_id(platform.client_id).set_key_set_url(
        platform.key_set_url
    ).set_auth_token_url(platform.auth_token_url).set_auth_login_url(
        platform.auth_login_url
    ).set_tool_private_key(key.private_pem)
    if platform.auth_audience:
        reg.set_auth_audience(platform.auth_audience)
    return reg


class _KeyedRegistration(Registration):
    """Names the key id itself (pylti1p3 would derive one from a public PEM)."""

    def __init__(self, *, kid: str) -> None:
        self._kid = kid

    def get_kid(self) -> str:
        return self._kid


class DbToolConf(ToolConfAbstract):  # type: ignore[type-arg]
    """pylti1p3's tool configuration, answered from the database.

    Every issuer is treated as having many client ids (Canvas cloud does);
    a message without a client id finds its platform only when the issuer has
    exactly one.
    """

    def __init__(self, lms: Lms, keys: ToolKeys, find: Any = None) -> None:
        super().__init__()
        self.lms = lms
        self.keys = keys
        self.find = find or lms.find_platform
        self.platform: Platform | None = None

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Any:
        return self.find_registration_by_params(iss, None, *args, **kwargs)

    def find_registration_by_params(
        self, iss: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Any:
        platform = self.find(iss, client_id)
        self.platform = platform
        return registration_for(platform, self.keys) if platform else None

    def find_deployment(self, iss: str, deployment_id: str) -> Any:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Any:
        # the deployment policy is applied in launch.py; pylti1p3's own check never runs
        return LtiDeployment().set_deployment_id(deployment_id) if deployment_id else None

    def get_jwks(self, iss: str | None = None, client_id: str | None = None, **kwargs: Any) -> Any:
        return self.keys.jwks()
