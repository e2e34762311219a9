"""Nudges and replies reaching people through Telegram's limits, blocks and outages, with
nothing lost and nothing sent twice."""

from __future__ import annotations

from sqlalchemy import select

from adapters.telegram_adapter import SendLimits
from bot.clock import FixedClock
from bot.core import Core
from bot.delivery.outbox import enqueue
from bot.interface import Button, Destination, Reply
from bot.storage.models import Account, OutboxMessage
from tests.fakes.bot_api import SEND_METHODS, Call, FakeBotAPI
from tests.telegram_adapter.conftest import ANA, BEN, GROUP, Rig, running

NUDGE_BUTTONS = (
    Button("Log it", "/water 250ml"),
    Button("Snooze 1 h", "/snooze water 1h"),
    Button("Skip today", "/skip water"),
)


def put(rig: Rig, key: str, chat_id: int, text: str, buttons: tuple[Button, ...] = ()) -> None:
    """What the reminders engine does: a message in the outbox, sent by the sender later."""
    with rig.core.services.db.unit_of_work() as session:
        enqueue(
            session,
            key=key,
            destination=Destination("telegram", str(chat_id)),
            reply=Reply(text, buttons=buttons),
            now=rig.clock.now(),
        )


def outbox(rig: Rig, *, replies: bool = False) -> list[tuple[str, str, int]]:
    """The outbox's rows; the replies the worker kept there while it sent them, if asked."""
    with rig.core.services.db.unit_of_work() as session:
        rows = session.execute(
            select(OutboxMessage.key, OutboxMessage.status, OutboxMessage.attempts).order_by(
                OutboxMessage.id
            )
        )
        return [
            tuple(row)  # type: ignore[misc]
            for row in rows
            if replies or not row.key.startswith("reply:")
        ]


def released(rig: Rig, key: str) -> bool:
    """The worker no longer holds this reply: the outbox sender may send it."""
    with rig.core.services.db.unit_of_work() as session:
        held = session.scalar(select(OutboxMessage.claimed_until).where(OutboxMessage.key == key))
        return held is None


def unreachable(rig: Rig, user_id: int) -> bool:
    with rig.core.services.db.unit_of_work() as session:
        return bool(
            session.scalar(select(Account.unreachable).where(Account.external_id == str(user_id)))
        )


async def test_a_nudge_arrives_with_its_buttons_and_a_press_logs(rig: Rig) -> None:
    ana = rig.person(ANA)
    await rig.say(ana, "/start")
    put(rig, "reminder:1:2026-11-25T12:00Z", ANA, "Time for a glass of water?", NUDGE_BUTTONS)

    assert await rig.drain() == 1
    nudge = rig.fake.sent_to(ANA)[-1]
    assert nudge.text == "Time for a glass of water?"
    assert nudge.buttons == [[(b.label, b.payload) for b in NUDGE_BUTTONS]]  # one row of three
    assert outbox(rig) == [("reminder:1:2026-11-25T12:00Z", "sent", 0)]

    [logged] = await rig.press(ana, nudge, "/water 250ml")
    assert "Logged water 250 ml" in logged.text
    assert await rig.drain() == 0  # sent once, never again


def within_limits(calls: list[Call], rate: float, period: float) -> bool:
    """No more than `rate` requests per `period` on average, and bursts no bigger than
    `rate`: the leaky bucket that Telegram's flood control and PTB's limiter both use."""
    times = sorted(c.at for c in calls)
    for i, start in enumerate(times):
        for j in range(i, len(times)):
            allowed = rate + rate * (times[j] - start) / period
            if j - i + 1 > allowed + 1e-6 + 1:  # one in flight at the edge of the window
                return False
    return True


async def test_a_429_storm_delays_messages_but_every_one_arrives_within_the_limits(
    rig: Rig,
) -> None:
    chats = list(range(5001, 5061))
    for chat in chats:
        put(rig, f"digest:{chat}", chat, f"Your week, chat {chat}")
    # Flood control: the first message meets four 429s in a row, more than the rate
    # limiter waits out, so it goes back to the outbox; the next meets one more.
    rig.fake.throttle(5, retry_after=1)

    assert await rig.drain() == 59
    rig.clock.advance(seconds=2)
    assert await rig.drain() == 1

    delivered = sorted(s.chat_id for s in rig.fake.sent)
    assert delivered == chats  # every one, once
    assert {status for _, status, _ in outbox(rig)} == {"sent"}

    sends = [c for c in rig.fake.calls if c.method in SEND_METHODS]
    refused = [c for c in sends if c.status == 429]
    assert len(refused) == 5
    for call in refused:  # nothing more was sent until retry_after had passed
        assert not [c for c in sends if call.at < c.at < call.at + 1.0]
    accepted = [c for c in sends if c.status == 200]
    assert within_limits(accepted, rate=30, period=1)


async def test_messages_to_one_group_keep_to_its_limit(
    telegram_core: Core, fake: FakeBotAPI, clock: FixedClock
) -> None:
    """Telegram allows 20 a minute in one group; scaled here to 3 a second to stay quick."""
    limits = SendLimits(per_group=3, group_period_s=1)
    async with running(telegram_core, fake, clock, limits=limits) as rig:
        for n in range(10):
            put(rig, f"challenge:{n}", GROUP, f"Challenge update {n}")
        put(rig, "reminder:ana", ANA, "Time for a run?")
        assert await rig.drain() == 11
    to_group = [c for c in fake.calls_to("sendMessage") if c.params["chat_id"] == GROUP]
    assert [c.params["text"] for c in to_group] == [f"Challenge update {n}" for n in range(10)]
    assert within_limits(to_group, rate=3, period=1)


async def test_a_group_waiting_out_its_limit_keeps_no_one_else_waiting(
    telegram_core: Core, fake: FakeBotAPI, clock: FixedClock
) -> None:
    """A busy group's answers wait for its limit (Telegram's 20 a minute, scaled here to one
    each 0.4 s), one at a time and in order; a private chat is answered meanwhile."""
    limits = SendLimits(per_group=1, group_period_s=0.4)
    async with running(telegram_core, fake, clock, limits=limits) as rig:
        for n in range(12):  # more than the updates handled side by side
            fake.send_text(rig.person(3000 + n, f"Runner {n}"), f"/nosuch{n}", chat_id=GROUP)
        await fake.wait_for(lambda: fake.sent_to(GROUP), what="the group's first answer")
        [answer] = await rig.say(rig.person(ANA), "/water 250ml")
        answered_first = [s for s in fake.sent_to(GROUP) if s.at < answer.at]
        await fake.wait_for(lambda: len(fake.sent_to(GROUP)) == 12, what="the group's answers")
    assert "Logged water 250 ml" in answer.text
    assert len(answered_first) <= 2  # not after the group's backlog
    to_group = fake.sent_to(GROUP)
    assert [s.text.split()[3] for s in to_group] == [f"/nosuch{n}." for n in range(12)]


async def test_a_blocked_user_is_marked_unreachable_and_others_carry_on(rig: Rig) -> None:
    ana, ben = rig.person(ANA, "Ana"), rig.person(BEN, "Ben")
    await rig.say(ana, "/start")
    await rig.say(ben, "/start")
    rig.fake.blocked.add(ANA)
    put(rig, "reminder:ana", ANA, "Time for a run?")
    put(rig, "reminder:ben", BEN, "Time for a run?")

    assert await rig.drain() == 1
    assert rig.fake.sent_to(BEN)[-1].text == "Time for a run?"
    assert unreachable(rig, ANA) and not unreachable(rig, BEN)
    assert dict((k, s) for k, s, _ in outbox(rig)) == {
        "reminder:ana": "dead",
        "reminder:ben": "sent",
    }
    rig.clock.advance(hours=1)
    assert await rig.drain() == 0  # no retrying a person who blocked us

    [still_here] = await rig.say(ben, "/water 500ml")  # the adapter carries on
    assert "Logged water 500 ml" in still_here.text
    rig.fake.blocked.clear()
    await rig.say(ana, "/today")  # writing again makes Ana reachable
    assert not unreachable(rig, ANA)


async def test_an_outage_loses_nothing_and_the_adapter_carries_on(rig: Rig) -> None:
    ana = rig.person(ANA)
    await rig.say(ana, "/start")
    rig.fake.down = True
    put(rig, "reminder:ana", ANA, "Time for water?")
    assert await rig.drain() == 0  # the Bot API is down: back off, keep it
    assert outbox(rig) == [("reminder:ana", "pending", 1)]
    rig.fake.send_text(ana, "/water 500ml")  # waits at Telegram until polling gets through
    await rig.fake.wait_for(
        lambda: len([c for c in rig.fake.calls_to("getUpdates") if c.status == 502]) >= 2,
        what="polling to meet the outage",
    )

    rig.fake.down = False
    [reply] = await rig.fake.wait_for(
        lambda: rig.fake.sent_to(ANA)[1:], what="the reply once Telegram is back"
    )
    assert "Logged water 500 ml" in reply.text
    rig.clock.advance(seconds=10)  # the outbox's backoff
    assert await rig.drain() == 1
    assert [s.text for s in rig.fake.sent_to(ANA)[1:]] == [reply.text, "Time for water?"]


async def test_a_reply_the_bot_api_refuses_waits_in_the_outbox(rig: Rig) -> None:
    ana = rig.person(ANA)
    await rig.say(ana, "/start")
    rig.fake.failing.add("sendMessage")
    rig.fake.send_text(ana, "/water 500ml")
    await rig.fake.wait_for(
        lambda: [
            key
            for key, status, _ in outbox(rig, replies=True)
            if status == "pending" and released(rig, key)
        ],
        what="the reply to be left to the outbox",
    )
    rig.fake.failing.clear()
    assert await rig.drain() == 1
    [reply] = rig.fake.sent_to(ANA)[1:]
    assert "Logged water 500 ml" in reply.text
    assert reply.labels == ["+250 ml", "+500 ml"]


async def test_polling_confirms_no_update_before_it_is_stored(
    telegram_core: Core, fake: FakeBotAPI, clock: FixedClock
) -> None:
    """The database refuses the first batch: Telegram is not told it arrived (the offset
    stays), serves it again, and it is stored and answered once."""
    refusals = [RuntimeError("database unavailable")]
    accept = telegram_core.accept

    def flaky_accept(events: object) -> int:
        if refusals:
            raise refusals.pop()
        return accept(events)  # type: ignore[arg-type]

    telegram_core.accept = flaky_accept  # type: ignore[method-assign]
    async with running(telegram_core, fake, clock) as rig:
        ana = rig.person(ANA)
        rig.fake.send_text(ana, "/water 500ml")
        await rig.fake.wait_for(lambda: not refusals, what="the refused batch")
        assert rig.fake.confirmed_offset == 0
        [reply] = await rig.fake.wait_for(lambda: rig.fake.sent_to(ANA), what="the reply")
        assert "Logged water 500 ml" in reply.text
        await rig.fake.wait_for(lambda: rig.fake.undelivered == 0, what="the confirmation")
        assert len(outbox(rig, replies=True)) == 1
