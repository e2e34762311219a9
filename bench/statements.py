"""The statements one message costs on the database, one line per round trip, through the
durable intake's path: the event stored (accept), claimed, handled by the core (its one
transaction), and its reply marked sent.

Every statement is seen where it leaves for the server: the driver's cursor (SQLAlchemy's
own statements and the `Prepared` ones alike), with the transactions' BEGIN and COMMIT from
SQLAlchemy's events, and the pool's ping. The accept, claim and mark-sent are per batch in
a real run (one statement for up to 32 events); here each carries one event.

    python bench/statements.py                       # a throwaway PostgreSQL database
    python bench/statements.py --database-url sqlite:///tmp/s.db
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import FixedClock
from bot.core import Core
from bot.interface import ChatKind, Event, Incoming
from bot.services import build_core
from bot.settings import Settings
from tests.statement_log import StatementLog
from tests.support import postgres_database

CORE, MARK = "-- the core's transaction", "-- mark sent (per batch)"
MESSAGES = ["/water 250ml", "/run 5k 28:30", "drank a glass", "/today"]


def one_message(core: Core, log: StatementLog, text: str, number: int) -> list[str]:
    """The round trips of one message from `person 1` in their private chat."""
    incoming = Incoming(
        platform="bench",
        user_id="1",
        display_name="Sam",
        chat_id="1",
        chat_kind=ChatKind.PRIVATE,
        text=text,
        message_id=str(number),
    )
    event = Event("bench", str(number), "bench:1", "bench:1", {})
    with log.recording() as seen:
        seen.append("-- accept (per batch)")
        core.accept([event])
        seen.append("-- claim (per batch)")
        (taken,) = core.claim(["bench"], 32, 60)
        seen.append(CORE)
        core.handle_event(taken, incoming)
        seen.append(MARK)
        core.mark_sent([f"reply:bench:{number}:0"])
    return seen


@contextmanager
def database(url: str | None) -> Iterator[str]:
    with postgres_database() if url is None else nullcontext(url) as found:
        yield found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a throwaway PostgreSQL database")
    args = parser.parse_args()
    with database(args.database_url) as url:
        clock = FixedClock(datetime(2026, 11, 25, 12, tzinfo=UTC))
        core = build_core(Settings(database_url=url), clock)
        log = StatementLog(core.services.db.engine)
        number = 0
        for warm in range(8):  # first contact, then the driver's prepared statements
            for text in MESSAGES:
                number += 1
                one_message(core, log, text, number + 1000 * warm)
        for text in MESSAGES:
            number += 1
            seen = one_message(core, log, text, number)
            trips = [line for line in seen if not line.startswith("--")]
            start, end = seen.index(CORE) + 1, seen.index(MARK)
            core_trips = seen[start:end]
            print(f"{text}: {len(trips)} round trips, {len(core_trips)} in the core's transaction")
            for line in seen:
                print(f"    {line}")
        core.services.db.dispose()


if __name__ == "__main__":
    main()
