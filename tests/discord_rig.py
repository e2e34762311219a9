"""Steady's Discord adapter running for real against the fake Discord (tests/fakes/discord_api.py):
the fake on loopback with discord.py pointed at it, the adapter connected until a block ends,
and waiting for what the bot posts. Shared by every Discord test, old and new."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from adapters.discord_adapter import DiscordAdapter
from bot.core import Core
from tests.fakes.discord_api import FakeDiscord, Posted, patch_discord

TOKEN = "123456:TEST-DISCORD-TOKEN"


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
    core: Core, fake: FakeDiscord, **settings: object
) -> AsyncIterator[DiscordAdapter]:
    """The adapter connected to the fake until the block ends; then it must close cleanly."""
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
