"""The API repositories of ``SqlStore`` (tokens, idempotent answers), mixed
into its transaction. Tokens are found by the SHA-256 of their secret, which
has a unique index; the rest of a token is its JSON document."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..codec import from_data, to_data
from ..errors import Conflict, NotFound
from ..tokens import ApiToken, IdempotentResponse
from . import tables as t

__all__ = ["ApiSqlRepositories"]


class ApiSqlRepositories:
    """Needs ``self.conn`` (the transaction's connection)."""

    conn: Connection

    def add_api_token(self, token: ApiToken) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(t.api_tokens).values(
                        id=token.id,
                        secret_hash=token.secret_hash,
                        person_id=token.person_id,
                        course_id=token.course_id,
                        created_at=token.created_at,
                        document=to_data(token),
                    )
                )
        except IntegrityError:
            raise Conflict(f"token {token.id} already exists") from None

    def find_api_token(self, token_id: str) -> ApiToken | None:
        x = t.api_tokens
        row = self.conn.execute(select(x.c.document).where(x.c.id == token_id)).first()
        return from_data(ApiToken, row.document) if row else None

    def find_api_token_by_hash(self, secret_hash: str) -> ApiToken | None:
        x = t.api_tokens
        row = self.conn.execute(select(x.c.document).where(x.c.secret_hash == secret_hash)).first()
        return from_data(ApiToken, row.document) if row else None

    def update_api_token(self, token: ApiToken) -> None:
        x = t.api_tokens
        done = self.conn.execute(
            update(x).where(x.c.id == token.id).values(document=to_data(token))
        )
        if done.rowcount != 1:
            raise NotFound(f"No token {token.id!r}.")

    def list_api_tokens(
        self, *, person_id: str | None = None, course_id: str | None = None
    ) -> list[ApiToken]:
        x = t.api_tokens
        query = select(x.c.document).order_by(x.c.created_at.desc(), x.c.id.desc())
        if person_id is not None:
            query = query.where(x.c.person_id == person_id)
        if course_id is not None:
            query = query.where(x.c.course_id == course_id)
        return [from_data(ApiToken, r.document) for r in self.conn.execute(query)]

    def add_idempotent_response(self, response: IdempotentResponse) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(t.api_idempotency).values(
                        owner_id=response.owner_id,
                        key=response.key,
                        created_at=response.created_at,
                        document=to_data(response),
                    )
                )
        except IntegrityError:
            raise Conflict(
                f"an answer for Idempotency-Key {response.key!r} is kept already"
            ) from None

    def find_idempotent_response(self, owner_id: str, key: str) -> IdempotentResponse | None:
        x = t.api_idempotency
        row = self.conn.execute(
            select(x.c.document).where(x.c.owner_id == owner_id, x.c.key == key)
        ).first()
        return from_data(IdempotentResponse, row.document) if row else None

    def remove_idempotent_responses(self, *, before: datetime) -> int:
        x = t.api_idempotency
        done = self.conn.execute(delete(x).where(x.c.created_at < before))
        return int(done.rowcount or 0)
