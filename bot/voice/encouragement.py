"""The message library: lines of encouragement by category, from config/encouragement.toml.

Each top-level table of the file is a category with an `about` line and its `messages`.
Messages may hold placeholders such as {name}, {streak} or {week_distance}; `PLACEHOLDERS`
says what each shows and in which scopes it has a value. Figures are rendered in the
person's units. `choose` picks a message the audience has not seen lately: none shown in the
last seven days, nor any of the last ten when the category has more.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from bot.domain import Kind, Units
from bot.i18n.catalogs import N_, translate, translate_plural
from bot.i18n.figures import figures
from bot.i18n.languages import DEFAULT
from bot.voice.checks import Problem, read_toml, suggest
from bot.voice.facts import GROUP, LOG, PERSON, Facts, Scope

NO_REPEAT = 10  # a message is not shown again while it is among the last ten shown
NO_REPEAT_DAYS = 7  # nor within seven days of being shown
REMEMBER_DAYS = 8  # what is kept of a category: a day more than the window, for the zones
MAX_REMEMBERED = 64  # and never more entries than this in one row
DAY_S = 86_400
# What an audience was shown: (message id, unix seconds, the audience's local day or "").
Shown = tuple[str, int, str]
MAX_CHARS = 280
CATEGORY_NAME = re.compile(r"[a-z][a-z_]{0,39}")
MARKUP = ("_", "*", "\n")  # would break the italic line a reply wraps around a message


# --- placeholders -----------------------------------------------------------------------


class Render(Protocol):
    """Fills a placeholder from the facts, in the person's units and language (English
    unless told)."""

    def __call__(self, f: Mapping[str, object], units: Units, lang: str = ..., /) -> str | None: ...


@dataclass(frozen=True)
class Placeholder:
    name: str
    scopes: frozenset[Scope]
    render: Render  # None when the moment has no value for it: the message is not used
    doc: str


def _num(f: Mapping[str, object], key: str) -> float:
    return float(f[key])  # type: ignore[arg-type]  # FACTS says which facts are numbers


def _distance(key: str) -> Render:
    return lambda f, units, lang=DEFAULT: figures(lang).distance(_num(f, key) * 1000, units)


def _volume(key: str) -> Render:
    return lambda f, units, lang=DEFAULT: figures(lang).volume(_num(f, key), units)


def _plain(text: str) -> str:
    """A name as it can sit inside the italic line: markup characters would end it early."""
    return " ".join(text.replace("_", " ").replace("*", " ").split())


def _text(key: str) -> Render:
    return lambda f, units, lang=DEFAULT: _plain(str(f[key])) or None


def _count(key: str) -> Render:
    return lambda f, units, lang=DEFAULT: str(f[key])


def _positive(key: str) -> Render:
    """A count that only makes sense above zero (a group's size, days left)."""
    return lambda f, units, lang=DEFAULT: str(f[key]) if _num(f, key) > 0 else None


def _days(key: str, *, positive: bool = False) -> Render:
    """A number of days with its noun in the form the number takes ("1 день", "3 дня",
    "5 дней"), so no language has to write "{streak} days" around a bare number."""

    def render(f: Mapping[str, object], units: Units, lang: str = DEFAULT) -> str | None:
        n = int(_num(f, key))
        if positive and n <= 0:
            return None
        return translate_plural(lang, "{n} day", "{n} days", n).format(n=n)

    return render


def _runs(key: str) -> Render:
    def render(f: Mapping[str, object], units: Units, lang: str = DEFAULT) -> str | None:
        n = int(_num(f, key))
        return translate_plural(lang, "{n} run", "{n} runs", n).format(n=n)

    return render


def _figure(which: str, value: float, units: Units, lang: str = DEFAULT) -> str | None:
    if which == "longest_run":
        return figures(lang).distance(value * 1000, units)
    if which == "fastest_5k":
        return figures(lang).pace(value, units)
    if which == "heaviest_lift":
        return figures(lang).weight(value, units)
    return None


def _record(key: str) -> Render:
    return lambda f, units, lang=DEFAULT: _figure(str(f["new_record"]), _num(f, key), units, lang)


RECORD_NAMES = {
    "longest_run": N_("longest run"),
    "fastest_5k": N_("fastest pace over 5k"),
    "heaviest_lift": N_("heaviest lift in {exercise}"),
}


def _record_name(f: Mapping[str, object], units: Units, lang: str = DEFAULT) -> str | None:
    name = RECORD_NAMES.get(str(f["new_record"]))
    if name is None:
        return None
    exercise = str(f["exercise"] or "") or translate(lang, "strength")
    return translate(lang, name).format(exercise=exercise)


def _entry_distance(f: Mapping[str, object], units: Units, lang: str = DEFAULT) -> str | None:
    if f["kind"] != Kind.RUN:
        return None
    return figures(lang).distance(_num(f, "amount") * 1000, units)


def _entry_water(f: Mapping[str, object], units: Units, lang: str = DEFAULT) -> str | None:
    return figures(lang).volume(_num(f, "amount"), units) if f["kind"] == Kind.WATER else None


def _weight(f: Mapping[str, object], units: Units, lang: str = DEFAULT) -> str | None:
    kg = _num(f, "weight_kg")
    return figures(lang).weight(kg, units) if kg > 0 else None


def _goal(f: Mapping[str, object], units: Units, lang: str = DEFAULT) -> str | None:
    if not f["has_goal"]:
        return None
    amount = _num(f, "goal_amount")
    week = f["goal_period"] == "week"
    if f["goal_sessions"]:
        n = int(amount)
        if f["kind"] == Kind.RUN:
            text = (
                translate_plural(lang, "{n} run a week", "{n} runs a week", n)
                if week
                else translate_plural(lang, "{n} run a day", "{n} runs a day", n)
            )
        else:
            text = (
                translate_plural(lang, "{n} session a week", "{n} sessions a week", n)
                if week
                else translate_plural(lang, "{n} session a day", "{n} sessions a day", n)
            )
        return text.format(n=n)
    if f["kind"] == Kind.RUN:
        figure = figures(lang).distance(amount * 1000, units)
    else:
        figure = figures(lang).volume(amount, units)
    per = translate(lang, "{amount} a week") if week else translate(lang, "{amount} a day")
    return per.format(amount=figure)


def _goal_percent(f: Mapping[str, object], units: Units, lang: str = DEFAULT) -> str | None:
    if not f["has_goal"]:
        return None
    return figures(lang).percent(math.floor(_num(f, "goal_percent")))


def _water_goal(f: Mapping[str, object], units: Units, lang: str = DEFAULT) -> str | None:
    goal = _num(f, "water_goal_ml")
    return figures(lang).volume(goal, units) if goal > 0 else None


def _water_to_go(f: Mapping[str, object], units: Units, lang: str = DEFAULT) -> str | None:
    left = _num(f, "water_goal_ml") - _num(f, "today_water_ml")
    if _num(f, "water_goal_ml") > 0 and left > 0:
        return figures(lang).volume(left, units)
    return None


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekday(f: Mapping[str, object], units: Units, lang: str = DEFAULT) -> str | None:
    day = str(f["weekday"])
    return figures(lang).weekday(WEEKDAYS.index(day)) if day in WEEKDAYS else None


PLACEHOLDERS: dict[str, Placeholder] = {
    p.name: p
    for p in (
        Placeholder("name", PERSON, _text("name"), "the person's name"),
        Placeholder("streak", LOG, _count("streak"), "current streak in days (not in nudges)"),
        Placeholder("quiet_days", PERSON, _count("quiet_days"), "quiet days before this entry"),
        Placeholder("streak_days", LOG, _days("streak"), "the streak with its noun: 12 days"),
        Placeholder("quiet_span", PERSON, _days("quiet_days"), "the quiet days with their noun"),
        Placeholder("week_runs_span", PERSON, _runs("week_run_count"), "runs this week: 3 runs"),
        Placeholder("days_left_span", GROUP, _days("days_left", positive=True), "5 days"),
        Placeholder("weekday", PERSON, _weekday, "today's weekday: Wednesday"),
        Placeholder("distance", LOG, _entry_distance, "the run just logged: 5.00 km"),
        Placeholder("water", LOG, _entry_water, "the water just logged: 500 ml"),
        Placeholder("exercise", LOG, _text("exercise"), "the exercise just logged: squats"),
        Placeholder("weight", LOG, _weight, "the weight just lifted: 40 kg"),
        Placeholder("today_distance", PERSON, _distance("today_run_km"), "km or mi run today"),
        Placeholder("week_distance", PERSON, _distance("week_run_km"), "km or mi run this week"),
        Placeholder("today_water", PERSON, _volume("today_water_ml"), "water today"),
        Placeholder("week_water", PERSON, _volume("week_water_ml"), "water this week"),
        Placeholder("week_runs", PERSON, _count("week_run_count"), "runs this week"),
        Placeholder("week_strength", PERSON, _count("week_strength_count"), "strength sessions"),
        Placeholder("record", LOG, _record("record_value"), "the new record's figure"),
        Placeholder("previous_record", LOG, _record("record_before"), "the record it beat"),
        Placeholder("record_name", LOG, _record_name, "longest run, heaviest squats..."),
        Placeholder("goal", PERSON, _goal, "the goal for this kind: 15.00 km a week"),
        Placeholder("goal_percent", PERSON, _goal_percent, "progress toward it: 80%"),
        Placeholder("water_goal", PERSON, _water_goal, "the daily water goal"),
        Placeholder("water_to_go", PERSON, _water_to_go, "water still to drink to reach it"),
        Placeholder("glass", PERSON, _volume("glass_ml"), "a glass: 250 ml or 8 fl oz"),
        Placeholder("group", GROUP, _text("group"), "the group's or challenge's name"),
        Placeholder("members", GROUP, _positive("members"), "members taking part"),
        Placeholder("moved_today", GROUP, _count("moved_today"), "members who logged today"),
        Placeholder("days_left", GROUP, _positive("days_left"), "days left in the challenge"),
        Placeholder("most_consistent", GROUP, _text("most_consistent"), "a member's name"),
        Placeholder("most_improved", GROUP, _text("most_improved"), "a member's name"),
    )
}


def placeholders_for(scope: Scope) -> frozenset[str]:
    return frozenset(name for name, p in PLACEHOLDERS.items() if scope in p.scopes)


# --- the library ------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    id: str  # from the text, so reordering the file keeps what people have seen
    category: str
    text: str
    fields: tuple[str, ...]

    def render(self, facts: Facts, units: Units, lang: str = DEFAULT) -> str | None:
        """The message with its placeholders filled, or None when one has no value now."""
        values: dict[str, str] = {}
        for field in self.fields:
            value = PLACEHOLDERS[field].render(facts, units, lang)
            if value is None:
                return None
            values[field] = value
        return self.text.format_map(values)


@dataclass(frozen=True)
class Library:
    path: Path
    categories: dict[str, tuple[Message, ...]]
    about: dict[str, str]

    def __len__(self) -> int:
        return sum(len(messages) for messages in self.categories.values())

    def messages(self) -> list[Message]:
        return [m for messages in self.categories.values() for m in messages]


def message_id(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def load_library(path: Path) -> tuple[Library | None, list[Problem]]:
    data, problems = read_toml(path)
    if data is None:
        return None, problems
    categories: dict[str, tuple[Message, ...]] = {}
    about: dict[str, str] = {}
    seen: dict[str, str] = {}  # message id -> where it first appeared
    for category, table in data.items():
        where = f'category "{category}"'
        if not isinstance(table, dict):
            problems.append(Problem(path, where, "must be a table: [name] with messages = [...]"))
            continue
        if not CATEGORY_NAME.fullmatch(category):
            problems.append(Problem(path, where, "name must be lower_case letters, 1-40 long"))
        for key in sorted(set(table) - {"about", "messages"}):
            problems.append(Problem(path, where, f'unknown key "{key}"{suggest(key, ["about"])}'))
        texts = table.get("messages")
        if not isinstance(texts, list) or not texts:
            problems.append(Problem(path, where, "needs messages = [ ... ] with at least one"))
            continue
        about[category] = str(table.get("about", ""))
        messages = []
        for number, text in enumerate(texts, start=1):
            here = f"{where}, message {number}"
            message, found = _message(path, here, category, text)
            problems += found
            if message is None:
                continue
            if message.id in seen:
                problems.append(Problem(path, here, f"repeats {seen[message.id]}"))
                continue
            seen[message.id] = here
            messages.append(message)
        categories[category] = tuple(messages)
    if problems:
        return None, problems
    return Library(path, categories, about), []


def _message(
    path: Path, where: str, category: str, text: object
) -> tuple[Message | None, list[Problem]]:
    if not isinstance(text, str) or not text.strip():
        return None, [Problem(path, where, "must be a non-empty string")]
    problems = []
    if len(text) > MAX_CHARS:
        problems.append(Problem(path, where, f"is {len(text)} characters; keep it to {MAX_CHARS}"))
    fields: list[str] = []
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        return None, [*problems, Problem(path, where, f"bad braces: {exc} (write {{name}})")]
    literal = "".join(part[0] for part in parts)
    for mark in MARKUP:
        if mark in literal:
            shown = "a line break" if mark == "\n" else f'"{mark}"'
            problems.append(Problem(path, where, f"contains {shown}, which would break markup"))
    for _, field, spec, conversion in parts:
        if field is None:
            continue
        if spec or conversion or not field.isidentifier():
            problems.append(
                Problem(path, where, f'placeholder "{{{field}}}" must be a plain name: {{name}}')
            )
        elif field not in PLACEHOLDERS:
            hint = suggest(field, PLACEHOLDERS)
            problems.append(
                Problem(path, where, f'placeholder "{{{field}}}" is not filled by any fact{hint}')
            )
        elif field not in fields:
            fields.append(field)
    if problems:
        return None, problems
    return Message(message_id(text), category, text, tuple(fields)), []


# --- choosing ---------------------------------------------------------------------------


def avoided(messages: Sequence[Message], recent: Sequence[Shown], now: datetime) -> set[str]:
    """The ids not to show now: those shown within seven days, and the last ten shown (or
    as many as the category can spare while keeping one to show, so a category of two
    alternates)."""
    since = now.timestamp() - NO_REPEAT_DAYS * DAY_S
    avoid = {shown[0] for shown in recent if shown[1] > since}
    keep = min(NO_REPEAT, len(messages) - 1)
    if keep > 0:
        avoid.update(shown[0] for shown in recent[-keep:])
    return avoid


def choose(
    messages: Sequence[Message],
    recent: Sequence[Shown],
    facts: Facts,
    units: Units,
    rng: random.Random,
    now: datetime,
    *,
    stale: bool = True,
    lang: str = DEFAULT,
) -> tuple[Message, str] | None:
    """A fresh message that renders now, with its text; a stale one only when no fresh one
    renders (the least recently shown first), and only if `stale`; None when nothing renders.

    Fresh messages are drawn at random one at a time until one renders, which picks as a
    shuffle would without shuffling the whole category for every line of a fan-out."""
    avoid = avoided(messages, recent, now)
    fresh = [m for m in messages if m.id not in avoid]
    while fresh:
        message = fresh.pop(rng.randrange(len(fresh)))
        text = message.render(facts, units, lang)
        if text is not None:
            return message, text
    if not stale:
        return None
    order = {shown[0]: i for i, shown in enumerate(recent)}
    for message in sorted((m for m in messages if m.id in avoid), key=lambda m: order[m.id]):
        text = message.render(facts, units, lang)
        if text is not None:
            return message, text
    return None


def remember(recent: Sequence[Shown], shown: str, now: datetime, day: str) -> list[Shown]:
    """`recent` with `shown` added as the newest: what fell out of `REMEMBER_DAYS` goes,
    though the last ten always stay, and never more than `MAX_REMEMBERED`."""
    at = int(now.timestamp())
    kept = [*[s for s in recent if s[0] != shown], (shown, at, day)]
    since = at - REMEMBER_DAYS * DAY_S
    cut = len(kept) - NO_REPEAT
    kept = [s for i, s in enumerate(kept) if i >= cut or s[1] > since]
    return kept[-MAX_REMEMBERED:]
