"""Discord's autocomplete end to end: the real discord.py client against the fake gateway
sends what a person types into a slash command's option (an interaction of type 4) and shows
the choices the bot answers (type 8), within Discord's 3 seconds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.core import Core
from bot.interface import Choice, Typing
from bot.storage.models import HandledMessage, InboxEvent, User
from tests.discord_rig import answers, fake_discord, running
from tests.fakes.discord_api import CHANNEL_ID, FakeDiscord

ANA = 700000000000000001


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with fake_discord(monkeypatch) as fake:
        fake.user(ANA, "Ana")
        yield fake


def count(core: Core, table: type) -> int:
    with core.services.db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(table))


async def test_tz_suggests_zones_as_people_type_and_stores_nothing(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake):
        berlin = await fake.autocomplete(ANA, "tz", "zone", "ber")
        buenos = await fake.autocomplete(ANA, "tz", "zone", "buenos", dm=True)
        nothing = await fake.autocomplete(ANA, "tz", "zone", "qqqq")
    assert berlin[0] == ("Europe/Berlin", "Europe/Berlin")
    assert ("Atlantic/Bermuda", "Atlantic/Bermuda") in berlin
    assert buenos[0][1] == "America/Argentina/Buenos_Aires"
    assert nothing == []
    # typing is not a message: nothing in the inbox, no person met, nothing remembered
    assert count(core, InboxEvent) == count(core, User) == count(core, HandledMessage) == 0
    assert fake.posted_in(CHANNEL_ID) == []


async def test_strength_suggests_the_persons_own_exercises_first(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake):
        await fake.slash(ANA, "strength", {"exercise": "sled push 20min"}, dm=True)
        await fake.slash(ANA, "strength", {"exercise": "sled push 25min"}, dm=True)
        await fake.until(lambda: count(core, HandledMessage) == 2)
        offered = await fake.autocomplete(ANA, "strength", "exercise", "", dm=True)
        figures = await fake.autocomplete(ANA, "strength", "exercise", "pu 3x10")
        # what was picked runs as the slash command it fills in
        await fake.slash(ANA, "strength", {"exercise": figures[1][1]})
        [*_, logged] = await answers(fake, CHANNEL_ID, 1)
    assert offered[0] == ("sled push · logged 2×", "sled push")
    assert ("squats", "squats") in offered[1:]
    assert [value for _, value in figures][:2] == ["sled push 3x10", "push-ups 3x10"]
    assert logged.content.startswith("✅ Logged")


async def test_remind_off_suggests_the_persons_reminders(core: Core, fake: FakeDiscord) -> None:
    async with running(core, fake):
        await fake.slash(ANA, "remind", {"kind": "run", "when": "mon wed fri 07:00"}, dm=True)
        await fake.slash(ANA, "remind", {"kind": "water", "when": "every 2h"}, dm=True)
        await fake.until(lambda: count(core, HandledMessage) == 2)
        off = await fake.autocomplete(ANA, "remind", "when", "", {"kind": "off"}, dm=True)
        new = await fake.autocomplete(ANA, "remind", "when", "every", {"kind": "run"}, dm=True)
    assert off == [
        ("#1 run, Mon, Wed, Fri at 07:00", "1"),
        ("#2 water, every 2 h, 09:00–21:00, every day", "2"),
    ]
    assert new == [("every 2h 09:00-21:00", "every 2h 09:00-21:00")]


async def test_a_slow_core_gives_no_choices_rather_than_a_late_answer(
    core: Core, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    suggest = core.suggest

    def slow(typing: Typing) -> list[Choice]:
        time.sleep(2.5)
        return suggest(typing)

    monkeypatch.setattr(core, "suggest", slow)
    async with running(core, fake):
        started = asyncio.get_running_loop().time()
        offered = await fake.autocomplete(ANA, "tz", "zone", "ber")
        took = asyncio.get_running_loop().time() - started
    assert offered == []
    assert took < 2.5


async def test_only_options_with_a_provider_are_declared_with_autocomplete(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake):
        pass
    synced = {c["name"]: {o["name"]: o for o in c.get("options", [])} for c in fake.synced[None]}
    assert synced["tz"]["zone"]["autocomplete"] is True
    assert synced["strength"]["exercise"]["autocomplete"] is True
    assert not synced["water"]["amount"].get("autocomplete")
    assert "choices" in synced["remind"]["kind"]  # listed choices stay as they were


async def test_edit_suggests_the_persons_entries_as_numbers(core: Core, fake: FakeDiscord) -> None:
    async with running(core, fake):
        await fake.slash(ANA, "run", {"distance": "5k", "time": "28:30"}, dm=True)
        await fake.slash(ANA, "water", {"amount": "500ml"}, dm=True)
        await fake.until(lambda: count(core, HandledMessage) == 2)
        offered = await fake.autocomplete(ANA, "edit", "number", "", dm=True)
        deleting = await fake.autocomplete(ANA, "delete", "number", "1")
        # the number picked runs as the slash command it fills in
        await fake.slash(ANA, "edit", {"number": offered[0][1], "entry": "750ml"})
        [*_, edited] = await answers(fake, CHANNEL_ID, 1)
    assert offered == [
        ("#2 · Wed 25 Nov · water 500 ml", 2),
        ("#1 · Wed 25 Nov · run 5.00 km in 28:30 (5:42 /km)", 1),
    ]
    assert deleting == [("#1 · Wed 25 Nov · run 5.00 km in 28:30 (5:42 /km)", 1)]
    assert "#2" in edited.content and "750 ml" in edited.content
