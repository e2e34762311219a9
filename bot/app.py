"""Wiring: settings -> database -> registry -> core, plus the adapters whose tokens are set."""

from __future__ import annotations

import asyncio
import logging
import math
import os
import signal
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.context import Services
from bot.core import Core
from bot.delivery.outbox import OutboxSender
from bot.intake.core_process import CoreFactory, RemoteCore
from bot.intake.worker import Worker
from bot.interface import Adapter, Sender
from bot.ops import metrics
from bot.ops.locks import TELEGRAM_POLLER, Leadership
from bot.reminders.reaching import where_to_ask
from bot.services import build_services
from bot.settings import Settings

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger("steady.app")


def adapters_core(services: Services, factory: CoreFactory = Core) -> Core:
    """The core the adapters talk to: a `RemoteCore` (to be started and closed) when
    `core_in_process` says so, else a `Core` working in threads."""
    if core_in_process(services.settings):
        processes = core_processes(services.settings, postgres=services.db.is_postgres)
        return RemoteCore(services, factory=factory, processes=processes)
    return factory(services)


def core_in_process(settings: Settings) -> bool:
    """As the settings say; unset, on a machine with more than one CPU. In threads the core
    shares the interpreter lock with the event loop; on PostgreSQL that halved the rate."""
    if settings.core_process is not None:
        return settings.core_process
    return usable_cpus() > 1


def core_processes(settings: Settings, *, postgres: bool) -> int:
    """How many processes share the core's work: 1 on SQLite (one writer at a time); on
    PostgreSQL as the settings say, unset 2 (a message mostly waits on the server's round
    trips, so two overlap). The worker holds one event per chat at a time, so a chat's
    messages keep their order whichever process handles them."""
    if not postgres:
        return 1
    return settings.core_processes or 2


def usable_cpus() -> int:
    """The CPUs this process may run on (fewer than the machine's when pinned)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


async def run_forever(settings: Settings) -> int:
    """`steady run`: every adapter whose token is set, side by side on one event loop, with
    the worker that runs the core on what they store in the inbox. SIGTERM or SIGINT stops
    it within `STOP_GRACE_S` and a little: no new events are taken, what is in hand is
    finished or left in the inbox for the next start.

    `settings.role` splits it on PostgreSQL: "receive" runs the adapters' receiving only
    (no worker, tick or outbox senders); "work" runs the worker, the tick and the outbox
    senders, with adapters that send but do not receive."""
    role = settings.role
    receives, works = role in ("all", "receive"), role in ("all", "work")
    services = build_services(settings)
    core = adapters_core(services)
    core.role = role
    poller: Leadership | None = None
    adapters: list[Adapter] = []
    if settings.telegram_token is not None:
        from adapters.telegram_adapter import TelegramAdapter

        turn = None
        if receives and services.db.is_postgres and not settings.telegram_webhook_url:
            poller = Leadership(services.db.url, TELEGRAM_POLLER, settings.poll_takeover_s)
            turn = _turn_of(poller)
        adapters.append(TelegramAdapter(core, settings, receive=receives, poll_turn=turn))
    if settings.discord_token is not None:
        from adapters.discord_adapter import DiscordAdapter

        adapters.append(DiscordAdapter(core, settings, answers_here=works, receive=receives))
    if not adapters:
        log.error(
            "No platform token is set: set STEADY_TELEGRAM_TOKEN or STEADY_DISCORD_TOKEN, "
            "or try the bot with `steady chat`."
        )
        return 2
    # SQLite is one process: what a dead run left in hand can be taken back at once.
    worker = Worker(
        core,
        adapters,
        role=role,
        lease_s=settings.inbox_lease_s,
        take_back=not services.db.is_postgres,
    )
    if isinstance(core, RemoteCore):
        await core.start()
    else:
        use_core_threads(core)
    scheduler = start_scheduler(core.services) if works else None
    stop = asyncio.Event()
    signals = on_signals(stop.set)
    jobs: list[Coroutine[None, None, None]] = [a.run() for a in adapters]
    if works:
        jobs += [*senders(core, adapters), worker.run()]
    work = [asyncio.ensure_future(job) for job in jobs]
    # The operator's view: /metrics and /healthz when STEADY_METRICS_PORT is set (bot/ops).
    from bot.ops.metrics_server import serve_metrics

    work.append(asyncio.ensure_future(serve_metrics(settings, core.services.db, role=core.role)))
    if role != "all":  # all-in-one is what `steady run` always was: nothing to say
        log.info("steady run as %s", _ROLE_SAYS[role])
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([*work, stopping], return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            log.info("stopping: no new events; finishing what is in hand")
        for adapter in adapters:
            await adapter.stop_receiving()
        if works:
            await worker.stop(STOP_GRACE_S)
        for task in work:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    finally:
        # Wait for every adapter to finish stopping (closing its connections) before
        # returning.
        stopping.cancel()
        for task in work:
            task.cancel()
        await asyncio.gather(*work, return_exceptions=True)
        if poller is not None:
            await poller.release()
        if scheduler is not None:
            await stop_scheduler(scheduler)
        if isinstance(core, RemoteCore):
            await core.close()
        services.db.dispose()
        signals()
    return 0


_ROLE_SAYS = {
    "receive": "a receiver: platform events into the inbox only",
    "work": "a worker: the inbox, the minute tick and the outbox",
}


def _turn_of(poller: Leadership) -> Callable[[], Awaitable[None]]:
    """The Telegram poller's turn: returns at once while this process holds the lock (asked
    of the database at most every `retry_s`, since a dropped connection loses it), else
    once it has taken it (a standby tries every `retry_s`)."""
    loop = asyncio.get_running_loop()
    confirmed_at = -math.inf

    async def turn() -> None:
        nonlocal confirmed_at
        if poller.held:
            if loop.time() - confirmed_at < poller.retry_s:
                return
            if await poller.confirm():
                confirmed_at = loop.time()
                return
        await poller.acquire()
        confirmed_at = loop.time()

    return turn


CORE_THREADS = 12  # within the PostgreSQL pool's 20 connections


def use_core_threads(core: Core) -> None:
    """On PostgreSQL the core handles messages side by side in the loop's worker threads,
    mostly waiting on the server: more of them than asyncio's default (CPUs + 4) keep more
    messages moving (about 10% more a second with 12 on two CPUs)."""
    if core.services.db.is_postgres:
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(CORE_THREADS, thread_name_prefix="steady-core")
        )


STOP_GRACE_S = 5.0  # for what is in hand when asked to stop (Docker waits 10 s)


def on_signals(callback: Callable[[], None]) -> Callable[[], None]:
    """SIGTERM and SIGINT call `callback` on the loop; returns what undoes that."""
    loop = asyncio.get_running_loop()
    handled = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, callback)
        except (NotImplementedError, RuntimeError, ValueError):
            continue  # a loop outside the main thread (tests) takes no signals: nothing to undo
        handled.append(sig)

    def undo() -> None:
        for sig in handled:
            loop.remove_signal_handler(sig)

    return undo


def senders(core: Core, adapters: Sequence[Sender]) -> list[Coroutine[None, None, None]]:
    """One outbox sender per adapter: nudges and digests leave through the adapter that owns
    the chat."""
    services = core.services
    return [
        OutboxSender(services.db, services.clock, adapter, reach_elsewhere=where_to_ask).run()
        for adapter in adapters
    ]


TICK_JOB = "reminders-tick"


def start_scheduler(services: Services) -> AsyncIOScheduler:
    """The scheduler of `steady run` and `steady chat`, on the running event loop: the
    reminders tick at the top of every minute, and once straight away so a restart catches
    up. Reminders live in the database, not in APScheduler's job store, so any number of
    workers may each run one (they share due reminders with SKIP LOCKED)."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.cron import CronTrigger

    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        run_tick,
        CronTrigger(second=0, timezone=UTC),
        args=(services,),
        id=TICK_JOB,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=50,
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    return scheduler


async def stop_scheduler(scheduler: AsyncIOScheduler) -> None:
    """Stop the tick without a traceback. `shutdown` cancels the tick tasks it has made; one
    cancelled before its first step never reaches `run_tick`'s guard, and APScheduler logs
    that as the job's failure. So: no new ticks, one turn of the loop for a tick just made
    to step into `run_tick` (where a cancel ends it quietly), then shutdown, then a turn
    for the cancelled tick to end and its done-callback to run."""
    scheduler.pause()
    await asyncio.sleep(0)
    scheduler.shutdown(wait=False)
    for _ in range(3):
        await asyncio.sleep(0)


async def run_tick(services: Services) -> None:
    """One tick: reminders, then group digests, then the summaries of challenges that have
    ended, then the check-in on long open-ended pauses, then pruning what is past keeping.
    Each runs its database work in a worker thread so the adapters keep answering, and one
    failing never holds up the others."""
    from bot.groups.digests import run_due_digests, run_due_endings
    from bot.ops.retention import prune_due
    from bot.reminders.pauses import run_due_checkins
    from bot.reminders.tick import tick

    now = services.clock.now()
    jobs = (
        ("reminders", lambda: tick(services, now=now)),
        ("digests", lambda: run_due_digests(services, now)),
        ("challenge summaries", lambda: run_due_endings(services, now)),
        ("pause check-ins", lambda: run_due_checkins(services, now)),
        ("retention", lambda: prune_due(services, now)),
    )
    started = asyncio.get_running_loop().time()
    for name, job in jobs:
        try:
            await asyncio.to_thread(job)
        except asyncio.CancelledError:
            # The bot is stopping (a refused token stops it within the first tick): the
            # scheduler would log this as the job's failure, with a traceback.
            log.debug("%s tick stopped with the bot", name)
            return
        except Exception:
            log.exception("%s tick failed; the next one tries again", name)
    metrics.TICK_SECONDS.observe(asyncio.get_running_loop().time() - started)
