"""What the tick's pruning costs: one batch per table on a large history, and a look when
nothing is old enough (the case of every quiet minute, before the hour's back-off).

Fills handled_messages, the inbox and the outbox with rows half older than the retention,
then times one `prune` (a batch of 1,000 per table), and one on a database where every row
is young. Prints the figures; asserts nothing.

    python bench/retention.py --quick
    python bench/retention.py --db postgresql://postgres@127.0.0.1:5432/steady_bench  # empty
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select

from bot.ops.retention import Policy, prune
from bot.storage.db import Database
from bot.storage.models import HandledMessage, InboxEvent, OutboxMessage

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
POLICY = Policy(timedelta(days=14), 1000, cooldowns={})
REPLIES = [{"text": "✅ Logged water 250 ml. Today: 1.25 l of 2 l.", "buttons": []}]


def fill(db: Database, rows: int, old_share: float) -> None:
    with db.engine.begin() as connection:
        for table in (HandledMessage, InboxEvent, OutboxMessage):
            connection.execute(delete(table))
    old = int(rows * old_share)
    step = 10_000
    for start in range(0, rows, step):
        ages = [
            timedelta(days=30) if n < old else timedelta(hours=1)
            for n in range(start, min(start + step, rows))
        ]
        at = [NOW - age for age in ages]
        with db.engine.begin() as connection:
            connection.execute(
                insert(HandledMessage),
                [
                    {
                        "platform": "telegram",
                        "chat_id": str(n % 500),
                        "message_id": str(start + n),
                        "replies": REPLIES,
                        "handled_at": t,
                    }
                    for n, t in enumerate(at)
                ],
            )
            connection.execute(
                insert(InboxEvent),
                [
                    {
                        "platform": "telegram",
                        "event_id": str(start + n),
                        "chat_key": f"telegram:{n % 500}",
                        "payload": {"update_id": start + n, "message": {"text": "/water 250"}},
                        "received_at": t,
                        "state": "done",
                        "tries": 1,
                        "done_at": t,
                    }
                    for n, t in enumerate(at)
                ],
            )
            connection.execute(
                insert(OutboxMessage),
                [
                    {
                        "key": f"reply:{start + n}",
                        "platform": "telegram",
                        "chat_id": str(n % 500),
                        "reply": REPLIES[0],
                        "status": "sent",
                        "attempts": 1,
                        "next_attempt_at": t,
                        "created_at": t,
                        "sent_at": t,
                    }
                    for n, t in enumerate(at)
                ],
            )


def timed(db: Database) -> tuple[float, float, dict[str, int]]:
    """One `prune`'s whole time, and the longest delete in it (what holds SQLite's write
    lock, so what a message might wait for), from the same steps `prune` takes."""
    started = time.perf_counter()
    pruned = prune(db, POLICY, NOW)
    whole = time.perf_counter() - started
    return whole, longest_delete(db), pruned


def longest_delete(db: Database) -> float:
    """The same batch's steps again on what is left, timing the deletes alone."""
    longest = 0.0
    for model, condition in POLICY.conditions(NOW).values():
        with db.engine.connect() as connection:
            ids = connection.execute(select(model.id).where(condition).limit(POLICY.batch))
            ids = ids.scalars().all()
        if ids:
            started = time.perf_counter()
            with db.engine.begin() as connection:
                connection.execute(delete(model).where(model.id.in_(ids)))
            longest = max(longest, time.perf_counter() - started)
    return longest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--db", help="an empty PostgreSQL database (default: a SQLite file)")
    args = parser.parse_args()
    rows = 20_000 if args.quick else 200_000
    with tempfile.TemporaryDirectory() as folder:
        db = Database(args.db or f"sqlite:///{folder}/bench.db")
        db.upgrade()
        fill(db, rows, 0.5)
        seconds, longest, pruned = timed(db)
        print(f"{db.engine.dialect.name}, {rows:,} rows in each of three tables, half old:")
        print(f"  one batch per table: {seconds * 1000:.0f} ms, pruned {pruned}")
        print(f"  the longest delete of a batch (the write lock held): {longest * 1000:.0f} ms")
        fill(db, rows, 0.0)
        seconds, _, _ = timed(db)
        print(f"  a look with nothing old (hourly once caught up): {seconds * 1000:.0f} ms")
        db.dispose()


if __name__ == "__main__":
    main()
