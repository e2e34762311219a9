"""/start, /help, /tz and /units in every language Steady speaks, through the console core:
the words are the person's language, command names and examples stay English."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.commands import build_registry
from bot.context import APOLOGY, apology
from bot.core import Core
from bot.i18n.catalogs import translate
from bot.i18n.figures import figures
from bot.i18n.languages import LANGUAGES
from bot.interface import ChatKind, Incoming
from bot.storage.models import User
from tests.support import Chat
from tests.test_inbox_worker import BudgetCore, StandIn, event, until, working
from tests.test_inbox_worker import make_core as worker_core

TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]
REGISTRY = build_registry()

WORDS = {  # a word each reply below has in that language, and English does not
    "de": ("Hallo", "Was ich kann", "Einstellungen", "Beispiele", "Zeitzone", "Einheiten"),
    "es": ("Hola", "Lo que puedo hacer", "Ajustes", "Ejemplos", "Zona horaria", "Unidades"),
    "pt": ("Oi", "O que eu sei fazer", "Configurações", "Exemplos", "Fuso horário", "Unidades"),
    "ru": ("Привет", "Что я умею", "Настройки", "Примеры", "Часовой пояс", "единицы"),
}


def speaker(core: Core, lang: str, user: str = "ana") -> Chat:
    return Chat(core, user, language=lang)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_start_greets_in_the_persons_language_with_english_commands(core: Core, lang) -> None:
    said = speaker(core, lang).say("/start")
    first = said.split("\n")[0]
    assert WORDS[lang][0] in first and "Ana!" in first
    assert "/run 5k 28:30\n/strength squats 3x10 40kg\n/water 500ml" in said
    assert "I keep track" not in said and "/help lists everything" not in said


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_help_index_speaks_the_language_and_keeps_command_names(core: Core, lang) -> None:
    said = speaker(core, lang).say("/help")
    assert said.startswith(f"**{WORDS[lang][1]}**")
    assert f"**{WORDS[lang][2]}**" in said  # a section's title
    for cmd in REGISTRY:
        summary = translate(lang, cmd.summary)
        assert summary != cmd.summary, f"/{cmd.name}'s summary is untranslated in {lang}"
        assert f"{cmd.examples[0]} — {summary}" in said
        assert f"— {cmd.summary}\n" not in said
    assert translate(lang, build_rule()) in said
    assert "Send /help <command>" not in said and "plain words work too" not in said


def build_rule() -> str:
    from bot.commands.basics import STREAK_RULE

    return STREAK_RULE


@pytest.mark.parametrize("lang", TRANSLATED)
def test_help_for_every_command_shows_its_options_and_details_translated(
    core: Core, lang: str
) -> None:
    ana = speaker(core, lang)
    for cmd in REGISTRY:
        said = ana.say(f"/help {cmd.name}")
        lines = said.split("\n")
        assert lines[0] == f"**{cmd.usage}**"  # names stay English
        assert lines[1] == translate(lang, cmd.summary) + "."
        for param in cmd.params:
            shown = translate(lang, param.description)
            assert shown != param.description, (lang, cmd.name, param.name)
            assert f"<{param.name}> — {shown}" in lines
        if cmd.details:
            details = translate(lang, cmd.details)
            assert details != cmd.details and details in lines, (lang, cmd.name)
        assert lines[-1] == f"{WORDS[lang][3]}: " + ", ".join(cmd.examples)


def test_help_in_english_names_each_option_and_keeps_its_wording(chat: Chat) -> None:
    said = chat.say("/help run")
    assert said.startswith("**/run <distance> [time] [note]**\nLog a run: distance, time,")
    assert "<distance> — How far: 5k, 3.1mi, 800m" in said
    assert "Pace is worked out for you." in said
    assert said.endswith("Examples: " + ", ".join(REGISTRY.get("run").examples))  # type: ignore[union-attr]


def test_help_streak_gives_the_rule_in_russian(core: Core) -> None:
    said = speaker(core, "ru").say("/help streak")
    assert "Серия считает дни" in said
    assert "один выходной в любые 7 дней" in said
    assert "до 30 дней в любые 90" in said


@pytest.mark.parametrize("lang", TRANSLATED)
def test_an_unknown_command_in_help_is_named_in_the_language(core: Core, lang: str) -> None:
    said = speaker(core, lang).say("/help frobnicate")
    assert "/frobnicate" in said and "/help" in said
    assert "I don't know" not in said


@pytest.mark.parametrize("lang", TRANSLATED)
def test_tz_answers_in_the_language_with_the_local_day(core: Core, lang: str) -> None:
    ana = speaker(core, lang)
    offer = ana.replies("/tz")[0]
    assert WORDS[lang][4].lower() in offer.text.lower() and "UTC" in offer.text
    assert offer.buttons and all(b.payload.startswith("/tz ") for b in offer.buttons)
    said = ana.say("/tz Asia/Tokyo")
    day = figures(lang).day(date(2026, 11, 25))  # 21:00 in Tokyo, still Wednesday
    assert said.startswith("🕒 ") and "Asia/Tokyo" in said and "21:00" in said and day in said
    assert "Time zone set" not in said and ".." not in said


@pytest.mark.parametrize(
    ("lang", "start"),
    [
        ("de", "Die Zeitzone 'Europe/Berln' kenne ich nicht. Meintest du Europe/Berlin"),
        ("es", "No conozco la zona horaria 'Europe/Berln'. ¿Querías decir Europe/Berlin"),
        ("pt", "Não conheço o fuso horário 'Europe/Berln'. Você quis dizer Europe/Berlin"),
        ("ru", "Я не знаю часового пояса 'Europe/Berln'. Может быть, Europe/Berlin"),
    ],
)
def test_an_unknown_zone_is_refused_in_the_language_and_changes_nothing(
    core: Core, lang: str, start: str
) -> None:
    ana = speaker(core, lang)
    ana.say("/tz Asia/Tokyo")
    said = ana.say("/tz Europe/Berln")
    assert said.startswith(start)
    assert "/" in said.split("?")[-1]  # a correct example follows
    assert _stored_tz(core) == "Asia/Tokyo"


def _stored_tz(core: Core) -> str:
    with core.services.db.unit_of_work() as session:
        return str(session.scalar(select(User.tz)))


def test_a_group_member_is_told_in_german_that_admins_set_the_zone(core: Core) -> None:
    ben = Chat(core, "ben", chat_id="grp", kind=ChatKind.GROUP, language="de")
    said = ben.say("/tz Europe/Berlin")
    assert said == (
        "Nur die Admins dieser Gruppe können ihre Zeitzone ändern. Deine eigene stellst du mit "
        "/tz im privaten Chat mit mir ein."
    )
    admin = Chat(core, "cy", chat_id="grp", kind=ChatKind.GROUP, language="ru", is_admin=True)
    assert admin.say("/tz Europe/Moscow").startswith(
        "🕒 Часовой пояс группы теперь Europe/Moscow (там сейчас 15:00)."
    )


@pytest.mark.parametrize("lang", TRANSLATED)
def test_units_answer_in_the_language(core: Core, lang: str) -> None:
    ana = speaker(core, lang)
    assert WORDS[lang][5].lower() in ana.say("/units").lower()
    imperial = ana.say("/units imperial")
    assert imperial.startswith("📏 ") and "Units set" not in imperial
    assert "fl oz" in imperial or "унции" in imperial
    refused = ana.say("/units furlongs")
    assert "/units metric" in refused and "Choose" not in refused
    metric = ana.say("/units metric")
    assert ("км, мл и кг" if lang == "ru" else "km, ml") in metric


def test_russian_units_reply_in_full(core: Core) -> None:
    ana = speaker(core, "ru")
    assert ana.say("/units metric") == "📏 Включена метрическая система: будут км, мл и кг."
    assert ana.say("/units") == (
        "Сейчас у тебя метрические единицы. Сменить можно командой /units metric или "
        "/units imperial."
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_apology_speaks_what_the_app_reports(lang: str) -> None:
    said = apology(lang)
    assert (said == APOLOGY) is (lang == "en")
    assert apology(None) == APOLOGY == apology("fr")


@dataclass
class SpanishApp(StandIn):
    """A platform whose app reports Spanish, as Telegram's `language_code` would."""

    async def rebuild(self, payload: dict[str, Any]) -> Incoming | None:
        incoming = await super().rebuild(payload)
        return None if incoming is None else replace(incoming, language="es-ES")


async def test_a_message_that_overran_is_apologised_for_in_the_apps_language(
    sqlite_url: str, clock: FixedClock
) -> None:
    core, platform = worker_core(sqlite_url, clock, BudgetCore), SpanishApp()
    async with working(core, platform):
        await core.accept_async([event("ana", "/slow"), event("ana", "/water 250ml")])
        said = await until(lambda: len(platform.said.get("chat-ana", [])) == 2 and platform.said)
    assert said["chat-ana"][0] == (
        "Perdona, algo falló de mi lado y no se cambió nada. Inténtalo de nuevo en un momento."
    )


def test_zone_buttons_name_their_cities_in_the_language_and_set_english_zones(
    core: Core,
) -> None:
    ana = speaker(core, "ru")
    ana.say("/tz Europe/Berlin")
    [offer] = ana.replies("/tz")
    labels = {b.label: b.payload for b in offer.buttons}
    assert labels["Москва"] == "/tz Europe/Moscow"
    assert labels["Лондон"] == "/tz Europe/London"
    assert all(re.fullmatch(r"[А-Яа-яЁё -]+", label) for label in labels), labels
    assert ana.say(labels["Москва"]).startswith("🕒 Часовой пояс: Europe/Moscow.")
    ben = speaker(core, "es", "ben")
    ben.say("/tz America/New_York")
    assert "Berlín" in {b.label for b in ben.replies("/tz")[0].buttons}
    cy = Chat(core, "cy")
    cy.say("/tz Europe/Madrid")
    assert [b.label for b in cy.replies("/tz")[0].buttons][:2] == ["London", "Berlin"]
