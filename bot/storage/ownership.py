"""Which rows belong to a person, found from the schema rather than from a list of tables.

Every table that keeps someone's data points at `users.id` (or at `accounts.id`) with a
foreign key declared ON DELETE CASCADE. So deleting the `User` row deletes everything of
theirs, in tables written today and in tables added later, and /export can gather it all
the same way. The rule for new tables: a user's row has a `user_id` foreign key to
`users.id` with `ondelete="CASCADE"` (tests/test_data_commands.py checks every table).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, delete, or_, select, tuple_
from sqlalchemy.orm import Session

from bot.storage.models import Account, Base, HandledMessage, OutboxMessage, User


@dataclass(frozen=True)
class Link:
    """A column that points at a person: at users.id, or at accounts.id."""

    table: Table
    column: Column[Any]
    target: str  # "users" or "accounts"


def links() -> list[Link]:
    """Every foreign-key column in the schema that refers to users or accounts."""
    found = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            target = fk.column.table.name
            if target in (User.__tablename__, Account.__tablename__):
                found.append(Link(table, fk.parent, target))
    return found


def owned_rows(session: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table that points at the person (directly or through one of
    their accounts), keyed by table name; the users row itself is not included."""
    account_ids = list(session.scalars(select(Account.id).where(Account.user_id == user_id)))
    conditions: dict[str, list[Any]] = {}
    tables: dict[str, Table] = {}
    for link in links():
        ids = [user_id] if link.target == User.__tablename__ else account_ids
        if ids:
            conditions.setdefault(link.table.name, []).append(link.column.in_(ids))
            tables[link.table.name] = link.table
    rows: dict[str, list[dict[str, Any]]] = {}
    for name, table in tables.items():
        order = list(table.primary_key.columns)
        result = session.execute(select(table).where(or_(*conditions[name])).order_by(*order))
        rows[name] = [dict(row._mapping) for row in result]
    return rows


def erase_user(session: Session, user_id: int) -> None:
    """Delete the person and, by cascade, every row that points at them.

    Rows keyed otherwise are removed first: messages waiting in the outbox for, and
    messages remembered from, their private chats."""
    session.flush()
    chats = [
        (platform, chat)
        for platform, chat in session.execute(
            select(Account.platform, Account.private_chat_id).where(Account.user_id == user_id)
        )
        if chat is not None
    ]
    if chats:
        for model in (OutboxMessage, HandledMessage):
            session.execute(delete(model).where(tuple_(model.platform, model.chat_id).in_(chats)))
    session.execute(delete(User).where(User.id == user_id))
