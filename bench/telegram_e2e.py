"""Updates per second through Steady's whole Telegram adapter, beside a bare
python-telegram-bot echo bot, both against the fake Bot API on loopback.

Steady's path is the real one: PTB polling -> translate -> core (parse, one database
transaction, totals) -> HTML rendering -> sendMessage. The echo bot does the least a PTB
bot can: reply with the text it got. Telegram's flood limits are lifted for both (they
would cap both at 30 messages a second and hide the adapter's own cost). Target: Steady
at least 0.7 of the echo bot's rate.

    python bench/telegram_e2e.py --quick      # under 30 s
    python bench/telegram_e2e.py              # more updates, best of three rounds
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from adapters.telegram_adapter import SendLimits, TelegramAdapter
from bot.app import build_core
from bot.clock import FixedClock
from bot.core import Core
from bot.interface import Incoming
from bot.settings import Settings
from tests.fakes.bot_api import TOKEN, FakeBotAPI
from tests.support import empty_all_tables

TARGET = 0.7
LATENCIES_S = (0.0, 0.03)  # loopback, and a typical trip to api.telegram.org
CONCURRENT = 8  # the echo bot's concurrency when it runs updates side by side
USERS = 50
TEXTS = ("/water 250ml", "/run 5k 28:30", "drank 300ml", "/strength squats 3x10 40kg")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def push_updates(fake: FakeBotAPI, count: int) -> None:
    for n in range(count):
        user = fake.user(10_000 + n % USERS, f"Runner {n % USERS}")
        fake.send_text(user, TEXTS[n % len(TEXTS)])


async def timed(fake: FakeBotAPI, count: int) -> float:
    """Queue `count` updates and time until the bot has answered every one."""
    push_updates(fake, count)
    start = time.perf_counter()
    while len(fake.sent) < count:
        await asyncio.sleep(0.002)
    return count / (time.perf_counter() - start)


def fresh_core(folder: str, database_url: str | None, **settings: object) -> Core:
    """A core on an empty database: a new SQLite file, or PostgreSQL's tables emptied."""
    url = database_url or f"sqlite:///{folder}/bench.db"
    core = build_core(Settings(database_url=url, **settings), FixedClock(NOW))  # type: ignore[arg-type]
    if database_url:
        empty_all_tables(core.services.db.engine)
    return core


def core_alone_rate(count: int, database_url: str | None) -> float:
    """The core by itself, no Telegram at all: what the same updates cost before any network."""
    with tempfile.TemporaryDirectory() as folder:
        core = fresh_core(folder, database_url)
        try:
            start = time.perf_counter()
            for n in range(count):
                user = str(10_000 + n % USERS)
                text = TEXTS[n % len(TEXTS)]
                core.handle(
                    Incoming("telegram", user, "Runner", user, text=text, message_id=str(n))
                )
            return count / (time.perf_counter() - start)
        finally:
            core.services.db.dispose()


async def steady_rate(count: int, database_url: str | None, latency_s: float) -> float:
    fake = await FakeBotAPI(latency_s=latency_s).start()
    with tempfile.TemporaryDirectory() as folder:
        core = fresh_core(
            folder, database_url, telegram_token=TOKEN, telegram_base_url=fake.base_url
        )
        settings = core.services.settings
        adapter = TelegramAdapter(core, settings, limits=SendLimits(per_second=0, per_group=0))
        task = asyncio.create_task(adapter.run())
        try:
            await adapter.ready.wait()
            return await timed(fake, count)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            core.services.db.dispose()
            await fake.close()


async def echo_rate(count: int, concurrent: bool, latency_s: float) -> float:
    """The bare bot: PTB's own lifecycle by hand, one handler that echoes."""
    fake = await FakeBotAPI(latency_s=latency_s).start()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(update.message.text or "")

    builder = ApplicationBuilder().token(TOKEN).base_url(fake.base_url).job_queue(None)
    app: Application = builder.concurrent_updates(CONCURRENT if concurrent else 1).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    try:
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(timeout=30)
            rate = await timed(fake, count)
            await app.updater.stop()
            await app.stop()
            return rate
    finally:
        await fake.close()


async def best_of(rounds: int, measure: Callable[[], Awaitable[float]]) -> float:
    return max([await measure() for _ in range(rounds)])


async def compare(count: int, rounds: int, latency_s: float, database_url: str | None) -> None:
    def echo(concurrent: bool) -> Callable[[], Awaitable[float]]:
        return lambda: echo_rate(count, concurrent, latency_s)

    sequential = await best_of(rounds, echo(False))
    concurrent = await best_of(rounds, echo(True))
    steady = await best_of(rounds, lambda: steady_rate(count, database_url, latency_s))
    bare = max(sequential, concurrent)
    verdict = "meets" if steady / bare >= TARGET else "misses"
    print(f"Each send takes {latency_s * 1000:.0f} ms more (the trip to Telegram):")
    print(f"  bare PTB echo bot, one update at a time: {sequential:7.0f} updates/s")
    print(f"  bare PTB echo bot, {CONCURRENT} at a time:        {concurrent:7.0f} updates/s")
    print(f"  Steady's whole Telegram adapter:         {steady:7.0f} updates/s")
    print(f"  ratio to the faster bare bot:            {steady / bare:7.2f} ({verdict} {TARGET})")
    if not latency_s:
        core = await best_of(
            rounds, lambda: asyncio.to_thread(core_alone_rate, count, database_url)
        )
        own = 1000 / steady - 1000 / sequential - 1000 / core
        print(f"  the core alone, no Telegram at all:      {core:7.0f} updates/s")
        print(
            f"  per update: Steady {1000 / steady:.2f} ms = bare bot {1000 / sequential:.2f} ms"
            f" + core {1000 / core:.2f} ms + adapter {own:.2f} ms"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (under 30 s)")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    count, rounds = (300, 1) if args.quick else (1000, 3)
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{count} updates from {USERS} people, best of {rounds}; Steady on {database}")
    for latency_s in LATENCIES_S:
        await compare(count, rounds, latency_s, args.database_url)


if __name__ == "__main__":
    asyncio.run(main())
