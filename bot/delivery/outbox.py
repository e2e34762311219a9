"""The outbox: messages the core starts by itself (nudges, digests), and their delivery.

Producers `enqueue` inside their own transaction with a unique key, so running a producer
twice enqueues once. An `OutboxSender` per adapter claims due rows with a lease (FOR UPDATE
SKIP LOCKED on PostgreSQL, so several workers never claim the same row), hands each to the
adapter's `send`, and marks it sent. A worker that dies between the platform accepting a
message and marking it sent leaves a row that is claimed again when its lease runs out:
that one message may repeat once, nothing is ever lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.delivery.pacing import Pacer
from bot.i18n.catalogs import translate
from bot.i18n.languages import resolve
from bot.interface import (
    Destination,
    PlatformLimits,
    Reply,
    RetryLater,
    Sender,
    Unreachable,
    reply_from_dict,
    reply_to_dict,
)
from bot.ops import metrics
from bot.storage import bulk
from bot.storage.db import Database
from bot.storage.models import DEAD, PENDING, SENT, Account, OutboxMessage, User

log = logging.getLogger("steady.outbox")


def enqueue(
    session: Session,
    *,
    key: str,
    destination: Destination,
    reply: Reply,
    now: datetime,
    user_id: int | None = None,
) -> bool:
    """Add a message unless one with this key exists. True when it was added."""
    values = {
        "key": key,
        "platform": destination.platform,
        "chat_id": destination.chat_id,
        "to_person": destination.to_person,
        "user_id": user_id,
        "reply": reply_to_dict(reply),
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # An INSERT's result is a CursorResult, which counts the rows it wrote.
    result = cast(
        CursorResult[Any],
        session.execute(insert(OutboxMessage).values(**values).on_conflict_do_nothing()),
    )
    return bool(result.rowcount)


@dataclass(frozen=True)
class Outgoing:
    """One message for `enqueue_many`."""

    key: str
    destination: Destination
    reply: Reply
    user_id: int | None = None


def enqueue_many(session: Session, messages: list[Outgoing], now: datetime) -> int:
    """Add many messages in one statement, each unless its key exists (a fan-out of nudges).
    Returns how many were added."""
    rows = [
        {
            "key": m.key,
            "platform": m.destination.platform,
            "chat_id": m.destination.chat_id,
            "to_person": m.destination.to_person,
            "user_id": m.user_id,
            "reply": reply_to_dict(m.reply),
        }
        for m in messages
    ]
    shared = {"status": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now}
    return bulk.insert_many(session, OutboxMessage.__table__, rows, shared=shared)


@dataclass(frozen=True)
class Claimed:
    id: int
    destination: Destination
    reply: Reply
    attempts: int
    user_id: int | None


def claim(
    db: Database, platform: str, now: datetime, *, limit: int, lease_s: float
) -> list[Claimed]:
    """Take up to `limit` due messages for one platform, leased until now + lease_s."""
    with db.unit_of_work() as session:
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status == PENDING,
                OutboxMessage.platform == platform,
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        if db.is_postgres:
            query = query.with_for_update(skip_locked=True)
        rows = list(session.scalars(query))
        until = now + timedelta(seconds=lease_s)
        for row in rows:
            row.claimed_until = until
        return [
            Claimed(
                r.id,
                Destination(r.platform, r.chat_id, r.to_person),
                reply_from_dict(r.reply),
                r.attempts,
                r.user_id,
            )
            for r in rows
        ]


def backoff_s(attempts: int) -> float:
    return float(min(5 * 2**attempts, 3600))


# Where to reach someone direct messages can't: (session, user id, platform, now) -> chat id.
ChatFinder = Callable[[Session, int, str, datetime], str | None]


class OutboxSender:
    """Drains one platform's messages through its adapter, within the platform's limits
    (the adapter's `pacing`; `pacing` given here overrides it, for tests and benchmarks)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        adapter: Sender,
        *,
        batch: int = 50,
        lease_s: float = 120.0,
        max_attempts: int = 10,
        poll_s: float = 1.0,
        pacing: PlatformLimits | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        reach_elsewhere: ChatFinder | None = None,
    ) -> None:
        self.db, self.clock, self.adapter = db, clock, adapter
        self.reach_elsewhere = reach_elsewhere
        self.batch, self.lease_s, self.max_attempts, self.poll_s = (
            batch,
            lease_s,
            max_attempts,
            poll_s,
        )
        self.pacer = Pacer(pacing or adapter.pacing, monotonic)
        self.sleep = sleep

    async def drain_once(self) -> int:
        """Send what is due now; returns how many were sent."""
        claimed = await asyncio.to_thread(
            claim,
            self.db,
            self.adapter.platform,
            self.clock.now(),
            limit=self.batch,
            lease_s=self.lease_s,
        )
        sent = 0
        for message in claimed:
            chat = message.destination.chat_id
            if (wait := self.pacer.chat_wait_s(chat)) > 0:
                # This chat is at its limit; the others need not wait for it.
                await asyncio.to_thread(self._retry, message, wait, "paced", count=False)
                continue
            if (wait := self.pacer.overall_wait_s()) > 0:
                await self.sleep(wait)
            self.pacer.record(chat)
            try:
                await self.adapter.send(message.destination, message.reply)
            except Unreachable:
                log.info(
                    "chat %s on %s is unreachable; nudges stop until they write",
                    message.destination.chat_id,
                    message.destination.platform,
                )
                await asyncio.to_thread(self._unreachable, message)
            except RetryLater as exc:
                metrics.OUTBOX_RATE_LIMITED.labels(self.adapter.platform).inc()
                metrics.OUTBOX_RETRIES.labels(self.adapter.platform).inc()
                await asyncio.to_thread(self._retry, message, exc.after_s, str(exc), count=False)
            except Exception as exc:  # the adapter's network or platform trouble
                log.warning("sending outbox message %s failed: %s", message.id, type(exc).__name__)
                metrics.OUTBOX_RETRIES.labels(self.adapter.platform).inc()
                await asyncio.to_thread(
                    self._retry,
                    message,
                    backoff_s(message.attempts),
                    type(exc).__name__,
                    count=True,
                )
            else:
                await asyncio.to_thread(self._sent, message)
                metrics.OUTBOX_SENT.labels(self.adapter.platform).inc()
                sent += 1
        return sent

    async def run(self) -> None:
        while True:
            try:
                sent = await self.drain_once()
            except Exception:
                log.exception("outbox drain failed; trying again")
                sent = 0
            if sent < self.batch:
                await asyncio.sleep(self.poll_s)

    def _sent(self, message: Claimed) -> None:
        with self.db.unit_of_work() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message.id)
                .values(status=SENT, sent_at=self.clock.now(), claimed_until=None)
            )

    def _retry(self, message: Claimed, after_s: float, error: str, *, count: bool) -> None:
        attempts = message.attempts + (1 if count else 0)
        status = DEAD if attempts >= self.max_attempts else PENDING
        with self.db.unit_of_work() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message.id)
                .values(
                    status=status,
                    attempts=attempts,
                    next_attempt_at=self.clock.now() + timedelta(seconds=after_s),
                    claimed_until=None,
                    last_error=error[:300],
                )
            )

    def _unreachable(self, message: Claimed) -> None:
        with self.db.unit_of_work() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message.id)
                .values(status=DEAD, claimed_until=None, last_error="unreachable")
            )
            destination = message.destination
            chat = Account.external_id if destination.to_person else Account.private_chat_id
            newly_lost = session.scalars(
                select(Account).where(
                    Account.platform == destination.platform,
                    chat == destination.chat_id,
                    Account.unreachable.is_(False),
                )
            ).all()
            for account in newly_lost:
                account.unreachable = True
                self._ask_to_open_dms(session, account, message)

    def _ask_to_open_dms(self, session: Session, account: Account, failed: Claimed) -> None:
        """Once per time someone becomes unreachable, and only where the platform has a way
        back (Discord's DM setting): say so in the chat `reach_elsewhere` finds (the wiring
        gives their challenge's channel, bot.groups.challenges.challenge_chat_of), if any."""
        hint = self.adapter.open_dms_hint
        now = self.clock.now()
        find = self.reach_elsewhere
        chat_id = find(session, account.user_id, account.platform, now) if hint and find else None
        if chat_id is None:
            return
        assert hint is not None
        chosen, reported = session.execute(
            select(User.language, User.app_language).where(User.id == account.user_id)
        ).one()
        lang = resolve(chosen, reported)  # theirs: the notice is about them, once
        text = translate(
            lang,
            "{name}, I can't reach you by direct message, so your reminders are paused. "
            "To get them again, {hint}, then send me any message.",
        ).format(name=account.display_name, hint=translate(lang, hint))
        enqueue(
            session,
            key=f"open-dms:{account.id}:{failed.id}",
            destination=Destination(account.platform, chat_id),
            reply=Reply(text),
            now=now,
            user_id=account.user_id,
        )
