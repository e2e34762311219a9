"""Test helpers: a chat with the core as one person, and database set-up."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import text

from bot.core import Core
from bot.interface import ChatKind, Incoming, Reply
from bot.storage.models import Base

PG_ADMIN_URLS = (
    "postgresql://postgres@127.0.0.1:5432/postgres",
    "postgresql://root@127.0.0.1:5432/postgres",
)
_ids = itertools.count(1)


class Chat:
    """One person talking to the core in one chat, as an adapter would hand it over."""

    def __init__(
        self,
        core: Core,
        user: str = "ana",
        *,
        name: str | None = None,
        platform: str = "console",
        chat_id: str | None = None,
        kind: ChatKind = ChatKind.PRIVATE,
        is_admin: bool = False,
        language: str | None = None,
    ) -> None:
        self.core, self.user, self.platform, self.kind = core, user, platform, kind
        self.language = language  # what the person's app reports, if anything
        self.name = name or user.title()
        self.chat_id = chat_id or f"chat-{user}"
        self.is_admin = is_admin

    def incoming(
        self,
        text: str = "",
        *,
        message_id: str | None = "auto",
        payload: str | None = None,
        addressed: bool = True,
    ) -> Incoming:
        return Incoming(
            platform=self.platform,
            user_id=self.user,
            display_name=self.name,
            chat_id=self.chat_id,
            chat_kind=self.kind,
            text=text,
            is_admin=self.is_admin,
            payload=payload,
            message_id=str(next(_ids)) if message_id == "auto" else message_id,
            addressed=addressed,
            language=self.language,
        )

    def replies(self, text: str = "", **kw: object) -> list[Reply]:
        return self.core.handle(self.incoming(text, **kw))  # type: ignore[arg-type]

    def say(self, text: str = "", **kw: object) -> str:
        return "\n".join(r.text for r in self.replies(text, **kw))


@contextmanager
def postgres_database() -> Iterator[str]:
    """A database of its own on the local PostgreSQL, dropped afterwards."""
    name = f"steady_test_{uuid.uuid4().hex[:10]}"
    admin = _admin_connection()
    admin.execute(f'CREATE DATABASE "{name}"')
    user = admin.info.user
    try:
        yield f"postgresql+psycopg://{user}@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _admin_connection() -> psycopg.Connection:
    errors = []
    for url in PG_ADMIN_URLS:
        try:
            return psycopg.connect(url, autocommit=True)
        except psycopg.OperationalError as exc:
            errors.append(str(exc))
    raise RuntimeError(f"PostgreSQL on 127.0.0.1:5432 is not reachable: {errors}")


def empty_all_tables(engine) -> None:  # type: ignore[no-untyped-def]
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
