"""Discord end to end: a plain message carries no language, so a file too big to read is
said so in the server's language (its community setting), English without one."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core import Core
from bot.settings import Limits
from tests.discord_rig import answers, fake_discord, running
from tests.fakes.discord_api import BOT_ID, CHANNEL_ID, FakeDiscord
from tests.workout_samples import gpx_run

ANA = 111
GPX = "application/gpx+xml"


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with fake_discord(monkeypatch) as fake:
        fake.user(ANA, "Ana")
        yield fake


@pytest.mark.parametrize(
    ("locale", "notice"),
    [
        ("de", "Die Datei ist größer als 1\u00a0KB – so viel lese ich nicht."),
        ("pt-BR", "Esse arquivo tem mais de 1\u00a0KB, mais do que eu leio."),
        ("en-US", "That file is larger than 1 KB, more than I read."),
    ],
)
async def test_a_file_too_big_is_refused_in_the_servers_language(
    make_core, sqlite_url, fake: FakeDiscord, locale: str, notice: str
) -> None:
    core: Core = make_core(sqlite_url)
    fake.guild_locale = locale
    small = Limits(max_import_kb=1, max_workout_kb=1)
    async with running(core, fake, limits=small):
        await fake.say(ANA, f"<@{BOT_ID}>", attachments=(("long.gpx", gpx_run(), GPX),))
        [said] = await answers(fake, CHANNEL_ID, 1)
    assert said.content == notice
