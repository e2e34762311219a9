"""`steady inbox`: the events the workers set aside (state `failed`), for an operator to see
and deal with. What a person wrote is never shown: only where it came from and why it failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, select, update

from bot.storage.db import Database
from bot.storage.models import FAILED, WAITING, InboxEvent

EXAMPLE = "steady inbox retry 42   (or: steady inbox retry all)"


class InboxError(Exception):
    """Something the operator asked that can't be done; the message says what to type."""


@dataclass(frozen=True)
class Parked:
    id: int
    platform: str
    chat_key: str
    error: str | None
    tries: int
    received_at: datetime


def parked(db: Database) -> list[Parked]:
    """The set-aside events, oldest first (the payload is never read)."""
    query = (
        select(
            InboxEvent.id,
            InboxEvent.platform,
            InboxEvent.chat_key,
            InboxEvent.error,
            InboxEvent.tries,
            InboxEvent.received_at,
        )
        .where(InboxEvent.state == FAILED)
        .order_by(InboxEvent.id)
    )
    with db.engine.connect() as connection:
        return [Parked(*row) for row in connection.execute(query).all()]


def table(events: Sequence[Parked]) -> str:
    if not events:
        return "Nothing is set aside: every event was handled or is waiting its turn."
    rows = [("id", "platform", "chat", "tries", "received (UTC)", "error")]
    rows += [
        (
            str(e.id),
            e.platform,
            e.chat_key.split(":", 1)[-1],
            str(e.tries),
            e.received_at.strftime("%Y-%m-%d %H:%M"),
            (e.error or "").replace("\n", " "),
        )
        for e in events
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row[:5], widths, strict=True)) + "  " + row[5]
        for row in rows
    ]
    count = len(events)
    lines.append(
        f"{count} event{'s' if count != 1 else ''} set aside. "
        "`steady inbox retry ID|all` puts them back in line; "
        "`steady inbox drop ID|all` deletes them."
    )
    return "\n".join(line.rstrip() for line in lines)


def _chosen(db: Database, target: str) -> ColumnElement[bool]:
    """The set-aside events `target` names: one id, or "all"."""
    if target == "all":
        return InboxEvent.state == FAILED
    if not target.isdigit():
        raise InboxError(f"“{target}” is not an event id. Try: {EXAMPLE}")
    event_id = int(target)
    with db.engine.connect() as connection:
        state = connection.execute(
            select(InboxEvent.state).where(InboxEvent.id == event_id)
        ).scalar()
    if state is None:
        raise InboxError(f"There is no event {event_id}. `steady inbox` lists the set-aside ones.")
    if state != FAILED:
        raise InboxError(
            f"Event {event_id} is not set aside (it is {state}), so there is nothing to do. "
            "`steady inbox` lists the set-aside ones."
        )
    return and_(InboxEvent.id == event_id, InboxEvent.state == FAILED)


def retry(db: Database, target: str) -> int:
    """Put set-aside events back in line, with their tries counted from zero."""
    chosen = _chosen(db, target)
    with db.engine.begin() as connection:
        return connection.execute(
            update(InboxEvent)
            .where(chosen)
            .values(state=WAITING, tries=0, lease_until=None, error=None)
        ).rowcount


def drop(db: Database, target: str) -> int:
    """Delete set-aside events for good."""
    chosen = _chosen(db, target)
    with db.engine.begin() as connection:
        return connection.execute(delete(InboxEvent).where(chosen)).rowcount
