"""How long a year chart takes: reading a full year of entries, drawing the PNG, and the
whole /chart command through the core. Target: under 300 ms for a year chart.

    .venv/bin/python bench/charts.py --quick   # a few seconds
    .venv/bin/python bench/charts.py           # more repetitions, and week and month too

Uses a temporary SQLite database filled with a busy year: a run most days, strength three
times a week, water every day. Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.clock import FixedClock
from bot.core import Core
from bot.domain import Kind, Units
from bot.interface import Incoming
from bot.progress.charts import chart_data, render
from bot.services import build_core
from bot.settings import Settings
from bot.storage.models import Entry, Goal, User

TODAY = date(2026, 12, 31)  # the whole year has happened
TARGET_MS = 300.0


def fill_year(core: Core) -> int:
    """A year of entries for one person; returns their user id."""
    core.handle(Incoming("console", "bench", "Bench", "bench", text="/start"))
    rnd = random.Random(7)
    with core.services.db.unit_of_work() as session:
        user = session.query(User).one()
        session.add(Goal(user_id=user.id, kind=Kind.WATER.value, period="day", amount=2000.0))
        day = date(TODAY.year, 1, 1)
        while day <= TODAY:
            at = datetime(day.year, day.month, day.day, 7, tzinfo=UTC)
            rows = []
            for _ in range(rnd.randint(2, 6)):
                rows.append(Entry(kind=Kind.WATER.value, volume_ml=rnd.choice((250.0, 500.0))))
            if rnd.random() < 0.6:
                km = rnd.uniform(3, 15)
                rows.append(Entry(kind=Kind.RUN.value, distance_m=km * 1000, duration_s=km * 330))
            if day.weekday() in (0, 2, 4):
                squats = Entry(kind=Kind.STRENGTH.value, exercise="squats", sets=3, reps=10)
                squats.weight_kg = 40.0
                rows.append(squats)
            for row in rows:
                row.user_id, row.local_date, row.logged_at = user.id, day, at
            session.add_all(rows)
            day += timedelta(days=1)
        return user.id


def timed(fn: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per call. On a shared machine the CPU time is the
    steadier figure: it leaves out the time spent waiting for a core."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def report(label: str, times: tuple[list[float], list[float]]) -> None:
    wall, cpu = times
    ordered = sorted(wall)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(
        f"{label:<32} median {statistics.median(wall):6.1f} ms  p95 {p95:6.1f} ms  "
        f"cpu median {statistics.median(cpu):6.1f} ms  (n={len(wall)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, year only")
    args = parser.parse_args()
    repeat = 8 if args.quick else 40
    spans = ("year",) if args.quick else ("year", "month", "week")

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        clock = FixedClock(datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC))
        core = build_core(Settings(database_url=url), clock)
        user_id = fill_year(core)
        db = core.services.db

        def data(span: str):  # type: ignore[no-untyped-def]
            with db.unit_of_work() as session:
                return chart_data(
                    session, user_id, span, TODAY, units=Units.METRIC, tz="UTC", name="Bench"
                )

        with db.unit_of_work() as session:
            entries = session.query(Entry).count()
        print(f"A year of {entries} entries; chart size 1200x800 px\n")
        first = timed(lambda: render(data("year")), 1)[0][0]
        print(f"{'first year chart (cold: fonts)':<32} {first:6.1f} ms")
        ids = iter(range(10**9))

        def command(span: str) -> None:
            line, msg = f"/chart {span}", str(next(ids))
            incoming = Incoming("console", "bench", "Bench", "bench", text=line, message_id=msg)
            [reply] = core.handle(incoming)
            assert reply.attachments, reply.text

        for span in spans:
            prepared = data(span)
            report(f"{span}: read the figures", timed(lambda s=span: data(s), repeat))
            report(f"{span}: render the PNG", timed(lambda d=prepared: render(d), repeat))
            whole = timed(lambda s=span: command(s), repeat)
            report(f"{span}: /chart through the core", whole)
            if span == "year":
                wall, cpu = (statistics.median(t) for t in whole)
                verdict = "meets" if wall < TARGET_MS else "MISSES"
                print(
                    f"{'':<32} {verdict} the {TARGET_MS:.0f} ms target "
                    f"(median {wall:.0f} ms wall, {cpu:.0f} ms cpu)\n"
                )
        db.dispose()


if __name__ == "__main__":
    main()
