"""Retention: the minute tick prunes what is past keeping, a small batch at a time, and
never what the voice still needs (a "once" firing, a cooldown still running)."""

from datetime import timedelta

from sqlalchemy import func, insert, select, update

from bot.app import run_tick
from bot.delivery.outbox import enqueue
from bot.intake import inbox
from bot.interface import Destination, Reply
from bot.ops import retention
from bot.storage.models import (
    SENT,
    HandledMessage,
    InboxEvent,
    OutboxMessage,
    RuleFiring,
    ShownMessages,
)
from tests.support import Chat


def count(db, model, *where) -> int:
    with db.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model).where(*where)).scalar()


def firings(db) -> set[tuple[str, str, str]]:
    with db.engine.connect() as connection:
        rows = connection.execute(select(RuleFiring.audience, RuleFiring.rule, RuleFiring.once_key))
        return {tuple(row) for row in rows}


def activity(core, who: str, n: int) -> None:
    """What a day of use leaves behind: handled messages, the voice's memory, an inbox
    event handled and one set aside, an outbox message sent and one still waiting."""
    db, now = core.services.db, core.services.clock.now()
    chat = Chat(core, who)
    for _ in range(n):
        chat.say("/water 250ml")
    events = [inbox.Event("telegram", f"{who}-{i}", f"telegram:{who}", None, {}) for i in range(3)]
    inbox.accept(db, events, now)
    with db.engine.begin() as connection:
        done, parked = f"{who}-0", f"{who}-1"
        connection.execute(
            update(InboxEvent)
            .where(InboxEvent.event_id == done)
            .values(state=inbox.DONE, done_at=now)
        )
        connection.execute(
            update(InboxEvent).where(InboxEvent.event_id == parked).values(state=inbox.FAILED)
        )
    with db.unit_of_work() as session:
        for key in (f"{who}-sent", f"{who}-pending"):
            enqueue(
                session,
                key=key,
                destination=Destination("console", f"chat-{who}"),
                reply=Reply("hi"),
                now=now,
            )
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key == f"{who}-sent")
            .values(status=SENT, sent_at=now)
        )


async def test_the_tick_prunes_old_records_and_keeps_young_ones_and_once_firings(
    make_core, any_db_url, clock
):
    core = make_core(any_db_url)
    db = core.services.db
    activity(core, "ana", 3)
    assert ("user:1", "welcome", "ever") in firings(db)  # her first log was welcomed
    with db.engine.begin() as connection:  # and a cooldown rule spoke to her
        connection.execute(
            insert(RuleFiring).values(
                audience="user:1", user_id=1, rule="refuel", once_key="", fired_at=clock.now()
            )
        )
    ana_firings = firings(db)
    clock.advance(days=15)
    activity(core, "ben", 2)
    young = firings(db) - ana_firings
    assert ("user:2", "welcome", "ever") in young

    await run_tick(core.services)

    assert count(db, HandledMessage) == 2  # Ben's
    assert count(db, InboxEvent, InboxEvent.state == inbox.DONE) == 1  # Ben's
    # Set aside or waiting stays, however old: the operator or a worker still needs them.
    assert count(db, InboxEvent, InboxEvent.state != inbox.DONE) == 4
    assert count(db, OutboxMessage, OutboxMessage.status == SENT) == 1  # Ben's
    assert count(db, OutboxMessage, OutboxMessage.status == "pending") == 2
    assert count(db, ShownMessages, ShownMessages.audience == "user:1") == 0
    assert count(db, ShownMessages, ShownMessages.audience == "user:2") >= 1
    left = firings(db)
    assert ("user:1", "welcome", "ever") in left  # never said twice
    assert ("user:1", "refuel", "") not in left
    assert young <= left


def test_a_cooldown_longer_than_the_retention_keeps_its_last_firing(make_core, any_db_url, clock):
    core = make_core(any_db_url, retention={"days": 2})
    db = core.services.db
    rows = [  # back-after-rest is quiet for 72 h after it speaks, refuel for 48 h
        ("user:1", "back-after-rest", timedelta(hours=60)),
        ("user:2", "back-after-rest", timedelta(hours=80)),
        ("user:1", "refuel", timedelta(hours=60)),
        ("user:1", "gone-from-the-rules", timedelta(hours=60)),
        ("user:1", "refuel", timedelta(hours=20)),
    ]
    with db.engine.begin() as connection:
        for n, (audience, rule, age) in enumerate(rows):
            connection.execute(
                insert(RuleFiring).values(
                    audience=audience,
                    rule=rule,
                    once_key="" if n != 4 else "young",
                    fired_at=clock.now() - age,
                )
            )
    pruned = retention.prune(db, retention.policy_of(core.services), clock.now())
    assert pruned["rule_firings"] == 3
    assert firings(db) == {("user:1", "back-after-rest", ""), ("user:1", "refuel", "young")}


def test_pruning_goes_a_batch_at_a_time_until_it_has_caught_up(make_core, any_db_url, clock):
    core = make_core(any_db_url, retention={"batch": 2})
    db = core.services.db
    Chat(core).say("/water 250ml")
    Chat(core).say("/water 250ml")
    Chat(core).say("/water 250ml")
    Chat(core).say("/water 250ml")
    Chat(core).say("/water 250ml")
    clock.advance(days=15)
    assert retention.prune_due(core.services, clock.now())["handled_messages"] == 2
    assert count(db, HandledMessage) == 3
    clock.advance(minutes=1)  # a full batch: the next tick goes on
    assert retention.prune_due(core.services, clock.now())["handled_messages"] == 2
    clock.advance(minutes=1)
    assert retention.prune_due(core.services, clock.now())["handled_messages"] == 1
    assert count(db, HandledMessage) == 0
    # Caught up, it looks again an hour later: a quiet minute costs nothing.
    with db.engine.begin() as connection:
        connection.execute(
            insert(HandledMessage).values(
                platform="console",
                chat_id="chat-ana",
                message_id="late",
                replies=[],
                handled_at=clock.now() - timedelta(days=20),
            )
        )
    clock.advance(minutes=1)
    assert retention.prune_due(core.services, clock.now()) == {}
    assert count(db, HandledMessage) == 1
    clock.advance(hours=1)
    assert retention.prune_due(core.services, clock.now())["handled_messages"] == 1


async def test_a_short_retention_still_keeps_a_week_of_lines_shown(make_core, any_db_url, clock):
    """No line comes back within seven days: the voice's memory of them outlives a retention
    of two days, and goes once it is older than the voice keeps it (eight days)."""
    core = make_core(any_db_url, retention={"days": 2})
    db = core.services.db
    Chat(core, "ana").say("/water 250ml")
    clock.advance(days=5)
    await run_tick(core.services)
    assert count(db, ShownMessages, ShownMessages.audience == "user:1") >= 1
    clock.advance(days=4)
    await run_tick(core.services)
    assert count(db, ShownMessages, ShownMessages.audience == "user:1") == 0
