"""Logging, plain words and the core's own replies in every language Steady speaks, through
the console core: the words are the person's, figures carry decimal commas and the
language's units, counts take the language's plural forms, and command names and examples
stay English. English reads exactly as it always did."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.core import Core
from bot.i18n.catalogs import N_
from bot.i18n.told import Said
from bot.interface import ChatKind
from bot.reading import parsing, timeparsing
from bot.settings import Limits
from bot.storage.models import Entry
from tests.support import Chat

TRANSLATED = ("de", "es", "pt", "ru")

LOGGED = {"de": "✅ Eingetragen", "es": "✅ Registrado", "pt": "✅ Registrado", "ru": "✅ Записано"}
TODAY = {"de": "Heute: ", "es": "Hoy: ", "pt": "Hoje: ", "ru": "Сегодня: "}
KM = {"de": "5,00 km", "es": "5,00 km", "pt": "5,00 km", "ru": "5,00 км"}
LITRES = {"de": "1,5 l", "es": "1,5 l", "pt": "1,5 l", "ru": "1,5 л"}
REMOVED = {"de": "↩️ Entfernt", "es": "↩️ Quitado", "pt": "↩️ Removido", "ru": "↩️ Удалено"}
ASKED = {
    "de": "Meintest du: Lauf 5,00 km in 30:00?",
    "es": "¿Quisiste decir: carrera 5,00 km en 30:00?",
    "pt": "Você quis dizer: corrida 5,00 km em 30:00?",
    "ru": "Вы имели в виду: бег 5,00 км за 30:00?",
}
CONFIRM = {
    "de": "✅ Lauf 5,00 km in 30:00 eintragen",
    "es": "✅ Registrar carrera 5,00 km en 30:00",
    "pt": "✅ Registrar corrida 5,00 km em 30:00",
    "ru": "✅ Записать: бег 5,00 км за 30:00",
}
AGAIN = {
    "de": "Schon eingetragen als #1.",
    "es": "Ya está registrado como #1.",
    "pt": "Já está registrado como #1.",
    "ru": "Уже записано как #1.",
}
UNKNOWN = {
    "de": "/runn kenne ich nicht. Meintest du /run? Mit /help siehst du, was ich kann.",
    "es": "No conozco /runn. ¿Quisiste decir /run? Envía /help para ver lo que sé hacer.",
    "pt": "Não conheço /runn. Você quis dizer /run? Mande /help para ver o que eu sei fazer.",
    "ru": "Я не знаю команду /runn. Может, вы имели в виду /run? "
    "Отправьте /help, чтобы увидеть, что я умею.",
}
TRY = {"de": "Probier: ", "es": "Prueba: ", "pt": "Tente: ", "ru": "Попробуйте: "}
# An English sentence of each reply: none may be left in a translated one.
ENGLISH = (
    "Logged",
    "Today:",
    "this week",
    "Removed",
    "Did you mean",
    "Not that",
    "I don't know",
    "Send /help",
    "I read plain numbers",
    "Try:",
    "not what's planned",
    "nothing to undo",
    "Already logged",
    "didn't catch",
)


def entries(core: Core) -> int:
    with core.services.db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Entry))


def speaker(core: Core, lang: str | None, user: str = "ana") -> Chat:
    return Chat(core, user, language=lang)


def no_english(text: str) -> None:
    left = [phrase for phrase in ENGLISH if phrase in text]
    assert not left, f"English left in {text!r}: {left}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_a_run_logs_in_the_persons_language_with_a_decimal_comma(core: Core, lang) -> None:
    said = speaker(core, lang).say("/run 5k 28:30")
    logged, today, *_ = said.splitlines()
    assert logged.startswith(LOGGED[lang]) and KM[lang] in logged and "28:30" in logged
    assert today.startswith(TODAY[lang]) and today.count(KM[lang]) == 2
    no_english(said)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_water_logs_with_the_languages_units_on_its_buttons(core: Core, lang) -> None:
    [reply] = speaker(core, lang).replies("/water 1.5l")
    assert reply.text.startswith(LOGGED[lang]) and LITRES[lang] in reply.text
    no_english(reply.text)
    labels = [b.label.replace("\xa0", " ") for b in reply.buttons]
    ml = "мл" if lang == "ru" else "ml"
    assert labels == [f"+250 {ml}", f"+500 {ml}"]
    assert [b.payload for b in reply.buttons] == ["/water 250ml", "/water 500ml"]


def test_strength_counts_sessions_with_russian_plural_forms(core: Core) -> None:
    chat = speaker(core, "ru")
    forms = {}
    for n in range(1, 6):
        said = chat.say("/strength squats 3x10 40kg")
        forms[n] = said.splitlines()[1]
    assert forms[1] == "Сегодня: 1 тренировка · за неделю: 1 тренировка"
    assert forms[3] == "Сегодня: 3 тренировки · за неделю: 3 тренировки"
    assert forms[5] == "Сегодня: 5 тренировок · за неделю: 5 тренировок"
    assert "40 кг" in said


@pytest.mark.parametrize(
    ("lang", "one", "two"),
    [
        ("de", "1 Einheit", "2 Einheiten"),
        ("es", "1 sesión", "2 sesiones"),
        ("pt", "1 treino", "2 treinos"),
    ],
)
def test_strength_counts_sessions_in_each_language(core: Core, lang, one, two) -> None:
    chat = speaker(core, lang)
    first = chat.say("/strength squats 3x10 40kg")
    assert first.startswith(LOGGED[lang]) and f"{TODAY[lang]}{one}" in first
    assert f"{TODAY[lang]}{two}" in chat.say("/strength lunges 3x12")
    no_english(first)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_undo_and_an_earlier_day_name_the_day_in_the_language(core: Core, lang) -> None:
    chat = speaker(core, lang)
    nothing = chat.say("/undo")
    assert nothing != "There's nothing to undo yet." and "/undo" not in nothing
    earlier = chat.say("/run 5k 28:30 yesterday")
    day = {
        "de": "Di., 24. Nov.",
        "es": "mar, 24 nov",
        "pt": "ter., 24 de nov.",
        "ru": "вт, 24 нояб.",
    }
    assert day[lang] in earlier.splitlines()[0]
    removed = chat.say("/undo")
    assert removed.startswith(REMOVED[lang]) and day[lang] in removed and "#1" in removed
    no_english(earlier + removed + nothing)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_plain_words_log_and_an_unsure_reading_asks_in_the_language(core: Core, lang) -> None:
    chat = speaker(core, lang)
    sure = chat.say("ran 5k in 27:00")
    assert sure.startswith(LOGGED[lang]) and KM[lang] in sure
    [asked] = chat.replies("did 5 in 30")
    assert asked.text == ASKED[lang]
    confirm, not_that = asked.buttons
    assert confirm.label == CONFIRM[lang] and confirm.payload.endswith(" 5km 30:00")
    assert not_that.payload == "/howto" and "✏️" in not_that.label
    logged = chat.say(payload=confirm.payload)
    assert logged.startswith(LOGGED[lang]) and "30:00" in logged
    assert chat.say(payload=confirm.payload) == AGAIN[lang].replace("#1", "#2")
    how = chat.say(payload=not_that.payload)
    assert "/run 5k 28:30, /strength squats 3x10 40kg, /water 500ml." in how
    assert "Or use the commands" not in how and "Tell me what you did" not in how
    not_understood = chat.say("xyz qqq")
    assert "/help" in not_understood
    no_english(sure + asked.text + not_that.label + logged + how + not_understood)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_an_unknown_command_is_named_with_its_suggestion(core: Core, lang) -> None:
    chat = speaker(core, lang)
    assert chat.say("/runn 5k") == UNKNOWN[lang]
    plain = chat.say("/frobnicate")
    assert "/frobnicate" in plain and "/help" in plain
    no_english(plain)


@pytest.mark.parametrize("lang", TRANSLATED)
@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("/run 5k 9**9", "'9**9'. {example}/run 5k 28:30, /run 3.1mi 31min easy"),
        ("/run tomorrow", "/run 5k 28:30 yesterday."),
        ("/water 99l", "{example}/water 500ml, /water 16oz"),
        ("/strength squats 3x0", "3x0"),
        ("/run 5k 2026-13-01", "2026-13-01"),
        ("/remind water at 7", "/remind water every 2h 09:00-21:00"),
    ],
)
def test_a_parse_error_is_in_the_language_with_english_examples(
    core: Core, lang, line, kept
) -> None:
    chat = speaker(core, lang)
    said = chat.say(line)
    assert kept.format(example=TRY[lang]) in said
    no_english(said)
    assert " or /remind" not in said  # the examples' "or" is the language's too
    assert entries(core) == 0  # and nothing was logged


def test_english_reads_as_it_always_did(core: Core) -> None:
    chat = speaker(core, None)
    said = chat.say("/run 5k 28:30").splitlines()
    assert said[:2] == [
        "✅ Logged run 5.00 km in 28:30 (5:42 /km).",
        "Today: 5.00 km · this week: 5.00 km",
    ]
    water = chat.replies("/water 1.5l")[0]
    assert water.text.startswith("✅ Logged water 1.5 l.\nToday: 1.5 l · this week: 1.5 l")
    assert [b.label for b in water.buttons] == ["+250 ml", "+500 ml"]
    assert chat.say("/run 5k 28:30 yesterday").startswith(
        "✅ Logged run 5.00 km in 28:30 (5:42 /km) for Tue 24 Nov."
    )
    assert chat.say("/undo") == "↩️ Removed run 5.00 km in 28:30 (5:42 /km) (#3, Tue 24 Nov)."
    assert (
        chat.say("/runn")
        == "I don't know /runn. Did you mean /run? Send /help to see what I can do."
    )
    assert chat.say("/run 5k 9**9") == (
        "I read plain numbers with a unit, like 5k or 500ml, not sums or powers like '9**9'. "
        "Try: /run 5k 28:30, /run 3.1mi 31min easy or /run 10km 1:02:10"
    )
    assert chat.say("/remind water at 7") == (
        "I couldn't read '7'. Try /remind water every 2h 09:00-21:00 or "
        "/remind run mon wed fri 07:00"
    )
    [asked] = chat.replies("did 5 in 30")
    assert asked.text == "Did you mean: run 5.00 km in 30:00?"
    assert [b.label for b in asked.buttons] == ["✅ Log run 5.00 km in 30:00", "✏️ Not that"]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_cores_where_and_who_refusals_are_in_the_language(core: Core, lang) -> None:
    private = speaker(core, lang).say("/challenge")
    assert "/challenge" in private and "works in a group chat" not in private
    group = Chat(core, "ana", chat_id="group-1", kind=ChatKind.GROUP, language=lang)
    export = group.say("/deleteme")
    assert "/deleteme" in export and "works in a private chat" not in export


def test_errors_stay_english_for_logs_and_carry_their_params() -> None:
    with pytest.raises(parsing.ParseError) as caught:
        parsing.parse_run("5k 9**9", Limits())
    error = caught.value
    assert str(error).startswith("I read plain numbers with a unit") and "'9**9'" in str(error)
    assert error.in_language("es").startswith("Leo números sencillos")
    assert "Prueba: /run 5k 28:30" in error.in_language("es")  # the example translated too
    with pytest.raises(parsing.ParseError) as caught:
        timeparsing.schedule("every 5m")
    assert "Reminders can repeat every 30 min to every 12 h." in str(caught.value)
    assert "Напоминания могут повторяться" in caught.value.in_language("ru")
    plain = parsing.ParseError("Already written out.")  # a raiser that wraps nothing
    assert plain.in_language("de") == "Already written out." == str(plain)
    assert Said(N_("Already logged as #{number}."), number=4).in_language("pt") == (
        "Já está registrado como #4."
    )
