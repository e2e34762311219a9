"""How fast Steady answers on Discord, end to end: the real discord.py client and the real
core (SQLite in a temporary folder) against the fake Discord on loopback, through the inbox
(received events are stored, then a worker answers them; bot/intake/worker.py).

Figures printed:
- slash command round trip, one at a time: from INTERACTION_CREATE leaving the gateway to
  the interaction callback reaching the REST API (p50 / p95 / max), and how many would
  have needed a defer at the default threshold;
- a burst of prefix commands sent at once: answered per second;
- DM nudges drained from the outbox: sent per second.

    python bench/discord_roundtrip.py --quick   # under ~30 s
    python bench/discord_roundtrip.py           # the full run
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pytest  # MonkeyPatch, to point discord.py at the fake
from pydantic import SecretStr

from adapters.discord_adapter import DiscordAdapter
from bot.clock import FixedClock
from bot.delivery.outbox import OutboxSender, enqueue
from bot.interface import Destination, Reply
from bot.services import build_core
from bot.settings import Settings
from tests.discord_rig import working
from tests.fakes.discord_api import CHANNEL_ID, FakeDiscord, patch_discord

TOKEN = "123456:BENCH-TOKEN"


async def bench(slash_n: int, burst_n: int, nudge_n: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="steady-bench-"))
    settings = Settings(
        database_url=f"sqlite:///{folder / 'steady.db'}",
        discord_token=SecretStr(TOKEN),
        discord_message_content=True,
    )
    core = build_core(settings, FixedClock(datetime(2026, 11, 25, 12, tzinfo=UTC)))
    fake = FakeDiscord()
    fake.token = TOKEN
    await fake.start()
    patch = pytest.MonkeyPatch()
    patch_discord(patch, fake)
    people = [700000000000000000 + i for i in range(1, 51)]
    for i, person in enumerate(people):
        fake.user(person, f"Runner{i}")
    adapter = DiscordAdapter(core, settings, guild_ready_timeout=0.01)
    task = asyncio.create_task(adapter.run())
    stack = contextlib.AsyncExitStack()
    try:
        await fake.until(lambda: adapter.client.is_ready())
        await stack.enter_async_context(working(core, adapter))

        latencies = []
        for i in range(slash_n):
            before = len(fake.posted)
            sent = time.monotonic()
            await fake.slash(people[i % len(people)], "water", {"amount": "250ml"})
            await fake.until(lambda b=before: len(fake.posted) > b, timeout=30)
            latencies.append(fake.posted[-1].at - sent)
        latencies.sort()
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        deferred = sum(1 for x in latencies if x > settings.discord_defer_after)
        print(
            f"slash round trip ({slash_n}): p50 {statistics.median(latencies) * 1000:.1f} ms, "
            f"p95 {p95 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms; "
            f"{deferred} past the {settings.discord_defer_after} s defer threshold"
        )

        before = len(fake.posted_in(CHANNEL_ID))
        start = time.monotonic()
        for i in range(burst_n):
            await fake.say(people[i % len(people)], f"!run {1 + i % 9}k {20 + i % 30}:00")
        await fake.until(lambda: len(fake.posted_in(CHANNEL_ID)) >= before + burst_n, timeout=300)
        took = time.monotonic() - start
        print(f"prefix burst ({burst_n} at once): {burst_n / took:.0f} answered/s ({took:.2f} s)")

        with core.services.db.unit_of_work() as session:
            for i in range(nudge_n):
                person = people[i % len(people)]
                enqueue(
                    session,
                    key=f"bench:{i}",
                    destination=Destination("discord", str(fake.dm_channel(person))),
                    reply=Reply("Time for a glass of water?"),
                    now=core.services.clock.now(),
                )
        sender = OutboxSender(core.services.db, core.services.clock, adapter, batch=100)
        start = time.monotonic()
        sent_total = 0
        while sent_total < nudge_n:
            sent_total += await sender.drain_once()
        took = time.monotonic() - start
        print(f"outbox DM nudges ({nudge_n}): {nudge_n / took:.0f} sent/s ({took:.2f} s)")
    finally:
        await stack.aclose()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        patch.undo()
        await fake.stop()
        core.services.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (under ~30 s)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    sizes = (50, 100, 100) if args.quick else (500, 1000, 1000)
    asyncio.run(bench(*sizes))


if __name__ == "__main__":
    main()
