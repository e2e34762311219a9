"""An unsure plain-words reading in a Discord DM: asked with two buttons; ✅ logs once,
even when the gateway delivers the press again; ✏️ explains how to log."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import func, select

from bot.core import Core
from bot.storage.models import Entry
from tests.discord_rig import answers, fake_discord, running
from tests.fakes.discord_api import FakeDiscord

ANA = 700000000000000001  # a member of the fake server


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with fake_discord(monkeypatch) as server:
        server.user(ANA, "Ana")
        yield server


@pytest.fixture
def core(make_core: Callable[..., Core], sqlite_url: str) -> Core:
    return make_core(sqlite_url)


def count(core: Core) -> int:
    with core.services.db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Entry))


async def test_an_unsure_reading_is_asked_and_a_press_logs_it_once(
    core: Core, fake: FakeDiscord
) -> None:
    dm = fake.dm_channel(ANA)
    async with running(core, fake):
        await fake.say(ANA, "did 5 in 30", dm=True)
        [asked] = await answers(fake, dm, 1)
        assert asked.content == "Did you mean: run 5.00 km in 30:00?"
        [(label, confirm), not_that] = asked.buttons
        assert label == "✅ Log run 5.00 km in 30:00" and not_that == ("✏️ Not that", "/howto")
        assert confirm.startswith("/run@~") and confirm.endswith(" 5km 30:00")
        assert count(core) == 0
        await fake.click(ANA, asked, confirm)
        [_, logged] = await answers(fake, dm, 2)
        assert logged.content.startswith("✅ Logged run 5.00 km in 30:00 (6:00 /km)")
        # The gateway delivers the same press again (a resumed session replays it).
        [(_, event, press)] = [d for d in fake.dispatched if d[1] == "INTERACTION_CREATE"]
        await fake.dispatch(event, press)
        await fake.until(lambda: len(fake.interaction_callbacks) >= 2)
    assert count(core) == 1


async def test_not_that_answers_with_how_to_log(core: Core, fake: FakeDiscord) -> None:
    dm = fake.dm_channel(ANA)
    async with running(core, fake):
        await fake.say(ANA, "drank 500", dm=True)
        [asked] = await answers(fake, dm, 1)
        await fake.click(ANA, asked, "/howto")
        [_, how] = await answers(fake, dm, 2)
    assert "ran 5k in 28:30" in how.content
    assert count(core) == 0
