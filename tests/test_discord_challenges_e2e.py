"""Group challenges on a Discord server, end to end through discord.py and the fake Discord:
what Discord does differently from a Telegram group. A server is one group whichever of its
channels people write in; admins pick the channel digests and summaries go to; admin rights
are Manage Server, read from the interaction (slash) or from the member's roles (typed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.app import run_tick
from bot.clock import FixedClock
from tests.fakes.discord_api import CHANNEL_ID, OTHER_CHANNEL_ID
from tests.group_e2e import NEW, DiscordSide, open_sides

EIGHT_PM = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
WINDOW_CLOSES = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
async def discord(
    sqlite_url: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[DiscordSide]:
    """The server, with the Message Content intent on, so typed `!commands` work too."""
    async with open_sides(
        ["discord"], sqlite_url, clock, monkeypatch, discord_message_content=True
    ) as sides:
        side = sides["discord"]
        assert isinstance(side, DiscordSide)
        yield side


async def test_a_server_is_one_group_and_its_admins_choose_the_digest_channel(
    discord: DiscordSide, clock: FixedClock
) -> None:
    await discord.group("Ana", NEW)  # in #general
    joined = await discord.typed("Ben", "!join", channel_id=OTHER_CHANNEL_ID)
    assert "Ben joined November 100k" in joined  # the same challenge from #challenges
    await discord.typed("Ben", "!run 12k 70:00", channel_id=OTHER_CHANNEL_ID)
    board = await discord.group("Ana", "/leaderboard", channel_id=OTHER_CHANNEL_ID)
    assert "1. Ben — 12.0 km" in board and "2. Ana — 0.0 km" in board

    refused = await discord.group("Ben", "/steady channel", channel_id=OTHER_CHANNEL_ID)
    assert refused == "Only this group's admins can use /steady."
    moved = await discord.group("Ana", "/steady channel", channel_id=OTHER_CHANNEL_ID)
    assert moved == "📌 Digests and challenge summaries will be posted in this channel."
    await discord.group("Ana", "/digest daily 20:00")  # asked in #general: still #challenges

    clock.set(EIGHT_PM)
    await run_tick(discord.core.services)
    [digest] = await discord.deliver()
    assert digest.chat_id == str(OTHER_CHANNEL_ID)
    assert "Daily digest · Wed 25 Nov" in digest.text and "1. Ben — 12.0 km" in digest.text

    clock.set(WINDOW_CLOSES)
    await run_tick(discord.core.services)
    [summary] = await discord.deliver()
    assert summary.chat_id == str(OTHER_CHANNEL_ID)
    assert "November 100k is over" in summary.text
    [(name, png)] = summary.images  # the chart, as a file shown inside the summary's embed
    assert name.endswith(".png") and png.startswith(b"\x89PNG")


async def test_typed_admin_commands_read_manage_server_from_the_members_roles(
    discord: DiscordSide,
) -> None:
    await discord.group("Ana", NEW)
    await discord.group("Ben", "/join")
    refused = await discord.typed("Ben", "!digest daily 20:00")
    assert refused == "Only this group's admins can use /digest."
    ending = await discord.typed("Ben", "!challenge end November 100k")
    assert ending == "Only the one who started November 100k or this group's admins can end it."
    zone = await discord.typed("Ana", "!tz Europe/Berlin")  # Ana's role has Manage Server
    assert "This group's time zone is now Europe/Berlin" in zone
    assert "Daily digest at 20:00 (Europe/Berlin)" in await discord.typed(
        "Ana", "!digest daily 20:00"
    )
    assert len(discord.fake.posted_in(CHANNEL_ID)) == 6  # one answer each, nothing else
