"""Steady on Discord (discord.py 2.7): slash and prefix commands, buttons, embeds, DM nudges.

Named `discord_adapter` so that it never shadows the `discord` library it wraps."""

from adapters.discord_adapter.adapter import DiscordAdapter

__all__ = ["DiscordAdapter"]
