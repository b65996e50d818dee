"""The API repositories of a ``Transaction``: tokens and idempotent answers.

Same contract as ``base`` (verbs, atomic transactions), plus:

- ``add_api_token`` raises ``Conflict`` for a second token with the same id or
  secret hash; ``find_api_token_by_hash`` finds a token by the SHA-256 of its
  secret only (the secret is never stored).
- ``add_idempotent_response`` raises ``Conflict`` for a second answer with the
  same owner and key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from ..tokens import ApiToken, IdempotentResponse

__all__ = ["ApiTransaction"]


class ApiTransaction(Protocol):
    def add_api_token(self, token: ApiToken) -> None: ...
    def find_api_token(self, token_id: str) -> ApiToken | None: ...
    def find_api_token_by_hash(self, secret_hash: str) -> ApiToken | None: ...
    def update_api_token(self, token: ApiToken) -> None:
        """``NotFound`` if there is no such token."""
        ...

    def list_api_tokens(
        self, *, person_id: str | None = None, course_id: str | None = None
    ) -> list[ApiToken]:
        """Newest first."""
        ...

    def add_idempotent_response(self, response: IdempotentResponse) -> None: ...
    def find_idempotent_response(self, owner_id: str, key: str) -> IdempotentResponse | None: ...
    def remove_idempotent_responses(self, *, before: datetime) -> int:
        """Drop answers kept before ``before``; returns how many went."""
        ...
