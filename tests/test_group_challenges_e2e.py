"""Group challenges end to end, the same on Telegram and on Discord: the real adapter and its
library against the fake platform, the real core, commands and voice on SQLite, and the
scheduler's minute tick run by hand on a controlled clock, its digest and end summary then
delivered by the adapter's outbox sender."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from bot.app import run_tick
from bot.clock import FixedClock
from tests.group_e2e import NEW, Shown, Side, open_sides

BERLIN_8PM = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)  # 20:00 in Berlin on Wed 25 Nov
WINDOW_CLOSES = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # the end of Mon 30 Nov, in UTC


@pytest.fixture(params=["telegram", "discord"])
async def side(
    request: pytest.FixtureRequest,
    sqlite_url: str,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Side]:
    async with open_sides([request.param], sqlite_url, clock, monkeypatch) as sides:
        yield sides[request.param]


async def start_with_ben(side: Side) -> None:
    """Ana starts the challenge in the group; Ben joins it."""
    started = await side.group("Ana", NEW)
    assert "November 100k is on: run 100 km each, from today until Mon 30 Nov 2026." in started
    assert "Ana is in. Everyone else: /join." in started
    joined = await side.group("Ben", "/join")
    assert "Ben joined November 100k (run 100 km each)" in joined


async def tick_twice(side: Side) -> list[Shown]:
    """The scheduler's minute tick runs twice at the same moment (two workers, or a retry),
    and the sender drains after each: whatever it posts must arrive once."""
    await run_tick(side.core.services)
    first = await side.deliver()
    await run_tick(side.core.services)
    return first + await side.deliver()


async def test_two_members_and_logs_from_private_chats_make_the_standings(side: Side) -> None:
    await start_with_ben(side)
    logged = await side.private("Ana", "/run 10k 55:00")
    assert "Logged run 10.00 km in 55:00" in logged
    await side.group("Ben", "/run 12k 70:00")  # logged in the group itself
    await side.private("Cat", "ran 10k in 60 min")  # Cat hasn't joined: not in the standings

    board = await side.group("Cat", "/leaderboard")
    assert "November 100k — run 100 km each, until Mon 30 Nov (5 days left)" in board
    assert board.index("1. Ben — 12.0 km") < board.index("2. Ana — 10.0 km")
    assert "Cat" not in board

    assert "Everything you log from Wed 25 Nov counts" in await side.group("Cat", "/join")
    board = await side.group("Ben", "/leaderboard")
    ranks = [line.split(" — ")[0] for line in board.splitlines() if " — " in line][1:]
    assert ranks == ["1. Ben", "2. Ana", "2. Cat"]  # equal figures share a place
    info = await side.group("Ben", "/challenge")
    assert "Started by Ana · 3 members" in info


async def test_the_digest_is_posted_once_at_the_groups_local_time(
    side: Side, clock: FixedClock
) -> None:
    await start_with_ben(side)
    zone = await side.group("Ana", "/tz Europe/Berlin")
    assert "This group's time zone is now Europe/Berlin (13:00 there)" in zone
    digest_set = await side.group("Ana", "/digest daily 20:00")
    assert "Daily digest at 20:00 (Europe/Berlin). The first one: Wed 25 Nov 20:00." in digest_set
    await side.private("Ana", "/run 10k 55:00")
    await side.group("Ben", "/run 12k 70:00")

    clock.set(BERLIN_8PM - timedelta(minutes=1))
    assert await tick_twice(side) == []
    clock.set(BERLIN_8PM)
    [digest] = await tick_twice(side)
    assert digest.chat_id == side.group_chat
    text = digest.text
    assert "Daily digest · Wed 25 Nov" in text
    assert text.index("1. Ben — 12.0 km") < text.index("2. Ana — 10.0 km")
    assert "Moved today: Ana, Ben" in text
    assert "Most improved: Ben (+12.0 km on the week before)" in text
    # The group's line from the rules engine closes it, in italics.
    assert digest.emphasised and text.rstrip().endswith(digest.emphasised[-1])
    assert digest.images == ()

    clock.set(BERLIN_8PM + timedelta(days=1) - timedelta(seconds=1))
    assert await tick_twice(side) == []
    clock.set(BERLIN_8PM + timedelta(days=1))
    [next_day] = await tick_twice(side)
    assert "Daily digest · Thu 26 Nov" in next_day.text
    assert "No one has logged today yet" in next_day.text


async def test_the_end_summary_arrives_once_with_a_chart_of_the_group(
    side: Side, clock: FixedClock
) -> None:
    await start_with_ben(side)
    await side.private("Ana", "/run 10k 55:00")
    await side.group("Ben", "/run 12k 70:00")

    clock.set(WINDOW_CLOSES - timedelta(seconds=1))
    assert await tick_twice(side) == []
    clock.set(WINDOW_CLOSES)
    shown = await tick_twice(side)
    assert {s.chat_id for s in shown} == {side.group_chat}
    text = "\n".join(s.text for s in shown)
    assert "November 100k is over: run 100 km each, Wed 25 Nov – Mon 30 Nov." in text
    assert text.index("1. Ben — 12.0 km") < text.index("2. Ana — 10.0 km")
    assert "Together: 22.0 km." in text
    [(name, png)] = [image for s in shown for image in s.images]
    assert name.endswith(".png")
    chart = Image.open(io.BytesIO(png))
    assert chart.format == "PNG" and chart.width >= 400 and chart.height >= 200

    shown = await side.group("Ben", "/challenge November 100k")
    assert "finished Mon 30 Nov" in shown
    assert "No challenge is running here" in await side.group("Ben", "/leaderboard")


async def test_members_are_refused_the_admins_commands_and_told_why(side: Side) -> None:
    await start_with_ben(side)
    assert await side.group("Ben", "/digest daily 20:00") == (
        "Only this group's admins can use /digest."
    )
    zone = await side.group("Ben", "/tz Europe/Berlin")
    assert zone.startswith("Only this group's admins can change its time zone.")
    ending = await side.group("Ben", "/challenge end November 100k")
    assert ending == "Only the one who started November 100k or this group's admins can end it."

    # Nothing changed.
    assert "No daily digest here yet" in await side.group("Ana", "/digest")
    assert "This group's time zone is UTC" in await side.group("Ben", "/tz")
    assert "5 days left" in await side.group("Ben", "/challenge")
    # Its creator, an admin, may end it.
    assert "November 100k is over" in await side.group("Ana", "/challenge end November 100k")


async def test_a_group_goal_through_the_group_its_digest_and_its_summary(
    side: Side, clock: FixedClock
) -> None:
    """Only admins start challenges here (the platform says who is one); Ana starts a goal
    for the whole group, Ben joins, and the tick posts the group's total against it."""
    refused = await side.group("Ben", "/challenge who admins")
    assert refused.startswith("Only this group's admins choose who starts challenges.")
    assert "only this group's admins start" in await side.group("Ana", "/challenge who admins")
    together = '/challenge new "November together" run 60km together until 2026-11-30'
    kept = await side.group("Ben", together)
    assert kept.startswith("In this group, only admins start challenges")
    started = await side.group("Ana", together)
    assert "November together is on: run 60 km together, from today until Mon 30 Nov" in started
    assert "Ben joined November together (run 60 km together)" in await side.group("Ben", "/join")
    await side.private("Ana", "/run 10k 55:00")
    await side.group("Ben", "/run 20k 2:00:00")
    board = await side.group("Cat", "/leaderboard")
    assert "Together: 30.0 / 60 km ▓▓▓▓▓░░░░░ 50% · 30.0 km to go" in board
    assert board.index("1. Ben — 20.0 km (67%)") < board.index("2. Ana — 10.0 km (33%)")

    await side.group("Ana", "/digest daily 20:00")
    clock.set(datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    [digest] = await tick_twice(side)
    assert "Together: 30.0 / 60 km ▓▓▓▓▓░░░░░ 50%" in digest.text
    assert "1. Ben — 20.0 km (67%)" in digest.text

    clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    await side.private("Ana", "/run 35k 3:30:00")
    clock.set(WINDOW_CLOSES)
    shown = await tick_twice(side)
    text = "\n".join(s.text for s in shown)
    assert "You made it together: 65.0 / 60 km (108%)." in text
    assert "1. Ana — 45.0 km (69%)" in text and "2. Ben — 20.0 km (31%)" in text
    [(name, png)] = [image for s in shown for image in s.images]
    assert name.endswith(".png")
    chart = Image.open(io.BytesIO(png))
    assert chart.format == "PNG" and chart.width >= 400 and chart.height >= 200
