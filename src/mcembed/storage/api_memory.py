"""The API repositories of ``MemoryStore`` (tokens, idempotent answers), mixed
into its transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..errors import Conflict, NotFound
from ..tokens import ApiToken, IdempotentResponse

__all__ = ["ApiMemoryRepositories", "ApiTables"]


class ApiTables:
    def __init__(self) -> None:
        self.tokens: dict[str, ApiToken] = {}
        self.by_hash: dict[str, str] = {}
        self.responses: dict[tuple[str, str], IdempotentResponse] = {}


class ApiMemoryRepositories:
    """Needs ``self.api`` (``ApiTables``) and ``self._set`` (the undo log)."""

    api: ApiTables

    def _set(self, table: dict[Any, Any], key: Any, value: Any) -> None:  # pragma: no cover
        raise NotImplementedError

    def add_api_token(self, token: ApiToken) -> None:
        if token.id in self.api.tokens or token.secret_hash in self.api.by_hash:
            raise Conflict(f"token {token.id} already exists")
        self._set(self.api.tokens, token.id, token)
        self._set(self.api.by_hash, token.secret_hash, token.id)

    def find_api_token(self, token_id: str) -> ApiToken | None:
        return self.api.tokens.get(token_id)

    def find_api_token_by_hash(self, secret_hash: str) -> ApiToken | None:
        found = self.api.by_hash.get(secret_hash)
        return self.api.tokens.get(found) if found else None

    def update_api_token(self, token: ApiToken) -> None:
        if token.id not in self.api.tokens:
            raise NotFound(f"No token {token.id!r}.")
        self._set(self.api.tokens, token.id, token)

    def list_api_tokens(
        self, *, person_id: str | None = None, course_id: str | None = None
    ) -> list[ApiToken]:
        out = [
            t
            for t in self.api.tokens.values()
            if (person_id is None or t.person_id == person_id)
            and (course_id is None or t.course_id == course_id)
        ]
        return sorted(out, key=lambda t: (t.created_at, t.id), reverse=True)

    def add_idempotent_response(self, response: IdempotentResponse) -> None:
        key = (response.owner_id, response.key)
        if key in self.api.responses:
            raise Conflict(f"an answer for Idempotency-Key {response.key!r} is kept already")
        self._set(self.api.responses, key, response)

    def find_idempotent_response(self, owner_id: str, key: str) -> IdempotentResponse | None:
        return self.api.responses.get((owner_id, key))

    def remove_idempotent_responses(self, *, before: datetime) -> int:
        stale = [k for k, r in self.api.responses.items() if r.created_at < before]
        for key in stale:
            value = self.api.responses[key]
            self._set(self.api.responses, key, value)  # records the undo step
            del self.api.responses[key]
        return len(stale)
