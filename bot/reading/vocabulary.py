"""The words of one language for the plain-words reader, loaded from words/<language>.toml.

The reader's logic names parts ("a run word", "a unit of volume"), never words: a language
is added by writing its file, not by touching the reader or its grammar.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

# What a word's list in the file makes of it: a terminal of the grammar, or one of these.
DROP = "_drop"  # filler: changes nothing
REFUSE = "_refuse"  # negation, plan, question, someone else, something else: not a log

_LISTS = {
    "run_verb": "RUN",
    "run_noun": "RUN",
    "water_verb": "WATER",
    "water_noun": "WATER",
    "strength_verb": "STRENGTH",
    "strength_noun": "STRENGTH",
    "did_verb": "DID",
    "negation": REFUSE,
    "plan": REFUSE,
    "question": REFUSE,
    "others": REFUSE,
    "elsewhere": REFUSE,
    "span": REFUSE,
    "filler": DROP,
    "article": "ART",
    "half": "HALF",
    "sets_word": "SETWORD",
    "reps_word": "REPWORD",
    "in_word": "IN",
    "at_word": "AT",
    "plus": "PLUS",
}
_BARE_UNITS = {"volume": "VUNIT", "time": "TUNIT"}


@dataclass(frozen=True)
class Vocabulary:
    language: str
    date_language: str
    number_words: frozenset[str]
    # A phrase of one to a few words: (part, value). Values: a race's metres, a vessel's
    # millilitres (None: the settings' glass), a bare unit's pint name, days back for a date.
    phrases: dict[tuple[str, ...], tuple[str, object]]
    starts: dict[str, int]  # the most words a phrase starting with this word has
    # A unit word after a number: (dimension, pint's name for it)
    units: dict[str, tuple[str, str]]
    question_start: frozenset[str]
    date_lead: frozenset[str]
    weekdays: frozenset[str]
    months: frozenset[str]
    ago: frozenset[str]
    day_units: dict[str, int]
    # Phrases said another way before reading ("за час": "за 1 час"), where a language says
    # a figure without writing it. Few, and only where the plain phrase is the usual one.
    rewrites: tuple[tuple[re.Pattern[str], str], ...] = ()
    # How the language groups thousands, when not with a comma: "." ("1.500 ml" is 1500 ml
    # in German), " " (Russian "10 000 м"); "" leaves figures as English reads them.
    thousands: str = ""
    # A word between two figures that makes them sets and each set's reps or time: "3 по
    # 12", "3 à 12", "3 de 60 segundos" (never a count and a session's length).
    sets_link: frozenset[str] = frozenset()
    # Units read only when written onto a figure ("60с"): apart, the same letter is a word
    # ("с 40 кг": with 40 kg).
    attached_units: dict[str, tuple[str, str]] = field(default_factory=dict)
    # "ago" said before its figure: "vor 2 Tagen", "hace 2 días", "há 2 dias"
    ago_before: frozenset[str] = frozenset()
    # Weekdays that are only weekdays after a lead word ("na segunda"; alone, "segunda" is
    # "second")
    led_weekdays: frozenset[str] = frozenset()
    # Whether words we don't know after a run are its note ("ran 5k along the river"). Not
    # where a subject may follow its verb and the verb doesn't say whose doing it was
    # ("Gestern lief Anna 10 km", "пробежала 10 км Маша"): there nothing is logged.
    notes: bool = True


@cache
def vocabulary(language: str = "en") -> Vocabulary:
    text = resources.files("bot.reading").joinpath(f"words/{language}.toml").read_text("utf-8")
    return build(tomllib.loads(text))


def build(data: dict[str, Any]) -> Vocabulary:
    """A vocabulary from a parsed words file (tests build small ones this way)."""
    words: dict[str, list[str]] = data["words"]
    phrases: dict[tuple[str, ...], tuple[str, object]] = {}

    def add(phrase: str, part: str, value: object = None) -> None:
        phrases.setdefault(tuple(phrase.lower().split()), (part, value))

    dates: dict[str, int] = data["dates"]
    for phrase, back in dates.items():
        add(phrase, "DATE", back)
    for name, part in _LISTS.items():
        for phrase in words.get(name, ()):
            add(phrase, part)
    races: dict[str, float] = data["races"]
    for phrase, metres in races.items():
        add(phrase, "RACE", float(metres))
    containers: dict[str, Any] = data["containers"]
    for phrase, ml in containers.items():
        add(phrase, "CONTAINER", None if ml == "glass" else float(ml))
    exercises: dict[str, Any] = data["exercises"]
    forms: dict[str, str] = exercises.get("forms", {})
    for phrase, name in forms.items():  # "приседаний": "приседания", one name per exercise
        add(phrase, "EXERCISE", name)
    for phrase in exercises["names"]:
        add(phrase, "EXERCISE")
    units: dict[str, tuple[str, str]] = {}
    unit_tables: dict[str, dict[str, str]] = data["units"]
    for dimension, table in unit_tables.items():
        for word, pint_name in table.items():
            units.setdefault(word, (dimension, pint_name))
            if dimension in _BARE_UNITS and len(word) > 3:
                add(word, _BARE_UNITS[dimension], pint_name)
    date_phrases: dict[str, list[str]] = data["date_phrases"]
    day_units = {str(w): int(n) for w, n in data["date_phrases"]["day_units"].items()}
    return Vocabulary(
        language=str(data["language"]),
        date_language=str(data["date_language"]),
        number_words=frozenset(data["number_words"]),
        phrases=phrases,
        starts=_starts(phrases),
        units=units,
        question_start=frozenset(words.get("question_start", ())),
        date_lead=frozenset(date_phrases["lead"]),
        weekdays=frozenset(date_phrases["weekdays"]),
        months=frozenset(date_phrases["months"]),
        ago=frozenset(date_phrases["ago"]),
        day_units=day_units,
        thousands=str(data.get("thousands", "")),
        notes=bool(data.get("notes", True)),
        sets_link=frozenset(words.get("sets_link", ())),
        ago_before=frozenset(date_phrases.get("ago_before", ())),
        led_weekdays=frozenset(date_phrases.get("led_weekdays", ())),
        attached_units={
            word: (dimension, str(pint_name))
            for dimension, table in data.get("attached_units", {}).items()
            for word, pint_name in table.items()
        },
        rewrites=tuple(
            (re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)"), str(meant))
            for phrase, meant in data.get("rewrites", {}).items()
        ),
    )


def _starts(phrases: dict[tuple[str, ...], tuple[str, object]]) -> dict[str, int]:
    starts: dict[str, int] = {}
    for phrase in phrases:
        starts[phrase[0]] = max(starts.get(phrase[0], 0), len(phrase))
    return starts
