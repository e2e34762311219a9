"""The outbox delivers every message once, retries on trouble and stops at unreachable people."""

from sqlalchemy import select

from bot.delivery.outbox import OutboxSender, enqueue
from bot.groups.challenges import challenge_chat_of
from bot.interface import Destination, PlatformLimits, Reply, RetryLater, Unreachable
from bot.storage.models import Account, OutboxMessage
from tests.support import Chat


class FakeAdapter:
    platform = "console"
    pacing = PlatformLimits()  # unpaced
    open_dms_hint = None

    def __init__(self, failures=()):
        self.sent: list[tuple[Destination, Reply]] = []
        self.failures = list(failures)

    async def send(self, destination, reply):
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((destination, reply))


def put(core, key, text="Time for water?", chat_id="chat-ana"):
    with core.services.db.unit_of_work() as s:
        return enqueue(
            s,
            key=key,
            destination=Destination("console", chat_id),
            reply=Reply(text),
            now=core.services.clock.now(),
        )


async def test_each_key_is_enqueued_and_sent_once(core, clock):
    assert put(core, "reminder:1:0700") is True
    assert put(core, "reminder:1:0700") is False
    adapter = FakeAdapter()
    sender = OutboxSender(core.services.db, clock, adapter)
    assert await sender.drain_once() == 1
    assert await sender.drain_once() == 0
    assert [r.text for _, r in adapter.sent] == ["Time for water?"]


async def test_retry_after_waits_and_then_delivers(core, clock):
    put(core, "k1")
    adapter = FakeAdapter([RetryLater(30), ConnectionError("down")])
    sender = OutboxSender(core.services.db, clock, adapter)
    assert await sender.drain_once() == 0
    clock.advance(seconds=10)
    assert await sender.drain_once() == 0  # still waiting out the 30 s
    clock.advance(seconds=25)
    assert await sender.drain_once() == 0  # network trouble: backs off again
    clock.advance(minutes=5)
    assert await sender.drain_once() == 1
    assert len(adapter.sent) == 1


async def test_unreachable_person_is_marked_and_not_retried(core, clock):
    Chat(core).say("/start")  # creates the account with private chat "chat-ana"
    put(core, "k1")
    sender = OutboxSender(core.services.db, clock, FakeAdapter([Unreachable()]))
    await sender.drain_once()
    clock.advance(hours=2)
    assert await sender.drain_once() == 0
    with core.services.db.unit_of_work() as s:
        assert s.scalar(select(Account.unreachable)) is True
        assert s.scalar(select(OutboxMessage.status)) == "dead"
    Chat(core).say("/today")  # writing again makes them reachable
    with core.services.db.unit_of_work() as s:
        assert s.scalar(select(Account.unreachable)) is False


async def test_a_lease_held_by_a_dead_worker_runs_out(core, clock):
    from bot.delivery.outbox import claim

    put(core, "k1")
    assert len(claim(core.services.db, "console", clock.now(), limit=10, lease_s=60)) == 1
    adapter = FakeAdapter()
    sender = OutboxSender(core.services.db, clock, adapter)
    assert await sender.drain_once() == 0  # still leased to the worker that died
    clock.advance(seconds=61)
    assert await sender.drain_once() == 1


async def test_two_workers_on_postgres_send_each_message_once(make_core, pg_url, clock):
    import asyncio

    core = make_core(pg_url)
    for i in range(200):
        put(core, f"k{i}", text=f"m{i}")
    adapters = [FakeAdapter(), FakeAdapter()]
    senders = [OutboxSender(make_core(pg_url).services.db, clock, a, batch=7) for a in adapters]

    async def drain(sender):
        while await sender.drain_once():
            await asyncio.sleep(0)

    await asyncio.gather(*(drain(s) for s in senders))
    texts = [r.text for a in adapters for _, r in a.sent]
    assert sorted(texts) == sorted(f"m{i}" for i in range(200))


class ClosedDMs(FakeAdapter):
    """Discord-like: DMs can be closed, and there is a setting to point people to."""

    platform = "discord"
    open_dms_hint = "allow direct messages from this server's members"

    async def send(self, destination, reply):
        if destination.chat_id.startswith("dm-"):
            raise Unreachable()
        self.sent.append((destination, reply))


async def test_someone_with_closed_dms_is_asked_once_in_their_challenge_channel(core, clock):
    from bot.interface import ChatKind

    channel = Chat(core, "ana", platform="discord", chat_id="chan-1", kind=ChatKind.GROUP)
    channel.say('/challenge new "Winter 50k" run 50km until 2026-12-31')
    Chat(core, "ana", platform="discord", chat_id="dm-ana").say("/start")  # her DM channel
    for n in range(2):  # two nudges fail in one go: one ask
        with core.services.db.unit_of_work() as s:
            enqueue(
                s,
                key=f"nudge-{n}",
                destination=Destination("discord", "dm-ana"),
                reply=Reply("Time for your run"),
                now=clock.now(),
            )
    adapter = ClosedDMs()
    sender = OutboxSender(core.services.db, clock, adapter, reach_elsewhere=challenge_chat_of)
    await sender.drain_once()
    await sender.drain_once()
    [(where, ask)] = adapter.sent
    assert where == Destination("discord", "chan-1")
    assert "Ana, I can't reach you by direct message" in ask.text
    assert "allow direct messages from this server's members" in ask.text


async def test_no_ask_without_a_challenge_channel_or_a_way_back(core, clock):
    Chat(core, "ana", platform="discord", chat_id="dm-ana").say("/start")
    put_discord = Destination("discord", "dm-ana")
    with core.services.db.unit_of_work() as s:
        enqueue(s, key="n1", destination=put_discord, reply=Reply("Time"), now=clock.now())
    adapter = ClosedDMs()
    sender = OutboxSender(core.services.db, clock, adapter)
    await sender.drain_once()
    assert await sender.drain_once() == 0 and adapter.sent == []
