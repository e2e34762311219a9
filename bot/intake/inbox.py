"""The inbox: every platform event, stored before the platform is told it arrived.

docs/intake.md draws the whole path. This module holds what adapters hand over (`Event`)
and the statements on the `inbox` table; adapters reach them only through the core's port.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    String,
    any_,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.interface import Event, Reply, Taken, reply_to_dict
from bot.storage import bulk
from bot.storage.db import Database
from bot.storage.models import (
    DONE,
    FAILED,
    OPEN,
    PENDING,
    QUEUED,
    READY,
    SENT,
    WAITING,
    WORKING,
    HandledMessage,
    InboxEvent,
    OutboxMessage,
    in_states,
)
from bot.storage.prepared import Prepared

_inbox = InboxEvent.__table__
_older = _inbox.alias("older")


def accept(db: Database, events: Sequence[Event], now: datetime) -> int:
    """Store a batch in one statement, all or nothing; an event already stored (a
    redelivery) is skipped. Returns how many were new. Only after this returns may the
    platform be told. The batch is stored queued; each new chat's next is named after it
    (`_first_in_chats`), which a crash in between leaves to the workers' repair."""
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
    shared = {"received_at": now, "state": QUEUED, "tries": 0}
    chats = sorted({e.chat_key for e in events})
    listed = {"chats": chats if db.is_postgres else json.dumps(chats)}
    with db.one_statement() as connection:
        # One statement for the batch (rows as one JSON parameter), in arrival order.
        added = bulk.insert_many(connection, _inbox, rows, shared=shared)
        if added:
            if db.is_postgres:  # an event of these chats being finished now: its end first
                _AWAIT_FINISHES.all(connection, listed)
            _FIRST_IN_CHATS[db.is_postgres].execute(connection, listed)
        return added


def _first_in_chats(postgres: bool) -> Prepared[tuple[Any, ...]]:
    """Each of the chats given that has no waiting or working event gets its oldest queued
    one made its next: a new chat's first event, or one whose last event was finished
    while this batch was being stored.

    The two could each miss the other's event: a worker finishing a chat's event makes its
    next queued one waiting in the same statement, which sees only what was stored before
    it began. So on PostgreSQL `_AWAIT_FINISHES` first waits for any such unfinished end of
    these chats, and this statement sees it. What still slips through (a process killed
    between the store and this, /deleteme taking a chat's next event) the workers' repair
    finds (`_REPAIR`).

    Both lookups are scalar subqueries, one index probe per chat given: as joins, the
    planner would read every waiting event to match a batch's hundred chats."""
    if postgres:  # a list parameter (an array)
        listed = func.unnest(bindparam("chats", type_=ARRAY(String)))
        chats = listed.table_valued("value").render_derived()
    else:  # a JSON list; json_each names its column `value` itself
        chats = func.json_each(bindparam("chats")).table_valued("value")
    queued = _inbox.alias("queued")
    oldest = (
        select(func.min(queued.c.id))
        .where(queued.c.chat_key == chats.c.value, in_states(queued.c.state, QUEUED))
        .correlate(chats)
        .scalar_subquery()
    )
    ready = (
        select(_older.c.id)
        .where(_older.c.chat_key == chats.c.value, in_states(_older.c.state, *READY))
        .limit(1)
        .correlate(chats)
        .scalar_subquery()
    )
    firsts = select(oldest).select_from(chats).where(ready.is_(None))
    chosen = [_inbox.c.id.in_(firsts)]
    if postgres:  # still queued once a concurrent change let go of it (SQLite has one writer,
        # and there the condition would lead its planner to read every queued event)
        chosen.append(in_states(_inbox.c.state, QUEUED))
    return Prepared(update(_inbox).where(*chosen).values(state=WAITING))


_FIRST_IN_CHATS = {False: _first_in_chats(False), True: _first_in_chats(True)}
_AWAIT_FINISHES = Prepared(  # only events in hand can be being finished: a few hundred at most
    select(_inbox.c.id)
    .where(
        _inbox.c.state == WORKING,
        _inbox.c.chat_key == any_(bindparam("chats", type_=ARRAY(String))),
    )
    .with_for_update(read=True)
)


# ------------------------------------------------------------------ the worker's side

MAX_TRIES = 3  # a failure of the core itself is tried this often, then parked


def reply_key(platform: str, event_id: str, index: int) -> str:
    """The outbox key of an event's reply: the worker sends it itself, and marks it sent."""
    return f"reply:{platform}:{event_id}:{index}"


ORDER_WAIT_S = 5.0  # PostgreSQL: a chat's next event waits this long at most for a reply


def _claim_statement(postgres: bool) -> Prepared[tuple[Any, ...]]:
    """Only the oldest open event of a chat can be taken, so a chat's events run one at a
    time, in arrival order, on whichever worker; a `working` row whose lease ran out (its
    worker died) is taken again.

    A chat's later events wait `queued` (`accept`, `finish`), so the claim walks only the
    waiting and working events, oldest first, and stops at `limit`: it reads about as many
    rows as it takes whatever the backlog (grouping every open event by chat read all of
    them: 35 ms a claim at 100,000 waiting). Each is still checked against its chat's older
    open events, which keeps the order where two events of a chat were made its next at
    once (two receivers storing them together, an event set aside and sent again).

    On PostgreSQL, where several workers may run, a chat's next event also waits while the
    last one's replies are still held by the worker sending them (not yet marked sent), so
    that its replies cannot overtake them on another worker. Only for `ORDER_WAIT_S`: a
    worker that died holding them would otherwise stop the chat until the hold ran out."""
    outbox = OutboxMessage.__table__
    conditions = [
        _inbox.c.platform == bindparam("platform"),
        in_states(_inbox.c.state, *READY),
        or_(_inbox.c.state == WAITING, _inbox.c.lease_until < bindparam("now")),
        ~exists().where(
            _older.c.chat_key == _inbox.c.chat_key,
            _older.c.id < _inbox.c.id,
            in_states(_older.c.state, *OPEN),
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
    db: Database,
    now: datetime,
    platforms: Sequence[str],
    *,
    limit: int,
    lease_s: float,
    repair: bool = False,
) -> list[Taken]:
    """Up to `limit` events of these platforms (the ones the worker can rebuild), at most
    one per chat, oldest first, leased until now + lease_s. With `repair`, first any chat
    whose events are all queued has its oldest made its next (see `_first_in_chats`)."""
    rows: list[Any] = []
    until = now + timedelta(seconds=lease_s)
    with db.one_statement() as connection:  # each platform's claim is a statement of its own
        if repair:
            _REPAIR.execute(connection, {})
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


def _repair() -> Prepared[tuple[Any, ...]]:
    """Every chat whose events are all queued (see `_first_in_chats`) gets its oldest made
    its next. It reads every queued event, so a worker runs it only now and then."""
    queued = _inbox.alias("queued")
    oldest = (
        select(func.min(queued.c.id))
        .where(in_states(queued.c.state, QUEUED))
        .group_by(queued.c.chat_key)
    )
    return Prepared(
        update(_inbox)
        .where(
            in_states(_inbox.c.state, QUEUED),
            _inbox.c.id.in_(oldest),
            ~exists().where(
                _older.c.chat_key == _inbox.c.chat_key,
                _older.c.id < _inbox.c.id,
                in_states(_older.c.state, *OPEN),
            ),
        )
        .values(state=WAITING)
    )


_REPAIR = _repair()


def _next_of_chat() -> Any:
    """The chat's oldest queued event made its next, once the one before it is finished."""
    queued = _inbox.alias("queued")
    oldest = (
        select(func.min(queued.c.id))
        .where(queued.c.chat_key == bindparam("chat"), in_states(queued.c.state, QUEUED))
        .scalar_subquery()
    )
    return (
        update(_inbox)
        .where(_inbox.c.id == oldest, in_states(_inbox.c.state, QUEUED))
        .values(state=WAITING)
    )


_NEXT = Prepared(_next_of_chat())
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


def _finishing(holding: bool, remembering: bool) -> Prepared[tuple[Any, ...]]:
    """PostgreSQL: the event done and its chat's next event made waiting, as CTEs of the
    first reply's insert (`holding`) or of the done update itself, one round trip for all;
    with the message's record as another CTE when `remembering`."""
    done = (
        update(_inbox)
        .where(_inbox.c.id == bindparam("id"))
        .values(state=DONE, done_at=bindparam("now"), lease_until=None)
    )
    statement = _held_insert(True).add_cte(done.cte("done")) if holding else done
    statement = statement.add_cte(_next_of_chat().cte("next"))
    return Prepared(statement.add_cte(_remembered()) if remembering else statement)


def _remembered() -> Any:
    """`_REMEMBER` as a CTE, its parameters named `record_<column>` (the reply's insert
    has columns of the same names)."""
    values: dict[str, Any] = {c: bindparam(f"record_{c}") for c in _RECORD}
    values["handled_at"] = bindparam("now")
    return insert(HandledMessage).values(values).cte("remembered")


_FINISHING = {(h, r): _finishing(h, r) for h in (False, True) for r in (False, True)}


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
    """In the core's own transaction: the event is done, its chat's next event may be
    taken, and its replies (each with the chat it goes to) wait in the outbox, held by this
    worker for `hold_s` while it sends them itself; with the message's `record` (see
    `remember`) when given. A crash after the commit leaves them to the outbox sender:
    repeated at most."""
    if connection.dialect.name == "postgresql":
        # One round trip for all four: the row done, the next one, the record (CTEs), and
        # the first reply.
        recorded = {} if record is None else {f"record_{c}": record[c] for c in _RECORD}
        if not replies:
            finishing = _FINISHING[False, record is not None]
            finishing.execute(
                connection, {"id": taken.id, "now": now, "chat": taken.chat_key} | recorded
            )
            return
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
    _NEXT.execute(connection, {"chat": taken.chat_key})
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
        held = _FINISHING[True, bool(recorded)]
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
                "chat": taken.chat_key,
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
        if parked:  # its chat moves on
            _NEXT.execute(connection, {"chat": taken.chat_key})
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
