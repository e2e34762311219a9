"""Updates per second through Steady's whole Telegram adapter, beside a bare
python-telegram-bot echo bot, both against the fake Bot API on loopback.

Steady's path is the real one: getUpdates -> inbox -> worker -> translate -> core (parse,
one database transaction, totals) -> HTML rendering -> sendMessage (bench/intake.py prints
the same comparison as medians, with the targets for the inbox). The echo bot does the least a PTB
bot can: one sendMessage per update, replying with the text it got. Both get the same
updates from the same fake, in the same process, and are timed the same way (from queueing
the updates to the last reply arriving); Telegram's flood limits are lifted for Steady (the
echo bot has none), since they would cap both at 30 messages a second. Each round measures
every bot once, so a busy machine slows them alike; the best round of each is printed.
Target: Steady at least 0.7 of the faster echo bot's rate.

Steady runs as `steady run` would run it on this machine: on SQLite with more than one CPU,
the core's work in a process of its own (bot/intake/core_process.py), else in a worker thread;
`--core` picks one. With the core in its own process, Steady needs two free CPUs: the load
printed first says whether another program was busy (the figures are then low and uneven).
The core's process is new each round, so its first messages (about the first hundred, on
cold caches) weigh more in a quick run.

Two more figures split Steady's time: the adapter with the core's replies canned (its whole
path, the hop to the core included, with no database work) and the core by itself with no
Telegram.

    python bench/telegram_e2e.py --quick      # about a minute
    python bench/telegram_e2e.py              # more updates, for steadier figures
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from adapters.telegram_adapter import TelegramAdapter
from adapters.telegram_adapter.adapter import NO_LIMITS
from bot.app import adapters_core, core_in_process, usable_cpus, use_core_threads
from bot.clock import FixedClock
from bot.context import Services
from bot.core import HOLD_S, Core
from bot.intake import inbox
from bot.intake.core_process import RemoteCore
from bot.intake.worker import Worker
from bot.interface import Incoming, Reply, Taken
from bot.services import build_services
from bot.settings import Settings
from tests.fakes.bot_api import TOKEN, FakeBotAPI
from tests.support import empty_all_tables

TARGET = 0.7
LOOPBACK, TYPICAL_TRIP_S = 0.0, 0.03  # a typical trip to api.telegram.org
CONCURRENT = 8  # the echo bot's concurrency when it runs updates side by side
USERS = 50
TEXTS = ("/water 250ml", "/run 5k 28:30", "drank 300ml", "/strength squats 3x10 40kg")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

Measure = Callable[[], Awaitable[float]]


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


def fresh_services(folder: str, database_url: str | None, **settings: object) -> Services:
    """Services on an empty database: a new SQLite file, or PostgreSQL's tables emptied."""
    url = database_url or f"sqlite:///{folder}/bench.db"
    services = build_services(Settings(database_url=url, **settings), FixedClock(NOW))  # type: ignore[arg-type]
    if database_url:
        empty_all_tables(services.db.engine)
    return services


class CannedCore(Core):
    """The real core's reply to each text the first time, then that reply again with no
    database work: what is left of Steady's time is the adapter's path, thread hop included."""

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self._canned: dict[str, list[Reply]] = {}

    def handle_event(
        self, taken: Taken, incoming: Incoming | None, hold_s: float = HOLD_S
    ) -> list[Reply]:
        if incoming is None or incoming.text not in self._canned:
            replies = super().handle_event(taken, incoming, hold_s)
            if incoming is not None:
                self._canned[incoming.text] = replies
            return replies
        # Only the inbox row is kept (the chat's next event waits for it to be done).
        now = self.services.clock.now()
        inbox.finish_alone(self.services.db, taken, [], now=now, hold_s=hold_s)
        return self._canned[incoming.text]


def core_alone_rate(count: int, database_url: str | None) -> float:
    """The core by itself, no Telegram at all: what the same updates cost before any network."""
    with tempfile.TemporaryDirectory() as folder:
        core = Core(fresh_services(folder, database_url))
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


async def steady_rate(
    count: int,
    database_url: str | None,
    latency_s: float,
    core_process: bool | None,
    *,
    canned: bool = False,
) -> float:
    """Steady as `steady run` runs it (the adapter storing updates, one worker answering
    them) on an empty database, timed like the echo bot."""
    fake = await FakeBotAPI(latency_s=latency_s).start()
    with tempfile.TemporaryDirectory() as folder:
        services = fresh_services(
            folder,
            database_url,
            telegram_token=TOKEN,
            telegram_base_url=fake.base_url,
            core_process=core_process,
        )
        core = adapters_core(services, CannedCore if canned else Core)
        if isinstance(core, RemoteCore):
            await core.start()
        else:
            use_core_threads(core)  # as `steady run` does
        adapter = TelegramAdapter(core, services.settings, limits=NO_LIMITS)
        worker = Worker(core, [adapter])
        tasks = [asyncio.create_task(adapter.run()), asyncio.create_task(worker.run())]
        try:
            await adapter.ready.wait()
            return await timed(fake, count)
        finally:
            await worker.stop(1.0)
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if isinstance(core, RemoteCore):
                await core.close()
            services.db.dispose()
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


async def best_in_rounds(rounds: int, measures: dict[str, Measure]) -> dict[str, float]:
    """Every measure once a round, in turn, so a busy machine slows them alike; the best
    round of each."""
    found: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(rounds):
        for name, measure in measures.items():
            found[name].append(await measure())
    return {name: max(rates) for name, rates in found.items()}


async def compare(
    count: int, rounds: int, latency_s: float, database_url: str | None, core_process: bool
) -> None:
    measures: dict[str, Measure] = {
        "sequential": lambda: echo_rate(count, False, latency_s),
        "concurrent": lambda: echo_rate(count, True, latency_s),
        "steady": lambda: steady_rate(count, database_url, latency_s, core_process),
    }
    if latency_s == LOOPBACK:
        measures["canned"] = lambda: steady_rate(
            count, database_url, latency_s, core_process, canned=True
        )
        measures["core"] = lambda: asyncio.to_thread(core_alone_rate, count, database_url)
    rate = await best_in_rounds(rounds, measures)
    steady, bare = rate["steady"], max(rate["sequential"], rate["concurrent"])
    verdict = "meets" if steady / bare >= TARGET else "misses"
    trip = f"{latency_s * 1000:.0f} ms"
    print(f"{count} updates; each send takes {trip} more (the trip to Telegram):")
    show("bare PTB echo bot, one update at a time", f"{rate['sequential']:.0f} updates/s")
    show(f"bare PTB echo bot, {CONCURRENT} at a time", f"{rate['concurrent']:.0f} updates/s")
    show("Steady's whole Telegram adapter", f"{steady:.0f} updates/s")
    show("ratio to the faster bare bot", f"{steady / bare:.2f} ({verdict} {TARGET})")
    if latency_s != LOOPBACK:
        return
    show("Steady with the core's replies canned", f"{rate['canned']:.0f} updates/s")
    show("the core alone, no Telegram at all", f"{rate['core']:.0f} updates/s")
    show("ratio if the core took no time", f"{rate['canned'] / bare:.2f}")
    ms = {name: 1000 / value for name, value in rate.items()}
    if core_process:
        # Two CPUs at work: the slower of the two paths sets the pace.
        slower = max(ms["canned"], ms["core"])
        print(
            f"  per update: Steady {ms['steady']:.2f} ms; the adapter path {ms['canned']:.2f} ms"
            f" and the core {ms['core']:.2f} ms run side by side, in two processes;"
            f" {ms['steady'] - slower:.2f} ms more than the slower of the two"
        )
    else:
        sharing = ms["steady"] - ms["canned"] - ms["core"]
        print(
            f"  per update: Steady {ms['steady']:.2f} ms = adapter path {ms['canned']:.2f} ms"
            f" + core {ms['core']:.2f} ms + {sharing:.2f} ms of the two sharing one interpreter"
        )
    hop = "the hop to the core's process" if core_process else "the thread hop"
    print(
        f"  adapter path {ms['canned']:.2f} ms = bare bot {ms['sequential']:.2f} ms"
        f" + {ms['canned'] - ms['sequential']:.2f} ms (updates side by side, {hop},"
        " HTML, buttons, rate limiter)"
    )


def show(label: str, value: str) -> None:
    print(f"  {label + ':':42} {value:>8}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (about a minute)")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument(
        "--core",
        choices=("process", "thread"),
        help="where the core's work runs (default: where `steady run` would run it here)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    # At 30 ms a send, the echo bot that takes one update at a time manages about 30 a
    # second whatever the count, so fewer updates tell as much there.
    count, trip_count = (300, 60) if args.quick else (1000, 300)
    rounds = 3
    database = "PostgreSQL" if args.database_url else "SQLite"
    core_process = core_in_process(Settings()) if args.core is None else args.core == "process"
    where = "in a process of its own" if core_process else "in a worker thread"
    print(f"Updates from {USERS} people, best of {rounds} rounds; Steady on {database},")
    print(f"the core's work {where}; {usable_cpus()} CPUs, load {os.getloadavg()[0]:.1f}")
    await compare(count, rounds, LOOPBACK, args.database_url, core_process)
    await compare(trip_count, rounds, TYPICAL_TRIP_S, args.database_url, core_process)


if __name__ == "__main__":
    asyncio.run(main())
