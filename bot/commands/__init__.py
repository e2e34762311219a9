"""Command families, one module each. `build_registry` is the only list of them."""

from __future__ import annotations

import importlib

from bot.commands.registry import Registry

MODULES = (
    "bot.commands.basics",
    "bot.commands.log",
    "bot.commands.corrections",
    "bot.commands.plain_words",
    "bot.commands.progress",
    "bot.commands.goals",
    "bot.commands.profile",
    "bot.commands.challenges",
    "bot.commands.link",
    "bot.commands.data",
    "bot.commands.encourage",
    "bot.commands.reminders",
    "bot.commands.language",
)


def build_registry(modules: tuple[str, ...] = MODULES) -> Registry:
    return Registry.collect(importlib.import_module(name) for name in modules)
