"""The one list of commands: help, the console, Telegram's menu and Discord's slash commands
all read it.

A decorator only attaches a `Command` to its function; `Registry.collect` gathers them from
the modules that `bot.commands.build_registry` names. Nothing registers at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from bot.context import Handler
from bot.interface import Param, Where
from bot.reading import command_words


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    examples: tuple[str, ...]
    section: str
    handler: Handler = field(compare=False, repr=False)
    params: tuple[Param, ...] = ()
    where: Where = Where.ANY
    admin: bool = False  # in a group, only its admins may run it; in a private chat anyone
    details: str = ""  # extra help for /help NAME
    # Answers only the person who asked, where a platform can (Discord: ephemeral replies to
    # a slash command or button in a server); its "thinking…" is then private too.
    ephemeral: bool = False
    # The handler asks `ctx.is_admin` itself ("the creator or an admin"), so the worker asks
    # the platform before the core's transaction, as for `admin`.
    asks_admin: bool = False
    # An edit of a message that ran it runs it again, to change what it logged (the log
    # commands); an edit that reads as any other command is not run (bot/core.py).
    follows_edits: bool = False

    @property
    def needs_admin(self) -> bool:
        """Whether handling it in a group needs to know if the sender is an admin."""
        return self.admin or self.asks_admin

    @property
    def usage(self) -> str:
        parts = [f"/{self.name}"]
        for p in self.params:
            parts.append(f"<{p.name}>" if p.required else f"[{p.name}]")
        return " ".join(parts)


_ATTR = "__steady_command__"


def command(
    name: str,
    summary: str,
    *,
    examples: Iterable[str],
    section: str,
    params: Iterable[Param] = (),
    where: Where = Where.ANY,
    admin: bool = False,
    details: str = "",
    ephemeral: bool = False,
    asks_admin: bool = False,
    follows_edits: bool = False,
) -> Callable[[Handler], Handler]:
    def attach(handler: Handler) -> Handler:
        specs = getattr(handler, _ATTR, ())
        spec = Command(
            name,
            summary,
            tuple(examples),
            section,
            command_words.localised(name, handler),
            tuple(params),
            where,
            admin,
            details,
            ephemeral,
            asks_admin,
            follows_edits,
        )
        setattr(handler, _ATTR, (*specs, spec))
        return handler

    return attach


class Registry:
    def __init__(self, commands: Iterable[Command]) -> None:
        self._commands: dict[str, Command] = {}
        for cmd in commands:
            if cmd.name in self._commands:
                raise ValueError(f"command /{cmd.name} is declared twice")
            self._commands[cmd.name] = cmd

    @classmethod
    def collect(cls, modules: Iterable[ModuleType]) -> Registry:
        found: list[Command] = []
        for module in modules:
            for value in vars(module).values():
                found.extend(_specs(value))
        return cls(found)

    def get(self, name: str) -> Command | None:
        return self._commands.get(name.lower())

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())

    def __len__(self) -> int:
        return len(self._commands)

    def names(self) -> list[str]:
        return list(self._commands)


def _specs(value: Any) -> tuple[Command, ...]:
    return getattr(value, _ATTR, ()) if callable(value) else ()
