"""Several worker processes on the real PostgreSQL: every due nudge is enqueued once and sent
once; a worker killed after the platform accepted a message repeats that one message, never
more; a claim whose worker died is taken over when its lease runs out."""

import asyncio
import multiprocessing
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

from bot.delivery.outbox import OutboxSender, claim
from bot.reminders.scheduling import WEEKDAYS
from bot.reminders.tick import tick
from bot.services import build_services
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.models import Account, OutboxMessage, Reminder, User
from tests import workers
from tests.conftest import NOW

PEOPLE = 240
SPAWN = multiprocessing.get_context("spawn")  # fresh interpreters, like separate workers


def people_due_now(url: str, n: int = PEOPLE) -> None:
    """n people, each with a reminder due at NOW, all in distinct private chats."""
    db = Database(url)
    with db.unit_of_work() as s:
        for i in range(1, n + 1):
            s.add(User(id=i, display_name=f"p{i}", tz="UTC", created_at=NOW))
        s.flush()
        for i in range(1, n + 1):
            s.add(
                Account(
                    id=i,
                    user_id=i,
                    platform="console",
                    external_id=f"p{i}",
                    display_name=f"p{i}",
                    private_chat_id=f"chat-{i}",
                )
            )
        s.flush()
        for i in range(1, n + 1):
            s.add(
                Reminder(
                    id=i,
                    user_id=i,
                    account_id=i,
                    kind="run",
                    days=",".join(WEEKDAYS),
                    at_minute=12 * 60,
                    next_fire_at=NOW,
                    created_at=NOW,
                )
            )
    db.dispose()


def outbox(url: str) -> tuple[int, Counter]:
    db = Database(url)
    with db.unit_of_work() as s:
        keys = list(s.scalars(select(OutboxMessage.key)))
        statuses = Counter(s.scalars(select(OutboxMessage.status)))
    db.dispose()
    return len(keys), statuses


def lines(*paths: Path) -> Counter:
    found: Counter = Counter()
    for path in paths:
        if path.exists():
            found.update(path.read_text().splitlines())
    return found


def test_two_workers_enqueue_and_send_every_nudge_exactly_once(pg_url, tmp_path):
    people_due_now(pg_url)
    outs = [tmp_path / "worker1.txt", tmp_path / "worker2.txt"]
    barrier = SPAWN.Barrier(2)
    procs = [
        SPAWN.Process(
            target=workers.tick_then_send, args=(pg_url, NOW.isoformat(), str(out), 7, barrier)
        )
        for out in outs
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0]

    claimed = [int(Path(f"{out}.tick").read_text()) for out in outs]
    assert sum(claimed) == PEOPLE  # no reminder was claimed by both workers
    rows, statuses = outbox(pg_url)
    assert rows == PEOPLE  # one outbox row per due reminder: each enqueued once
    assert statuses == {"sent": PEOPLE}
    sent = lines(*outs)
    assert sent == Counter({f"chat-{i}|/skip {i}": 1 for i in range(1, PEOPLE + 1)})
    assert all(out.exists() and out.read_text() for out in outs)  # both did some sending


def test_a_worker_killed_after_acceptance_repeats_only_that_message(pg_url, tmp_path, clock):
    people_due_now(pg_url, 30)
    db = Database(pg_url)

    services = build_services(Settings(database_url=pg_url), clock, migrate=False)
    assert tick(services).enqueued == 30
    out = tmp_path / "platform.txt"
    dying = SPAWN.Process(
        target=workers.send_and_die, args=(pg_url, NOW.isoformat(), str(out), 10, 13)
    )
    dying.start()
    dying.join(timeout=120)
    assert dying.exitcode == -9  # killed, as by the OOM killer or a power cut
    assert sum(lines(out).values()) == 13

    clock.advance(seconds=121)  # the dead worker's lease runs out
    survivor = OutboxSender(db, clock, workers.Recorder(str(out)), batch=10)

    async def drain() -> None:
        while await survivor.drain_once():
            pass

    asyncio.run(drain())
    sent = lines(out)
    assert set(sent) == {f"chat-{i}|/skip {i}" for i in range(1, 31)}  # nothing lost
    assert [line for line, n in sent.items() if n > 1] == ["chat-13|/skip 13"]  # one repeat
    assert sent["chat-13|/skip 13"] == 2
    services.db.dispose()
    db.dispose()


async def test_a_claim_held_by_a_dead_worker_is_taken_over_after_its_lease(pg_url, tmp_path, clock):
    people_due_now(pg_url, 5)

    services = build_services(Settings(database_url=pg_url), clock, migrate=False)
    tick(services)
    dead = Database(pg_url)
    assert len(claim(dead, "console", clock.now(), limit=10, lease_s=60)) == 5
    dead.dispose()  # the worker that claimed them is gone

    out = tmp_path / "platform.txt"
    other = OutboxSender(services.db, clock, workers.Recorder(str(out)))
    assert await other.drain_once() == 0
    clock.advance(seconds=30)
    assert await other.drain_once() == 0  # still leased
    clock.advance(seconds=31)
    assert await other.drain_once() == 5
    with services.db.unit_of_work() as s:
        assert s.scalar(select(func.count()).where(OutboxMessage.status == "sent")) == 5
    services.db.dispose()


def test_two_workers_keep_one_persons_daily_cap(pg_url, clock):
    """Sixteen of one person's reminders fall due together and two workers take them one at
    a time: the cap (4) still holds, because each counts under that person's lock."""
    db = Database(pg_url)
    with db.unit_of_work() as s:
        s.add(User(id=1, display_name="ana", tz="UTC", created_at=NOW))
        s.flush()
        s.add(
            Account(
                id=1,
                user_id=1,
                platform="console",
                external_id="ana",
                display_name="ana",
                private_chat_id="chat-ana",
            )
        )
        s.flush()
        for i in range(1, 17):
            s.add(
                Reminder(
                    id=i,
                    user_id=1,
                    account_id=1,
                    kind="run",
                    days=",".join(WEEKDAYS),
                    at_minute=12 * 60,
                    next_fire_at=NOW,
                    created_at=NOW,
                )
            )
    db.dispose()
    workers_ = [
        build_services(Settings(database_url=pg_url), clock, migrate=False) for _ in range(2)
    ]
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda services: tick(services, batch=1), workers_))
    assert sum(r.claimed for r in reports) == 16
    assert sum(r.enqueued for r in reports) == 4
    assert sum(r.skipped["daily_cap"] for r in reports) == 12
    for services in workers_:
        services.db.dispose()


def test_one_tick_in_several_lanes_takes_every_due_reminder_once(pg_url, clock):
    people_due_now(pg_url)
    services = build_services(Settings(database_url=pg_url), clock, migrate=False)
    report = tick(services, batch=9, lanes=3)
    assert (report.claimed, report.enqueued) == (PEOPLE, PEOPLE)
    rows, _ = outbox(pg_url)
    assert rows == PEOPLE
    with services.db.unit_of_work() as s:
        assert s.scalar(select(func.count()).where(Reminder.next_fire_at <= NOW)) == 0
    services.db.dispose()
