"""Plain words through `Core.handle` on SQLite: a mix that is more than half plain words
(the phrasings earlier versions read too, so the same work is compared), the median of
several runs, and what reading one message costs on its own.

    python bench/plain_words.py               # 5 runs of 4,000 messages
    python bench/plain_words.py --runs 3 --messages 2000

To compare with an older checkout, run this file with that checkout first on the path:
`PYTHONPATH=/path/to/old python bench/plain_words.py` (the reading cost needs this one).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

from bot.clock import FixedClock
from bot.interface import ChatKind, Incoming
from bot.services import build_core
from bot.settings import Limits, Settings

PLAIN = [
    ("ran 5k in 28 min", 3),
    ("ran 10km in 55:00", 1),
    ("did 3x10 squats", 2),
    ("drank 500ml", 4),
    ("drank half a litre", 2),
]
COMMANDS = [
    ("/run 5k 28:30", 2),
    ("/water 500ml", 3),
    ("/strength squats 3x10 40kg", 1),
    ("/today", 2),
    ("/week", 1),
    ("/streak", 1),
]
# Phrasings for the reading cost alone: sure, unsure and not a log.
READ_ONLY = [
    "3x10 squats 40kg",
    "went for a 6k run",
    "half marathon in 1:58:20",
    "drank a bottle of water",
    "did 3 sets of 12 lunges",
    "did 5 in 30",
    "ran 5k last friday",
    "ran five k",
    "my friend ran 10k",
    "good morning!",
]


def run(url: str, messages: int, users: int) -> float:
    clock = FixedClock(datetime(2026, 11, 25, 12, tzinfo=UTC))
    core = build_core(Settings(database_url=url), clock)
    rnd = random.Random(7)
    texts = [t for t, weight in PLAIN + COMMANDS for _ in range(weight)]
    for u in range(users):
        core.handle(_incoming(u, "/goal run 15km/week", f"g{u}"))
    started = time.perf_counter()
    for i in range(messages):
        if i and i % 500 == 0:
            clock.advance(hours=1)
        core.handle(_incoming(rnd.randrange(users), rnd.choice(texts), str(i)))
    elapsed = time.perf_counter() - started
    core.services.db.dispose()
    return messages / elapsed


def reading_cost_us() -> dict[str, float] | None:
    try:
        from bot.reading.plain_words import read
        from bot.reading.vocabulary import vocabulary
    except ImportError:  # an older checkout
        return None
    limits, today = Limits(), date(2026, 11, 25)
    words = vocabulary()  # given, so that nothing read before is remembered: the full cost
    for text in READ_ONLY:  # first use: the grammar, the vocabulary, dateparser's warm-up
        with contextlib.suppress(ValueError):
            read(text, today=today, limits=limits, glass_ml=250, words=words)
    costs = {}
    for text in READ_ONLY:
        rounds = 300
        started = time.perf_counter()
        for _ in range(rounds):
            read(text, today=today, limits=limits, glass_ml=250, words=words)
        costs[text] = (time.perf_counter() - started) / rounds * 1e6
    return costs


def _incoming(user: int, text: str, message_id: str) -> Incoming:
    return Incoming(
        platform="bench",
        user_id=str(user),
        display_name=f"user{user}",
        chat_id=f"c{user}",
        chat_kind=ChatKind.PRIVATE,
        text=text,
        message_id=message_id,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--users", type=int, default=400)
    args = parser.parse_args()
    plain = sum(w for _, w in PLAIN)
    share = plain / (plain + sum(w for _, w in COMMANDS))
    rates = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            rates.append(run(f"sqlite:///{folder}/bench.db", args.messages, args.users))
    print(f"{args.messages} messages ({share:.0%} plain words) from {args.users} users, SQLite")
    print(f"runs: {', '.join(f'{r:.0f}' for r in rates)} messages/s")
    print(f"median: {statistics.median(rates):.0f} messages/s")
    costs = reading_cost_us()
    if costs:
        print("reading one message alone (µs):")
        for text, us in costs.items():
            print(f"  {us:7.1f}  {text}")


if __name__ == "__main__":
    main()
