"""Buttons whose custom id is the core's payload (a command line such as "/water 250ml").

A `DynamicItem` is matched by its template rather than remembered per message, so a press on
any message Steady ever sent, before or after a restart, reaches the core, and the adapter
keeps no per-message state in memory.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol

import discord

if TYPE_CHECKING:
    from discord.ui import Item

LABEL_LIMIT = 80  # Discord's limit for a button label


class ButtonHandler(Protocol):
    async def on_button(self, interaction: discord.Interaction, payload: str) -> None: ...


class PayloadButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"/.+"):
    """One button; pressing it runs its payload as if the person had typed it."""

    def __init__(self, payload: str, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=(label or payload)[:LABEL_LIMIT],
                custom_id=payload,
                style=discord.ButtonStyle.secondary,
            )
        )
        self.payload = payload

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Item[Any], match: re.Match[str], /
    ) -> PayloadButton:
        return cls(match.group(0), getattr(item, "label", None) or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        # Steady's clients carry their adapter; discord.py types the client as a plain one.
        handler: ButtonHandler = interaction.client.adapter  # type: ignore[attr-defined]
        await handler.on_button(interaction, self.payload)
