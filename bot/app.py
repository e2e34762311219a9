"""Wiring: settings -> database -> registry -> core, plus the adapters whose tokens are set."""

from __future__ import annotations

import logging
from collections.abc import Coroutine

from bot.clock import Clock, SystemClock
from bot.commands import build_registry
from bot.core import Core, Services
from bot.interface import Sender
from bot.outbox import OutboxSender
from bot.settings import Settings
from bot.storage.db import Database
from bot.voice import load_voice

log = logging.getLogger("steady.app")


def build_services(
    settings: Settings, clock: Clock | None = None, *, migrate: bool = True
) -> Services:
    clock = clock or SystemClock()
    # The voice first: a broken rules or message file stops start-up before anything else.
    voice = load_voice(settings.config_dir, glass_ml=settings.water.glass_ml, clock=clock)
    db = Database(settings.resolved_database_url())
    if migrate:
        db.upgrade()
    return Services(settings=settings, db=db, registry=build_registry(), clock=clock, voice=voice)


def build_core(settings: Settings, clock: Clock | None = None, *, migrate: bool = True) -> Core:
    return Core(build_services(settings, clock, migrate=migrate))


async def run_forever(settings: Settings) -> int:
    """`steady run`: every adapter whose token is set, side by side on one event loop."""
    import asyncio

    core = build_core(settings)
    adapters: list[Sender] = []
    if settings.telegram_token is not None:
        from adapters.telegram_adapter import TelegramAdapter

        adapters.append(TelegramAdapter(core, settings))
    if settings.discord_token is not None:
        from adapters.discord_adapter import DiscordAdapter

        adapters.append(DiscordAdapter(core, settings))
    if not adapters:
        log.error(
            "No platform token is set: set STEADY_TELEGRAM_TOKEN or STEADY_DISCORD_TOKEN, "
            "or try the bot with `steady chat`."
        )
        return 2
    await asyncio.gather(*(adapter.run() for adapter in adapters), *senders(core, adapters))
    return 0


def senders(core: Core, adapters: list[Sender]) -> list[Coroutine[None, None, None]]:
    """One outbox sender per adapter: nudges and digests leave through the adapter that owns
    the chat."""
    services = core.services
    return [OutboxSender(services.db, services.clock, adapter).run() for adapter in adapters]
