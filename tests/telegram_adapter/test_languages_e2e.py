"""Telegram end to end: a person whose app reports Spanish is answered in Spanish unasked,
and each language's people see the command menu described in their language."""

from __future__ import annotations

from sqlalchemy import select

from bot.storage.models import User
from tests.telegram_adapter.conftest import ANA, BEN, Rig


async def test_a_person_whose_telegram_is_spanish_is_answered_in_spanish(rig: Rig) -> None:
    ana = rig.fake.user(ANA, "Ana", language_code="es")
    [listed] = await rig.say(ana, "/lang")
    assert listed.text.startswith("Idiomas")
    assert "es: Español — actual" in listed.text
    ben = rig.fake.user(BEN, "Ben")  # an app that says nothing: English
    [english] = await rig.say(ben, "/lang")
    assert english.text.startswith("Languages")


async def test_the_app_language_follows_the_app_until_a_choice_is_made(rig: Rig) -> None:
    ana = rig.fake.user(ANA, "Ana", language_code="pt-br")
    [first] = await rig.say(ana, "/lang")
    assert "pt: Português (Brasil) — atual" in first.text
    ana = rig.fake.user(ANA, "Ana", language_code="de")  # she switched her app to German
    [second] = await rig.say(ana, "/lang")
    assert "de: Deutsch — aktuell" in second.text
    [chosen] = await rig.say(ana, "/lang ru")
    assert chosen.text == "Готово: теперь говорю с тобой на языке «Русский»."
    [still] = await rig.say(ana, "/lang")
    assert still.text.startswith("Языки")  # her choice outranks her app
    with rig.core.services.db.unit_of_work() as session:
        user = session.scalar(select(User))
        assert (user.language, user.app_language) == ("ru", "de")


async def test_each_language_gets_its_own_command_menus(rig: Rig) -> None:
    menus = rig.fake.menus
    for scope in ("all_private_chats", "all_group_chats", "all_chat_administrators"):
        names = [c["command"] for c in menus[(scope, "")]]
        for lang in ("de", "es", "pt", "ru"):
            # The same commands, with English names, in every language.
            assert [c["command"] for c in menus[(scope, lang)]] == names
    spanish = {c["command"]: c["description"] for c in menus[("all_private_chats", "es")]}
    russian = {c["command"]: c["description"] for c in menus[("all_private_chats", "ru")]}
    english = {c["command"]: c["description"] for c in menus[("all_private_chats", "")]}
    assert spanish["water"] == "Apunta agua: ml, litros, oz o vasos"
    assert russian["lang"] == "Выбрать язык, на котором я говорю"
    assert english["water"] == "Log water: ml, litres, oz or glasses"
