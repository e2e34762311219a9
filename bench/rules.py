"""How long the voice takes after a log, on SQLite.

Prints p50/p99 of:
  rules            evaluating the shipped after_log rules on one log's facts (target p99 < 1 ms)
  facts            building those facts from the database, for a person with a long history
  whole after_log  facts, rules, memory, the message chosen and remembered
  /water           the whole log command through the core, encouragement on and off

    python bench/rules.py            # full: more rounds, two years of history
    python bench/rules.py --quick    # under ~30 s
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select

from bot.clock import FixedClock
from bot.context import Context
from bot.interface import Incoming
from bot.progress.stats import progress_of
from bot.services import build_core
from bot.settings import Settings
from bot.storage.accounts import person_of
from bot.storage.models import Account, Entry, Goal, User
from bot.voice import facts
from bot.voice.facts import Scope
from tests.support import Chat

NOW = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return f"p50 {p50:7.3f} ms   p99 {p99:7.3f} ms   ({len(samples)} runs)"


def timed(rounds: int, work: Callable[[], object]) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return samples


def seed_history(core, user_id: int, days: int, *, breaks: bool) -> None:
    """A busy person: water five times a day, a run most days, strength twice a week, a
    rest day every nine days; with `breaks`, also two days off every three weeks (without,
    the streak spans the whole history: the worst case, where all of it is read)."""
    rows = []
    today = NOW.date()
    for back in range(1, days + 1):
        day: date = today - timedelta(days=back)
        if back % 9 == 0 or (breaks and back % 21 in (5, 6)):
            continue
        at = NOW - timedelta(days=back)
        base = {"user_id": user_id, "local_date": day, "logged_at": at, "deleted_at": None}
        rows += [{**base, "kind": "water", "volume_ml": 300.0} for _ in range(5)]
        if back % 7 not in (0, 3):
            rows.append(
                {
                    **base,
                    "kind": "run",
                    "distance_m": 5000.0 + back % 11 * 500,
                    "duration_s": 1800.0 + back % 13 * 30,
                }
            )
        if back % 7 in (1, 4):
            rows.append(
                {
                    **base,
                    "kind": "strength",
                    "exercise": "squats",
                    "sets": 3,
                    "reps": 10,
                    "weight_kg": 40.0 + back % 5,
                }
            )
    with core.services.db.unit_of_work() as session:
        session.execute(insert(Entry), rows)
        session.add(Goal(user_id=user_id, kind="water", period="day", amount=2500.0))
        session.add(Goal(user_id=user_id, kind="run", period="week", amount=25000.0))


def person(core, name: str, days: int, *, breaks: bool) -> int:
    chat = Chat(core, name)
    chat.say("/water 250ml")
    with core.services.db.unit_of_work() as session:
        user_id = session.scalar(select(Account.user_id).where(Account.external_id == name))
    seed_history(core, user_id, days, breaks=breaks)
    return user_id


def facts_of_a_run(core, user_id: int, rounds: int) -> tuple[list[float], dict]:
    """Times of building the facts for a run just logged (rolled back afterwards)."""
    voice = core.services.voice
    with core.services.db.sessions() as session:
        user = session.get(User, user_id)
        entry = Entry(
            user_id=user_id,
            kind="run",
            local_date=NOW.date(),
            logged_at=NOW,
            distance_m=5000.0,
            duration_s=1700.0,
        )
        session.add(entry)
        session.flush()
        progress = progress_of(session, user_id, NOW.date())

        def build() -> dict:
            milestones = voice.rulebook.streak_milestones
            return facts.for_log(
                session, user, entry, NOW, progress, milestones=milestones, glass_ml=250.0
            )

        samples = timed(rounds, build)
        built = build()
        session.rollback()
    return samples, built


def whole_after_log(core, user_id: int, rounds: int) -> list[float]:
    """Times of the voice's whole after_log for a water log (facts, rules, the message chosen
    and remembered), each in a transaction rolled back afterwards."""
    samples = []
    for _ in range(rounds):
        with core.services.db.sessions() as session:
            account = session.scalar(select(Account).where(Account.user_id == user_id))
            incoming = Incoming("console", account.external_id, "Bench", "chat-bench")
            ctx = Context(
                session.connection(),
                incoming,
                account.id,
                person_of(session, user_id),
                core.services,
                NOW,
            )
            entry = Entry(
                user_id=user_id, kind="water", local_date=NOW.date(), logged_at=NOW, volume_ml=250.0
            )
            session.add(entry)
            session.flush()
            progress = progress_of(session, user_id, NOW.date())  # the reply reads it anyway
            start = time.perf_counter()
            core.services.voice.after_log(ctx, entry, progress)
            samples.append(time.perf_counter() - start)
            session.rollback()
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (under ~30 s)")
    args = parser.parse_args()
    rounds = 2000 if args.quick else 10000
    days = 365 if args.quick else 730
    commands = 1000 if args.quick else 5000

    with tempfile.TemporaryDirectory(prefix="steady-bench-") as folder:
        measure(Path(folder), days, commands, rounds, quick=args.quick)
    return 0


def measure(folder: Path, days: int, commands: int, rounds: int, *, quick: bool) -> None:
    core = build_core(Settings(database_url=f"sqlite:///{folder / 'bench.db'}"), FixedClock(NOW))
    people = {
        "usual": person(core, "usual", days, breaks=True),
        "unbroken": person(core, "unbroken", days, breaks=False),
    }
    print(
        f"SQLite; {days} days of history each ({'quick' if quick else 'full'} run): "
        "'usual' has streak breaks, 'unbroken' a streak as long as its history (worst case)"
    )
    _, usual_facts = facts_of_a_run(core, people["usual"], 1)
    rulebook = core.services.voice.rulebook
    rule_times = timed(rounds, lambda: rulebook.matching(Scope.AFTER_LOG, usual_facts))
    assert rulebook.matching(Scope.AFTER_LOG, usual_facts)  # the fallback always matches
    print(f"  rules for one log           {percentiles(rule_times)}   target p99 < 1 ms")
    for name, user_id in people.items():
        samples, _ = facts_of_a_run(core, user_id, rounds // 4)
        print(f"  facts, {name:9}            {percentiles(samples)}")
    for name, user_id in people.items():
        samples = whole_after_log(core, user_id, rounds // 4)
        print(f"  whole after_log, {name:9}  {percentiles(samples)}")

    chat = Chat(core, "usual")
    for state in ("on", "off"):
        chat.say(f"/encourage {state}")
        samples = timed(commands, lambda: chat.say("/water 250ml"))
        rate = len(samples) / sum(samples)
        print(
            f"  /water, encouragement {state:3}   {percentiles(samples)}   {rate:5.0f} commands/s"
        )
    core.services.db.dispose()


if __name__ == "__main__":
    sys.exit(main())
