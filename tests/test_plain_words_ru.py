"""Plain words in Russian: each phrasing with the entry it logs, a reading to confirm,
nothing, or a refusal; read by the same reader as English, with words/ru.toml and its own
reader of number words (bot/reading/russian_numbers.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reading.russian_numbers import digits
from tests.plain_words_table import (
    NOTHING,
    REFUSED,
    Unsure,
    ago,
    any_words_hold,
    check,
    lift,
    run,
    water,
)

ROWS = [
    # runs: every gender and number of the past tense
    ("пробежал 5 км за 28 минут", run(5, 1680)),
    ("пробежала 10 км", run(10)),
    ("пробежали 10 км", run(10)),
    ("пробежались 8 км", run(8)),
    ("Пробежал 5 км!", run(5)),
    ("пробежал 5км", run(5)),
    ("пробежал 10,5 км", run(10.5)),
    ("пробежал 10 000 м", run(10)),
    ("выпил 1 500 мл воды", water(1500)),
    ("приседания 3 х 10 100 кг", lift("приседания", 3, 10, 100)),
    ("сегодня пробежал 10 км", run(10, on=ago(0))),
    ("вчера пробежал 10 км", run(10, on=ago(1))),
    ("вчера вечером пробежала 6 км", run(6, on=ago(1))),
    ("позавчера бегала 4 км", run(4, on=ago(2))),
    ("2 дня назад пробежала 6 км", run(6, on=ago(2))),
    ("в пятницу пробежал 8 км", run(8, on=ago(7))),
    ("пробежал 10 км за 55:10", run(10, 3310)),
    ("пробежал пять км за двадцать восемь минут", run(5, 1680)),
    ("пробежал десять километров за час", run(10, 3600)),
    ("полумарафон за 1:58:20", run(21.0975, 7100)),
    ("пробежал марафон за 3:59:59", run(42.195, 14399)),
    ("сходил на пробежку 6 км", run(6)),
    ("пробежка 5 км", run(5)),
    ("5 км пробежка за 30 минут", run(5, 1800)),
    ("утром пробежал 7 км", run(7)),
    ("пробежал 5 км за 28:30 🏃", run(5, 1710)),
    # water
    ("выпил 500 мл воды", water(500)),
    ("выпила пол-литра", water(500)),
    ("выпила пол литра воды", water(500)),
    ("выпила полтора литра воды", water(1500)),
    ("стакан воды", water(250)),
    ("выпил стакан воды", water(250)),
    ("два стакана воды", water(500)),
    ("выпила 3 стакана воды", water(750)),
    ("бутылку воды выпил", water(500)),
    ("выпил 2 литра воды", water(2000)),
    ("выпил 1,5 л воды", water(1500)),
    ("вчера выпила литр воды", water(1000, on=ago(1))),
    ("+500 мл", water(500)),
    # strength
    ("приседания 3x10 40 кг", lift("приседания", 3, 10, 40)),
    ("приседания 3х10", lift("приседания", 3, 10)),
    ("3 подхода по 10 отжиманий", lift("отжимания", 3, 10)),
    ("приседания 3 подхода по 15 раз", lift("приседания", 3, 15)),
    ("жим лёжа 4x8 60 кг", lift("жим лёжа", 4, 8, 60)),
    ("20 отжиманий", lift("отжимания", 1, 20)),
    ("сделал 15 подтягиваний", lift("подтягивания", 1, 15)),
    ("планка 3x60 сек", lift("планка", 3, set_s=60)),
    # one name per exercise, whatever form it is written in
    ("сделала 50 приседаний", lift("приседания", 1, 50)),
    ("отжался 20 раз", lift("отжимания", 1, 20)),
    ("подтянулась 10 раз", lift("подтягивания", 1, 10)),
    ("30 минут силовой", lift(None, seconds=1800)),
    ("тренировка 45 минут", lift(None, seconds=2700)),
    ("вчера становая 5x5 100 кг", lift("становая", 5, 5, 100, on=ago(1))),
    # unsure
    ("сделал 5 за 30", Unsure(run(5, 1800))),
    ("приседания 3x10 с 40", Unsure(lift("приседания", 3, 10, 40))),
    ("вода 500", Unsure(water(500))),
    # refused
    ("пробежал 500 км", REFUSED),
    ("завтра пробежал 5 км", REFUSED),
    # not a log
    ("мой друг пробежал 10 км", NOTHING),
    ("он пробежал 10 км", NOTHING),
    ("она выпила 2 литра воды", NOTHING),
    ("жена пробежала марафон", NOTHING),
    ("ты пробежал 5 км?", NOTHING),
    ("он отжался 20 раз", NOTHING),
    ("сегодня не бегал", NOTHING),
    ("не пробежала 5 км", NOTHING),
    ("почти пробежал 10 км", NOTHING),
    ("буду бегать завтра 5 км", NOTHING),
    ("собираюсь пробежать 5 км", NOTHING),
    ("хочу пробежать 10 км", NOTHING),
    ("надо выпить 2 литра воды", NOTHING),
    ("на следующей неделе полумарафон", NOTHING),
    ("сколько я пробежал?", NOTHING),
    ("сколько воды нужно пить", NOTHING),
    ("прошёл 5 км", NOTHING),
    ("выпил 2 литра пива", NOTHING),
    ("выпил кофе", NOTHING),
    ("бегаю 5 км каждый день", NOTHING),
    ("на этой неделе пробежал 20 км", NOTHING),
    ("мой рекорд на 5 км 22:30", NOTHING),
    ("доброе утро", NOTHING),
    ("пробежал 5 км в 7 утра", NOTHING),
    ("бегаю по 5 км", NOTHING),
    ("спасибо", NOTHING),
]


@pytest.mark.parametrize(("text", "want"), ROWS, ids=[t for t, _ in ROWS])
def test_phrasing(text, want):
    check(text, want, "ru")


def test_the_table_is_long_enough():
    assert len(ROWS) >= 60


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("пять км", "5 км"),
        ("двадцать восемь минут", "28 минут"),
        ("сто двадцать пять", "125"),
        ("две тысячи пятьсот мл", "2500 мл"),
        ("полтора литра", "1.5 литра"),
        ("полторы тысячи", "1.5 тысячи"),
        ("одну бутылку", "1 бутылку"),
        ("три десять", "3 10"),  # two figures, not one
        ("двадцать десять", "20 10"),
        ("сто сто", "100 100"),
        ("пятьсот мл и два стакана", "500 мл и 2 стакана"),
        ("без чисел", "без чисел"),
    ],
)
def test_russian_number_words_are_read_as_figures(text, want):
    assert digits(text) == want


PIECES = [
    "пробежал",
    "пробежала",
    "выпил",
    "выпила",
    "воды",
    "приседания",
    "стакан",
    "стакана",
    "пол",
    "пол-литра",
    "полтора",
    "литра",
    "за",
    "с",
    "подхода",
    "по",
    "раз",
    "5км",
    "3х10",
    "40кг",
    "500мл",
    "28:30",
    "30",
    "5",
    "минут",
    "км",
    "вчера",
    "в",
    "пятницу",
    "не",
    "буду",
    "друг",
    "пять",
    "двадцать",
    "сто",
    "тысяча",
    "марафон",
    ",",
    "x",
    "20",
    "завтра",
    "сегодня",
    "назад",
    "дня",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=8), st.text(max_size=12))
def test_any_words_read_as_an_entry_within_bounds_or_nothing(pieces, noise):
    any_words_hold(" ".join(pieces) + noise, "ru")
