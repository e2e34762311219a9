"""The outbox sender keeps within each platform's limits: Telegram 30 a second overall, 1 a
second per chat, 20 a minute per group; Discord 5 per 5 seconds per channel."""

from adapters.discord_adapter.adapter import DiscordAdapter
from adapters.telegram_adapter.adapter import PACING
from bot.delivery.outbox import OutboxSender, enqueue
from bot.delivery.pacing import Pacer
from bot.interface import Destination, PlatformLimits, Reply

# Each platform's limits as its adapter declares them.
LIMITS = {"telegram": PACING, "discord": DiscordAdapter.pacing}


class Stopwatch:
    """A monotonic clock the test moves; sleeping moves it too."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Platform:
    def __init__(self, name: str, watch: Stopwatch) -> None:
        self.platform, self.watch = name, watch
        self.pacing = LIMITS.get(name, PlatformLimits())
        self.open_dms_hint = None
        self.sent: list[tuple[float, str]] = []

    async def send(self, destination: Destination, reply: Reply) -> None:
        self.sent.append((self.watch.now, destination.chat_id))


def put(core, platform: str, chat_id: str, n: int, prefix: str = "m") -> None:
    with core.services.db.unit_of_work() as s:
        for i in range(n):
            enqueue(
                s,
                key=f"{prefix}:{chat_id}:{i}",
                destination=Destination(platform, chat_id),
                reply=Reply(f"{prefix}{i}"),
                now=core.services.clock.now(),
            )


def sender_for(core, clock, platform: Platform, watch: Stopwatch, batch=100) -> OutboxSender:
    return OutboxSender(
        core.services.db, clock, platform, batch=batch, monotonic=watch, sleep=watch.sleep
    )


async def test_telegram_sends_at_most_thirty_a_second_overall(core, clock):
    for chat in range(45):
        put(core, "telegram", str(chat), 1)
    watch = Stopwatch()
    telegram = Platform("telegram", watch)
    assert await sender_for(core, clock, telegram, watch).drain_once() == 45
    times = [t for t, _ in telegram.sent]
    assert all(sum(1 for u in times if t <= u < t + 1) <= 30 for t in times)
    assert sum(watch.slept) >= 1.0 - 1e-9


async def test_one_chat_waits_its_turn_while_others_go_on(core, clock):
    put(core, "telegram", "42", 3, prefix="a")
    put(core, "telegram", "43", 1, prefix="b")
    watch = Stopwatch()
    telegram = Platform("telegram", watch)
    sender = sender_for(core, clock, telegram, watch)
    assert await sender.drain_once() == 2  # one for chat 42, one for chat 43
    assert watch.slept == []  # nobody blocked: the chat's extra messages were put back
    for _ in range(2):
        watch.now += 1
        clock.advance(seconds=1)
        assert await sender.drain_once() == 1
    assert [chat for _, chat in telegram.sent].count("42") == 3


async def test_a_telegram_group_gets_twenty_a_minute(core, clock):
    put(core, "telegram", "-100123", 25)
    watch = Stopwatch()
    telegram = Platform("telegram", watch)
    sender = sender_for(core, clock, telegram, watch)
    sent = 0
    for _ in range(40):  # twenty seconds, a second at a time
        sent += await sender.drain_once()
        watch.now += 0.5
        clock.advance(seconds=0.5)
    assert sent == 20
    watch.now += 60
    clock.advance(seconds=60)
    assert await sender.drain_once() == 5


async def test_a_discord_channel_gets_five_per_five_seconds(core, clock):
    put(core, "discord", "555", 7)
    watch = Stopwatch()
    discord = Platform("discord", watch)
    sender = sender_for(core, clock, discord, watch)
    assert await sender.drain_once() == 5
    watch.now += 5
    clock.advance(seconds=5)
    assert await sender.drain_once() == 2


def test_idle_chats_are_forgotten():
    watch = Stopwatch()
    pacer = Pacer(LIMITS["telegram"], watch)
    largest = 0
    for chat in range(25_000):  # a chat every 10 ms for over four minutes
        pacer.record(str(chat))
        largest = max(largest, len(pacer.chats))
        watch.now += 0.01
    assert largest <= 10_001
    assert "24999" in pacer.chats and "0" not in pacer.chats
