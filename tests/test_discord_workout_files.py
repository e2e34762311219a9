"""A watch's workout file sent to the Discord bot as an attachment logs the run: on its own in
a DM, or in a server with a mention or !import."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import select

from bot.core import Core
from bot.settings import Limits
from bot.storage.models import Entry
from tests.discord_rig import answers, fake_discord, running
from tests.fakes.discord_api import BOT_ID, CHANNEL_ID, FakeDiscord
from tests.workout_samples import START, gpx_run

ANA, BEN = 111, 222
GPX = "application/gpx+xml"


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with fake_discord(monkeypatch) as fake:
        fake.user(ANA, "Ana")
        fake.user(BEN, "Ben")
        yield fake


@pytest.fixture
def core(make_core: Callable[..., Core], sqlite_url: str) -> Core:
    return make_core(sqlite_url)


def logged_runs(core: Core) -> list[tuple[str, float]]:
    with core.services.db.unit_of_work() as s:
        rows = s.execute(select(Entry.local_date, Entry.distance_m).where(Entry.kind == "run"))
        return [(str(day), round(distance or 0)) for day, distance in rows]


async def test_a_gpx_attachment_in_a_dm_logs_the_run_once(core: Core, fake: FakeDiscord) -> None:
    dm = fake.dm_channel(ANA)
    async with running(core, fake):
        await fake.say(ANA, "", dm=True, attachments=(("morning-run.gpx", gpx_run(), GPX),))
        [logged] = await answers(fake, dm, 1)
        await fake.say(ANA, "", dm=True, attachments=(("morning-run.gpx", gpx_run(), GPX),))
        [_, again] = await answers(fake, dm, 2)
    assert "From morning-run.gpx (GPX), started 07:30" in logged.content
    assert "✅ Logged run 5.00 km in 27:30 (5:30 /km) for Fri 20 Nov." in logged.content
    assert again.content.startswith("Already logged as #1: run 5.00 km in 27:30")
    assert logged_runs(core) == [("2026-11-20", 5000)]


async def test_in_a_server_a_mention_or_import_with_the_file_logs_it(
    core: Core, fake: FakeDiscord
) -> None:
    later = gpx_run(START.replace(hour=18))
    async with running(core, fake, discord_message_content=True):  # for !import
        await fake.say(ANA, "", attachments=(("run.gpx", gpx_run(), GPX),))  # not for us
        await fake.say(ANA, f"<@{BOT_ID}>", attachments=(("run.gpx", gpx_run(), GPX),))
        [ana] = await answers(fake, CHANNEL_ID, 1)
        await fake.say(BEN, "!import", attachments=(("b.gpx", later, GPX),))
        [_, ben] = await answers(fake, CHANNEL_ID, 2)
    assert "✅ Logged run 5.00 km" in ana.content
    assert "✅ Logged run 5.00 km" in ben.content
    assert len(logged_runs(core)) == 2


async def test_a_file_over_the_cap_is_not_fetched_and_said_so(
    core: Core, fake: FakeDiscord
) -> None:
    dm = fake.dm_channel(ANA)
    small = Limits(max_import_kb=1, max_workout_kb=1)
    async with running(core, fake, limits=small):
        await fake.say(ANA, "", dm=True, attachments=(("long.gpx", gpx_run(), GPX),))
        [said] = await answers(fake, dm, 1)
    assert said.content == "That file is larger than 1 KB, more than I read."
    assert logged_runs(core) == []
