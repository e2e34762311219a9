"""The inbox's queue of each chat: later events wait queued behind the chat's oldest open
one, so a claim takes one event a chat, in arrival order, and reads about what it takes
however long the backlog; a chat left with only queued events is found again."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

from sqlalchemy import select, text, update
from sqlalchemy.dialects import postgresql

from bot.clock import FixedClock
from bot.intake import inbox
from bot.interface import Event, Reply, Taken
from bot.storage.db import Database
from bot.storage.models import InboxEvent
from tests.support import postgres_database

_ids = iter(range(1, 10_000_000))


def events(*chats: str) -> list[Event]:
    """One event per chat named, in that order."""
    made = []
    for chat in chats:
        n = str(next(_ids))
        made.append(Event("telegram", n, f"telegram:{chat}", f"telegram:{chat}", {"n": n}))
    return made


def claim(db: Database, clock: FixedClock, limit: int = 50, repair: bool = False) -> list[str]:
    taken = inbox.claim(db, clock.now(), ["telegram"], limit=limit, lease_s=60, repair=repair)
    return [t.chat_key.removeprefix("telegram:") for t in taken]


def taken_now(db: Database, clock: FixedClock) -> list[Taken]:
    return inbox.claim(db, clock.now(), ["telegram"], limit=50, lease_s=60)


def finish(db: Database, clock: FixedClock, taken: Taken) -> None:
    reply = [(taken.chat_id, Reply("ok"))]
    inbox.finish_alone(db, taken, reply, now=clock.now(), hold_s=30)
    inbox.mark_sent(db, [inbox.reply_key(taken.platform, taken.event_id, 0)], clock.now())


def states(db: Database) -> list[tuple[str, str]]:
    with db.engine.connect() as connection:
        found = connection.execute(
            select(InboxEvent.chat_key, InboxEvent.state).order_by(InboxEvent.id)
        )
        return [(chat.removeprefix("telegram:"), state) for chat, state in found]


def test_a_chats_later_events_wait_queued_and_follow_one_at_a_time(any_db_url, clock):
    db = Database(any_db_url)
    inbox.accept(db, events("a", "b", "a"), clock.now())
    inbox.accept(db, events("a", "c"), clock.now())
    assert states(db) == [
        ("a", "waiting"),
        ("b", "waiting"),
        ("a", "queued"),
        ("a", "queued"),
        ("c", "waiting"),
    ]
    first = taken_now(db, clock)
    assert [t.chat_key for t in first] == ["telegram:a", "telegram:b", "telegram:c"]
    assert taken_now(db, clock) == []  # a's next waits for a's first
    finish(db, clock, first[0])
    second = taken_now(db, clock)
    assert [(t.chat_key, t.id) for t in second] == [("telegram:a", first[0].id + 2)]
    finish(db, clock, second[0])
    third = taken_now(db, clock)
    assert [(t.chat_key, t.id) for t in third] == [("telegram:a", first[0].id + 3)]
    db.dispose()


def test_a_parked_event_lets_its_chat_move_on(any_db_url, clock):
    db = Database(any_db_url)
    inbox.accept(db, events("a", "a"), clock.now())
    (poison,) = taken_now(db, clock)
    parked = inbox.failed_try(
        db, poison, "ValueError: no", now=clock.now(), park=True, apology=None, hold_s=30
    )
    assert parked
    assert [t.id for t in taken_now(db, clock)] == [poison.id + 1]
    db.dispose()


def test_a_long_backlog_in_one_chat_holds_up_no_other_chat(any_db_url, clock):
    db = Database(any_db_url)
    inbox.accept(db, events(*["busy"] * 3000), clock.now())
    inbox.accept(db, events("quiet", "other"), clock.now())
    assert claim(db, clock) == ["busy", "quiet", "other"]
    assert claim(db, clock) == []
    db.dispose()


def test_two_of_a_chats_events_waiting_at_once_still_go_in_order(any_db_url, clock):
    """An event set aside and sent back in line (`steady inbox retry`) is older than its
    chat's waiting one; two receivers storing a chat's events together may each make theirs
    the next. The older goes first either way."""
    db = Database(any_db_url)
    inbox.accept(db, events("a", "a", "a"), clock.now())
    with db.engine.begin() as connection:
        connection.execute(update(InboxEvent).values(state=inbox.WAITING))
    (first,) = taken_now(db, clock)
    finish(db, clock, first)
    (second,) = taken_now(db, clock)
    assert second.id == first.id + 1
    db.dispose()


def test_a_chat_left_with_only_queued_events_is_found_by_the_repair(any_db_url, clock):
    """As when the process died between storing a batch and naming each chat's next."""
    db = Database(any_db_url)
    inbox.accept(db, events("a", "a", "b"), clock.now())
    with db.engine.begin() as connection:
        connection.execute(update(InboxEvent).values(state=inbox.QUEUED))
    assert claim(db, clock) == []
    assert claim(db, clock, repair=True) == ["a", "b"]
    assert states(db) == [("a", "working"), ("a", "queued"), ("b", "working")]
    db.dispose()


def test_a_redelivered_batch_changes_no_chats_queue(any_db_url, clock):
    db = Database(any_db_url)
    batch = events("a", "a")
    assert inbox.accept(db, batch, clock.now()) == 2
    (first,) = taken_now(db, clock)
    assert inbox.accept(db, batch, clock.now()) == 0
    assert states(db) == [("a", "working"), ("a", "queued")]
    finish(db, clock, first)
    assert states(db) == [("a", "done"), ("a", "waiting")]
    db.dispose()


def test_on_postgresql_a_claim_reads_about_what_it_takes_whatever_the_backlog(pg_url, clock):
    """5,000 events in 50 chats, every chat's next in hand: the claim that finds nothing
    to take reads a few rows, not the backlog (grouping all open events by chat read each
    of them at every claim)."""
    db = Database(pg_url)
    chats = [str(n % 50) for n in range(5000)]
    for start in range(0, 5000, 500):
        inbox.accept(db, events(*chats[start : start + 500]), clock.now())
    assert len(claim(db, clock, limit=100)) == 50
    statement = inbox._CLAIM[True]._statement.compile(dialect=postgresql.dialect())
    params = dict(statement.params) | {
        "platform": "telegram",
        "now": clock.now(),
        "recent": clock.now() - timedelta(seconds=5),
        "until": clock.now() + timedelta(seconds=60),
        "limit": 32,
    }
    with db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", params)
        plan = cursor.fetchone()[0][0]["Plan"]
        raw.rollback()
    assert rows_read(plan) < 500
    db.dispose()


def rows_read(node: dict) -> int:
    """Rows every scan of a plan read, each loop counted, the ones its filter dropped too."""
    own = 0
    if "Scan" in node["Node Type"]:
        loops = node.get("Actual Loops", 1)
        own = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * loops
    return own + sum(rows_read(child) for child in node.get("Plans", []))


def test_finishing_with_the_records_cte_keeps_the_queue_on_postgresql(pg_url, clock):
    """The finishing statement's CTEs (done, next, record) run in one round trip; an event
    with no reply finishes through the done update alone."""
    db = Database(pg_url)
    inbox.accept(db, events("a", "a"), clock.now())
    (first,) = taken_now(db, clock)
    bare = dataclasses.replace(first, payload={})
    with db.engine.begin() as connection:
        inbox.finish(connection, bare, [], user_id=None, now=clock.now(), hold_s=30)
        waiting = connection.execute(
            text("SELECT count(*) FROM inbox WHERE state = 'waiting'")
        ).scalar_one()
    assert waiting == 1
    db.dispose()


def test_on_postgresql_a_batch_stored_while_its_chat_finishes_an_event_is_not_stranded(
    pg_url, clock
):
    """The finish names the chat's next from what was stored before it began, and the
    batch's store sees the event still in hand: unless the store waited for the finish,
    the new event would be left queued with nothing ahead of it."""
    db = Database(pg_url)
    inbox.accept(db, events("a"), clock.now())
    (first,) = taken_now(db, clock)
    later = events("a")
    with db.engine.connect() as finishing:
        with finishing.begin():
            inbox.finish(finishing, first, [], user_id=None, now=clock.now(), hold_s=30)
            storing = threading.Thread(target=inbox.accept, args=(db, later, clock.now()))
            storing.start()
            storing.join(0.5)
            assert storing.is_alive()  # waiting for the finish to commit
        storing.join(5)
    assert not storing.is_alive()
    assert states(db) == [("a", "done"), ("a", "waiting")]
    db.dispose()


def test_the_upgrade_queues_what_waited_behind_its_chat(tmp_path, clock):
    """A backlog stored before the queue existed: each chat's oldest open event stays its
    next, the rest of it waits queued, and the claim takes it in order."""
    from alembic import command

    from bot.storage.db import alembic_config, upgrade

    with postgres_database() as pg_url:
        for url in (f"sqlite:///{tmp_path / 'old.db'}", pg_url):
            db = Database(url)
            upgrade(db.engine, "0015_reach")
            inbox.accept(db, events("a", "b", "a", "a"), clock.now())
            with db.engine.begin() as connection:
                connection.execute(update(InboxEvent).values(state=inbox.WAITING))
                first = connection.execute(select(InboxEvent.id).order_by(InboxEvent.id))
                connection.execute(
                    update(InboxEvent)
                    .where(InboxEvent.id == first.scalars().first())
                    .values(state=inbox.WORKING)
                )
            upgrade(db.engine, "head")
            assert states(db) == [
                ("a", "working"),
                ("b", "waiting"),
                ("a", "queued"),
                ("a", "queued"),
            ]
            command.downgrade(alembic_config(db.engine), "0015_reach")
            assert {state for _, state in states(db)} == {"working", "waiting"}
            db.dispose()
