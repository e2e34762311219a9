"""Steady's Discord adapter running for real against the fake Discord (tests/fakes/discord_api.py):
the fake on loopback with discord.py pointed at it, the adapter connected until a block ends,
and waiting for what the bot posts. Shared by every Discord test, old and new.

The adapter only stores what arrives in the inbox; `InboxWorker` is the smallest worker that
answers it through the adapter's hooks (docs/intake.md), one event at a time, so these tests
need nothing else running."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select, update

from adapters.discord_adapter import DiscordAdapter
from bot.core import Core, handle_or_apologise
from bot.inbox import DONE, WAITING, WORKING
from bot.interface import ChatKind
from bot.storage.models import InboxEvent
from tests.fakes.discord_api import FakeDiscord, Posted, patch_discord

TOKEN = "123456:TEST-DISCORD-TOKEN"
log = logging.getLogger("tests.discord_rig")


class InboxWorker:
    """Claims Discord's waiting inbox events in arrival order and runs each as a worker does:
    `rebuild`, `is_admin` when the event did not say, the core, `answer`, then done."""

    def __init__(self, core: Core, adapter: DiscordAdapter) -> None:
        self.core, self.adapter = core, adapter
        self.handled = 0

    async def run(self) -> None:
        while True:
            row = await asyncio.to_thread(self._claim)
            if row is None:
                await asyncio.sleep(0.005)
                continue
            row_id, payload = row
            try:
                await self._work(payload)
            except Exception:
                log.exception("inbox event %s failed", row_id)
            await asyncio.to_thread(self._done, row_id)
            self.handled += 1

    async def _work(self, payload: dict[str, Any]) -> None:
        incoming = await self.adapter.rebuild(payload)
        if incoming is None:
            return
        if incoming.chat_kind is ChatKind.GROUP and incoming.admin_check is None:
            admin = await self.adapter.is_admin(incoming)
            incoming = dataclasses.replace(incoming, admin_check=lambda: admin)
        replies = await handle_or_apologise(self.core, incoming)
        await self.adapter.answer(incoming, replies)

    def _claim(self) -> tuple[int, dict[str, Any]] | None:
        with self.core.services.db.engine.begin() as connection:
            row = connection.execute(
                select(InboxEvent.id, InboxEvent.payload)
                .where(InboxEvent.platform == "discord", InboxEvent.state == WAITING)
                .order_by(InboxEvent.id)
                .limit(1)
            ).first()
            if row is None:
                return None
            claimed = connection.execute(
                update(InboxEvent)
                .where(InboxEvent.id == row.id, InboxEvent.state == WAITING)
                .values(state=WORKING)
            ).rowcount
            return (row.id, row.payload) if claimed else None

    def _done(self, row_id: int) -> None:
        with self.core.services.db.engine.begin() as connection:
            connection.execute(update(InboxEvent).where(InboxEvent.id == row_id).values(state=DONE))


@contextlib.asynccontextmanager
async def working(core: Core, adapter: DiscordAdapter) -> AsyncIterator[InboxWorker]:
    """An `InboxWorker` running until the block ends."""
    worker = InboxWorker(core, adapter)
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """The fake Discord, listening, with discord.py's REST base and gateway pointed at it."""
    fake = FakeDiscord()
    fake.token = TOKEN
    await fake.start()
    patch_discord(monkeypatch, fake)
    try:
        yield fake
    finally:
        await fake.stop()


@contextlib.asynccontextmanager
async def running(
    core: Core, fake: FakeDiscord, *, work: bool = True, **settings: object
) -> AsyncIterator[DiscordAdapter]:
    """The adapter connected to the fake until the block ends; then it must close cleanly.
    With `work`, an `InboxWorker` answers what it stores; without, events stay in the inbox."""
    # Discord allows 3 s; waiting 2.5 s before deferring keeps a busy test machine from
    # deferring where a test expects a direct answer (the tests of deferring set their own).
    options = {"discord_token": SecretStr(TOKEN), "discord_defer_after": 2.5, **settings}
    adapter = DiscordAdapter(
        core, core.services.settings.model_copy(update=options), guild_ready_timeout=0.01
    )
    task = asyncio.create_task(adapter.run())
    try:
        await fake.until(lambda: adapter.client.is_ready() or task.done())
        if task.done():
            task.result()
        async with contextlib.AsyncExitStack() as stack:
            if work:
                await stack.enter_async_context(working(core, adapter))
            yield adapter
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert adapter.client.is_closed()


async def answers(
    fake: FakeDiscord, channel_id: int, count: int, timeout: float = 10.0
) -> list[Posted]:
    """Everything posted in the channel, once there are at least `count` messages."""
    await fake.until(lambda: len(fake.posted_in(channel_id)) >= count, timeout)
    return fake.posted_in(channel_id)
