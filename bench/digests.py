"""How the tick's group work scales: digests and end summaries.

Fills a database with groups, each running a challenge with members who log twice a day
for two weeks, then times: a tick with nothing due (its cost should not grow with the
number of groups), a tick where half the groups' digests are due, and end summaries (each
draws a PNG chart). Prints the figures; asserts nothing.

    python bench/digests.py --quick          # about 10 s on a laptop-class core
    python bench/digests.py --quick --together   # half the challenges group goals
    python bench/digests.py                  # the full size
    python bench/digests.py --db postgresql://postgres@127.0.0.1:5432/steady_bench  # empty
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, update

from bot.clock import FixedClock
from bot.groups.digests import run_due_digests, run_due_endings
from bot.services import build_services
from bot.settings import Settings
from bot.storage.models import (
    Account,
    Challenge,
    ChallengeMember,
    Entry,
    Group,
    User,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 25)
DAYS = 14


def fill(services, groups: int, members: int, together: bool = False) -> None:  # type: ignore[no-untyped-def]
    with services.db.unit_of_work() as s:
        s.execute(
            insert(Group),
            [
                {
                    "platform": "telegram",
                    "external_id": f"-100{g}",
                    "digest_chat_id": f"-100{g}",
                    "tz": "UTC",
                    "digest_time": "20:00" if g % 2 == 0 else "21:00",
                    "digest_next_at": datetime(2026, 11, 25, 20 + g % 2, 0, tzinfo=UTC),
                    "created_at": NOW,
                }
                for g in range(groups)
            ],
        )
        group_ids = list(s.scalars(select(Group.id).order_by(Group.id)))
        s.execute(
            insert(User),
            [
                {
                    "display_name": f"p{i}",
                    "tz": "UTC",
                    "units": "metric",
                    "encourage": True,
                    "created_at": NOW,
                }
                for i in range(groups * members)
            ],
        )
        user_ids = list(s.scalars(select(User.id).order_by(User.id)))
        s.execute(
            insert(Account),
            [
                {
                    "user_id": u,
                    "platform": "telegram",
                    "external_id": str(u),
                    "display_name": f"Person {u}",
                    "private_chat_id": str(u),
                    "unreachable": False,
                }
                for u in user_ids
            ],
        )
        s.execute(
            insert(Challenge),
            [
                {
                    "group_id": g,
                    "name": "November 100k",
                    "name_key": "november 100k",
                    "metric": "run_distance",
                    "target": 100_000.0,
                    "units": "metric",
                    "mode": "together" if together and g % 2 else "each",
                    "start_date": TODAY - timedelta(days=DAYS - 1),
                    "end_date": date(2026, 11, 30),
                    "ends_at": datetime(2026, 12, 1, tzinfo=UTC),
                    "creator_id": None,
                    "created_at": NOW,
                    "ended_at": None,
                    "summary_posted": False,
                }
                for g in group_ids
            ],
        )
        challenge_ids = list(s.scalars(select(Challenge.id).order_by(Challenge.id)))
        s.execute(
            insert(ChallengeMember),
            [
                {
                    "challenge_id": c,
                    "user_id": user_ids[i * members + m],
                    "joined_at": NOW,
                    "left_at": None,
                }
                for i, c in enumerate(challenge_ids)
                for m in range(members)
            ],
        )
        rows = []
        for u in user_ids:
            for d in range(DAYS):
                if (u + d) % 4 == 0:
                    continue  # rest days
                for k in range(2):
                    rows.append(
                        {
                            "user_id": u,
                            "kind": "run" if k == 0 else "water",
                            "local_date": TODAY - timedelta(days=d),
                            "logged_at": NOW,
                            "distance_m": 5000.0 + 100 * (u % 7) if k == 0 else None,
                            "volume_ml": None if k == 0 else 1500.0,
                        }
                    )
        s.execute(insert(Entry), rows)
    print(f"filled: {groups} groups, {groups * members} members, {len(rows)} entries")


def timed(label: str, work, count_label: str = "") -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - start
    what = f" for {result} {count_label}" if count_label else ""
    per = f", {elapsed / result * 1000:.1f} ms each" if result else ""
    print(f"{label}: {elapsed * 1000:.1f} ms{what}{per}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run, under ~30 s")
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--together", action="store_true", help="half of them group goals")
    args = parser.parse_args()
    groups, members, endings = (200, 5, 10) if args.quick else (2000, 8, 50)
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
        clock = FixedClock(NOW)
        services = build_services(Settings(database_url=url), clock)
        fill(services, groups, members, args.together)

        clock.set(datetime(2026, 11, 25, 19, 0, tzinfo=UTC))
        timed(
            f"tick with nothing due ({groups} groups)",
            lambda: run_due_digests(services, clock.now()),
        )
        clock.set(datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
        timed(
            "tick with half the digests due",
            lambda: run_due_digests(services, clock.now()),
            "digests",
        )
        timed("the same tick again (nothing left)", lambda: run_due_digests(services, clock.now()))

        with services.db.unit_of_work() as s:
            first = list(s.scalars(select(Challenge.id).order_by(Challenge.id).limit(endings)))
            s.execute(update(Challenge).where(Challenge.id.in_(first)).values(ends_at=clock.now()))
        timed(
            "end summaries with charts", lambda: run_due_endings(services, clock.now()), "summaries"
        )
        services.db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
