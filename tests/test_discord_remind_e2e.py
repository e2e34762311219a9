"""/remind from a server channel on Discord, end to end (discord.py against the fake): the
answer is ephemeral, the reminder is set at once, and its nudges go to the person's DMs,
opened with `create_dm` (POST /users/@me/channels) though they never wrote there. With DMs
closed (403, code 50007) the nudges stop and they are told so once, in the channel."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import select

from bot.app import run_tick
from bot.clock import FixedClock
from bot.core import Core
from bot.delivery.outbox import OutboxSender
from bot.reminders.reaching import where_to_ask
from bot.storage.models import Account, OutboxMessage
from tests.discord_rig import answers, fake_discord, running
from tests.fakes.discord_api import CHANNEL_ID, FakeDiscord

ANA = 710000000000000001


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with fake_discord(monkeypatch) as fake:
        fake.user(ANA, "Ana")
        yield fake


@pytest.fixture
def core(make_core: Callable[..., Core], sqlite_url: str) -> Core:
    return make_core(sqlite_url)


def nudge_states(core: Core) -> list[str]:
    with core.services.db.unit_of_work() as session:
        query = select(OutboxMessage.status).where(OutboxMessage.key.startswith("reminder:"))
        return list(session.scalars(query.order_by(OutboxMessage.id)))


async def remind_in_channel(fake: FakeDiscord, line: str) -> str:
    before = len(fake.posted_in(CHANNEL_ID))
    await fake.slash_line(ANA, line)
    [answer] = (await answers(fake, CHANNEL_ID, before + 1))[before:]
    assert answer.ephemeral, "only she sees the answer"
    return answer.text


async def test_a_reminder_set_in_a_channel_nudges_in_dms_opened_for_it(
    core: Core, fake: FakeDiscord, clock: FixedClock
) -> None:
    async with running(core, fake) as adapter:
        answer = await remind_in_channel(fake, "/remind water 12:30")
        assert answer.startswith("⏰ Reminder #1: water, every day at 12:30.")
        assert "direct message" in answer
        assert fake.calls_to("POST", "/users/@me/channels") == []  # she never wrote in DMs

        clock.advance(minutes=30)
        await run_tick(core.services)
        sender = OutboxSender(core.services.db, clock, adapter, reach_elsewhere=where_to_ask)
        assert await sender.drain_once() == 1
        [opened] = fake.calls_to("POST", "/users/@me/channels")
        assert opened.json == {"recipient_id": ANA}
        [nudge] = fake.posted_in(fake.dm_channel(ANA))
        assert nudge.text.startswith("💧 Time for some water · 12:30")
        assert [label for label, _ in nudge.buttons][1:] == ["⏰ Snooze 1 h", "⏭ Skip today"]

        # The next day's nudge finds the DM without asking Discord to open it again.
        clock.advance(days=1)
        await run_tick(core.services)
        assert await sender.drain_once() == 1
        assert len(fake.posted_in(fake.dm_channel(ANA))) == 2
        assert len(fake.calls_to("POST", "/users/@me/channels")) == 1
    assert nudge_states(core) == ["sent", "sent"]
    assert [p.ephemeral for p in fake.posted_in(CHANNEL_ID)] == [True]


async def test_closed_dms_stop_the_nudges_and_she_is_told_once_in_the_channel(
    core: Core, fake: FakeDiscord, clock: FixedClock
) -> None:
    fake.closed_dms.add(ANA)
    async with running(core, fake) as adapter:
        await remind_in_channel(fake, "/remind water every 1h 12:00-20:00")
        sender = OutboxSender(core.services.db, clock, adapter, reach_elsewhere=where_to_ask)
        for _ in range(3):  # three hours: one nudge tried, then none
            clock.advance(hours=1)
            await run_tick(core.services)
            while await sender.drain_once():
                pass
        told = [p for p in fake.posted_in(CHANNEL_ID) if not p.ephemeral]
        assert len(told) == 1
        assert told[0].text.startswith("Ana, I can't reach you by direct message")
        assert "allow direct messages" in told[0].text
        assert fake.posted_in(fake.dm_channel(ANA)) == []
    assert nudge_states(core) == ["dead"]
    with core.services.db.unit_of_work() as session:
        assert session.scalar(select(Account.unreachable)) is True
