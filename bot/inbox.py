"""The inbox: every platform event, stored before the platform is told it arrived.

docs/intake.md draws the whole path. This module holds what adapters hand over (`Event`)
and the statements on the `inbox` table; adapters reach them only through the core's port.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.storage.db import Database
from bot.storage.models import InboxEvent

WAITING, WORKING, DONE, FAILED = "waiting", "working", "done", "failed"


@dataclass(frozen=True)
class Event:
    """One platform event as an adapter hands it over. `payload` is the adapter's own JSON
    (only that adapter reads it back); `chat_key` ("telegram:123") keeps a chat's events in
    order; `user_key` ("telegram:456") finds a person's events when they ask to be deleted."""

    platform: str
    event_id: str
    chat_key: str
    user_key: str | None
    payload: dict[str, Any]


def accept(db: Database, events: Sequence[Event], now: datetime) -> int:
    """Store a batch in one transaction; an event already stored (a redelivery) is skipped.
    Returns how many were new. Only after this returns may the platform be told."""
    if not events:
        return 0
    rows = [
        {
            "platform": e.platform,
            "event_id": e.event_id,
            "chat_key": e.chat_key,
            "user_key": e.user_key,
            "payload": e.payload,
            "received_at": now,
            "state": WAITING,
            "tries": 0,
        }
        for e in events
    ]
    insert = pg_insert if db.is_postgres else sqlite_insert
    statement = insert(InboxEvent).on_conflict_do_nothing(index_elements=["platform", "event_id"])
    with db.engine.begin() as connection:
        return connection.execute(statement, rows).rowcount
