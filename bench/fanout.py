"""Reminder fan-out: how long a tick takes to claim, decide and enqueue a minute's nudges.

    python bench/fanout.py            # 1,000,000 reminders stored, 100,000 due in one minute
    python bench/fanout.py --quick    # 100,000 stored, 10,000 due (under ~30 s for both DBs)
    python bench/fanout.py --db sqlite
    python bench/fanout.py --quick --db sqlite --language ru   # everyone speaks Russian

For each database (SQLite file, and a fresh database on the local PostgreSQL) it bulk-loads
people, accounts, nudge state and reminders with INSERT ... SELECT over a counting CTE (the
chat is far too slow for this), then times:
  1. a tick one minute before the fan-out: everything stored, nothing due;
  2. the fan-out tick: every due reminder claimed, decided and its nudge enqueued.
The due people are a mix: run and strength reminders at a local time, water every 30
minutes, in 42 time zones on 8 sets of weekdays (some 600 distinct schedule-and-zone
pairs); a tenth paused, a tenth in quiet hours, a tenth already ran today, a tenth last
logged six days ago; everyone due has a water goal and has been nudged before (the voice
remembers lines shown to them in the categories their nudge says).
The tick uses the real voice (config/rules.toml and config/encouragement.toml, through
build_services): every nudge to someone with encouragement on gets its line from the nudge
rules. The script prints which voice it used and which categories the lines came from.
Prints the figures and the peak RSS of this process; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import (
    Integer,
    String,
    case,
    cast,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.types import JSON

from bot.clock import FixedClock
from bot.reminders.scheduling import next_fire
from bot.reminders.tick import tick
from bot.services import build_services
from bot.settings import Settings
from bot.storage.models import (
    Account,
    Entry,
    Goal,
    NudgeState,
    OutboxMessage,
    Reminder,
    ShownMessages,
    User,
)
from bot.voice.steady_voice import SteadyVoice

ZONES = (  # offsets in whole half hours, so 30-minute water intervals meet the fan-out
    "Europe/Berlin",
    "Europe/London",
    "Europe/Paris",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Helsinki",
    "Europe/Moscow",
    "Europe/Istanbul",
    "Africa/Lagos",
    "Africa/Cairo",
    "Africa/Johannesburg",
    "Africa/Nairobi",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Jakarta",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Manila",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Tehran",
    "Australia/Sydney",
    "Australia/Adelaide",
    "Australia/Perth",
    "Pacific/Auckland",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Anchorage",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "America/Mexico_City",
    "America/Bogota",
    "America/Toronto",
    "America/Halifax",
    "America/St_Johns",
)
DAY_SETS = (  # each holds Wednesday and Thursday: the fan-out's local day in every zone
    "mon,tue,wed,thu,fri,sat,sun",
    "mon,tue,wed,thu,fri",
    "wed,thu",
    "mon,wed,thu,fri",
    "wed,thu,sat",
    "tue,wed,thu",
    "wed,thu,sun",
    "mon,tue,wed,thu",
)
KINDS = ("run", "strength", "water")
FIRE = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # the minute of the fan-out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _numbers(n: int):  # type: ignore[no-untyped-def]
    """1..n as a recursive CTE: works on SQLite and PostgreSQL alike."""
    nums = select(literal(1, Integer).label("n")).cte("nums", recursive=True)
    return nums.union_all(select(nums.c.n + 1).where(nums.c.n < n))


def _pick(n, options):  # type: ignore[no-untyped-def]
    """The (n mod len)th option, as SQL."""
    return case(
        *((n % len(options) == i, literal(v)) for i, v in enumerate(options)),
        else_=literal(options[0]),
    )


def load(services, stored: int, due: int, language: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """People 1..stored with one reminder each; people 1..due fire at FIRE."""
    engine = services.db.engine
    nums = _numbers(stored)
    n = nums.c.n
    local_minutes = [
        FIRE.astimezone(ZoneInfo(z)).hour * 60 + FIRE.astimezone(ZoneInfo(z)).minute for z in ZONES
    ]
    later = [FIRE + timedelta(minutes=7 + 37 * i) for i in range(40)]  # spread over a day
    is_due = n <= due
    kind = _pick(n // 10, KINDS)
    water = kind == "water"
    with engine.begin() as conn:
        conn.execute(
            insert(User).from_select(
                ["id", "display_name", "tz", "units", "encourage", "language", "created_at"],
                select(
                    n,
                    literal("bench"),
                    _pick(n, ZONES),
                    literal("metric"),
                    literal(True),
                    literal(language, String(8)),
                    literal(FIRE - timedelta(days=30)),
                ),
            )
        )
        conn.execute(
            insert(Account).from_select(
                [
                    "id",
                    "user_id",
                    "platform",
                    "external_id",
                    "display_name",
                    "private_chat_id",
                    "unreachable",
                ],
                select(
                    n,
                    n,
                    literal("telegram"),
                    cast(n, String(64)),
                    literal("bench"),
                    cast(n, String(64)),
                    literal(False),
                ),
            )
        )
        conn.execute(
            insert(NudgeState).from_select(
                ["user_id", "quiet_start", "quiet_end", "paused_until"],
                select(
                    n,
                    # a tenth in quiet hours covering the fire's local time
                    case((n % 10 == 3, literal(0)), else_=literal(None)),
                    case((n % 10 == 3, literal(24 * 60 - 1)), else_=literal(None)),
                    case((n % 10 == 1, literal(FIRE + timedelta(days=2))), else_=literal(None)),
                ),
            )
        )
        conn.execute(
            insert(Reminder).from_select(
                [
                    "id",
                    "user_id",
                    "account_id",
                    "kind",
                    "days",
                    "at_minute",
                    "every_minutes",
                    "window_start",
                    "window_end",
                    "next_fire_at",
                    "created_at",
                ],
                select(
                    n,
                    n,
                    n,
                    kind,
                    _pick(n // 30, DAY_SETS),
                    # run and strength at the fan-out's local time; water every 30 minutes
                    case((water, literal(None)), else_=_pick(n, local_minutes)),
                    case((water, literal(30)), else_=literal(None)),
                    case((water, literal(0)), else_=literal(None)),
                    case((water, literal(23 * 60 + 30)), else_=literal(None)),
                    case((is_due, literal(FIRE)), else_=_pick(n, later)),
                    literal(FIRE - timedelta(days=30)),
                ),
            )
        )
        # a tenth of the due people already ran today, a tenth last drank six days ago
        conn.execute(
            insert(Entry).from_select(
                ["user_id", "kind", "local_date", "logged_at", "distance_m", "number"],
                select(
                    n,
                    literal("run"),
                    literal(date(2026, 11, 25)),
                    literal(FIRE),
                    literal(5000.0),
                    literal(1),  # each person's only entry
                ).where(n <= due, n % 10 == 7),
            )
        )
        conn.execute(
            insert(Entry).from_select(
                ["user_id", "kind", "local_date", "logged_at", "volume_ml", "number"],
                select(
                    n,
                    literal("water"),
                    literal(date(2026, 11, 19)),
                    literal(FIRE - timedelta(days=6)),
                    literal(250.0),
                    literal(1),  # each person's only entry
                ).where(n <= due, n % 10 == 5),
            )
        )
        # the voice's memory: lines shown before in the category each nudge says
        voice = services.voice
        said = {"run": "consistency", "strength": "strength_pairing", "water": "hydration"}
        shown = {
            k: literal([m.id for m in voice.library.categories[c][:3]], JSON)
            for k, c in said.items()
        }
        conn.execute(
            insert(ShownMessages).from_select(
                ["audience", "user_id", "category", "recent", "updated_at"],
                select(
                    literal("user:") + cast(n, String(20)),
                    n,
                    _pick(n // 10, [said[k] for k in KINDS]),
                    case(*((kind == k, shown[k]) for k in KINDS)),
                    literal(FIRE - timedelta(days=1)),
                ).where(n <= due),
            )
        )
        conn.execute(
            insert(Goal).from_select(
                ["user_id", "kind", "period", "amount", "counts_sessions"],
                select(n, literal("water"), literal("day"), literal(2000.0), literal(False)).where(
                    n <= due
                ),
            )
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if services.db.is_postgres else "ANALYZE"))


def run(url: str, stored: int, due: int, label: str, language: str | None = None) -> None:
    services = build_services(Settings(database_url=url), FixedClock(FIRE))
    voice = services.voice
    assert isinstance(voice, SteadyVoice), "the fan-out is measured with Steady's real voice"
    nudge_rules = sum(1 for r in voice.rulebook.rules if r.scope == "nudge")
    print(
        f"{label}: voice {type(voice).__name__}: {nudge_rules} nudge rules from "
        f"{voice.rulebook.path}, {len(voice.library)} messages"
    )
    started = time.perf_counter()
    load(services, stored, due, language)
    print(
        f"{label}: loaded {stored:,} reminders ({language or 'en'}) in "
        f"{time.perf_counter() - started:.1f} s"
    )

    idle = []
    for i in range(5):
        at = FIRE - timedelta(minutes=1, seconds=-i)
        started = time.perf_counter()
        report = tick(services, now=at)
        idle.append((time.perf_counter() - started) * 1000)
        assert report.claimed == 0
    print(
        f"{label}: tick with {stored:,} stored and none due: "
        f"median {statistics.median(idle):.2f} ms (first {idle[0]:.2f} ms, of 5)"
    )

    before = rss_mb()
    next_fire.cache_clear()
    started = time.perf_counter()
    report = tick(services, now=FIRE + timedelta(seconds=5))
    took = time.perf_counter() - started
    peak = rss_mb()
    searched = next_fire.cache_info()
    with services.db.unit_of_work() as session:
        rows = session.scalar(select(func.count()).select_from(OutboxMessage))
    print(
        f"{label}: fan-out tick: {report.claimed:,} due claimed and decided, "
        f"{report.enqueued:,} nudges enqueued ({rows:,} outbox rows) in {took:.2f} s "
        f"= {report.claimed / took:,.0f} reminders/s"
    )
    print(f"{label}: skipped {dict(report.skipped)}")
    print(f"{label}: {lines_report(services, FIRE + timedelta(seconds=5))}")
    print(
        f"{label}: next fire times: {searched.misses:,} trigger searches, "
        f"{searched.hits:,} shared by people with the same schedule and zone"
    )
    print(f"{label}: peak RSS {peak:.0f} MB (before the fan-out tick {before:.0f} MB)")
    services.db.dispose()


def lines_report(services, now: datetime) -> str:  # type: ignore[no-untyped-def]
    """How many enqueued nudges carry a line, and the categories the voice said."""
    with services.db.unit_of_work() as session:
        texts = session.scalars(select(OutboxMessage.reply)).all()
        said = session.execute(
            select(ShownMessages.category, func.count())
            .where(ShownMessages.updated_at == now)
            .group_by(ShownMessages.category)
            .order_by(func.count().desc())
        ).all()
    with_line = sum(1 for reply in texts if "\n_" in reply["text"])
    categories = ", ".join(f"{category} {count:,}" for category, count in said)
    return f"{with_line:,} of {len(texts):,} nudges carry a line; said: {categories}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k stored, 10k due")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--language", help="everyone's chosen language (default: none, English)")
    args = parser.parse_args()
    if args.db == "both":
        # Each database in a process of its own: its peak RSS is its own, and nothing the
        # first run leaves in memory weighs on the second.
        for name in ("sqlite", "postgresql"):
            command = [sys.executable, __file__, "--db", name, *(["--quick"] * args.quick)]
            command += ["--language", args.language] if args.language else []
            subprocess.run(command, check=True)
        return
    stored, due = (100_000, 10_000) if args.quick else (1_000_000, 100_000)
    if args.db == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            run(f"sqlite:///{folder}/bench.db", stored, due, "sqlite", args.language)
    else:
        from tests.support import postgres_database

        with postgres_database() as url:
            run(url, stored, due, "postgresql", args.language)


if __name__ == "__main__":
    main()
