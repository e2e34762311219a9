"""One person on Telegram and on Discord at once: both adapters running against their fakes
side by side, over one core and one database, as `steady run` does with both tokens set."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.app import run_tick
from bot.clock import FixedClock
from tests.group_e2e import NEW, DiscordSide, TelegramSide, open_sides

EIGHT_PM = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


def ana_in(board: str) -> str:
    """Ana's line in the standings."""
    [line] = [line for line in board.splitlines() if ". Ana — " in line]
    return line


async def test_link_merges_histories_and_challenges_on_both_platforms_count_both(
    sqlite_url: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with open_sides(["telegram", "discord"], sqlite_url, clock, monkeypatch) as sides:
        telegram, discord = sides["telegram"], sides["discord"]
        assert isinstance(telegram, TelegramSide) and isinstance(discord, DiscordSide)
        await telegram.group("Ana", NEW)
        await telegram.group("Ben", "/join")
        await discord.group("Ana", '/challenge new "Runs" runs 10 until 2026-11-30')
        await discord.group("Cat", "/join")
        await telegram.private("Ana", "/run 10k 55:00")
        await discord.private("Ana", "/run 5k 30:00")
        assert "10.0 km" in ana_in(await telegram.group("Ben", "/leaderboard"))
        assert "1 run" in ana_in(await discord.group("Cat", "/leaderboard"))

        issued = await telegram.private("Ana", "/link")
        found = re.search(r"[A-Z0-9]{4}(?:-[A-Z0-9]{4})+", issued)
        assert found and "Send /link" in issued and "on Discord" in issued
        linked = await discord.private("Ana", f"/link {found.group()}", slash=True)
        assert "Linked: Telegram (Ana) and Discord (Ana)" in linked
        assert "challenges on either side count both" in linked

        # One history: each side's run shows on the other, and counts in both challenges.
        history = await telegram.private("Ana", "/history")
        assert "run 10.00 km" in history and "run 5.00 km" in history
        assert "15.0 km" in ana_in(await telegram.group("Ben", "/leaderboard"))
        assert "2 runs" in ana_in(await discord.group("Cat", "/leaderboard"))
        await discord.private("Ana", "ran 3k in 20 min")
        assert "18.0 km" in ana_in(await telegram.group("Ana", "/leaderboard"))
        assert "accounts are already linked" in await telegram.private("Ana", "/link")

        # One tick posts both groups' digests; each leaves through its own platform.
        await telegram.group("Ana", "/digest daily 20:00")
        await discord.group("Ana", "/digest daily 20:00")
        clock.set(EIGHT_PM)
        await run_tick(telegram.core.services)
        [on_telegram] = await telegram.deliver()
        [on_discord] = await discord.deliver()
    assert on_telegram.chat_id == telegram.group_chat
    assert "18.0 km" in ana_in(on_telegram.text)
    assert on_discord.chat_id == discord.group_chat
    assert "3 runs" in ana_in(on_discord.text)
    assert "Moved today: Ana" in on_telegram.text and "Moved today: Ana" in on_discord.text
