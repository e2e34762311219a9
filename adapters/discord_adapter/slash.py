"""Slash commands generated from the core's registry.

Each registry command (`CommandInfo`) becomes one `app_commands.Command` whose options are
its `Param`s: typed (string or integer), described, with choices where the core lists them
(discord.py's own `rename`, `describe` and `choices`). Discord hands the chosen values back
separately; they are joined into the one text line the core reads
("/run 5k 28:30"), in the order the registry declares them. The core still parses and
checks everything, so a slash command and a typed one behave the same. An option whose
`Param` has a suggestion provider gets an autocomplete callback that asks the core
(`SuggestHandler`, adapters/discord_adapter/suggest.py) as the person types.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Concatenate

import discord
from discord import app_commands

from bot.i18n.catalogs import translated
from bot.i18n.languages import supported
from bot.interface import CommandInfo, CommandList, Param, Where

DESCRIPTION_LIMIT = 100  # characters, for a command and for an option
CHOICE_LIMIT = 25

# Called with the interaction and the command line to hand to the core.
LineHandler = Callable[[discord.Interaction, str], Awaitable[None]]
# Choices for an option as the person types: the interaction, the command, the option, and
# what is typed so far.
SuggestHandler = Callable[
    [discord.Interaction, CommandInfo, Param, str], Awaitable[list[app_commands.Choice[Any]]]
]
# The interaction, then the options by name (the signature is built per command).
SlashCallback = Callable[Concatenate[discord.Interaction[Any], ...], Coroutine[Any, Any, None]]
SlashCommand = app_commands.Command[Any, ..., None]


def command_line(command: CommandInfo, values: list[object | None]) -> str:
    """The text line for the core: the command and each given value, in registry order."""
    words = [f"/{command.name}"]
    words += [str(v).strip() for v in values if v is not None and str(v).strip()]
    return " ".join(words)


def _short(text: str) -> str:
    text = text.strip() or "…"
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1] + "…"


def _described(text: str) -> app_commands.locale_str:
    """A description Discord shows, with its full English text kept as the catalogs' msgid
    (the shown one may be cut to the limit)."""
    return app_commands.locale_str(_short(text), source=text)


# What Discord shows in the person's language; names stay English everywhere.
_TRANSLATED = {
    app_commands.TranslationContextLocation.command_description,
    app_commands.TranslationContextLocation.parameter_description,
    app_commands.TranslationContextLocation.choice_name,
}


class CatalogTranslator(app_commands.Translator):
    """discord.py's translator from Steady's catalogs: each command's description, its
    options' descriptions and their choices, for every locale of a language Steady speaks
    ("es-ES" and "es-419" both Spanish, "pt-BR" Portuguese)."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if context.location not in _TRANSLATED:
            return None
        lang = supported(locale.value)
        if lang is None:
            return None
        text = translated(lang, str(string.extras.get("source", string.message)))
        return _short(text) if text is not None else None


def _annotation(param: Param) -> Any:
    kind = int if param.kind is int else str
    return kind if param.required else kind | None


def _autocomplete(
    command: CommandInfo, param: Param, suggest: SuggestHandler
) -> Callable[[discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[Any]]]]:
    async def autocomplete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[Any]]:
        return await suggest(interaction, command, param, str(current or ""))

    return autocomplete


def _callback(
    command: CommandInfo, handler: LineHandler, suggest: SuggestHandler | None = None
) -> SlashCallback:
    """A callback whose signature discord.py reads to build the options.

    Python names are p0, p1, … (any registry name works, even a keyword) and are renamed
    to the registry's names for Discord."""
    names = [f"p{i}" for i in range(len(command.params))]

    async def callback(interaction: discord.Interaction, **values: object) -> None:
        await handler(interaction, command_line(command, [values.get(n) for n in names]))

    parameters = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for name, param in zip(names, command.params, strict=True):
        parameters.append(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=_annotation(param),
                default=inspect.Parameter.empty if param.required else None,
            )
        )
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback.__name__ = callback.__qualname__ = f"slash_{command.name}"
    named = list(zip(names, command.params, strict=True))
    callback = app_commands.rename(**{n: p.name for n, p in named})(callback)
    callback = app_commands.describe(**{n: _described(p.description) for n, p in named})(callback)
    callback = app_commands.choices(
        **{
            n: [
                app_commands.Choice(
                    name=app_commands.locale_str(c), value=int(c) if p.kind is int else c
                )
                for c in p.choices[:CHOICE_LIMIT]
            ]
            for n, p in named
            if p.choices
        }
    )(callback)
    if suggest is None:
        return callback
    return app_commands.autocomplete(
        **{
            n: _autocomplete(command, p, suggest)
            for n, p in named
            if p.suggest is not None and not p.choices
        }
    )(callback)


_CONTEXTS = {
    Where.GROUP: app_commands.AppCommandContext(
        guild=True, dm_channel=False, private_channel=False
    ),
    Where.PRIVATE: app_commands.AppCommandContext(
        guild=False, dm_channel=True, private_channel=False
    ),
}


def slash_command(
    command: CommandInfo, handler: LineHandler, suggest: SuggestHandler | None = None
) -> SlashCommand:
    slash: SlashCommand = app_commands.Command(
        name=command.name,
        description=_described(command.summary),
        callback=_callback(command, handler, suggest),
    )
    slash.allowed_contexts = _CONTEXTS.get(command.where)
    slash.guild_only = command.where is Where.GROUP
    if command.admin:
        # Hidden from members without Manage Server by default; a server may widen that in its
        # Integrations settings, so the core still checks.
        slash.default_permissions = discord.Permissions(manage_guild=True)
    return slash


def raw_line(data: dict[str, Any]) -> str:
    """The line for an interaction's command as Discord sent it, whatever the tree knows."""
    words = [f"/{data.get('name', '')}"]
    words += [str(o["value"]) for o in data.get("options", []) if o.get("value") is not None]
    return " ".join(words)


class RegistryTree(app_commands.CommandTree):
    """A command tree that passes commands it does not know to the core.

    Discord may still offer a command that Steady has since removed or changed (global
    commands take a while to update everywhere); the core then answers it like a typed
    one, with a hint, instead of Discord's "the application did not respond"."""

    def __init__(self, client: discord.Client, handler: LineHandler) -> None:
        super().__init__(client)
        self.handler = handler

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        stale = (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch)
        if isinstance(error, stale) and interaction.data is not None:
            await self.handler(interaction, raw_line(dict(interaction.data)))
            return
        await super().on_error(interaction, error)


def build_tree(
    client: discord.Client,
    registry: CommandList,
    handler: LineHandler,
    suggest: SuggestHandler | None = None,
) -> app_commands.CommandTree:
    tree = RegistryTree(client, handler)
    for command in registry:
        tree.add_command(slash_command(command, handler, suggest))
    return tree
