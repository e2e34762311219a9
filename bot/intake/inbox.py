"""The inbox: every platform event, stored before the platform is told it arrived.

docs/intake.md draws the whole path. This module holds what adapters hand over (`Event`)
and the statements on the `inbox` table; adapters reach them only through the core's port.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Integer, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.interface import Event, Reply, Taken, reply_to_dict
from bot.storage import bulk
from bot.storage.db import Database
from bot.storage.models import (
    DONE,
    FAILED,
    PENDING,
    SENT,
    WAITING,
    WORKING,
    HandledMessage,
    InboxEvent,
    OutboxMessage,
)
from bot.storage.prepared import Prepared


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
        }
        for e in events
    ]
    shared = {"received_at": now, "state": WAITING, "tries": 0}
    with db.one_statement() as connection:
        # One statement for the batch (rows as one JSON parameter), in arrival order.
        return bulk.insert_many(connection, _inbox, rows, shared=shared)


# ------------------------------------------------------------------ the worker's side

MAX_TRIES = 3  # a failure of the core itself is tried this often, then parked


def reply_key(platform: str, event_id: str, index: int) -> str:
    """The outbox key of an event's reply: the worker sends it itself, and marks it sent."""
    return f"reply:{platform}:{event_id}:{index}"


_inbox = InboxEvent.__table__
_older = _inbox.alias("older")


ORDER_WAIT_S = 5.0  # PostgreSQL: a chat's next event waits this long at most for a reply


def _claim_statement(postgres: bool) -> Prepared[tuple[Any, ...]]:
    """Only the oldest unfinished event of a chat can be taken, so a chat's events run one
    at a time, in arrival order, on whichever worker; a `working` row whose lease ran out
    (its worker died) is taken again.

    On PostgreSQL, where several workers may run, a chat's next event also waits while the
    last one's replies are still held by the worker sending them (not yet marked sent), so
    that its replies cannot overtake them on another worker. Only for `ORDER_WAIT_S`: a
    worker that died holding them would otherwise stop the chat until the hold ran out."""
    outbox = OutboxMessage.__table__
    conditions = [
        _inbox.c.platform == bindparam("platform"),
        # Open events only, found through ix_inbox_work: the done ones (kept until the
        # retention removes them) are never read, so a claim costs the same on a year's
        # inbox as on an empty one (the platform's index alone read all of them).
        or_(_inbox.c.state == WAITING, _inbox.c.state == WORKING),
        or_(_inbox.c.state == WAITING, _inbox.c.lease_until < bindparam("now")),
        # The oldest open event of each chat, found in one pass over the open events (a
        # NOT EXISTS per candidate read a chat's open events again for each of them).
        _inbox.c.id.in_(
            select(func.min(_older.c.id))
            .where(or_(_older.c.state == WAITING, _older.c.state == WORKING))
            .group_by(_older.c.chat_key)
        ),
    ]
    if postgres:
        conditions.append(
            ~exists().where(
                outbox.c.status == PENDING,
                outbox.c.created_at > bindparam("recent"),
                outbox.c.claimed_until > bindparam("now"),
                outbox.c.key.startswith("reply:"),
                outbox.c.platform + ":" + outbox.c.chat_id == _inbox.c.chat_key,
            )
        )
    takeable = (
        select(_inbox.c.id)
        .where(*conditions)
        .order_by(_inbox.c.id)
        .limit(bindparam("limit", type_=Integer))
    )
    if postgres:
        takeable = takeable.with_for_update(skip_locked=True)
    return Prepared(
        update(_inbox)
        .where(_inbox.c.id.in_(takeable.scalar_subquery()))
        .values(state=WORKING, lease_until=bindparam("until"))
        .returning(
            _inbox.c.id,
            _inbox.c.platform,
            _inbox.c.event_id,
            _inbox.c.chat_key,
            _inbox.c.payload,
            _inbox.c.tries,
        )
    )


_CLAIM = {False: _claim_statement(False), True: _claim_statement(True)}


def claim(
    db: Database, now: datetime, platforms: Sequence[str], *, limit: int, lease_s: float
) -> list[Taken]:
    """Up to `limit` events of these platforms (the ones the worker can rebuild), at most
    one per chat, oldest first, leased until now + lease_s."""
    rows: list[Any] = []
    until = now + timedelta(seconds=lease_s)
    with db.one_statement() as connection:  # each platform's claim is a statement of its own
        for platform in platforms:
            if len(rows) >= limit:
                break
            params = {"platform": platform, "now": now, "limit": limit - len(rows)}
            if db.is_postgres:
                params["recent"] = now - timedelta(seconds=ORDER_WAIT_S)
            rows += _CLAIM[db.is_postgres].all(connection, params | {"until": until})
    return sorted((Taken(*row) for row in rows), key=lambda t: t.id)


def take_back_all(db: Database) -> int:
    """At the start of the only process (SQLite): what a dead process left `working` is
    waiting again at once, rather than when its lease runs out."""
    with db.engine.begin() as connection:
        return connection.execute(
            update(_inbox).where(_inbox.c.state == WORKING).values(state=WAITING, lease_until=None)
        ).rowcount


def give_back(db: Database, ids: Sequence[int]) -> None:
    """Events a stopping worker had not started: waiting again, no try counted."""
    if not ids:
        return
    with db.engine.begin() as connection:
        connection.execute(
            update(_inbox)
            .where(_inbox.c.id.in_(list(ids)), _inbox.c.state == WORKING)
            .values(state=WAITING, lease_until=None)
        )


_DONE = Prepared(
    update(_inbox)
    .where(_inbox.c.id == bindparam("id"))
    .values(state=DONE, done_at=bindparam("now"), lease_until=None)
)
_outbox = OutboxMessage.__table__


def _held_insert(postgres: bool) -> Any:
    """A reply into the outbox, held; a key already there (the same event's replies kept
    by another worker whose lease it outlived) is left as it is."""
    given = ("key", "platform", "chat_id", "user_id", "reply", "next_attempt_at")
    values = {c: bindparam(c) for c in given} | {
        "status": PENDING,
        "attempts": 0,
        "claimed_until": bindparam("until"),
        "created_at": bindparam("next_attempt_at"),
    }
    statement = (pg_insert if postgres else sqlite_insert)(_outbox).values(values)
    return statement.on_conflict_do_nothing(index_elements=["key"])


_HELD = {False: Prepared(_held_insert(False)), True: Prepared(_held_insert(True))}


# The record of a handled message (`handled_messages`): what makes a redelivery change
# nothing. `record` holds platform, chat_id, message_id, user_id, replies and now.
_RECORD = ("platform", "chat_id", "message_id", "user_id", "replies")
_REMEMBER = Prepared(
    insert(HandledMessage).values(
        {c: bindparam(c) for c in _RECORD} | {"handled_at": bindparam("now")}
    )
)


def remember(connection: Connection, record: dict[str, Any]) -> None:
    """The message's record, for a message that came other than through the inbox."""
    _REMEMBER.execute(connection, record)


def _done_and_held(remembering: bool) -> Prepared[tuple[Any, ...]]:
    """PostgreSQL: `_DONE` as a CTE of the first reply's insert, one round trip for both;
    with the message's record as another CTE when `remembering`."""
    done = (
        update(_inbox)
        .where(_inbox.c.id == bindparam("id"))
        .values(state=DONE, done_at=bindparam("now"), lease_until=None)
        .cte("done")
    )
    statement = _held_insert(True).add_cte(done)
    return Prepared(statement.add_cte(_remembered()) if remembering else statement)


def _remembered() -> Any:
    """`_REMEMBER` as a CTE, its parameters named `record_<column>` (the reply's insert
    has columns of the same names)."""
    values: dict[str, Any] = {c: bindparam(f"record_{c}") for c in _RECORD}
    values["handled_at"] = bindparam("now")
    return insert(HandledMessage).values(values).cte("remembered")


_DONE_AND_HELD = {False: _done_and_held(False), True: _done_and_held(True)}
_DONE_AND_REMEMBERED = Prepared(  # PostgreSQL, an event with no reply
    update(_inbox)
    .where(_inbox.c.id == bindparam("id"))
    .values(state=DONE, done_at=bindparam("now"), lease_until=None)
    .add_cte(_remembered())
)


def finish(
    connection: Connection,
    taken: Taken,
    replies: Sequence[tuple[str, Reply]],
    *,
    user_id: int | None,
    now: datetime,
    hold_s: float,
    record: dict[str, Any] | None = None,
) -> None:
    """In the core's own transaction: the event is done, and its replies (each with the chat
    it goes to) wait in the outbox, held by this worker for `hold_s` while it sends them
    itself; with the message's `record` (see `remember`) when given. A crash after the
    commit leaves them to the outbox sender: repeated at most."""
    if connection.dialect.name == "postgresql":
        # One round trip for all three: the row done and the record (CTEs), the first reply.
        recorded = {} if record is None else {f"record_{c}": record[c] for c in _RECORD}
        if not replies and record is not None:
            _DONE_AND_REMEMBERED.execute(connection, {"id": taken.id, "now": now} | recorded)
            return
        if replies:
            _hold(
                connection,
                taken,
                replies[:1],
                user_id=user_id,
                now=now,
                hold_s=hold_s,
                done=True,
                recorded=recorded,
            )
            _hold(connection, taken, replies[1:], user_id=user_id, now=now, hold_s=hold_s, first=1)
            return
    if record is not None:
        remember(connection, record)
    _DONE.execute(connection, {"id": taken.id, "now": now})
    _hold(connection, taken, replies, user_id=user_id, now=now, hold_s=hold_s)


def _hold(
    connection: Connection,
    taken: Taken,
    replies: Sequence[tuple[str, Reply]],
    *,
    user_id: int | None,
    now: datetime,
    hold_s: float,
    first: int = 0,
    done: bool = False,
    recorded: dict[str, Any] | None = None,
) -> None:
    until = now + timedelta(seconds=hold_s)
    if done:
        held = _DONE_AND_HELD[bool(recorded)]
    else:
        held = _HELD[connection.dialect.name == "postgresql"]
    for index, (chat_id, reply) in enumerate(replies, start=first):
        held.execute(
            connection,
            {
                "key": reply_key(taken.platform, taken.event_id, index),
                "platform": taken.platform,
                "chat_id": chat_id,
                "user_id": user_id,
                "reply": reply_to_dict(reply),
                "next_attempt_at": now,
                "until": until,
                "id": taken.id,
                "now": now,
            }
            | (recorded or {}),
        )


def finish_alone(
    db: Database,
    taken: Taken,
    replies: Sequence[tuple[str, Reply]],
    *,
    now: datetime,
    hold_s: float,
) -> None:
    """`finish` in a transaction of its own (nothing else of the event was kept)."""
    with db.engine.begin() as connection:
        finish(connection, taken, replies, user_id=None, now=now, hold_s=hold_s)


def failed_try(
    db: Database,
    taken: Taken,
    error: str,
    *,
    now: datetime,
    park: bool,
    apology: tuple[str, Reply] | None,
    hold_s: float,
) -> bool:
    """A failure of the core on this event: one more try counted; parked as failed (with
    the apology to the person, held like a reply) after `MAX_TRIES`, or at once when `park`.
    Only the error's name and message are kept, never the person's text. True if parked."""
    tries = taken.tries + 1
    parked = park or tries >= MAX_TRIES
    with db.engine.begin() as connection:
        counted = connection.execute(
            update(_inbox)
            .where(_inbox.c.id == taken.id, _inbox.c.state == WORKING)
            .values(
                state=FAILED if parked else WAITING,
                tries=tries,
                error=error[:300],
                lease_until=None,
                done_at=now if parked else None,
            )
        ).rowcount
        if not counted:  # another worker finished it meanwhile (this one outlived its lease)
            return False
        if parked and apology is not None:
            _hold(connection, taken, [apology], user_id=None, now=now, hold_s=hold_s)
    return parked


def mark_sent(db: Database, keys: Sequence[str], now: datetime) -> None:
    """Replies the worker delivered itself, in one statement for a batch."""
    _update_held(db, keys, status=SENT, sent_at=now, claimed_until=None)


def release(db: Database, keys: Sequence[str]) -> None:
    """Replies the worker could not deliver: the outbox sender takes them from here."""
    _update_held(db, keys, claimed_until=None)


def _update_held(db: Database, keys: Sequence[str], **values: object) -> None:
    if not keys:
        return
    with db.one_statement() as connection:
        connection.execute(
            update(_outbox)
            .where(_outbox.c.key.in_(list(keys)), _outbox.c.status == PENDING)
            .values(**values)
        )
