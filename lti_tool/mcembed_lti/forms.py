"""Form values of the community pages turned into core values: the community
use cases of the app, moments, numbers and lists. Translation only; every
rule is the core's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from flask import current_app, request

from mcembed import ValidationError, excerpt
from mcembed.community import Community

__all__ = ["community", "form_int", "form_list", "moment", "revision"]


def community() -> Community:
    """The app's ``Community`` (on the ``Service``'s store, with the instance's
    analytics settings and CLR signer)."""
    return cast(Community, current_app.extensions["mcembed"].community)


def moment(value: str, field: str, *, required: bool = True) -> datetime | None:
    """``2026-09-14T17:00`` or ``2026-09-14`` from a form, read as UTC."""
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationError(f"{field}: give a date (YYYY-MM-DD) and a time.")
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f"{field}: {excerpt(value)} is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM."
        ) from None
    if not 1900 <= parsed.year <= 9000:
        raise ValidationError(
            f"{field}: {excerpt(value)} is out of range; give a year from 1900 to 9000."
        )
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def form_int(name: str, default: int) -> int:
    value = request.form.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValidationError(f"{name}: {excerpt(value)} is not a whole number.") from None


def form_list(name: str) -> list[str]:
    """Every non-empty value of a repeated field (checkboxes, multiple selects)."""
    return [v.strip() for v in request.form.getlist(name) if v.strip()]


def revision() -> int | None:
    """The revision a form was made from, when it says one."""
    value = request.form.get("revision", "")
    return int(value) if value.isdigit() else None


def query(name: str) -> str:
    return request.args.get(name, "").strip()


def arg_moment(name: str) -> Any:
    return moment(request.args.get(name, ""), name, required=False)
