"""Many phrasings per language, made from parts (a verb or none, an exercise, sets and reps
or sets of a time, a weight, a vessel, a distance and time, a day) in every order: each reads
as exactly the entry its parts say, as a reading to confirm, or as nothing; never as another
entry. Phrasings that are clear are mostly read directly."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bot.domain import NewEntry
from bot.reading import parsing
from bot.reading.plain_words import read
from bot.reading.vocabulary import vocabulary
from tests.plain_words_table import TODAY, L, _same, ago, lift, run, water

PER_LANGUAGE = 2500


@dataclass(frozen=True)
class Words:
    exercises: list[str]
    strength_verbs: list[str]
    # (template, clear): {s} sets of {r} reps each ({e}: the exercise, when it must follow);
    # "clear" when a person could mean nothing else
    sets_reps: list[tuple[str, bool]]
    sets_time: list[tuple[str, bool]]  # {s} sets of {t} seconds each
    weights: list[str]  # {w} kg
    # {r} reps of the exercise {e} in one set, with how long it took ({m} minutes) or not
    reps: list[tuple[str, bool]]
    took: list[str]
    water_verbs: list[str]
    water_nouns: list[str]
    vessels: list[tuple[str, float]]  # a vessel with its count written, and the millilitres
    run_verbs: list[str]
    distances: list[str]  # 5 km
    durations: list[str]  # 28 minutes
    days: list[tuple[str, int]]


WORDS = {
    "en": Words(
        exercises=["squats", "pushups", "lunges", "plank"],
        strength_verbs=["did", "lifted"],
        sets_reps=[
            ("{s}x{r}", True),
            ("{s} x {r}", True),
            ("{s} sets of {r}", True),
            ("{s} sets of {r} reps", True),
            ("{s} {r}", False),
            ("{s} of {r}", False),
            ("three sets of twelve", True),
        ],
        sets_time=[
            ("{s}x{t}s", True),
            ("{s}x{t} sec", True),
            ("{s} sets of {t} seconds", True),
            ("{s} of {t} seconds", False),
            ("{s} {t} sec", False),
        ],
        weights=["{w}kg", "{w} kg", "at {w}kg"],
        reps=[("{r} {e}", True), ("did {r} {e}", True), ("{e} {r}", False), ("{e} {r} reps", True)],
        took=["in {m} min", "in {m} minutes"],
        water_verbs=["drank", ""],
        water_nouns=["water", "of water", ""],
        vessels=[
            ("a glass", 250),
            ("2 glasses", 500),
            ("a bottle", 500),
            ("+1 bottle", 500),
            ("500ml", 500),
            ("1 litre", 1000),
            ("two glasses", 500),
        ],
        run_verbs=["ran", "jogged"],
        distances=["5 km", "5k"],
        durations=["in 28 min", "in 28 minutes"],
        days=[("yesterday", 1), ("today", 0), ("on monday", 4), ("2 days ago", 2)],
    ),
    "ru": Words(
        exercises=["приседаний", "отжиманий", "выпадов", "планка", "планку"],
        strength_verbs=["сделал", "сделала"],
        sets_reps=[
            ("{s}x{r}", True),
            ("{s} х {r}", True),
            ("{s}х{r}", True),
            ("{s} по {r}", True),
            ("{s} подхода по {r}", True),
            ("{s} подхода по {r} повторений", True),
            ("три по двенадцать", True),
            ("три подхода по двенадцать", True),
            ("{s} {r}", False),
        ],
        sets_time=[
            ("{s}х{t}с", True),
            ("{s}x{t} сек", True),
            ("{s}х{t}сек", True),
            ("{s} по {t} секунд", True),
            ("{s} подхода по {t} секунд", True),
            ("{s} по минуте", True),
            ("{s} {t} секунд", False),
        ],
        weights=["{w} кг", "{w}кг", "с {w} кг"],
        reps=[("{r} {e}", True), ("{e} {r} раз", True), ("{e} {r}", False)],
        took=["за {m} минут", "за {m} мин"],
        water_verbs=["выпил", "выпила", ""],
        water_nouns=["воды", ""],
        vessels=[
            ("стакан", 250),
            ("2 стакана", 500),
            ("бутылка", 500),
            ("бутылку", 500),
            ("+1 бутылка", 500),
            ("+1 стакан", 250),
            ("кружка", 300),
            ("кружку", 300),
            ("чашка", 250),
            ("чашку", 250),
            ("литр", 1000),
            ("+1 литр", 1000),
            ("2 бутылки", 1000),
            ("500 мл", 500),
            ("два стакана", 500),
            ("одну бутылку", 500),
        ],
        run_verbs=["пробежал", "пробежала"],
        distances=["5 км", "5км"],
        durations=["за 28 минут", "за 28 мин"],
        days=[("вчера", 1), ("сегодня", 0), ("в понедельник", 4), ("2 дня назад", 2)],
    ),
    "de": Words(
        exercises=["kniebeugen", "liegestütze", "ausfallschritte", "plank"],
        strength_verbs=["gemacht", "trainiert"],
        sets_reps=[
            ("{s}x{r}", True),
            ("{s} x {r}", True),
            ("{s} Sätze à {r}", True),
            ("{s} à {r}", True),
            ("{s} mal {r}", True),
            ("drei Sätze à zwölf", True),
            ("{s} Sätze mit {r} {e}", True),
            ("{s} {r}", False),
        ],
        sets_time=[
            ("{s}x{t}s", True),
            ("{s}x{t} Sekunden", True),
            ("{s} à {t} Sekunden", True),
            ("{s} mal {t} Sekunden", True),
            ("{s} {t} Sekunden", False),
        ],
        weights=["{w} kg", "{w}kg", "mit {w} kg"],
        reps=[("{r} {e}", True), ("{e} {r}", False)],
        took=["in {m} Minuten", "in {m} min"],
        water_verbs=["getrunken", ""],
        water_nouns=["Wasser", ""],
        vessels=[
            ("ein Glas", 250),
            ("2 Gläser", 500),
            ("eine Flasche", 500),
            ("zwei Gläser", 500),
            ("+1 Flasche", 500),
            ("500 ml", 500),
        ],
        run_verbs=["gelaufen", "gejoggt"],
        distances=["5 km", "5km"],
        durations=["in 28 Minuten", "in 28 min"],
        days=[("gestern", 1), ("heute", 0), ("am Montag", 4), ("vor 2 Tagen", 2)],
    ),
    "es": Words(
        exercises=["sentadillas", "flexiones", "zancadas", "plancha"],
        strength_verbs=["hice", "entrené"],
        sets_reps=[
            ("{s}x{r}", True),
            ("{s} x {r}", True),
            ("{s} series de {r}", True),
            ("{s} de {r}", True),
            ("tres series de doce", True),
            ("{s} series de {r} repeticiones", True),
            ("{s} {r}", False),
        ],
        sets_time=[
            ("{s}x{t}s", True),
            ("{s}x{t} segundos", True),
            ("{s} series de {t} segundos", True),
            ("{s} de {t} segundos", True),
            ("{s} {t} segundos", False),
        ],
        weights=["{w} kg", "{w}kg", "con {w} kg"],
        reps=[("{r} {e}", True), ("{e} {r}", False)],
        took=["en {m} minutos", "en {m} min"],
        water_verbs=["bebí", ""],
        water_nouns=["de agua", "agua", ""],
        vessels=[
            ("un vaso", 250),
            ("2 vasos", 500),
            ("una botella", 500),
            ("dos vasos", 500),
            ("+1 botella", 500),
            ("500 ml", 500),
        ],
        run_verbs=["corrí"],
        distances=["5 km", "5km"],
        durations=["en 28 minutos", "en 28 min"],
        days=[("ayer", 1), ("hoy", 0), ("el lunes", 4), ("hace 2 días", 2)],
    ),
    "pt": Words(
        exercises=["agachamentos", "flexões", "afundos", "prancha"],
        strength_verbs=["fiz", "treinei"],
        sets_reps=[
            ("{s}x{r}", True),
            ("{s} x {r}", True),
            ("{s} séries de {r}", True),
            ("{s} de {r}", True),
            ("três séries de doze", True),
            ("{s} séries de {r} repetições", True),
            ("{s} {r}", False),
        ],
        sets_time=[
            ("{s}x{t}s", True),
            ("{s}x{t} segundos", True),
            ("{s} séries de {t} segundos", True),
            ("{s} de {t} segundos", True),
            ("{s} {t} segundos", False),
        ],
        weights=["{w} kg", "{w}kg", "com {w} kg"],
        reps=[("{r} {e}", True), ("{e} {r}", False)],
        took=["em {m} minutos", "em {m} min"],
        water_verbs=["bebi", ""],
        water_nouns=["de água", "água", ""],
        vessels=[
            ("um copo", 250),
            ("2 copos", 500),
            ("uma garrafa", 500),
            ("dois copos", 500),
            ("+1 garrafa", 500),
            ("500 ml", 500),
        ],
        run_verbs=["corri"],
        distances=["5 km", "5km"],
        durations=["em 28 minutos", "em 28 min"],
        days=[("ontem", 1), ("hoje", 0), ("na segunda", 4), ("há 2 dias", 2)],
    ),
}


@dataclass(frozen=True)
class Phrasing:
    text: str
    want: NewEntry | None  # None: nothing a person could be sure of; any sure reading is wrong
    clear: bool  # whether it should be read directly (else: this entry, unsure or nothing)


def _name(exercise: str, language: str) -> str:
    """The exercise's one name (the form "приседаний" is logged as "приседания")."""
    found = vocabulary(language).phrases[tuple(exercise.split())]
    return str(found[1] or exercise)


def _orders(parts: list[str]) -> Iterator[str]:
    for order in itertools.permutations([p for p in parts if p]):
        yield " ".join(order)


def phrasings(language: str) -> Iterator[Phrasing]:
    w = WORDS[language]
    for exercise, verb, day in itertools.product(
        w.exercises, ["", *w.strength_verbs], [("", None), *w.days]
    ):
        name = _name(exercise, language)
        on = None if day[1] is None else ago(day[1])
        for (template, clear), weight in itertools.product(w.sets_reps, ["", *w.weights]):
            sets = template.format(s=3, r=12, e=exercise)
            kg = 40.0 if weight else None
            want = lift(name, 3, 12, kg, on=on) if clear else None
            alone = "" if "{e}" in template else exercise
            for text in _orders([verb, alone, sets, weight.format(w=40), day[0]]):
                yield Phrasing(text, want, clear)
        for (template, clear), took in itertools.product(w.reps, ["", *w.took]):
            if exercise in ("plank", "planka", "планка", "планку", "plancha", "prancha"):
                continue  # held, not counted
            reps = template.format(r=20, e=exercise)
            want = lift(name, 1, 20, seconds=120 if took else None, on=on)
            said = "" if template.startswith("did") else verb
            for text in _orders([said, reps, took.format(m=2), day[0]]):
                yield Phrasing(text, want, clear)
        for template, clear in w.sets_time:
            sets = template.format(s=3, t=60)
            want = lift(name, 3, None, None, set_s=60, on=on) if clear else None
            for text in _orders([verb, exercise, sets, day[0]]):
                yield Phrasing(text, want, clear)
    for (vessel, ml), verb, noun, day in itertools.product(
        w.vessels, w.water_verbs, w.water_nouns, [("", None), *w.days]
    ):
        on = None if day[1] is None else ago(day[1])
        # the noun after its vessel ("a glass of water"); the verb and day anywhere
        for text in _orders([verb, f"{vessel} {noun}".strip(), day[0]]):
            yield Phrasing(text, water(ml, on=on), True)
    for verb, distance, duration, day in itertools.product(
        w.run_verbs, w.distances, ["", *w.durations], [("", None), *w.days]
    ):
        on = None if day[1] is None else ago(day[1])
        want = run(5, 1680 if duration else None, on=on)
        for text in _orders([verb, distance, duration, day[0]]):
            yield Phrasing(text, want, True)


def _sample(language: str) -> list[Phrasing]:
    everything = list(phrasings(language))
    return random.Random(language).sample(everything, min(PER_LANGUAGE, len(everything)))


def _reading(text: str, language: str) -> tuple[NewEntry, bool] | None:
    try:
        reading = read(text, today=TODAY, limits=L, glass_ml=250, language=language)
    except parsing.ParseError:
        return None  # refused with a reason: not an entry
    return None if reading is None else (reading.entry, reading.sure)


@pytest.mark.parametrize("language", sorted(WORDS))
def test_no_phrasing_reads_as_another_entry(language: str) -> None:
    wrong = []
    for p in _sample(language):
        found = _reading(p.text, language)
        if found is None or not found[1]:
            continue
        if p.want is None or not _same(found[0], p.want):
            wrong.append(f"{p.text!r}: {found[0]} (meant {p.want})")
    assert not wrong, "\n".join(wrong[:20])


@pytest.mark.parametrize("language", sorted(WORDS))
def test_clear_phrasings_are_mostly_read_directly(language: str) -> None:
    clear = [p for p in _sample(language) if p.clear]
    direct = [p for p in clear if (found := _reading(p.text, language)) and found[1]]
    missed = sorted({p.text for p in clear} - {p.text for p in direct})
    assert len(direct) >= 0.95 * len(clear), f"{len(direct)}/{len(clear)}; e.g. {missed[:30]}"
