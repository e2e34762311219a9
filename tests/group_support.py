"""Helpers for group tests: people in a group chat, and what the outbox delivers."""

from __future__ import annotations

import asyncio
import dataclasses

from bot.core import Core
from bot.delivery.outbox import OutboxSender
from bot.groups.challenges import challenge_chat_of
from bot.interface import ChatKind, Destination, Incoming, PlatformLimits, Reply
from tests.support import Chat

GROUP_CHAT = {"telegram": "-1001234", "discord": "778899"}


class GroupChat(Chat):
    """A person in a group chat; on Discord, optionally in a channel of a server."""

    def __init__(
        self,
        core: Core,
        user: str,
        *,
        platform: str = "telegram",
        chat_id: str | None = None,
        is_admin: bool = False,
        server_id: str | None = None,
    ) -> None:
        super().__init__(
            core,
            user,
            platform=platform,
            chat_id=chat_id or GROUP_CHAT[platform],
            kind=ChatKind.GROUP,
            is_admin=is_admin,
        )
        self.server_id = server_id

    def incoming(self, text: str = "", **kw: object) -> Incoming:
        return dataclasses.replace(super().incoming(text, **kw), server_id=self.server_id)  # type: ignore[arg-type]


def private(core: Core, user: str, platform: str = "telegram") -> Chat:
    return Chat(core, user, platform=platform, chat_id=f"dm-{platform}-{user}")


class Collecting:
    """An adapter's sending side that keeps what it was given."""

    pacing = PlatformLimits()  # unpaced
    open_dms_hint = None

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.sent: list[tuple[Destination, Reply]] = []

    async def send(self, destination: Destination, reply: Reply) -> None:
        self.sent.append((destination, reply))


def delivered(core: Core, platform: str) -> list[tuple[Destination, Reply]]:
    """Drain the outbox for one platform, as its adapter's sender would."""
    adapter = Collecting(platform)
    sender = OutboxSender(
        core.services.db, core.services.clock, adapter, reach_elsewhere=challenge_chat_of
    )
    while asyncio.run(sender.drain_once()):
        pass
    return adapter.sent
