"""The exercises a person logs, most used first: what /strength suggests before the common
ones (bot/reading/exercises.py)."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select

from bot.storage.models import Entry
from bot.storage.prepared import Db, Prepared

_OWN = Prepared(
    select(Entry.exercise, func.count())
    .where(
        Entry.user_id == bindparam("user_id"),
        Entry.kind == "strength",
        Entry.exercise.is_not(None),
        Entry.deleted_at.is_(None),
    )
    .group_by(Entry.exercise)
    .order_by(func.count().desc(), func.max(Entry.logged_at).desc())
    .limit(bindparam("limit"))
)


def own(db: Db, user_id: int, limit: int = 25) -> list[tuple[str, int]]:
    """The person's exercise names with how often each was logged, most often first (the
    latest first among equals)."""
    return [(name, count) for name, count in _OWN.all(db, {"user_id": user_id, "limit": limit})]
