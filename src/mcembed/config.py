"""Settings: built explicitly and passed in, never read at import time.

Every setting has an environment variable with the ``MCEMBED_`` prefix; the
README documents each one (a test checks that it does).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from .access import DEFAULT_ANALYTICS_ROLES, DEFAULT_MODERATION_ROLES, Role, parse_roles
from .errors import ConfigError, excerpt
from .quota import DEFAULT_QUOTA

__all__ = ["SETTINGS", "Network", "Setting", "Settings", "parse_networks"]

Network = IPv4Network | IPv6Network


@dataclass(frozen=True, slots=True)
class Setting:
    """One documented setting: its variable, default and meaning."""

    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "MCEMBED_INSTANCE", "./instance", "Instance folder: database, keys, evidence files, caches."
    ),
    Setting(
        "MCEMBED_DATABASE_URL",
        "SQLite in the instance folder",
        "SQLAlchemy URL of the database, e.g. postgresql+psycopg://user@host/db.",
    ),
    Setting(
        "MCEMBED_REDIS_URL",
        "none (in-process)",
        "Redis for launch data, nonces and the task queue.",
    ),
    Setting("MCEMBED_BASE_URL", "the URL the server is started on", "Public base URL of the tool."),
    Setting(
        "MCEMBED_MAX_UPLOAD_BYTES", "26214400 (25 MiB)", "Largest evidence file accepted, in bytes."
    ),
    Setting(
        "MCEMBED_LEARNER_QUOTA_BYTES",
        "250000000 (250 MB)",
        "Bytes each learner's evidence files may take in all (drafts and every attempt; "
        "a file kept twice counts once); 0 for no quota.",
    ),
    Setting(
        "MCEMBED_AUTO_MIGRATE",
        "true for SQLite, false otherwise",
        "Upgrade the database schema on start; at scale run `mcembed db upgrade` once instead.",
    ),
    # LTI tool (read by mcembed_lti.config)
    Setting(
        "MCEMBED_SECRET_KEY",
        "generated once into the instance folder",
        "Secret that signs the tool's own form tokens; the same on every server.",
    ),
    Setting(
        "MCEMBED_PROXY_COUNT",
        "0",
        "How many proxies in front of the tool set X-Forwarded-Proto/-Host (1 behind one "
        "TLS proxy); the tool then sees HTTPS and builds its URLs from them.",
    ),
    Setting(
        "MCEMBED_LTI_REVIEWER_ROLES",
        "none",
        "More LTI roles (short names, comma-separated, e.g. ContentDeveloper,Mentor) that "
        "may review, besides Instructor, TeachingAssistant and Administrator.",
    ),
    Setting(
        "MCEMBED_LTI_SESSION_HOURS",
        "8",
        "How long the pages of one launch keep working before the person relaunches.",
    ),
    Setting(
        "MCEMBED_REDIS_PREFIX",
        "mcembed",
        "Prefix of the tool's Redis keys and of its task queue (several instances can "
        "share one Redis).",
    ),
    Setting(
        "MCEMBED_API_RATE_LIMIT",
        "600",
        "REST API requests a minute per token (counted in Redis when there is one); "
        "0 for no limit.",
    ),
    Setting(
        "MCEMBED_GRADE_WORKER",
        "thread",
        "Who sends grades without Redis: `thread` (in each web process) or `none` (only "
        "`mcembed lti worker`). With MCEMBED_REDIS_URL an RQ worker (`mcembed lti worker`) "
        "sends them.",
    ),
    Setting(
        "MCEMBED_FETCH_ALLOW_NETWORKS",
        "none (public internet only)",
        "Networks outside the public internet (CIDRs, comma-separated, e.g. 10.20.0.0/16) "
        "that the tool may fetch from over https: a self-hosted LMS on a private address.",
    ),
    Setting(
        "MCEMBED_FETCH_DEVELOPMENT",
        "false",
        "Development only (`mcembed demo` sets it): fetches may reach this computer "
        "(loopback), over plain http:// too. Private networks stay refused.",
    ),
    Setting(
        "MCEMBED_ISSUER_KEY_PASSPHRASE",
        "none (key files are mode 0600)",
        "Encrypts the issuer's private key files; needed to read them once set.",
    ),
    Setting(
        "MCEMBED_LEARNER",
        "the login name",
        "Offline notebook workshops: the learner id that evidence is recorded under.",
    ),
    Setting(
        "MCEMBED_ANALYTICS_ROLES",
        "instructor,admin",
        "Roles that may see programme analytics (comma-separated: learner, "
        "teaching_assistant, instructor, admin); in their own course, admins in all.",
    ),
    Setting(
        "MCEMBED_MODERATION_ROLES",
        "admin",
        "Roles that act on reported recommendations and see who sent them, anonymous or "
        "not (e.g. instructor,admin); in their own course.",
    ),
    Setting(
        "MCEMBED_ANALYTICS_MIN_GROUP",
        "5",
        'Smallest group analytics show: counts below it are shown as "<5" (at least 2).',
    ),
)

_DEFAULT_MAX_UPLOAD = 25 * 1024 * 1024


def _truthy(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name} must be true or false (got {excerpt(value)})")


def parse_networks(
    text: str, *, setting: str = "MCEMBED_FETCH_ALLOW_NETWORKS"
) -> tuple[Network, ...]:
    """``"10.20.0.0/16, 192.168.5.7"`` -> the networks (an address is a /32 or /128).

    Raises:
        ConfigError: an item is not a network; the message names the setting.
    """
    networks: list[Network] = []
    for item in text.replace(",", " ").split():
        try:
            networks.append(ip_network(item, strict=False))
        except ValueError:
            shown = item if len(item) <= 60 else item[:59] + "…"
            raise ConfigError(
                f"{setting}: {shown!r} is not a network; write CIDRs such as 10.20.0.0/16 "
                "or single addresses, separated by commas"
            ) from None
    return tuple(networks)


def normalize_database_url(url: str) -> str:
    """Accept the URLs people paste (``postgres://``, ``postgresql://``) and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Where the instance lives and which services it uses."""

    instance: Path = field(default_factory=lambda: Path("instance"))
    database_url: str = ""
    redis_url: str = ""
    base_url: str = ""
    max_upload_bytes: int = _DEFAULT_MAX_UPLOAD
    learner_quota_bytes: int = DEFAULT_QUOTA
    auto_migrate: bool | None = None
    issuer_key_passphrase: str = field(default="", repr=False)
    analytics_roles: frozenset[Role] = DEFAULT_ANALYTICS_ROLES
    analytics_min_group: int = 5
    moderation_roles: frozenset[Role] = DEFAULT_MODERATION_ROLES
    fetch_allow_networks: tuple[Network, ...] = ()
    fetch_development: bool = False

    def __post_init__(self) -> None:
        # Settings(instance="instance") reads as naturally as a Path
        if not isinstance(self.instance, Path):
            object.__setattr__(self, "instance", Path(self.instance))

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite:///{(self.instance / 'mcembed.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def migrate_on_start(self) -> bool:
        return self.is_sqlite if self.auto_migrate is None else self.auto_migrate

    @property
    def files_dir(self) -> Path:
        return self.instance / "files"

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        instance: str | os.PathLike[str] | None = None,
    ) -> Settings:
        """Settings from ``MCEMBED_*`` variables; ``instance`` (from ``--instance``) wins.

        Raises:
            ConfigError: a value cannot be used; the message names the variable.
        """
        env = os.environ if environ is None else environ
        max_upload = env.get("MCEMBED_MAX_UPLOAD_BYTES", "").strip()
        try:
            max_bytes = int(max_upload) if max_upload else _DEFAULT_MAX_UPLOAD
        except ValueError:
            raise ConfigError(
                f"MCEMBED_MAX_UPLOAD_BYTES must be a number of bytes (got {excerpt(max_upload)})"
            ) from None
        if max_bytes <= 0:
            raise ConfigError(f"MCEMBED_MAX_UPLOAD_BYTES must be above 0 (got {max_bytes})")
        quota_text = env.get("MCEMBED_LEARNER_QUOTA_BYTES", "").strip()
        try:
            quota = int(quota_text) if quota_text else DEFAULT_QUOTA
        except ValueError:
            raise ConfigError(
                "MCEMBED_LEARNER_QUOTA_BYTES must be a whole number of bytes, 0 for no quota "
                f"(got {quota_text!r})"
            ) from None
        if quota < 0:
            raise ConfigError(
                f"MCEMBED_LEARNER_QUOTA_BYTES must be 0 (no quota) or more (got {quota})"
            )
        auto = env.get("MCEMBED_AUTO_MIGRATE")
        base_url = env.get("MCEMBED_BASE_URL", "").strip().rstrip("/")
        if base_url and not base_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"MCEMBED_BASE_URL must start with https:// (got {excerpt(base_url)})"
            )
        roles = env.get("MCEMBED_ANALYTICS_ROLES", "").strip()
        moderators = env.get("MCEMBED_MODERATION_ROLES", "").strip()
        min_group_text = env.get("MCEMBED_ANALYTICS_MIN_GROUP", "").strip() or "5"
        try:
            min_group = int(min_group_text)
        except ValueError:
            raise ConfigError(
                "MCEMBED_ANALYTICS_MIN_GROUP must be a whole number "
                f"(got {excerpt(min_group_text)})"
            ) from None
        if min_group < 2:
            raise ConfigError(f"MCEMBED_ANALYTICS_MIN_GROUP must be at least 2 (got {min_group})")
        return cls(
            instance=Path(
                instance if instance is not None else env.get("MCEMBED_INSTANCE") or "instance"
            ),
            database_url=env.get("MCEMBED_DATABASE_URL", "").strip(),
            redis_url=env.get("MCEMBED_REDIS_URL", "").strip(),
            base_url=base_url,
            max_upload_bytes=max_bytes,
            learner_quota_bytes=quota,
            auto_migrate=None if auto is None else _truthy("MCEMBED_AUTO_MIGRATE", auto),
            issuer_key_passphrase=env.get("MCEMBED_ISSUER_KEY_PASSPHRASE", ""),
            analytics_roles=parse_roles(roles) if roles else DEFAULT_ANALYTICS_ROLES,
            analytics_min_group=min_group,
            moderation_roles=(
                parse_roles(moderators, setting="MCEMBED_MODERATION_ROLES")
                if moderators
                else DEFAULT_MODERATION_ROLES
            ),
            fetch_allow_networks=parse_networks(env.get("MCEMBED_FETCH_ALLOW_NETWORKS", "")),
            fetch_development=_truthy(
                "MCEMBED_FETCH_DEVELOPMENT", env.get("MCEMBED_FETCH_DEVELOPMENT", "")
            ),
        )
