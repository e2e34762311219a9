"""Commands per second through `Core.handle`, with p50/p99 latency.

Many users send a realistic mix (runs, strength, water, and looking back) on a SQLite file
and on PostgreSQL. Target: at least 1,000 commands/s with p99 under 20 ms on SQLite on a
2-core machine.

    python bench/core_throughput.py            # 20,000 commands per database
    python bench/core_throughput.py --quick    # 3,000
    python bench/core_throughput.py --language es   # people whose app speaks Spanish
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import FixedClock
from bot.interface import ChatKind, Incoming
from bot.services import build_core
from bot.settings import Settings
from tests.support import postgres_database

MIX = [
    ("/run 5k 28:30", 3),
    ("/run 10km 1:02:10 long and slow", 1),
    ("/strength squats 3x10 40kg", 2),
    ("/strength 30min", 1),
    ("/water 500ml", 5),
    ("drank a glass", 2),
    ("/today", 2),
    ("/week", 1),
    ("/goals", 1),
    ("/streak", 1),
]


def run(url: str, commands: int, users: int, language: str | None = None) -> dict[str, float]:
    clock = FixedClock(datetime(2026, 11, 25, 12, tzinfo=UTC))
    core = build_core(Settings(database_url=url), clock)
    rnd = random.Random(7)
    texts = [t for t, weight in MIX for _ in range(weight)]
    for u in range(users):  # everyone has a goal, as real users do
        core.handle(_incoming(u, "/goal run 15km/week", f"g{u}", language))
    latencies = []
    started = time.perf_counter()
    for i in range(commands):
        if i and i % 500 == 0:
            clock.advance(hours=1)  # days pass, streaks grow
        incoming = _incoming(rnd.randrange(users), rnd.choice(texts), str(i), language)
        t0 = time.perf_counter()
        core.handle(incoming)
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    core.services.db.dispose()
    latencies.sort()
    return {
        "per_s": commands / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
    }


def _incoming(user: int, text: str, message_id: str, language: str | None = None) -> Incoming:
    return Incoming(
        platform="bench",
        user_id=str(user),
        display_name=f"user{user}",
        chat_id=f"c{user}",
        chat_kind=ChatKind.PRIVATE,
        text=text,
        message_id=message_id,
        language=language,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--language", help="what every person's app reports, e.g. es")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    commands, users = (3000, 300) if args.quick else (20000, 2000)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        results = {"sqlite": run(url, commands, users, args.language)}
    if not args.sqlite_only:
        with postgres_database() as url:
            results["postgresql"] = run(url, commands, users, args.language)
    print(f"{commands} commands from {users} users ({args.language or 'no'} language hint)")
    for name, r in results.items():
        verdict = "meets" if r["per_s"] >= 1000 and r["p99_ms"] < 20 else "misses"
        target = f"  ({verdict} the target)" if name == "sqlite" else ""
        print(
            f"{name:>10}: {r['per_s']:7.0f} commands/s  p50 {r['p50_ms']:5.2f} ms  "
            f"p99 {r['p99_ms']:5.2f} ms{target}"
        )


if __name__ == "__main__":
    main()
