"""Building the `Services` a core runs on: settings -> voice -> database -> registry.

Apart from bot/app.py (the wiring of a whole run) so that the core's own process
(bot/intake/core_process.py) can build its services without importing the wiring that
starts it.
"""

from __future__ import annotations

from bot.clock import Clock, SystemClock
from bot.commands import build_registry
from bot.context import Services
from bot.core import Core
from bot.i18n import catalogs
from bot.settings import Settings
from bot.storage.db import Database
from bot.voice.steady_voice import load_voice


def build_services(
    settings: Settings, clock: Clock | None = None, *, migrate: bool = True
) -> Services:
    clock = clock or SystemClock()
    # The voice first: a broken rules or message file stops start-up before anything else.
    voice = load_voice(settings.config_dir, glass_ml=settings.water.glass_ml, clock=clock)
    catalogs.load_all()  # once, here: no message waits for a catalog to be read
    db = Database(settings.resolved_database_url())
    if migrate:
        db.upgrade()
    return Services(settings=settings, db=db, registry=build_registry(), clock=clock, voice=voice)


def build_core(settings: Settings, clock: Clock | None = None, *, migrate: bool = True) -> Core:
    return Core(build_services(settings, clock, migrate=migrate))
