"""A command's arguments in the person's language, read as the English its parser knows:
"/water 500 мл" is "/water 500 ml", "/remind Wasser Mo Mi Fr 07:00" is "/remind water mon
wed fri 07:00". Commands keep their English names; only the words after them are local.

The words come from the same files as plain words (words/<language>.toml): their units,
vessels and days, and a `[command_words]` table of kinds, weekdays and the few words
/goal and /remind take. A word none of them names is passed on as written (a note, an
exercise's name), so the command's own parser and its errors stay the only judge.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Callable
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.context import Context

    Handler = Callable[[Context, str], Any]

# The commands whose arguments are read this way, and which tables each takes.
_UNITS, _DAYS, _KINDS, _WEEK = "units", "days", "kinds", "week"
COMMANDS: dict[str, frozenset[str]] = {
    "run": frozenset({_UNITS, _DAYS}),
    "water": frozenset({_UNITS, _DAYS}),
    "strength": frozenset({_UNITS, _DAYS}),
    "goal": frozenset({_UNITS, _KINDS, _WEEK}),
    "remind": frozenset({_KINDS, _WEEK}),
}
_LANGUAGES = frozenset({"de", "es", "pt", "ru"})
# pint's name for a unit, as the English parsers write it
_ENGLISH_UNIT = {
    "km": "km", "m": "m", "mile": "mi", "s": "s", "min": "min", "hour": "h", "kg": "kg",
    "lb": "lb", "ml": "ml", "cl": "cl", "dl": "dl", "l": "l", "fluid_ounce": "oz",
}  # fmt: skip
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_GLUED = re.compile(r"(\d+(?:[.,]\d+)?)([^\W\d_][^\W\d]*)")
_GROUPED = re.compile(r"(\d{1,3}(?:\.\d{3})+)(\D*)")
MAX_PHRASE = 3


class _Words:
    """One language's tables: a phrase (a tuple of lower-case words) → its English."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.thousands_dot = data.get("thousands") == "."
        self.units: dict[str, str] = {}
        for table in data["units"].values():
            for word, name in table.items():
                self.units.setdefault(word, _ENGLISH_UNIT[name])
        self.vessels: dict[str, float | None] = {
            word: None if ml == "glass" else float(ml) for word, ml in data["containers"].items()
        }
        words: dict[str, list[str]] = data["words"]
        self.articles = frozenset(words.get("article", ()))
        self.halves = frozenset(words.get("half", ()))
        self.days: dict[tuple[str, ...], int] = {
            tuple(k.split()): int(v) for k, v in data["dates"].items()
        }
        local: dict[str, dict[str, str]] = data.get("command_words", {})
        self.kinds = {tuple(k.split()): v for k, v in local.get("kinds", {}).items()}
        self.week = {tuple(k.split()): v for k, v in local.get("weekdays", {}).items()}
        self.week |= {tuple(k.split()): v for k, v in local.get("words", {}).items()}


@cache
def _words(language: str) -> _Words:
    text = resources.files("bot.reading").joinpath(f"words/{language}.toml").read_text("utf-8")
    return _Words(tomllib.loads(text))


def localised(name: str, handler: Handler) -> Handler:
    """`handler`, reading its arguments in the person's language first (the registry wraps
    the commands of `COMMANDS` so)."""
    if name not in COMMANDS:
        return handler

    @functools.wraps(handler)
    def in_their_words(ctx: Context, args: str) -> Any:
        if ctx.lang in _LANGUAGES:
            args = english(args, ctx.lang, name, ctx.today)
        return handler(ctx, args)

    return in_their_words


def english(args: str, language: str, command: str, today: date) -> str:
    """`args` of `/command` with the language's words put in English."""
    if language not in _LANGUAGES or command not in COMMANDS:
        return args
    w, tables = _words(language), COMMANDS[command]
    tokens = args.split()
    low = [t.lower() for t in tokens]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        done = _phrase(low, i, w, tables, today, out)
        if done:
            i += done
            continue
        token, word = tokens[i], low[i]
        if w.thousands_dot and (m := _GROUPED.fullmatch(word)):
            token = word = m[1].replace(".", "") + m[2]  # "1.500ml": 1500 ml, as they write it
        if _UNITS in tables and (m := _GLUED.fullmatch(word)) and m[2] in w.units:
            out.append(m[1] + w.units[m[2]])  # "500мл"
        elif _UNITS in tables and (m := _GLUED.fullmatch(word)) and m[2] in w.vessels:
            out.append(_vessel(m[1], w.vessels[m[2]]))  # "2gläser"
        elif _UNITS in tables and word in w.units and out and _NUMBER.fullmatch(out[-1]):
            out.append(w.units[word])  # "500 мл"
        elif _UNITS in tables and command == "water" and word in w.vessels:
            count = out.pop() if out and _NUMBER.fullmatch(out[-1]) else "1"
            out.append(_vessel(count, w.vessels[word]))  # "2 Gläser", "eine Flasche"
        elif _UNITS in tables and command == "water" and word in w.articles:
            out.append("1")
        elif _UNITS in tables and command == "water" and word in w.halves:
            if out and out[-1] == "1":
                out.pop()  # "einen halben Liter"
            out.append("0.5")
        elif "/" in word and _UNITS in tables:
            parts = word.split("/")  # "15km/woche", "км/неделю"
            out.append("/".join(_part(p, w, language, command, today) for p in parts))
        elif _WEEK in tables and re.search(r"[-,]", word) and (found := _days_list(word, w)):
            out.append(found)  # "mo-fr", "пн,ср,пт"
        else:
            out.append(token)
        i += 1
    return " ".join(out)


def _phrase(
    low: list[str], i: int, w: _Words, tables: frozenset[str], today: date, out: list[str]
) -> int:
    """How many words from `i` make a phrase of the tables (put in `out`), or 0."""
    for n in range(min(MAX_PHRASE, len(low) - i), 0, -1):
        key = tuple(low[i : i + n])
        if _DAYS in tables and key in w.days:
            back = w.days[key]
            words = {0: "today", 1: "yesterday", -1: "tomorrow"}
            out.append(words.get(back) or (today - timedelta(days=back)).isoformat())
            return n
        if _KINDS in tables and not out and key in w.kinds:
            out.append(w.kinds[key])  # the kind comes first: "/goal laufen 15km/woche"
            return n
        if _WEEK in tables and key in w.week:
            out.append(w.week[key])
            return n
    return 0


def _part(part: str, w: _Words, language: str, command: str, today: date) -> str:
    """One side of a "/": a unit, a period, or a figure with its unit."""
    return w.units.get(part) or w.week.get((part,)) or english(part, language, command, today)


def _days_list(word: str, w: _Words) -> str | None:
    parts = re.split(r"([-,])", word)
    english_parts = [p if p in "-," else w.week.get((p,), "") for p in parts]
    if not all(english_parts):
        return None
    return "".join(english_parts)


def _vessel(count: str, ml: float | None) -> str:
    n = float(count.replace(",", "."))
    if ml is None:
        return f"{n:g} {'glass' if n == 1 else 'glasses'}"
    return f"{n * ml:g}ml"
