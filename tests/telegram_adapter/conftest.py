"""Steady's Telegram adapter, running for real against the fake Bot API on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from adapters.telegram_adapter import SendLimits, TelegramAdapter
from bot.clock import FixedClock
from bot.commands import MODULES
from bot.commands.registry import Registry
from bot.context import Context, NudgeAsk
from bot.core import Core
from bot.delivery.outbox import OutboxSender
from bot.intake.worker import Worker
from bot.services import build_services
from bot.settings import Settings
from bot.storage.models import Entry
from tests.fakes.bot_api import TOKEN, FakeBotAPI, Sent
from tests.telegram_adapter import extra_commands

ANA, BEN = 1001, 1002
GROUP = -100500


class CheeringVoice:
    """A voice with one line for every moment, so tests see where encouragement goes."""

    line = "Small steps, done often, add up."

    def after_log(self, ctx: Context, entry: Entry, progress: object = None) -> str | None:
        return self.line

    def nudge_lines(
        self, session: Session, asks: Sequence[NudgeAsk], now: datetime
    ) -> list[str | None]:
        return [self.line for _ in asks]

    def group_line(self, session: Session, facts: dict[str, object]) -> str | None:
        return self.line


@dataclass
class Rig:
    """A running adapter, the fake it talks to, and ways to act as people in chats."""

    fake: FakeBotAPI
    adapter: TelegramAdapter
    core: Core
    clock: FixedClock
    sender: OutboxSender

    def person(self, user_id: int, name: str = "Ana") -> dict[str, Any]:
        return self.fake.user(user_id, name)

    async def say(
        self, user: dict, text: str, *, chat_id: int | None = None, expect: int = 1, **kw: Any
    ) -> list[Sent]:
        """Send a message as `user` and wait for `expect` messages back in that chat."""
        chat = user["id"] if chat_id is None else chat_id
        before = len(self.fake.sent_to(chat))
        self.fake.send_text(user, text, chat_id=chat_id, **kw)

        def replies() -> list[Sent] | None:
            new = self.fake.sent_to(chat)[before:]
            return new if len(new) >= expect else None

        return await self.fake.wait_for(replies, what=f"{expect} replies to {text!r}")

    async def drain(self) -> int:
        """Send everything in the outbox that is due now, batch after batch."""
        total = 0
        while sent := await self.sender.drain_once():
            total += sent
        return total

    async def press(self, user: dict, message: Sent, payload: str) -> list[Sent]:
        """Press a button under `message` as `user`; returns what the bot sent meanwhile."""
        before = len(self.fake.sent)
        query_id = self.fake.press(user, message, payload)["callback_query"]["id"]
        await self.fake.wait_for(
            lambda: query_id in self.fake.answered_callbacks, what="the button press answered"
        )
        return self.fake.sent[before:]


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    api = await FakeBotAPI().start()
    yield api
    await api.close()


def build_telegram_core(url: str, fake: FakeBotAPI, clock: FixedClock, **settings: Any) -> Core:
    """A core with the real commands, the test-only ones and a cheering voice."""
    services = build_services(
        Settings(
            database_url=url,
            telegram_token=TOKEN,
            telegram_base_url=fake.base_url,
            **settings,
        ),
        clock,
        migrate=False,
    )
    modules = [importlib.import_module(name) for name in MODULES]
    services.registry = Registry.collect([*modules, extra_commands])
    services.voice = CheeringVoice()
    return Core(services)


@pytest.fixture
def telegram_core(sqlite_url: str, fake: FakeBotAPI, clock: FixedClock) -> Iterator[Core]:
    core = build_telegram_core(sqlite_url, fake, clock)
    yield core
    core.services.db.dispose()


@contextlib.asynccontextmanager
async def running(
    core: Core, fake: FakeBotAPI, clock: FixedClock, *, limits: SendLimits | None = None
) -> AsyncIterator[Rig]:
    """The adapter and a worker on the inbox, as `steady run` runs them (the outbox sender
    is the test's to drain)."""
    adapter = TelegramAdapter(core, core.services.settings, limits=limits)
    worker = Worker(core, [adapter], poll_s=0.05)
    task = asyncio.create_task(adapter.run())
    working = asyncio.create_task(worker.run())
    ready = asyncio.create_task(adapter.ready.wait())
    await asyncio.wait({task, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    if not adapter.ready.is_set():
        ready.cancel()
        task.cancel()
        working.cancel()
        raise AssertionError(f"the adapter did not start: {task}")
    sender = OutboxSender(core.services.db, clock, adapter, poll_s=0.05)
    try:
        yield Rig(fake, adapter, core, clock, sender)
    finally:
        await worker.stop(1.0)
        for running_task in (working, task):
            running_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running_task


@pytest.fixture
async def rig(telegram_core: Core, fake: FakeBotAPI, clock: FixedClock) -> AsyncIterator[Rig]:
    async with running(telegram_core, fake, clock) as started:
        yield started
