"""The worker on the inbox, with a stand-in platform: each event handled once, each chat in
order, a poison event parked after three tries (its chat moving on), an event the time
budget stopped parked at once, and replies that could not go out left to the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.commands import MODULES
from bot.commands.registry import Registry
from bot.context import APOLOGY
from bot.core import Core
from bot.delivery.outbox import OutboxSender
from bot.intake import inbox
from bot.intake.worker import Overran, Worker
from bot.interface import Destination, Event, Incoming, PlatformLimits, Reply, Taken
from bot.services import build_services
from bot.settings import Settings
from bot.storage.models import Entry, InboxEvent, OutboxMessage
from tests.telegram_adapter import extra_commands

PLATFORM = "test"


@dataclass
class StandIn:
    """A platform that hands over events as {"user", "chat", "text"} and records what the
    bot sent, in order, per chat."""

    platform: str = PLATFORM
    said: dict[str, list[str]] = field(default_factory=dict)
    failing: bool = False  # every direct answer fails, as when the platform is down
    pacing: PlatformLimits = field(default_factory=PlatformLimits)  # unpaced
    open_dms_hint: str | None = None

    async def rebuild(self, payload: dict[str, Any]) -> Incoming | None:
        return Incoming(
            PLATFORM,
            payload["user"],
            payload["user"].title(),
            payload["chat"],
            text=payload["text"],
            message_id=payload["id"],
        )

    async def is_admin(self, incoming: Incoming) -> bool:
        return False

    async def answer(self, incoming: Incoming, replies: list[Reply]) -> None:
        if self.failing:
            raise ConnectionError("the platform is down")
        for reply in replies:
            self.said.setdefault(incoming.chat_id, []).append(reply.text)

    async def send(self, destination: Destination, reply: Reply) -> None:
        if self.failing:
            raise ConnectionError("the platform is down")
        self.said.setdefault(destination.chat_id, []).append(reply.text)

    async def stop_receiving(self) -> None:
        """Nothing to stop: the test hands events over itself."""


class BudgetCore(Core):
    """A core whose time budget stops every /slow message."""

    def handle_event(self, taken: Taken, incoming: Incoming | None, hold_s: float = 60) -> Any:
        if incoming is not None and incoming.text == "/slow":
            raise Overran("over the time budget")
        return super().handle_event(taken, incoming, hold_s)


def make_core(url: str, clock: FixedClock, factory: Callable[..., Core] = Core) -> Core:
    services = build_services(Settings(database_url=url), clock, migrate=False)
    modules = [importlib.import_module(name) for name in MODULES]
    services.registry = Registry.collect([*modules, extra_commands])
    return factory(services)


_ids = iter(range(1, 1_000_000))


def event(user: str, text: str, chat: str | None = None) -> Event:
    chat = chat or f"chat-{user}"
    n = str(next(_ids))
    return Event(
        PLATFORM,
        n,
        f"{PLATFORM}:{chat}",
        f"{PLATFORM}:{user}",
        {"user": user, "chat": chat, "text": text, "id": n},
    )


@contextlib.asynccontextmanager
async def working(core: Core, platform: StandIn) -> AsyncIterator[Worker]:
    worker = Worker(core, [platform], poll_s=0.05)
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        await worker.stop(1.0)
        await task
        core.services.db.dispose()


async def until(check: Callable[[], Any], what: str = "the worker") -> Any:
    for _ in range(1000):
        if value := check():
            return value
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def rows(core: Core, *columns: Any) -> list[tuple[Any, ...]]:
    with core.services.db.unit_of_work() as session:
        return [tuple(r) for r in session.execute(select(*columns).order_by(columns[0]))]


async def test_each_event_is_handled_once_and_each_chat_in_its_order(
    any_db_url: str, clock: FixedClock
) -> None:
    core, platform = make_core(any_db_url, clock), StandIn()
    people = ["ana", "ben", "cat", "dan"]
    async with working(core, platform):
        await core.accept_async([event(p, f"/water {n}ml") for n in range(1, 11) for p in people])
        await until(lambda: sum(map(len, platform.said.values())) == 40, "every answer")
        again = [event(p, "/water 1ml") for p in people]
        assert await core.accept_async([*again, *again]) == 4  # a redelivery is skipped
        await until(lambda: sum(map(len, platform.said.values())) == 44, "the last answers")
    for person in people:
        totals = [line for text in platform.said[f"chat-{person}"] for line in text.splitlines()]
        assert [t.split(" ·")[0] for t in totals if t.startswith("Today:")] == [
            f"Today: {n * (n + 1) // 2} ml" for n in range(1, 11)
        ] + ["Today: 56 ml"]
    assert len(rows(core, Entry.id)) == 44
    assert {state for (state,) in rows(core, InboxEvent.state)} == {"done"}
    assert {status for (_, status) in rows(core, OutboxMessage.id, OutboxMessage.status)} == {
        "sent"
    }


async def test_a_poison_event_is_parked_after_three_tries_and_its_chat_moves_on(
    any_db_url: str, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    core, platform = make_core(any_db_url, clock), StandIn()
    async with working(core, platform):
        await core.accept_async([event("ana", "/crash my secret words"), event("ana", "/water 1l")])
        said = await until(lambda: len(platform.said.get("chat-ana", [])) == 2 and platform.said)
    apology, logged = said["chat-ana"]
    assert apology == APOLOGY
    assert "Logged water 1 l" in logged
    [(_, state, tries, error)] = [
        r
        for r in rows(core, InboxEvent.id, InboxEvent.state, InboxEvent.tries, InboxEvent.error)
        if r[1] != "done"
    ]
    assert (state, tries) == ("failed", 3)
    assert "RuntimeError" in error and "secret words" not in error
    assert "secret words" not in caplog.text
    assert "parked as failed" in caplog.text


async def test_an_event_the_time_budget_stopped_is_parked_at_once(
    sqlite_url: str, clock: FixedClock
) -> None:
    core, platform = make_core(sqlite_url, clock, BudgetCore), StandIn()
    async with working(core, platform):
        await core.accept_async([event("ana", "/slow"), event("ana", "/water 250ml")])
        said = await until(lambda: len(platform.said.get("chat-ana", [])) == 2 and platform.said)
    assert said["chat-ana"][0] == APOLOGY
    assert "Logged water 250 ml" in said["chat-ana"][1]
    states = rows(core, InboxEvent.id, InboxEvent.state, InboxEvent.tries)
    assert [(state, tries) for _, state, tries in states] == [("failed", 1), ("done", 0)]


async def test_a_reply_that_could_not_be_sent_is_left_to_the_outbox(
    sqlite_url: str, clock: FixedClock
) -> None:
    core, platform = make_core(sqlite_url, clock), StandIn(failing=True)
    async with working(core, platform):
        await core.accept_async([event("ana", "/water 250ml")])
        await until(
            lambda: (
                rows(core, OutboxMessage.id, OutboxMessage.claimed_until)
                and rows(core, OutboxMessage.id, OutboxMessage.claimed_until)[0][1] is None
            ),
            "the reply released",
        )
        assert platform.said == {}
        platform.failing = False
        assert await OutboxSender(core.services.db, clock, platform).drain_once() == 1
    [reply] = platform.said["chat-ana"]
    assert "Logged water 250 ml" in reply


async def test_replies_committed_before_a_crash_go_out_once_the_hold_ends(
    sqlite_url: str, clock: FixedClock
) -> None:
    """The process died after the core's commit, before sending: nothing is lost, and the
    outbox sender waits out the worker's hold before sending."""
    core, platform = make_core(sqlite_url, clock), StandIn()
    try:
        await core.accept_async([event("ana", "/water 250ml")])
        [taken] = inbox.claim(core.services.db, clock.now(), [PLATFORM], limit=5, lease_s=60)
        core.handle_event(taken, await platform.rebuild(taken.payload))  # then the crash
        sender = OutboxSender(core.services.db, clock, platform)
        assert await sender.drain_once() == 0  # still held by the (dead) worker
        clock.advance(seconds=61)
        assert await sender.drain_once() == 1
        assert await sender.drain_once() == 0
        [reply] = platform.said["chat-ana"]
        assert "Logged water 250 ml" in reply
    finally:
        core.services.db.dispose()


async def test_two_workers_on_postgresql_handle_each_event_once_and_each_chat_in_order(
    pg_url: str, clock: FixedClock
) -> None:
    """Two workers (as two processes would, each with its own core and connections) share
    one inbox: SKIP LOCKED and the per-chat claim keep every chat's events in order."""
    first, second = make_core(pg_url, clock), make_core(pg_url, clock)
    platforms = StandIn(), StandIn()
    people = [f"p{n}" for n in range(20)]
    async with working(first, platforms[0]), working(second, platforms[1]):
        await first.accept_async([event(p, f"/water {n}ml") for n in range(1, 6) for p in people])
        await until(
            lambda: sum(len(said) for pf in platforms for said in pf.said.values()) == 100,
            "every answer",
        )
    for person in people:
        chat = f"chat-{person}"
        answers = [*platforms[0].said.get(chat, []), *platforms[1].said.get(chat, [])]
        totals = sorted(
            int(line.split()[1])
            for text in answers
            for line in text.splitlines()
            if line.startswith("Today:")
        )
        assert totals == [1, 3, 6, 10, 15]  # each once, and each after the one before
    assert len(rows(first, Entry.id)) == 100


async def test_on_postgresql_a_chats_next_event_waits_until_the_last_replies_went_out(
    pg_url: str, clock: FixedClock
) -> None:
    """With several workers, the next event's replies must not overtake the last ones while
    another worker is still sending them: it is claimable once they are marked sent (or,
    should that worker have died holding them, after `ORDER_WAIT_S`)."""
    core, platform = make_core(pg_url, clock), StandIn()
    db = core.services.db

    def claim() -> list[Taken]:
        return inbox.claim(db, clock.now(), [PLATFORM], limit=5, lease_s=60)

    try:
        await core.accept_async([event("ana", f"/water {n}ml") for n in (100, 200, 300)])
        [first] = claim()
        core.handle_event(first, await platform.rebuild(first.payload))  # replies held
        assert claim() == []  # the first one's reply is still being sent
        inbox.mark_sent(db, [inbox.reply_key(PLATFORM, first.event_id, 0)], clock.now())
        [second] = claim()
        assert second.payload["text"] == "/water 200ml"
        core.handle_event(second, await platform.rebuild(second.payload))
        assert claim() == []
        clock.advance(seconds=inbox.ORDER_WAIT_S + 1)  # its worker died holding them
        [third] = claim()
        assert third.payload["text"] == "/water 300ml"
    finally:
        db.dispose()
