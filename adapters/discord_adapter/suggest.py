"""Autocomplete: the core's suggestions for an option, as Discord shows them while someone
types a slash command.

Discord wants the choices within 3 seconds and shows nothing after that, so the core gets
`SUGGEST_WITHIN_S`; past it, or if it fails, the person sees no choices and can still type
the option out. An autocomplete is not a message: it is not stored in the inbox, and the
core only reads (`CorePort.suggest_async`)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord import app_commands

from adapters.discord_adapter.slash import SuggestHandler
from bot.interface import ChatKind, CommandInfo, CorePort, Incoming, Param, Typing

log = logging.getLogger("steady.discord")

PLATFORM = "discord"
SUGGEST_WITHIN_S = 2.0  # of Discord's 3 seconds, leaving time to send the choices


def typing_of(
    interaction: discord.Interaction, command: CommandInfo, param: Param, typed: str
) -> Typing:
    """Who is typing where, and the command's other options as filled so far."""
    in_server = interaction.guild_id is not None
    filled = {}
    for other in command.params:
        value = getattr(interaction.namespace, other.name, None)
        if other.name != param.name and value is not None:
            filled[other.name] = str(value)
    who = Incoming(
        platform=PLATFORM,
        user_id=str(interaction.user.id),
        display_name=interaction.user.display_name,
        chat_id=str(interaction.channel_id or 0),
        chat_kind=ChatKind.GROUP if in_server else ChatKind.PRIVATE,
        server_id=str(interaction.guild_id) if in_server else None,
        language=str(interaction.locale.value),
    )
    return Typing(who, command.name, param.name, typed, filled)


def core_suggestions(core: CorePort) -> SuggestHandler:
    """The tree's autocomplete handler: the core's choices, shaped for the option's type."""

    async def suggest(
        interaction: discord.Interaction, command: CommandInfo, param: Param, typed: str
    ) -> list[app_commands.Choice[Any]]:
        try:
            async with asyncio.timeout(SUGGEST_WITHIN_S):
                found = await core.suggest_async(typing_of(interaction, command, param, typed))
        except TimeoutError:
            log.warning("suggestions for /%s %s came too late", command.name, param.name)
            return []
        except Exception:
            log.exception("suggestions for /%s %s failed", command.name, param.name)
            return []
        if param.kind is int:
            return [
                app_commands.Choice(name=c.label, value=int(c.value))
                for c in found
                if c.value.isascii() and c.value.isdigit()
            ]
        return [app_commands.Choice(name=c.label, value=c.value) for c in found]

    return suggest
