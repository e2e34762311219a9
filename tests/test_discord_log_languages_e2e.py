"""Discord end to end: a person whose Discord is set to Spanish logs a run by slash command
and is answered in Spanish unasked, with decimal commas; English stays English."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core import Core
from tests.discord_rig import answers, fake_discord, running
from tests.fakes.discord_api import FakeDiscord

ANA, BEN = 700000000000000001, 700000000000000002


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with fake_discord(monkeypatch) as fake:
        fake.user(ANA, "Ana")
        fake.user(BEN, "Ben")
        yield fake


async def test_a_spanish_discord_gets_the_log_reply_in_spanish(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake):
        await fake.slash_line(ANA, "/run 5k 28:30", dm=True, locale="es-ES")
        [logged] = await answers(fake, fake.dm_channel(ANA), 1)
        first, today = logged.text.splitlines()[:2]
        assert first == "✅ Registrado: carrera 5,00 km en 28:30 (5:42 /km)."
        assert today == "Hoy: 5,00 km · esta semana: 5,00 km"
        await fake.slash_line(ANA, "/run tomorrow", dm=True, locale="es-ES")
        [_, planned] = await answers(fake, fake.dm_channel(ANA), 2)
        assert planned.text.startswith("Registro lo hecho, no lo planeado")
        assert "/run 5k 28:30 yesterday" in planned.text
        await fake.slash_line(BEN, "/run 5k 28:30", dm=True)  # en-US: English
        [english] = await answers(fake, fake.dm_channel(BEN), 1)
        assert english.text.startswith("✅ Logged run 5.00 km in 28:30 (5:42 /km).")
