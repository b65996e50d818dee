"""Open the instance a command or server works on: database, files, settings."""

from __future__ import annotations

from typing import Any

from .config import Settings
from .service import Service
from .storage.blobs import LocalBlobStore

__all__ = ["open_service"]


def open_service(settings: Settings | None = None, **service_options: Any) -> Service:
    """A ``Service`` on the instance ``settings`` describe (default: from the environment).

    Creates the instance folder on first use; upgrades an SQLite database
    schema on start (PostgreSQL only when ``MCEMBED_AUTO_MIGRATE`` says so).

    Args:
        settings: where the instance is and which database it uses.
        service_options: passed to ``Service`` (clock, ids, recognizer, listeners).
    """
    from .storage.sqlalchemy import SqlStore

    settings = settings or Settings.from_env()
    settings.instance.mkdir(parents=True, exist_ok=True, mode=0o750)
    store = SqlStore(settings.resolved_database_url, migrate=settings.migrate_on_start)
    blobs = LocalBlobStore(settings.files_dir)
    service_options.setdefault("max_upload_bytes", settings.max_upload_bytes)
    service_options.setdefault("learner_quota_bytes", settings.learner_quota_bytes)
    if "recognizer" not in service_options:
        # every award made through the instance carries its signed Open Badges
        from .badges.issuing import open_recognizer

        service_options["recognizer"] = open_recognizer(settings)
    service = Service(store, blobs, **service_options)
    from .community import Community

    # the recognizer also signs the CLR learner records of completed stacks
    recognizer = service_options["recognizer"]
    service.community = Community.from_settings(
        service, settings, clr_signer=recognizer if hasattr(recognizer, "sign_clr") else None
    )
    return service
