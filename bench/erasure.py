"""What a /deleteme costs as the record of handled messages grows.

/deleteme looks through every reply kept against redelivery for the person's name (a
text search the database does, then a check in Python of the rows it finds), blanks the
ones in their groups' chats, composes again their groups' digests waiting to be posted,
and on SQLite empties the write-ahead log. Fills a database with other people's kept
replies (one in a hundred naming the person, as a group's leaderboard would), then times
one /deleteme. Prints the figures; asserts nothing.

    python bench/erasure.py --quick     # 20,000 kept replies, SQLite and PostgreSQL
    python bench/erasure.py             # 100,000 and 1,000,000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select

from bot.clock import FixedClock
from bot.interface import ChatKind, Incoming
from bot.services import build_core
from bot.settings import Settings
from bot.storage.models import HandledMessage
from tests.support import postgres_database

NAME = "Bozena Quxwell"
BATCH = 10_000


def person(text: str, message_id: str, chat: str = "dm-bo", kind=ChatKind.PRIVATE) -> Incoming:  # type: ignore[no-untyped-def]
    return Incoming(
        platform="bench",
        user_id="bo",
        display_name=NAME,
        chat_id=chat,
        chat_kind=kind,
        text=text,
        message_id=message_id,
    )


def run(url: str, kept: int) -> dict[str, float]:
    core = build_core(
        Settings(database_url=url), FixedClock(datetime(2026, 11, 25, 12, tzinfo=UTC))
    )
    core.handle(person("/run 5k 28:30", "m1"))
    core.handle(person("/help", "m2", chat="g0", kind=ChatKind.GROUP))  # a group of hers
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    with core.services.db.engine.begin() as conn:
        for start in range(0, kept, BATCH):
            rows = [
                {
                    "platform": "bench",
                    "chat_id": f"g{i % 5000}",
                    "message_id": f"k{i}",
                    "user_id": None,
                    "replies": [
                        {
                            "text": f"1. {NAME if i % 100 == 0 else 'Ana'} — 5.0 km ▓▓░░ 20%\n"
                            "2. Ben — 3.0 km ▓░░░ 12%",
                            "buttons": [],
                            "attachments": [],
                            "target": "same_chat",
                        }
                    ],
                    "handled_at": now,
                }
                for i in range(start, min(start + BATCH, kept))
            ]
            conn.execute(insert(HandledMessage), rows)
    t0 = time.perf_counter()
    core.handle(person("/deleteme DELETE", "m3"))
    elapsed = time.perf_counter() - t0
    with core.services.db.engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(HandledMessage))
    core.services.db.dispose()
    return {"seconds": elapsed, "rows": total}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = (20_000,) if args.quick else (100_000, 1_000_000)
    for kept in sizes:
        with tempfile.TemporaryDirectory() as folder:
            r = run(f"sqlite:///{folder}/bench.db", kept)
        print(f"    sqlite: /deleteme among {kept:>9,} kept replies: {r['seconds'] * 1000:8.1f} ms")
        with postgres_database() as url:
            r = run(url, kept)
        print(f"postgresql: /deleteme among {kept:>9,} kept replies: {r['seconds'] * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
