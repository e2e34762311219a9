"""Worker processes for the multi-worker tests: each is a real OS process with its own
connections, as several `steady run` workers on one PostgreSQL would be."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import datetime
from pathlib import Path

from bot.clock import FixedClock
from bot.delivery.outbox import OutboxSender
from bot.interface import Destination, PlatformLimits, Reply
from bot.reminders.tick import tick
from bot.services import build_services
from bot.settings import Settings


class Recorder:
    """The platform: a line per message it accepted, in a file of its own."""

    platform = "console"
    pacing = PlatformLimits()  # unpaced
    open_dms_hint = None

    def __init__(self, path: str, die_after: int | None = None) -> None:
        self.path, self.die_after, self.accepted = Path(path), die_after, 0

    async def send(self, destination: Destination, reply: Reply) -> None:
        skip = reply.buttons[-1].payload if reply.buttons else reply.text
        with self.path.open("a") as out:
            out.write(f"{destination.chat_id}|{skip}\n")
        self.accepted += 1
        if self.die_after is not None and self.accepted == self.die_after:
            os.kill(os.getpid(), signal.SIGKILL)  # accepted, but never marked sent


def services_at(url: str, now: str):  # type: ignore[no-untyped-def]
    clock = FixedClock(datetime.fromisoformat(now))
    return build_services(Settings(database_url=url), clock, migrate=False), clock


def tick_then_send(url: str, now: str, out: str, batch: int, barrier) -> None:  # type: ignore[no-untyped-def]
    """Start ticking together with the other workers until nothing is due (writing how many
    reminders this one claimed to `out`.tick), wait for them all, then drain the outbox
    together."""
    services, clock = services_at(url, now)
    barrier.wait()
    report = tick(services, batch=batch)
    Path(out + ".tick").write_text(str(report.claimed))
    barrier.wait()
    sender = OutboxSender(services.db, clock, Recorder(out), batch=batch)

    async def drain() -> None:
        while await sender.drain_once():
            pass

    asyncio.run(drain())
    services.db.dispose()


def send_and_die(url: str, now: str, out: str, batch: int, die_after: int) -> None:
    """Drain the outbox and be killed right after the platform accepts message `die_after`."""
    services, clock = services_at(url, now)
    sender = OutboxSender(services.db, clock, Recorder(out, die_after), batch=batch)

    async def drain() -> None:
        while await sender.drain_once():
            pass

    asyncio.run(drain())
