"""Looking back in each language (#16): /today, /week, /history, /streak, /stats, /records,
/chart, /edit, /delete and an edited message answer in the person's language, with the
locale's figures and days, plural forms (Russian's three) and translated errors that still
show the English command; English stays as it was."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from bot.commands import build_registry
from bot.commands.basics import STREAK_RULE
from bot.commands.progress import streak_rule
from bot.domain import Units
from bot.i18n.catalogs import translate
from bot.interface import Typing
from bot.progress import charts, formatting
from bot.progress.charts import DAY_BARS_MAX
from bot.progress.days import day_text
from bot.progress.freeze import FREEZE_RULE, freeze_rule
from bot.progress.stats import ROLLING_MAX, span_for
from bot.storage.models import Entry, User
from tests.support import Chat

TRANSLATED = ("de", "es", "pt", "ru")

# A word each language's /today, /stats and /records replies must hold.
WORDS = {
    "de": {"/today": "Heute", "/stats": "Läufe", "/records": "Rekorde", "/week": "Woche"},
    "es": {"/today": "Hoy", "/stats": "Carreras", "/records": "récords", "/week": "Semana"},
    "pt": {"/today": "Hoje", "/stats": "Corridas", "/records": "recordes", "/week": "Semana"},
    "ru": {"/today": "Сегодня", "/stats": "Бег", "/records": "рекорды", "/week": "Неделя"},
}
# English sentences and labels of these replies: none may be left in another language.
ENGLISH = re.compile(
    r"\b(Today|Totals|goal|Week of|Your last|Change one|Longest|Current streak|Runs:|"
    r"Strength:|Water:|average pace|Best week|Streak:|Your records|Fastest pace|Most water|"
    r"Heaviest|none yet|a day|a week|entries|Which entry|Removed|already says|was removed|"
    r"Nothing logged|Last \d|This week|All time|frozen|paused)\b"
)


def log_some(chat: Chat) -> None:
    chat.say("/run 5.5k 30:00 yesterday")
    chat.say("/run 3k 18:00")
    chat.say("/water 1.25l")
    chat.say("/strength squats 3x10 40kg")
    chat.say("/goal water 2l/day")
    chat.say("/goal run 3 runs/week")


@pytest.mark.parametrize("lang", TRANSLATED)
def test_looking_back_speaks_the_persons_language(core, lang: str) -> None:
    chat = Chat(core, "ana", language=lang)
    log_some(chat)
    replies = {
        text: chat.say(text)
        for text in (
            "/today",
            "/week",
            "/history",
            "/streak",
            "/stats",
            "/stats week",
            "/stats 30d",
            "/stats all",
            "/records",
            "/chart",
        )
    }
    for text, reply in replies.items():
        assert not ENGLISH.search(reply), f"{text} in {lang} left English: {reply}"
    for text, word in WORDS[lang].items():
        assert word in replies[text], replies[text]
    # Decimal commas and the locale's units, in entries, totals, paces and records.
    assert re.search(r"1,25\s", replies["/today"]) and re.search(r"3,00\s", replies["/today"])
    assert re.search(r"5,50\s", replies["/history"]) and "5,50" in replies["/records"]
    assert "1.25" not in replies["/today"] and "5.50" not in replies["/records"]
    if lang == "ru":
        assert "3,00 км" in replies["/today"] and "1,25 л" in replies["/today"]
        assert "5:27 /км" in replies["/records"]
    # Days the locale's way: /history names yesterday as the language writes it.
    yesterday = day_text(date(2026, 11, 24), lang)
    assert yesterday in replies["/history"]
    assert yesterday != "Tue 24 Nov"
    # The week's day letters are the language's (Monday first).
    letters = {"de": "M D M D F S S", "es": "L M X J V S D", "pt": "S T Q Q S S D"}
    assert letters.get(lang, "П В С Ч П С В") in replies["/week"]


def test_russian_counts_take_their_three_forms(core) -> None:
    chat = Chat(core, "ana", language="ru")
    counts = {}
    for n, more in ((1, 1), (3, 2), (5, 2)):
        for i in range(more):
            chat.say(f"/run {i + 2}k")
        counts[n] = chat.say("/stats week")
    assert "1 пробежка" in counts[1]
    assert "3 пробежки" in counts[3]
    assert "5 пробежек" in counts[5]
    history = chat.say("/history 3")
    assert "Последние 3 записи" in history
    assert "Последние 5 записей" in chat.say("/history")
    streak = Chat(core, "ben", language="ru")
    streak.say("/water 300ml")
    assert "Текущая серия: 1 день." in streak.say("/streak")


def test_russian_goal_lines_read_in_the_cases_the_language_needs(core) -> None:
    chat = Chat(core, "ana", language="ru")
    chat.say("/goal run 3 runs/week")
    chat.say("/run 5k")
    chat.say("/run 3k")
    chat.say("/strength squats 3x10 40kg")
    today = chat.say("/today")
    assert "цель по бегу: 3 пробежки в неделю, сделано 2 пробежки (66\xa0%)" in today
    assert "Итого: бег 8,00 км (2 пробежки) · силовые: 1 тренировка" in today


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("de", "Nenn eine Zahl von 1 bis 50, z. B. /history 20."),
        ("es", "Indica un número del 1 al 50, p. ej. /history 20."),
        ("pt", "Informe um número de 1 a 50, por exemplo /history 20."),
        ("ru", "Укажите число от 1 до 50, например /history 20."),
    ],
)
def test_errors_are_translated_and_keep_the_english_command(core, lang, expected) -> None:
    chat = Chat(core, "ana", language=lang)
    assert chat.say("/history 0") == expected
    refused = [chat.say("/stats 999d"), chat.say("/chart lots"), chat.say("/records")]
    assert "/stats 90d" in refused[0] and "/chart 30d" in refused[1]
    assert "/run 5k 28:30" in refused[2]
    for reply in refused:
        assert not ENGLISH.search(reply) and "e.g." not in reply, reply


@pytest.mark.parametrize("lang", TRANSLATED)
def test_edit_and_delete_answer_in_the_language_and_refusals_change_nothing(
    core, lang: str
) -> None:
    chat = Chat(core, "ana", language=lang)
    none_yet = chat.say("/edit")
    assert "/run 5k 28:30" in none_yet and not ENGLISH.search(none_yet)
    chat.say("/run 5.5k 30:00")
    chat.say("/water 500ml")
    before = chat.say("/history")
    refusals = [chat.say(t) for t in ("/edit x", "/edit 99", "/edit 1", "/delete 99")]
    for reply in refusals:
        assert "/edit 12" in reply or "/delete 12" in reply or "/edit 1 5k 27:30" in reply
        assert not ENGLISH.search(reply), reply
    assert chat.say("/history") == before
    [pick] = chat.replies("/delete")
    assert not ENGLISH.search(pick.text)
    assert [b.payload for b in pick.buttons] == ["/delete 2", "/delete 1"]
    assert "5,50" in pick.buttons[1].label
    assert day_text(date(2026, 11, 25), lang) in pick.buttons[1].label
    removed = chat.say("/delete 2")
    assert re.search(r"500\s(ml|мл)", removed) and not ENGLISH.search(removed)
    again = chat.say("/delete 2")
    assert "/water 500ml" in again and not ENGLISH.search(again)
    same = chat.say("/edit 1 5.5k 30:00")
    assert "5,50" in same and not ENGLISH.search(same)


def test_an_edited_message_that_no_longer_logs_answers_in_the_language(core) -> None:
    chat = Chat(core, "ana", language="de")
    chat.say("/run 5k 28:30", message_id="m1")
    incoming = dataclasses.replace(
        chat.incoming("/history", message_id="m1:edited:1"), edits_message_id="m1"
    )
    [kept] = [r.text for r in core.handle(incoming)]
    assert kept.startswith("Deine bearbeitete Nachricht liest sich nicht als Eintrag")
    assert "Lauf 5,00 km in 28:30 (5:42 /km)" in kept and "/delete 1" in kept


def test_english_reads_as_it_always_did(chat: Chat) -> None:
    log_some(chat)
    today = chat.say("/today")
    assert "**Today, Wed 25 Nov**" in today
    assert "Totals: run 3.00 km (1 run) · strength 1 session · water 1.25 l" in today
    assert "run goal: 2 runs of 3 runs a week (66%)" in today
    assert "water goal: 1.25 l of 2 l a day (62%)" in today
    assert "**Week of 23 Nov**  ○●●····  (M T W T F S S)" in chat.say("/week")
    stats = chat.say("/stats week")
    assert "📊 **This week (23 Nov – 29 Nov)**" in stats
    assert "🏃 Runs: 2 runs · 8.50 km · 48:00 · average pace 5:39 /km" in stats
    assert "🔥 Streak: 2 days now · longest 2 days (24 Nov – 25 Nov 2026)" in stats
    records = chat.say("/records")
    assert "Longest run: 5.50 km in 30:00 — Tue 24 Nov 2026" in records
    assert "squats 3x10 @ 40 kg — Wed 25 Nov 2026" in records
    assert streak_rule("en") == STREAK_RULE
    assert freeze_rule("en") == FREEZE_RULE
    assert "1 rep" in formatting.describe(
        Entry(kind="strength", exercise="plank", sets=1, reps=1), Units.METRIC
    )


def test_help_texts_name_the_limits_the_code_keeps() -> None:
    """The details are msgids, so their figures are written out: they must stay true."""
    registry = build_registry()
    for name in ("stats", "chart"):
        details = registry.get(name).details
        assert f"{ROLLING_MAX['d']} days or {ROLLING_MAX['w']} weeks" in details
    assert f"past {DAY_BARS_MAX} days" in registry.get("chart").details
    for name in ("stats", "records", "chart", "edit", "delete"):
        assert translate("ru", registry.get(name).details) != registry.get(name).details


@pytest.mark.parametrize(
    ("lang", "distance", "volume", "weight", "minutes"),
    [
        ("en", "5.50 km", "1.25 l", "42.5 kg", "30 min"),
        ("de", "5,50 km", "1,25 l", "42,5 kg", "30 Min."),
        ("es", "5,50 km", "1,25 l", "42,5 kg", "30 min"),
        ("pt", "5,50 km", "1,25 l", "42,5 kg", "30 min"),
        ("ru", "5,50 км", "1,25 л", "42,5 кг", "30 мин"),
    ],
)
def test_formatting_writes_figures_the_languages_way(
    lang, distance, volume, weight, minutes
) -> None:
    assert formatting.distance(5500, Units.METRIC, lang) == distance
    assert formatting.volume(1250, Units.METRIC, lang) == volume
    assert formatting.weight(42.5, Units.METRIC, lang) == weight
    assert formatting.minutes(1800, lang) == minutes
    assert formatting.distance(5500, Units.METRIC) == "5.50 km"  # the default is English


def texts_of_chart(monkeypatch: pytest.MonkeyPatch, data: charts.ChartData) -> str:
    """Every text drawn on the chart: title, subtitle, legends, axis labels and ticks."""
    drawn: list[str] = []

    def keep(figure: Any) -> None:
        drawn.extend(t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_text")))

    monkeypatch.setattr(charts, "release", keep)
    assert charts.render(data).startswith(b"\x89PNG")
    return "\n".join(drawn)


def test_chart_labels_are_in_the_persons_language(core, monkeypatch) -> None:
    chat = Chat(core, "ana", language="ru")
    log_some(chat)
    with core.services.db.unit_of_work() as session:
        user_id = session.scalar(select(User.id))
        data = charts.chart_data(
            session,
            user_id,
            "week",
            date(2026, 11, 25),
            units=Units.METRIC,
            tz="Europe/Berlin",
            name="Ана",
            lang="ru",
        )
        year = charts.chart_data(
            session,
            user_id,
            "year",
            date(2026, 11, 25),
            units=Units.METRIC,
            tz="UTC",
            name="Ана",
            lang="de",
        )
    text = texts_of_chart(monkeypatch, data)
    for word in ("Эта неделя", "бег", "среднее за 7 дней", "силовая тренировка", "цель", "км"):
        assert word in text, text
    assert "литры" in text and "пн\n23" in text
    assert not re.search(r"\b(run|water|goal|average|This week|Mon)\b", text), text
    ticks = texts_of_chart(monkeypatch, year)
    assert all(f"\n{month}\n" in ticks for month in ("Mär", "Mai", "Okt", "Dez"))
    assert not re.search(r"\b(Mar|May|Oct|Dec)\b", ticks)
    assert "4-Wochen-Schnitt" in ticks


def test_span_labels_in_each_language() -> None:
    today = date(2026, 11, 25)
    assert span_for("month", today, lang="ru").label == "Ноябрь 2026\u202fг."
    assert span_for("month", today).label == "November 2026"
    assert span_for("30d", today, lang="de").label == "Letzte 30 Tage (27. Okt. – 25. Nov.)"
    assert span_for("1w", today, lang="en").label == "Last week (19 Nov – 25 Nov)"
    assert span_for("5w", today, lang="ru").label.startswith("Последние 5 недель")


@pytest.mark.parametrize(
    ("lang", "open_pause", "until"),
    [
        ("es", "tu racha está congelada hasta que uses /resume", "congelada hasta el "),
        ("ru", "серия заморожена до /resume", "серия заморожена до "),
    ],
)
def test_a_paused_streak_says_so_in_the_language(core, lang, open_pause, until) -> None:
    chat = Chat(core, "ana", language=lang)
    chat.say("/run 5k")
    chat.say("/pause")
    assert open_pause in chat.say("/streak")
    chat.say("/resume")
    chat.say("/pause 3d")
    paused = chat.say("/streak")
    assert until in paused and "/resume" not in paused.split(until)[1]
    assert not ENGLISH.search(paused), paused


def test_the_entries_an_edit_suggests_read_in_the_language(core) -> None:
    """Discord's autocomplete for /edit and /delete: the latest entries, labelled the
    person's way; what a choice sends is still the entry's number."""
    chat = Chat(core, "ana", language="ru")
    chat.say("/run 5.5k 30:00")
    chat.say("/water 500ml")
    typed = Typing(chat.incoming(message_id=None), "edit", "number", "", {})
    offered = core.suggest(typed)
    assert [c.value for c in offered] == ["2", "1"]
    assert offered[1].label == "#1 · ср, 25 нояб. · бег 5,50 км за 30:00 (5:27 /км)"
    older = core.suggest(dataclasses.replace(typed, typed="вод"))
    assert [c.value for c in older] == ["2"]
