"""Challenges, digests, summaries, goals, /link and /encourage in each language: replies
speak the person's language, digests and summaries the group's, with the language's figures
(decimal commas, its unit names, its dates) and plural forms."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.groups.challenge_chart import progress_chart, together_chart
from bot.groups.digests import run_due_digests, run_due_endings
from bot.i18n.languages import LANGUAGES
from tests.group_support import GroupChat, delivered, private
from tests.support import Chat

NEW = '/challenge new "Herbst" run 100km until 2026-11-30'
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]
# Sentences of the English replies: none may be left in a translated one.
ENGLISH = (
    "is on:",
    "Everyone else",
    "so far",
    "No challenge is running",
    "Started by",
    "days left",
    "member",
    "You left",
    "Daily digest",
    "Moved today",
    "Final standings",
    "Thanks for moving",
    "goal is cleared",
    "link code",
    "Encouragement is",
    "I don't know",
    "more tries",
)


def member(core, user: str, lang: str, *, admin: bool = False) -> GroupChat:
    person = GroupChat(core, user, is_admin=admin)
    person.language = lang
    return person


def plain(text: str) -> str:
    """CLDR keeps a number and its unit together with a no-break space; tests read spaces."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def no_english(text: str) -> None:
    left = [sentence for sentence in ENGLISH if sentence in text]
    assert not left, f"English left: {left} in {text!r}"


@pytest.mark.parametrize(
    ("lang", "started", "joined", "standing", "days_left"),
    [
        ("en", "🏁 **Herbst** is on: run 100 km each", "joined Herbst", "Ana — 12.5 km", "5 days"),
        (
            "de",
            "🏁 **Herbst** läuft: 100 km laufen pro Person",
            "ist bei Herbst",
            "12,5 km",
            "5 Tage",
        ),
        (
            "es",
            "🏁 **Herbst** está en marcha: correr 100 km por persona",
            "se unió",
            "12,5 km",
            "5 días",
        ),
        (
            "pt",
            "🏁 **Herbst** começou: correr 100 km por pessoa",
            "entrou em Herbst",
            "12,5 km",
            "5 dias",
        ),
        (
            "ru",
            "🏁 **Herbst** начался — каждому: пробежать 100 км",
            "теперь в Herbst",
            "12,5 км",
            "5 дней",
        ),
    ],
)
def test_a_challenge_speaks_each_persons_language(
    core, lang: str, started: str, joined: str, standing: str, days_left: str
) -> None:
    ana = member(core, "ana", lang, admin=True)
    assert plain(ana.say(NEW)).startswith(started)
    private(core, "ana").say("/run 12.5k")
    ben = member(core, "ben", lang)
    assert joined in ben.say("/join")
    board = plain(ana.say("/leaderboard"))
    assert standing in board and days_left in board, board
    shown = plain(ana.say("/challenge Herbst"))
    assert "2 " in shown and standing in shown
    if lang != "en":
        for reply in (board, shown, ben.say("/leave"), ana.say("/digest daily 20:00")):
            no_english(reply)


@pytest.mark.parametrize(
    ("lang", "none_running", "no_time"),
    [
        ("de", "Hier läuft gerade keine Challenge", "ist keine Uhrzeit"),
        ("es", "Aquí no hay ningún reto en marcha", "no es una hora del día"),
        ("pt", "Nenhum desafio em andamento aqui", "não é um horário do dia"),
        ("ru", "Здесь сейчас нет челленджей", "это не время суток"),
    ],
)
def test_errors_are_translated_with_their_english_examples(
    core, lang: str, none_running: str, no_time: str
) -> None:
    ana = member(core, "ana", lang, admin=True)
    said = ana.say("/leaderboard")
    assert said.startswith(none_running) and '/challenge new "November 100k"' in said
    assert no_time in ana.say("/digest daily 25:00")
    no_quotes = ana.say("/challenge new Herbst run 100km until 2026-11-30")
    no_english(no_quotes)
    assert '/challenge new "November 100k" run 100km until 2026-11-30' in no_quotes
    no_english(ana.say("/challenge Winter"))
    assert "/digest daily 20:00" in ana.say("/digest weekly")


def test_russian_counts_take_their_three_forms(core) -> None:
    """A count challenge's standings: 1 пробежка, 3 пробежки, 5 пробежек."""
    ana = member(core, "ana", "ru", admin=True)
    ana.say('/challenge new "Забег" runs 20 until 2026-11-30')
    for who, runs in (("ana", 1), ("ben", 3), ("cy", 5)):
        if who != "ana":
            member(core, who, "ru").say("/join")
        for _ in range(runs):
            private(core, who).say("/run 3k")
    board = ana.say("/leaderboard")
    assert "Cy — 5 пробежек" in board
    assert "Ben — 3 пробежки" in board
    assert "Ana — 1 пробежка" in board
    assert "3 участника" in ana.say("/challenge Забег")
    assert "каждому: 20 пробежек" in board


def test_a_person_is_answered_in_their_language_whatever_the_groups(core) -> None:
    ana = member(core, "ana", "de", admin=True)
    ana.say("/lang de")  # the group's digests: German
    ana.say(NEW)
    assert "se unió a Herbst" in member(core, "ben", "es").say("/join")
    assert "теперь в Herbst" in member(core, "cy", "ru").say("/join")


@pytest.mark.parametrize(
    ("lang", "heading", "moved", "figure"),
    [
        ("en", "📣 **Daily digest · Wed 25 Nov**", "💪 Moved today: Ana, Ben", "10.0 km"),
        ("de", "📣 **Tägliche Zusammenfassung · Mi., 25. Nov.**", "💪 Heute bewegt:", "10,0 km"),
        ("es", "📣 **Resumen del día · mié, 25 nov**", "💪 Hoy se movieron:", "10,0 km"),
        ("pt", "📣 **Resumo do dia · qua., 25 de nov.**", "💪 Se mexeram hoje:", "10,0 km"),
        ("ru", "📣 **Сводка дня · ср, 25 нояб.**", "💪 Сегодня двигались:", "10,0 км"),
    ],
)
def test_the_digest_speaks_the_groups_language(
    core, clock, lang: str, heading: str, moved: str, figure: str
) -> None:
    ana = member(core, "ana", "en", admin=True)
    ana.say(NEW)
    ana.say(f"/lang {lang}")
    member(core, "ben", "en").say("/join")
    ana.say("/digest daily 20:00")
    private(core, "ana").say("/run 10k")
    private(core, "ben").say("/run 12k")
    clock.set(datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    assert run_due_digests(core.services, clock.now()) == 1
    [(_, reply)] = delivered(core, "telegram")
    text = plain(reply.text)
    assert text.startswith(heading), text
    assert moved in text and figure in text
    if lang != "en":
        no_english(text)


def test_the_groups_language_is_most_members_without_an_admins_choice(
    make_core, any_db_url: str, clock
) -> None:
    core = make_core(any_db_url)
    ana = member(core, "ana", "ru", admin=True)
    ana.say(NEW)
    member(core, "ben", "ru").say("/join")
    ana.say("/digest daily 20:00")
    clock.set(datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    assert run_due_digests(core.services, clock.now()) == 1
    [(_, reply)] = delivered(core, "telegram")
    assert "Сводка дня" in reply.text
    assert "Сегодня пока никто ничего не записал" in reply.text


@pytest.mark.parametrize(
    ("lang", "over", "standings", "together", "showed_up"),
    [
        ("de", "🏁 **Herbst** ist vorbei", "**Endstand**", "Gemeinsam: 150,0 km", "6 aktive Tage"),
        (
            "es",
            "🏁 **Herbst** ha terminado",
            "**Clasificación final**",
            "En grupo: 150,0 km",
            "6 días activos",
        ),
        (
            "pt",
            "🏁 **Herbst** terminou",
            "**Classificação final**",
            "Em grupo: 150,0 km",
            "6 dias ativos",
        ),
        (
            "ru",
            "🏁 **Herbst** завершён —",
            "**Итоговая таблица**",
            "Вместе: 150,0 км",
            "6 активных дней",
        ),
    ],
)
def test_the_end_summary_speaks_the_groups_language(
    core, clock, lang: str, over: str, standings: str, together: str, showed_up: str
) -> None:
    ana = member(core, "ana", lang, admin=True)
    ana.say(NEW)
    member(core, "ben", lang).say("/join")
    for day in range(25, 31):
        clock.set(datetime(2026, 11, day, 12, 0, tzinfo=UTC))
        private(core, "ben").say("/run 20k")
    private(core, "ana").say("/run 30k")
    clock.set(datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    assert run_due_endings(core.services, clock.now()) == 1
    [(_, reply)] = delivered(core, "telegram")
    text = plain(reply.text)
    assert text.startswith(over) and standings in text and together in text, text
    assert showed_up in text and "120,0" in text
    no_english(text)
    [chart] = reply.attachments
    assert chart.is_image


def test_a_group_goals_summary_is_kind_in_russian(core, clock) -> None:
    ana = member(core, "ana", "ru", admin=True)
    ana.say('/challenge new "Вместе" run 500km together until 2026-11-30')
    private(core, "ana").say("/run 10k")
    clock.set(datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    assert run_due_endings(core.services, clock.now()) == 1
    [(_, reply)] = delivered(core, "telegram")
    text = plain(reply.text)
    assert "**Вместе: 10,0 / 500 км (2 %).** В этот раз не до конца" in text
    assert "**Вклад каждого**" in text


@pytest.mark.parametrize("draw", [progress_chart, together_chart])
def test_a_charts_legend_and_dates_follow_the_language(draw) -> None:
    days = [date(2026, 11, d) for d in range(1, 8)]
    totals = {"Ana": [float(d) for d in range(7)], "Ben": [2.0 * d for d in range(7)]}
    english = draw("Herbst", days, totals, target=20.0, unit="km")
    german = draw("Herbst", days, totals, target=20.0, unit="km", lang="de")
    again = draw("Herbst", days, totals, target=20.0, unit="km", lang="de")
    assert german == again  # the same chart drawn twice is the same picture
    assert german != english  # "Ziel", "die Gruppe" and German months, not English ones


@pytest.mark.parametrize(
    ("lang", "none", "cleared", "set_"),
    [
        ("en", "You have no goals yet", "Your run goal is cleared.", "🎯 Goal set: run"),
        ("de", "Du hast noch keine Ziele", "Dein Laufziel ist gelöscht.", "🎯 Laufziel gesetzt:"),
        (
            "es",
            "Aún no tienes metas",
            "Tu meta de carrera está borrada.",
            "🎯 Meta de carrera fijada:",
        ),
        (
            "pt",
            "Você ainda não tem metas",
            "Sua meta de corrida foi apagada.",
            "🎯 Meta de corrida definida:",
        ),
        ("ru", "Целей пока нет", "Цель по бегу снята.", "🎯 Цель по бегу:"),
    ],
)
def test_goals_speak_the_persons_language(core, lang, none, cleared, set_) -> None:
    ana = Chat(core, "ana", language=lang)
    assert ana.say("/goals").startswith(none)
    assert ana.say("/goal run 15km/week").startswith(set_)
    assert ana.say("/goal run off") == cleared


@pytest.mark.parametrize(
    ("lang", "issued", "unknown", "on", "off"),
    [
        (
            "de",
            "🔗 Dein Verknüpfungscode:",
            "Diesen Code kenne ich nicht",
            "Aufmunterung ist an",
            "Aufmunterung ist aus",
        ),
        (
            "es",
            "🔗 Tu código para vincular:",
            "No conozco ese código",
            "Los ánimos están activados",
            "Los ánimos están desactivados",
        ),
        (
            "pt",
            "🔗 Seu código para vincular:",
            "Não conheço esse código",
            "O incentivo está ligado",
            "O incentivo está desligado",
        ),
        (
            "ru",
            "🔗 Код для связки:",
            "Такого кода я не знаю",
            "Поддержка включена",
            "Поддержка выключена",
        ),
    ],
)
def test_link_and_encourage_speak_the_persons_language(core, lang, issued, unknown, on, off):
    ana = Chat(core, "ana", language=lang)
    code = ana.say("/link")
    assert code.startswith(issued) and "Discord" in code
    wrong = ana.say("/link ZZZZ-ZZZZ-ZZZZ")
    assert wrong.startswith(unknown) and "K7P4-QXMA-R2D9" in wrong
    assert ana.say("/encourage").startswith(on)
    assert ana.say("/encourage off").startswith(off)
    for reply in (code, wrong):
        no_english(reply)


def test_russian_link_tries_left_take_their_forms(core) -> None:
    ana = Chat(core, "ana", language="ru")
    left = [ana.say(f"/link ZZZZ-ZZZZ-ZZ{n:02d}") for n in range(4)]
    assert "осталось 4 попытки" in left[0]
    assert "осталась 1 попытка" in left[3]
    assert "Это уже 5 неверных кодов за час" in ana.say("/link ZZZZ-ZZZZ-ZZ99")


def test_a_language_chosen_on_the_side_that_asked_for_the_code_follows_the_link(core) -> None:
    tg = private(core, "ana-tg", "telegram")
    dc = private(core, "ana-dc", "discord")
    assert tg.say("/lang de").startswith("Erledigt")
    issued = tg.say("/link")
    code = issued.split("**")[1]
    linked = dc.say(f"/link {code}")
    assert linked.startswith("🔗 Verknüpft: Telegram (Ana-Tg) und Discord (Ana-Dc)."), linked
    assert "metrisch" in linked
    assert dc.say("/goals").startswith("Du hast noch keine Ziele")
