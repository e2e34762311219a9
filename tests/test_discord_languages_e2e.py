"""Discord end to end: the slash commands carry their descriptions and choices in every
language (names stay English), and a person whose Discord is set to Spanish is answered in
Spanish unasked, by slash command and afterwards by plain message too."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core import Core
from tests.discord_rig import answers, fake_discord, running
from tests.fakes.discord_api import CHANNEL_ID, FakeDiscord

ANA, BEN = 700000000000000001, 700000000000000002


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with fake_discord(monkeypatch) as fake:
        fake.user(ANA, "Ana")
        fake.user(BEN, "Ben", manages_server=True)
        yield fake


async def test_a_person_whose_discord_is_spanish_is_answered_in_spanish(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake):
        await fake.slash_line(ANA, "/lang", dm=True, locale="es-ES")
        [listed] = await answers(fake, fake.dm_channel(ANA), 1)
        assert listed.text.startswith("Idiomas")
        assert "es: Español — actual" in listed.text
        # A plain message carries no locale: the one her app last reported still holds.
        await fake.say(ANA, "/lang", dm=True)
        [_, again] = await answers(fake, fake.dm_channel(ANA), 2)
        assert again.text.startswith("Idiomas")
        await fake.slash_line(BEN, "/lang", dm=True)  # en-US: English
        [english] = await answers(fake, fake.dm_channel(BEN), 1)
        assert english.text.startswith("Languages")


async def test_in_a_server_a_spanish_member_reads_the_groups_language_in_spanish(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake):
        await fake.slash_line(ANA, "/lang", locale="es-419")
        [listed] = await answers(fake, CHANNEL_ID, 1)
    assert "en: English — actual" in listed.text  # nobody chose: the group's is English
    assert "Es el idioma de los resúmenes de este grupo." in listed.text


async def test_slash_commands_are_described_in_every_language_with_english_names(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake):
        pass
    synced = {c["name"]: c for c in fake.synced[None]}
    water = synced["water"]
    assert water["description"] == "Log water: ml, litres, oz or glasses"
    localized = water["description_localizations"]
    assert localized["es-ES"] == "Apunta agua: ml, litros, oz o vasos"
    assert localized["es-419"] == "Apunta agua: ml, litros, oz o vasos"
    assert localized["pt-BR"] == "Registre água: ml, litros, oz ou copos"
    assert localized["de"] == "Wasser eintragen: ml, Liter, oz oder Gläser"
    assert localized["ru"] == "Записать воду: мл, литры, унции или стаканы"
    assert "fr" not in localized
    assert not water.get("name_localizations")  # names stay English
    amount = water["options"][0]
    assert amount["description_localizations"]["ru"] == "Сколько: 500ml, 1l, 16oz, 2 glasses"
    assert not amount.get("name_localizations")
    [span] = synced["stats"]["options"]
    week = next(c for c in span["choices"] if c["value"] == "week")
    assert week["name"] == "week"
    assert week["name_localizations"]["de"] == "Woche"
    assert week["name_localizations"]["ru"] == "неделя"
