"""Events per second from the fake Bot API to the reply, through Steady's durable intake
(getUpdates -> inbox -> worker -> core -> reply -> outbox row marked sent), beside the bare
python-telegram-bot echo bot in the same run.

Each figure is the median of 3 rounds; each round measures every bot once, in turn, so a
busy machine slows them alike. Steady runs as `steady run` would: on SQLite all-in-one with
the core in its own process (two or more CPUs), on PostgreSQL one worker with the core in
two processes. Telegram's flood limits are lifted (the echo bot has none). Targets: SQLite
>= 0.9x the echo bot, PostgreSQL (one worker) >= 0.45x.

On PostgreSQL it also runs the split deployment as separate processes: one `steady run
--role receive` and 1 or 4 `steady run --role work`, each figure a median of 3 as well. Their
CPU seconds (from /proc: the Steady processes, the database's backends serving them, and this
process, which plays Telegram) say per event where the time goes, how many CPUs one worker
keeps busy, the most this machine's CPUs allow at each setup's CPU per event (more workers
than CPUs can add only what one worker leaves idle), and what 4 workers would need to reach
2x one worker on a machine with more cores. Target: 4 workers >= 1.3x one worker.

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
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.telegram_e2e import echo_rate, steady_rate, timed
from bot.app import core_in_process, usable_cpus
from bot.settings import Settings
from bot.storage.db import Database
from tests.fakes.bot_api import TOKEN, FakeBotAPI
from tests.support import empty_all_tables

ROUNDS = 3
TARGETS = {"SQLite": 0.9, "PostgreSQL": 0.45}
SCALE_TARGET = 1.3  # 4 workers against 1, on this machine
REPO = Path(__file__).resolve().parent.parent
TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of one process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * TICK_S


def with_children(pid: int) -> float:
    """CPU time of a process and of its live children (a worker's core processes): a
    child's time counts for its parent only once it has been reaped."""
    total = cpu_seconds(pid)
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            total += sum(with_children(int(c)) for c in task.read_text().split())
        except OSError:
            continue
    return total


def backends_of(database: str) -> list[int]:
    """The PostgreSQL server processes serving `database` (their titles name it); the
    server's own background processes are not counted."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            found.append(int(entry.name))
    return found


@dataclass
class Split:
    """One round of the split deployment: its rate and CPU seconds per event, by part."""

    rate: float
    cpu_ms: dict[str, float]  # receiver, workers, database, telegram: CPU ms per event


async def split_rate(
    count: int, database_url: str, workers: int, core_processes: int | None = None
) -> Split:
    """One receiver and `workers` workers as `steady run` processes on an empty database;
    each worker's core in `core_processes` processes (None: as `steady run` decides)."""
    db = Database(database_url)
    db.upgrade()
    empty_all_tables(db.engine)
    db.dispose()
    fake = await FakeBotAPI().start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEADY_")}
    env.update(
        STEADY_DATABASE_URL=database_url,
        STEADY_TELEGRAM_TOKEN=TOKEN,
        STEADY_TELEGRAM_BASE_URL=fake.base_url,
        STEADY_TELEGRAM_FLOOD_LIMITS="false",
        STEADY_LOG_LEVEL="ERROR",
    )
    if core_processes is not None:
        env["STEADY_CORE_PROCESSES"] = str(core_processes)
    roles = ["receive"] + ["work"] * workers
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            cwd=REPO,
            env=env | {"STEADY_ROLE": role},
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        for role in roles
    ]
    try:
        # Warm up (imports, connections, the first statements prepared), then time.
        await timed(fake, 50)
        fake.sent.clear()
        name = make_url(database_url).database or ""
        steady = [with_children(p.pid) for p in processes]
        server = {pid: cpu_seconds(pid) for pid in backends_of(name)}
        here = time.process_time()
        rate = await timed(fake, count)
        here = time.process_time() - here
        steady = [
            with_children(p.pid) - before for p, before in zip(processes, steady, strict=True)
        ]
        # Backends that were there before, and any opened since (counted from nothing).
        server_s = sum(cpu_seconds(pid) - server.get(pid, 0.0) for pid in backends_of(name))
        per_event = 1000 / count
        return Split(
            rate,
            {
                "receiver": steady[0] * per_event,
                "workers": sum(steady[1:]) * per_event,
                "database": server_s * per_event,
                "telegram": here * per_event,
            },
        )
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                await asyncio.to_thread(process.wait, 15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                await asyncio.to_thread(process.wait)
        await fake.close()


def cpu_parts(runs: list[Split]) -> dict[str, float]:
    """CPU ms per event by part, each the median of the rounds."""
    return {k: statistics.median(s.cpu_ms[k] for s in runs) for k in runs[0].cpu_ms}


def print_split(count: int, database_url: str, one: list[Split], four: list[Split]) -> None:
    """The two split figures, and what 4 workers would need to reach 2x one worker."""
    r1 = statistics.median(s.rate for s in one)
    r4 = statistics.median(s.rate for s in four)
    verdict = "meets" if r4 / r1 >= SCALE_TARGET else "misses"
    print(f"  split, 1 receiver + 1 worker:       {r1:7.0f} updates/s")
    print(f"  split, 1 receiver + 4 workers:      {r4:7.0f} updates/s")
    print(f"  4 workers against 1:                {r4 / r1:7.2f} ({verdict} {SCALE_TARGET})")
    print(
        "  rounds:", {"1 worker": [round(s.rate) for s in one], "4": [round(s.rate) for s in four]}
    )
    for name, runs in (("1 worker", one), ("4 workers", four)):
        parts = cpu_parts(runs)
        shown = ", ".join(f"{k} {v:.2f}" for k, v in parts.items())
        print(f"  CPU ms per event, {name}: {shown}; all {sum(parts.values()):.2f}")
    # What this machine allows at all (every CPU busy at the CPU an event costs): one
    # worker that already keeps most of them busy leaves little for more workers to add.
    cpus = usable_cpus()
    print(
        f"  one worker alone keeps {r1 * sum(cpu_parts(one).values()) / 1000:.2f} "
        f"of the {cpus} CPUs busy"
    )
    for name, runs in (("one worker's", one), ("4 workers'", four)):
        ceiling = cpus * 1000 / sum(cpu_parts(runs).values())
        print(
            f"  the most {cpus} CPUs allow at {name} CPU an event: "
            f"{ceiling:5.0f} updates/s ({ceiling / r1:.2f}x one worker)"
        )
    parts = cpu_parts(four)
    goal = 2 * r1
    cores = goal * sum(parts.values()) / 1000
    print(f"  to reach 2x one worker ({goal:.0f} updates/s) with 4 workers:")
    print(f"    CPUs busy in all: {cores:.1f} (this machine has {cpus})")
    print(f"    each worker: {goal / 4 * parts['workers'] / 1000:.2f} CPU (one process: at most 1)")
    print(f"    the database: {goal * parts['database'] / 1000:.2f} CPU")
    print(
        f"    the one receiver: {goal * parts['receiver'] / 1000:.2f} CPU, "
        "and Telegram's side (here the fake): "
        f"{goal * parts['telegram'] / 1000:.2f} CPU (each one process: at most 1)"
    )


def print_all_in_one(found: dict[str, list[float]], target: float) -> None:
    rate = {name: statistics.median(values) for name, values in found.items()}
    bare = max(rate["echo"], rate["echo8"])
    verdict = "meets" if rate["steady"] / bare >= target else "misses"
    print(f"  bare PTB echo bot, one at a time:   {rate['echo']:7.0f} updates/s")
    print(f"  bare PTB echo bot, 8 at a time:     {rate['echo8']:7.0f} updates/s")
    print(f"  Steady through the inbox:           {rate['steady']:7.0f} updates/s")
    ratio = rate["steady"] / bare
    print(f"  ratio to the faster echo bot:       {ratio:7.2f} ({verdict} {target})")
    print("  rounds:", {name: [round(v) for v in values] for name, values in found.items()})


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer updates a round")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument(
        "--core",
        choices=("process", "thread"),
        help="where the core's work runs (default: where `steady run` would run it here)",
    )
    parser.add_argument(
        "--split-core-processes",
        type=int,
        help="PostgreSQL split runs: each worker's core processes (default: as steady run)",
    )
    parser.add_argument(
        "--split-only", action="store_true", help="PostgreSQL: only the split deployment"
    )
    parser.add_argument(
        "--no-split",
        action="store_true",
        help="PostgreSQL: skip the receiver + 1 or 4 workers processes",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    count = 300 if args.quick else 1000
    database = "PostgreSQL" if args.database_url else "SQLite"
    in_process = core_in_process(Settings()) if args.core is None else args.core == "process"
    where = "the core in a process of its own" if in_process else "the core in threads"
    print(
        f"{count} updates a round, median of {ROUNDS}; Steady on {database}, {where}; "
        f"{usable_cpus()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    found: dict[str, list[float]] = {"echo": [], "echo8": [], "steady": []}
    for _ in range(0 if args.split_only else ROUNDS):
        found["echo"].append(await echo_rate(count, False, 0.0))
        found["echo8"].append(await echo_rate(count, True, 0.0))
        found["steady"].append(await steady_rate(count, args.database_url, 0.0, in_process))
    if not args.split_only:
        print_all_in_one(found, TARGETS[database])
    if args.database_url and not args.no_split:
        one: list[Split] = []
        four: list[Split] = []
        for _ in range(ROUNDS):
            cores = args.split_core_processes
            one.append(await split_rate(count, args.database_url, 1, cores))
            four.append(await split_rate(count, args.database_url, 4, cores))
        print_split(count, args.database_url, one, four)


if __name__ == "__main__":
    asyncio.run(main())
