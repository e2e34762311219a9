"""Events per second from the fake Bot API to the reply, through Steady's durable intake
(getUpdates -> inbox -> worker -> core -> reply -> outbox row marked sent), beside the bare
python-telegram-bot echo bot in the same run.

Each figure is the median of 3 rounds; each round measures every bot once, in turn, so a
busy machine slows them alike. Steady runs as `steady run` would: on SQLite all-in-one with
the core in its own process (two or more CPUs), on PostgreSQL one worker with the core in
threads. Telegram's flood limits are lifted (the echo bot has none). Targets: SQLite
>= 0.9x the echo bot, PostgreSQL (one worker) >= 0.45x.

    python bench/intake.py                                  # SQLite
    python bench/intake.py --database-url postgresql+psycopg://...   # PostgreSQL
    python bench/intake.py --quick
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.telegram_adapter import TelegramAdapter
from adapters.telegram_adapter.adapter import NO_LIMITS
from bench.telegram_e2e import echo_rate, fresh_services, timed
from bot.app import adapters_core, core_in_process, usable_cpus, use_core_threads
from bot.intake.core_process import RemoteCore
from bot.intake.worker import Worker
from bot.settings import Settings
from tests.fakes.bot_api import TOKEN, FakeBotAPI

ROUNDS = 3
TARGETS = {"SQLite": 0.9, "PostgreSQL": 0.45}


async def intake_rate(count: int, database_url: str | None, core_process: bool | None) -> float:
    """Steady's adapter and one worker on an empty database, timed like the echo bot."""
    fake = await FakeBotAPI().start()
    with tempfile.TemporaryDirectory() as folder:
        services = fresh_services(
            folder,
            database_url,
            telegram_token=TOKEN,
            telegram_base_url=fake.base_url,
            core_process=core_process,
        )
        core = adapters_core(services)
        if isinstance(core, RemoteCore):
            await core.start()
        else:
            use_core_threads(core)
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
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if isinstance(core, RemoteCore):
                await core.close()
            services.db.dispose()
            await fake.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer updates a round")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument(
        "--core",
        choices=("process", "thread"),
        help="where the core's work runs (default: where `steady run` would run it here)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    count = 300 if args.quick else 1000
    database = "PostgreSQL" if args.database_url else "SQLite"
    if args.core is None:
        in_process = core_in_process(Settings(), postgres=args.database_url is not None)
    else:
        in_process = args.core == "process"
    where = "the core in a process of its own" if in_process else "the core in threads"
    print(
        f"{count} updates a round, median of {ROUNDS}; Steady on {database}, {where}; "
        f"{usable_cpus()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    found: dict[str, list[float]] = {"echo": [], "echo8": [], "steady": []}
    for _ in range(ROUNDS):
        found["echo"].append(await echo_rate(count, False, 0.0))
        found["echo8"].append(await echo_rate(count, True, 0.0))
        found["steady"].append(await intake_rate(count, args.database_url, in_process))
    rate = {name: statistics.median(values) for name, values in found.items()}
    bare = max(rate["echo"], rate["echo8"])
    target = TARGETS[database]
    verdict = "meets" if rate["steady"] / bare >= target else "misses"
    print(f"  bare PTB echo bot, one at a time:   {rate['echo']:7.0f} updates/s")
    print(f"  bare PTB echo bot, 8 at a time:     {rate['echo8']:7.0f} updates/s")
    print(f"  Steady through the inbox:           {rate['steady']:7.0f} updates/s")
    ratio = rate["steady"] / bare
    print(f"  ratio to the faster echo bot:       {ratio:7.2f} ({verdict} {target})")
    print("  rounds:", {name: [round(v) for v in values] for name, values in found.items()})


if __name__ == "__main__":
    asyncio.run(main())
