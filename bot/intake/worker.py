"""The worker: takes events from the inbox, runs the core on them, sends their replies.

docs/intake.md draws the path. For each event the worker claims (at most one per chat, so a
chat's events run in arrival order): the adapter rebuilds its `Incoming`; if the command
needs to know whether the sender is an admin, the platform is asked now, outside any
transaction; the core's one transaction keeps the effects, marks the event done and holds
its replies in the outbox; the worker then sends them through the adapter and marks them
sent (a batch at a time). A reply it could not send is released to the outbox sender.

A failure of the core itself (an exception out of it, or its process dying) counts a try;
after `inbox.MAX_TRIES` the event is parked as failed, the person gets the apology and the
chat moves on. An event the time budget stopped (`Overran`) is parked at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Sequence
from typing import Any

from bot.context import apology as apology_in
from bot.core import HOLD_S, Core, Overran
from bot.intake import inbox
from bot.intake.core_process import CoreGone
from bot.intake.inbox import reply_key
from bot.interface import Adapter, Destination, Incoming, Reply, Taken
from bot.ops.metrics import EVENTS_FAILED, EVENTS_HANDLED, HANDLE_SECONDS

log = logging.getLogger("steady.worker")

PLACES = 32  # events in hand at once, each from a different chat
LEASE_S = 60.0  # an event a worker holds longer than this may be taken by another
POLL_S = 0.5  # how often the inbox is looked at when nothing says there is work
REPAIR_S = 10.0  # how often a claim first finds chats whose events all stayed queued


class Worker:
    """Works through the inbox for the adapters given, until `stop`."""

    def __init__(
        self,
        core: Core,
        receivers: Sequence[Adapter],
        *,
        role: str = "all",
        places: int = PLACES,
        lease_s: float = LEASE_S,
        hold_s: float = HOLD_S,
        poll_s: float = POLL_S,
        take_back: bool = False,
    ) -> None:
        self.core, self.role = core, role
        self.receivers = {r.platform: r for r in receivers}
        self.places, self.lease_s, self.hold_s, self.poll_s = places, lease_s, hold_s, poll_s
        self.take_back = take_back
        self.stopping = False
        self._wake: asyncio.Event | None = None
        self._in_hand: dict[int, asyncio.Task[None]] = {}
        self._chats: dict[str, asyncio.Task[None]] = {}  # the last task of each chat in hand
        self._sent: list[str] = []
        self._have_sent: asyncio.Event | None = None
        self._flushed_all = False
        self._running: asyncio.Task[Any] | None = None
        self._repaired_at = -REPAIR_S  # the first claim repairs (a crash may have left some)
        core.on_accept(self.wake)

    def wake(self) -> None:
        """New events were stored, or a chat's event finished: look at the inbox now."""
        if self._wake is not None:
            self._wake.set()

    async def run(self) -> None:
        self._wake, self._have_sent = asyncio.Event(), asyncio.Event()
        self._running = asyncio.current_task()
        db = self.core.services.db
        if self.take_back:
            taken_back = await asyncio.to_thread(inbox.take_back_all, db)
            if taken_back:
                log.info("%d events left in hand by the last run are waiting again", taken_back)
        flushing = asyncio.create_task(self._flush_sent(), name="steady-mark-sent")
        try:
            while not self.stopping:
                free = self.places - len(self._in_hand)
                # Claim when half the places are free (a claim is a transaction: batch it).
                if free and (free * 2 >= self.places or not self._in_hand):
                    self._wake.clear()
                    try:
                        platforms = list(self.receivers)
                        repair = time.monotonic() - self._repaired_at >= REPAIR_S
                        taken = await self.core.claim_async(platforms, free, self.lease_s, repair)
                        if repair:
                            self._repaired_at = time.monotonic()
                    except Exception:
                        log.exception("claiming inbox events failed; trying again")
                        taken = []
                    for event in taken:
                        self._start(event)
                    if taken and len(taken) == free:
                        continue  # there may be more
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_s)
                self._wake.clear()
        finally:
            # Not cancelled mid-statement: the last batch is marked before run() returns.
            self._flushed_all = True
            self._have_sent.set()
            await asyncio.shield(flushing)

    async def stop(self, grace_s: float) -> None:
        """Take nothing new; let what is in hand finish for up to `grace_s`. What is still
        unfinished then stays in the inbox (taken back at the next start, or when its lease
        runs out), and replies already committed wait in the outbox."""
        self.stopping = True
        self.wake()
        in_hand = dict(self._in_hand)
        if in_hand:
            _, pending = await asyncio.wait(in_hand.values(), timeout=grace_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            # Not finished: waiting again now rather than when the lease runs out (one the
            # core had committed meanwhile is done, and stays so).
            unfinished = [event_id for event_id, task in in_hand.items() if task in pending]
            with contextlib.suppress(Exception):
                await asyncio.to_thread(inbox.give_back, self.core.services.db, unfinished)
        if self._running is not None:  # its last replies marked sent while the core is up
            await asyncio.wait({self._running}, timeout=grace_s)

    # ------------------------------------------------------------------ one event

    def _start(self, event: Taken) -> None:
        before = self._chats.get(event.chat_key)
        task = asyncio.create_task(self._work(event, before), name=f"steady-event-{event.id}")
        self._in_hand[event.id] = task
        self._chats[event.chat_key] = task

        def finished(task: asyncio.Task[None]) -> None:
            self._in_hand.pop(event.id, None)
            if self._chats.get(event.chat_key) is task:
                del self._chats[event.chat_key]
            self.wake()

        task.add_done_callback(finished)

    async def _work(self, event: Taken, before: asyncio.Task[None] | None) -> None:
        if before is not None:  # this chat's last event is still being answered
            with contextlib.suppress(BaseException):
                await asyncio.shield(before)
        started = time.perf_counter()
        receiver = self.receivers.get(event.platform)
        if receiver is None:
            log.warning(
                "inbox event %s is for %s, which this process does not run",
                event.id,
                event.platform,
            )
            return  # its lease runs out, and a process that runs that platform takes it
        incoming: Incoming | None = None
        try:
            incoming = await receiver.rebuild(event.payload)
            if incoming is not None and self.core.needs_admin(incoming):
                incoming = dataclasses.replace(incoming, is_admin=await receiver.is_admin(incoming))
            # The payload stays here: the core needs only the event's ids.
            bare = dataclasses.replace(event, payload={})
            replies = await self.core.handle_event_async(bare, incoming, self.hold_s)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if self.stopping and isinstance(exc, CoreGone):
                await asyncio.to_thread(inbox.give_back, self.core.services.db, [event.id])
                return
            language = incoming.language if incoming is not None else None
            await self._failed(receiver, event, exc, language, park=isinstance(exc, Overran))
            return
        if incoming is not None and replies:
            await self._answer(receiver, event, incoming, replies)
        EVENTS_HANDLED.labels(event.platform, self.role).inc()
        HANDLE_SECONDS.observe(time.perf_counter() - started)

    async def _answer(
        self, receiver: Adapter, event: Taken, incoming: Incoming, replies: list[Reply]
    ) -> None:
        keys = [reply_key(event.platform, event.event_id, i) for i in range(len(replies))]
        try:
            await receiver.answer(incoming, replies)
        except Exception as exc:
            # An adapter may say how many replies went out before the failure.
            delivered = getattr(exc, "delivered", 0)
            log.warning(
                "replies to inbox event %s not sent (%s); the outbox sends them",
                event.id,
                type(exc).__name__,
            )
            self._mark_sent(keys[:delivered])
            await asyncio.to_thread(inbox.release, self.core.services.db, keys[delivered:])
        else:
            self._mark_sent(keys)

    async def _failed(
        self,
        receiver: Adapter,
        event: Taken,
        exc: Exception,
        language: str | None,
        *,
        park: bool,
    ) -> None:
        # The error's name and message only: never the person's text.
        error = f"{type(exc).__name__}: {exc}"[:300]
        # In the language the person's app reports: what failed may be reading the person.
        apology = Reply(apology_in(language))
        services = self.core.services
        parked = await asyncio.to_thread(
            inbox.failed_try,
            services.db,
            event,
            error,
            now=services.clock.now(),
            park=park,
            apology=(event.chat_id, apology),
            hold_s=self.hold_s,
        )
        if not parked:
            log.warning(
                "inbox event %s (%s, chat %s) failed, try %d of %d: %s",
                event.id,
                event.platform,
                event.chat_key,
                event.tries + 1,
                inbox.MAX_TRIES,
                error,
            )
            return
        log.error(
            "inbox event %s (%s, chat %s) parked as failed after %d tries: %s",
            event.id,
            event.platform,
            event.chat_key,
            event.tries + 1,
            error,
            exc_info=exc,
        )
        EVENTS_FAILED.labels(event.platform, self.role).inc()
        key = reply_key(event.platform, event.event_id, 0)
        try:
            await receiver.send(Destination(event.platform, event.chat_id), apology)
        except Exception:
            await asyncio.to_thread(inbox.release, services.db, [key])
        else:
            self._mark_sent([key])

    # ------------------------------------------------------------ marking sent

    def _mark_sent(self, keys: list[str]) -> None:
        self._sent.extend(keys)
        if self._have_sent is not None:
            self._have_sent.set()

    async def _flush_sent(self) -> None:
        """One statement for whatever was sent while the last one ran."""
        assert self._have_sent is not None
        while not self._flushed_all:
            await self._have_sent.wait()
            self._have_sent.clear()
            await self._flush_now()
        await self._flush_now()

    async def _flush_now(self) -> None:
        keys, self._sent = self._sent, []
        if not keys:
            return
        try:
            await self.core.mark_sent_async(keys)
        except Exception:  # they stay held; the outbox sends them again when the hold ends
            log.exception("marking %d replies sent failed", len(keys))
