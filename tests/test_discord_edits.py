"""Editing the message you logged with, on Discord: a message edit changes the entry, the
reply answers the edited message, and the same edit delivered again changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.core import Core
from bot.storage.models import Entry
from tests.discord_rig import answers, fake_discord, running
from tests.fakes.discord_api import CHANNEL_ID, FakeDiscord

ANA = 700000000000000001


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with fake_discord(monkeypatch) as fake:
        fake.user(ANA, "Ana")
        yield fake


def entries(core: Core) -> list[tuple[int, str, float | None, float | None, str | None]]:
    with core.services.db.unit_of_work() as session:
        rows = session.execute(
            select(
                Entry.number, Entry.kind, Entry.duration_s, Entry.volume_ml, Entry.source_message_id
            ).order_by(Entry.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_editing_a_logged_message_changes_its_entry(core: Core, fake: FakeDiscord) -> None:
    async with running(core, fake, discord_message_content=True):
        message = await fake.say(ANA, "!run 5k 28:30")
        await answers(fake, CHANNEL_ID, 1)
        first = await fake.edit(message, "!run 5k 27:30", at="2026-11-25T12:01:00.000000+00:00")
        [_, updated] = await answers(fake, CHANNEL_ID, 2)
        await fake.edit(message, "!run 5k 26:00", at="2026-11-25T12:02:00.000000+00:00")
        await answers(fake, CHANNEL_ID, 3)
        await fake.dispatch("MESSAGE_UPDATE", first)  # the first edit, delivered again
        await fake.say(ANA, "!history")
        [*_, history] = await answers(fake, CHANNEL_ID, 4)
        await asyncio.sleep(0.1)  # time for any stray answer to show up
    assert updated.content.startswith(
        "✏️ Updated #1: run 5.00 km in 27:30 (5:30 /km) (was run 5.00 km in 28:30"
    )
    # The answer replies to the edited message.
    call = fake.calls_to("POST", rf"/channels/{CHANNEL_ID}/messages")[1]
    assert int(call.json["message_reference"]["message_id"]) == message
    assert "#1 · Wed 25 Nov · run 5.00 km in 26:00" in history.text
    assert len(fake.posted_in(CHANNEL_ID)) == 4
    assert entries(core) == [(1, "run", 1560.0, None, str(message))]


async def test_an_edited_dm_that_changes_the_kind_changes_the_entry(
    core: Core, fake: FakeDiscord
) -> None:
    dm = fake.dm_channel(ANA)
    async with running(core, fake):
        message = await fake.say(ANA, "ran 500m", dm=True)
        await answers(fake, dm, 1)
        await fake.edit(message, "drank 500ml", at="2026-11-25T12:01:00.000000+00:00")
        [_, changed] = await answers(fake, dm, 2)
    assert changed.content.startswith("✏️ Updated #1: it is now water 500 ml")
    assert "from run to water" in changed.content
    assert entries(core) == [(1, "water", None, 500.0, str(message))]


async def test_an_update_that_is_no_edit_is_left_alone(core: Core, fake: FakeDiscord) -> None:
    """Discord also sends MESSAGE_UPDATE when it adds a link's preview: no edit time."""
    dm = fake.dm_channel(ANA)
    async with running(core, fake):
        message = await fake.say(ANA, "/water 500ml", dm=True)
        await answers(fake, dm, 1)
        await fake.dispatch("MESSAGE_UPDATE", {**fake._said[message], "content": "/water 1l"})
        await fake.say(ANA, "/today", dm=True)
        [_, today] = await answers(fake, dm, 2)
    assert "water 500 ml · #1" in today.text
