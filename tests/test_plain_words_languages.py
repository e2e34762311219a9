"""Plain words and command arguments in the person's language, through the core as they
would send them: /lang de, then German words log; English still logs for them; commands
keep their English names and take the language's units and days."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.reading import command_words, plain_words
from bot.settings import Limits
from bot.storage.models import Entry, Goal, Reminder
from tests.support import Chat


def entries(core) -> list[Entry]:  # type: ignore[no-untyped-def]
    with core.services.db.unit_of_work() as s:
        found = list(s.scalars(select(Entry).where(Entry.deleted_at.is_(None)).order_by(Entry.id)))
        s.expunge_all()
        return found


def speaking(core, lang: str) -> Chat:  # type: ignore[no-untyped-def]
    chat = Chat(core, f"p-{lang}")
    chat.say(f"/lang {lang}")
    return chat


@pytest.mark.parametrize(
    ("lang", "text", "kind", "field", "value"),
    [
        ("de", "bin 5 km in 28 Minuten gelaufen", "run", "duration_s", 1680),
        ("de", "500 ml Wasser getrunken", "water", "volume_ml", 500),
        ("de", "3x10 Kniebeugen 40 kg", "strength", "weight_kg", 40),
        ("es", "corrí 5 km en 28 minutos", "run", "duration_s", 1680),
        ("es", "bebí medio litro de agua", "water", "volume_ml", 500),
        ("es", "sentadillas 3x10", "strength", "reps", 10),
        ("pt", "corri 5 km em 28 minutos", "run", "duration_s", 1680),
        ("pt", "bebi 500 ml de água", "water", "volume_ml", 500),
        ("pt", "agachamento 3x10", "strength", "sets", 3),
        ("ru", "пробежал 5 км за 28 минут", "run", "duration_s", 1680),
        ("ru", "пробежала 10 км", "run", "distance_m", 10_000),
        ("ru", "выпил 500 мл воды", "water", "volume_ml", 500),
        ("ru", "выпила пол-литра", "water", "volume_ml", 500),
        ("ru", "приседания 3x10 40 кг", "strength", "weight_kg", 40),
    ],
)
def test_the_issues_examples_log_for_a_person_of_that_language(
    core, lang, text, kind, field, value
) -> None:
    person = speaking(core, lang)
    [reply] = person.replies(text)
    assert not reply.buttons or reply.buttons[0].payload.startswith("/water")
    [entry] = entries(core)
    assert entry.kind == kind
    assert getattr(entry, field) == pytest.approx(value)


def test_the_same_words_log_nothing_for_someone_who_speaks_english(core) -> None:
    ana = Chat(core, "ana")
    assert "/help" in ana.say("bin 5 km in 28 Minuten gelaufen")
    assert "/help" in ana.say("пробежал 5 км")
    assert entries(core) == []


def test_english_still_logs_for_a_german_speaker(core) -> None:
    person = speaking(core, "de")
    person.say("ran 5k in 28 min")
    [entry] = entries(core)
    assert (entry.distance_m, entry.duration_s) == (5000, 1680)


@pytest.mark.parametrize(
    "text",
    [
        "ran 5k gestern",  # English can't place "gestern": no run on the wrong day
        "heute nicht gelaufen",
        "mein Freund ist 10 km gelaufen",
        "werde morgen 5 km laufen",
        "didn't run 5k",
        "my friend ran 10k",
    ],
)
def test_nothing_is_logged_when_either_language_says_no(core, text) -> None:
    person = speaking(core, "de")
    person.say(text)
    assert entries(core) == []


def test_an_unsure_reading_is_asked_back_and_its_button_logs(core) -> None:
    person = speaking(core, "ru")
    [reply] = person.replies("сделал 5 за 30")
    assert entries(core) == []
    logs, not_that = (b.payload for b in reply.buttons)
    assert logs.startswith("/run") and logs.endswith(" 5km 30:00") and not_that == "/howto"
    person.say(payload=logs)
    person.say(payload=logs)  # a second press logs nothing more
    [entry] = entries(core)
    assert (entry.distance_m, entry.duration_s) == (5000, 1800)


def test_a_reading_out_of_bounds_is_refused_and_logs_nothing(core) -> None:
    person = speaking(core, "es")
    reply = person.say("corrí 500 km")
    assert "/help" not in reply and reply
    assert entries(core) == []


@pytest.mark.parametrize(
    ("lang", "line", "field", "value"),
    [
        ("ru", "/water 500 мл", "volume_ml", 500),
        ("ru", "/water 500мл", "volume_ml", 500),
        ("ru", "/water пол-литра", "volume_ml", 500),
        ("ru", "/run 5 км 28:30", "duration_s", 1710),
        ("de", "/water 2 Gläser", "volume_ml", 500),
        ("de", "/water einen halben Liter", "volume_ml", 500),
        ("de", "/water 1,5 Liter", "volume_ml", 1500),
        ("de", "/water 1.500 ml", "volume_ml", 1500),
        ("es", "/run 10.000 m", "distance_m", 10_000),
        ("de", "/run 10 Kilometer 55:10", "distance_m", 10_000),
        ("es", "/water un vaso", "volume_ml", 250),
        ("es", "/run 5 km 28:30", "distance_m", 5000),
        ("pt", "/water 2 copos", "volume_ml", 500),
        ("pt", "/strength agachamento 3x10 40 quilos", "weight_kg", 40),
        ("de", "/strength Kniebeugen 3x10 40 kg", "weight_kg", 40),
    ],
)
def test_log_commands_take_the_languages_units(core, lang, line, field, value) -> None:
    person = speaking(core, lang)
    person.say(line)
    [entry] = entries(core)
    assert getattr(entry, field) == pytest.approx(value)


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("de", "/run 5 km 28:30 gestern"),
        ("es", "/run 5 km 28:30 ayer"),
        ("pt", "/run 5 km 28:30 ontem"),
        ("ru", "/run 5 км 28:30 вчера"),
    ],
)
def test_log_commands_take_the_languages_yesterday(core, lang, line) -> None:
    person = speaking(core, lang)
    person.say("/water 500 ml")
    person.say(line)
    today, run = entries(core)
    assert (today.local_date - run.local_date).days == 1


def test_a_log_command_refuses_tomorrow_in_any_language(core) -> None:
    person = speaking(core, "de")
    assert person.say("/run 5 km 28:30 morgen")
    assert entries(core) == []


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("de", "/remind Wasser Mo Mi Fr 07:00"),
        ("de", "/remind Wasser Mo,Mi,Fr um 07:00"),
        ("es", "/remind agua lu mi vi 07:00"),
        ("pt", "/remind água seg qua sex às 07:00"),
        ("ru", "/remind вода пн ср пт в 07:00"),
    ],
)
def test_remind_takes_the_languages_kinds_and_weekdays(core, lang, line) -> None:
    person = speaking(core, lang)
    person.say(line)
    with core.services.db.unit_of_work() as s:
        [reminder] = s.scalars(select(Reminder))
        assert (reminder.kind, reminder.days, reminder.at_minute) == ("water", "mon,wed,fri", 420)


@pytest.mark.parametrize(
    ("lang", "line", "day"),
    [("de", "/remind Wasser Do 07:00", "thu"), ("es", "/remind agua do 07:00", "sun")],
)
def test_a_weekdays_abbreviation_is_read_in_the_persons_language(core, lang, line, day) -> None:
    person = speaking(core, lang)
    person.say(line)
    with core.services.db.unit_of_work() as s:
        [reminder] = s.scalars(select(Reminder))
        assert reminder.days == day


def test_remind_takes_a_range_of_weekdays(core) -> None:
    person = speaking(core, "ru")
    person.say("/remind бег пн-пт 07:00")
    with core.services.db.unit_of_work() as s:
        [reminder] = s.scalars(select(Reminder))
        assert (reminder.kind, reminder.days) == ("run", "mon,tue,wed,thu,fri")


@pytest.mark.parametrize(
    ("lang", "line", "kind", "amount"),
    [
        ("de", "/goal laufen 15 km/Woche", "run", 15_000),
        ("es", "/goal agua 2 l por día", "water", 2000),
        ("pt", "/goal corrida 20 km por semana", "run", 20_000),
        ("ru", "/goal бег 15 км в неделю", "run", 15_000),
        ("ru", "/goal бег 20км/неделю", "run", 20_000),
        ("ru", "/goal вода 2 л/день", "water", 2000),
        ("de", "/goal Kraft 3/Woche", "strength", 3),
    ],
)
def test_goal_takes_the_languages_kinds_and_units(core, lang, line, kind, amount) -> None:
    person = speaking(core, lang)
    person.say(line)
    with core.services.db.unit_of_work() as s:
        [goal] = s.scalars(select(Goal))
        assert (goal.kind, goal.amount) == (kind, pytest.approx(amount))


def test_a_word_no_table_names_is_left_to_the_commands_own_refusal(core) -> None:
    person = speaking(core, "de")
    assert person.say("/water viel")
    assert entries(core) == []


def test_german_words_log_on_either_database(make_core, any_db_url) -> None:
    core = make_core(any_db_url)
    person = speaking(core, "de")
    person.say("bin 5 km in 28 Minuten gelaufen")
    person.say("/remind Wasser Mo Mi Fr 07:00")
    [entry] = entries(core)
    assert (entry.kind, entry.distance_m, entry.duration_s) == ("run", 5000, 1680)
    with core.services.db.unit_of_work() as s:
        [reminder] = s.scalars(select(Reminder))
        assert reminder.days == "mon,wed,fri"


COMMAND_PIECES = [
    "500",
    "мл",
    "500мл",
    "пол-литра",
    "2",
    "Gläser",
    "einen",
    "halben",
    "Liter",
    "1.500",
    "1,5",
    "un",
    "vaso",
    "copos",
    "gestern",
    "ayer",
    "ontem",
    "вчера",
    "morgen",
    "Mo",
    "Mi",
    "Fr",
    "lu-vi",
    "seg,qua",
    "пн-пт",
    "Wasser",
    "agua",
    "água",
    "вода",
    "km/Woche",
    "км/неделю",
    "/",
    "-",
    ",",
    "07:00",
    "x",
    "3x10",
    "kg",
    "кг",
    "1e309",
    "99999999999",
]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["de", "es", "pt", "ru"]),
    st.sampled_from(["run", "water", "strength", "goal", "remind"]),
    st.lists(st.sampled_from(COMMAND_PIECES), max_size=7),
    st.text(max_size=10),
)
def test_any_command_arguments_are_put_in_english_or_passed_on(lang, name, pieces, noise):
    args = " ".join(pieces) + noise
    english = command_words.english(args, lang, name, date(2026, 12, 4))
    assert isinstance(english, str)
    # what is English already stays as it is
    assert command_words.english(english, lang, name, date(2026, 12, 4)) == english


_QUOTED = re.compile(r"[«„\"]([^»“\"]+)[»“\"]")


@pytest.mark.parametrize("lang", ["de", "es", "pt", "ru"])
def test_the_examples_steady_gives_log_as_shown(core, lang: str) -> None:  # type: ignore[no-untyped-def]
    """/howto, /start and a message not understood quote phrasings in the person's own
    language (not English, which would log for them too): each, sent as shown, logs at once."""
    chat = speaking(core, lang)
    shown = "\n".join((chat.say("/howto"), chat.say("/start"), chat.say("hmm")))
    quoted = _QUOTED.findall(shown)
    assert len(quoted) >= 10, shown
    for phrase in quoted:
        own = plain_words.read(
            phrase, today=date(2026, 11, 25), limits=Limits(), glass_ml=250, language=lang
        )
        assert own is not None and own.sure, (lang, phrase)  # read in their words alone
        assert chat.say(phrase).startswith("✅"), (lang, phrase)
