"""Steady's Discord adapter running for real against the fake Discord (tests/fakes/discord_api.py):
the fake on loopback with discord.py pointed at it, the adapter connected until a block ends,
and waiting for what the bot posts. Shared by every Discord test, old and new.

The adapter only stores what arrives in the inbox; `working` runs Steady's own worker
(bot/intake/worker.py), which answers it through the adapter's hooks (docs/intake.md)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from adapters.discord_adapter import DiscordAdapter
from bot.core import Core
from bot.intake.worker import Worker
from tests.fakes.discord_api import FakeDiscord, Posted, patch_discord

TOKEN = "123456:TEST-DISCORD-TOKEN"
log = logging.getLogger("tests.discord_rig")


@contextlib.asynccontextmanager
async def working(core: Core, adapter: DiscordAdapter) -> AsyncIterator[Worker]:
    """Steady's own inbox worker for this adapter, running until the block ends."""
    worker = Worker(core, [adapter], poll_s=0.05)
    core.on_accept(worker.wake)
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        await worker.stop(2.0)
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
    With `work`, the worker answers what it stores; without, events stay in the inbox."""
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
