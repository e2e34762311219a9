"""Turn what people type into typed values: "5k 28:30", "3x10 squats 40kg", "2 glasses".

Quantities go through pint (bot.reading.units); this module only splits text into tokens and
decides which token is a distance, a time, a weight or a volume.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain import GoalSpec, Kind, NewEntry, Period, RunValue, StrengthValue, WaterValue
from bot.i18n.catalogs import N_
from bot.i18n.told import Said, Told
from bot.reading.units import NotAQuantity, quantity
from bot.settings import Limits


class ParseError(Told, ValueError):
    """A friendly explanation of what was wrong, shown to the user in their language: an
    English msgid marked with `N_` and its named params (`Told`)."""


# Words that name a unit, so "5 km" and "28 min" can be glued into one token.
_UNIT_WORDS = (
    "km|k|kms|kilometers?|kilometres?|mi|miles?|m|meters?|metres?|"
    "h|hrs?|hours?|min|mins|minutes?|s|sec|secs|seconds?|"
    "ml|l|litres?|liters?|cl|dl|oz|fl\\s?oz|cups?|glass|glasses|"
    "kg|kgs|lb|lbs|pounds?"
)
_GLUE = re.compile(rf"(\d(?:[.,]\d+)?)\s+({_UNIT_WORDS})\b", re.IGNORECASE)
_DECIMAL_COMMA = re.compile(r"(\d),(\d)")
_CLOCK = re.compile(r"^(?:(\d{1,2}):)?(\d{1,3}):(\d{2})$", re.ASCII)
_HMS = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?:in)?)?(?:(\d+)s)?$", re.ASCII)
_SETS = re.compile(r"^(\d{1,9})\s*[x×*]\s*(\d{1,9})$", re.IGNORECASE | re.ASCII)
# Timed sets: "3x60s", "3x1min", "4x30sec"
_TIMED_SETS = re.compile(
    r"^(\d{1,4})[x×*](\d{1,5}(?:\.\d{1,3})?)(s|sec|secs|seconds?|min|mins|minutes?)$",
    re.IGNORECASE | re.ASCII,
)
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$", re.ASCII)
_EXERCISE_WORD = re.compile(r"[^\W\d_][\w'-]*")
# Sums, powers, e-notation and bracketed arithmetic: figures are plain numbers with a unit,
# so a word like these is refused rather than read (or kept as a note).
_ARITHMETIC = re.compile(r"\*\*|\^|\d[eE][-+]?\d|[(\[{]\s*[-+.]?\d[\d.,]*\s*[-+*/^×÷%]", re.ASCII)
_WORD_NUMBERS = {
    "a": 1.0,
    "an": 1.0,
    "one": 1.0,
    "two": 2.0,
    "three": 3.0,
    "four": 4.0,
    "half": 0.5,
}


@dataclass(frozen=True)
class DatedText:
    text: str
    on_date: date | None


def normalise(text: str) -> str:
    text = _DECIMAL_COMMA.sub(r"\1.\2", text.strip())
    text = re.sub(r"(\d)\s*[x×]\s*(\d)", r"\1x\2", text)
    return _GLUE.sub(lambda m: m.group(1) + m.group(2).replace(" ", ""), text)


def is_arithmetic(text: str) -> bool:
    return _ARITHMETIC.search(text) is not None


def refuse_arithmetic(text: str, example: str | Said) -> None:
    """A figure written as arithmetic ("9**9**9", "1e309km", "(5-3)km") gets a friendly
    error naming the word, instead of being half read."""
    if m := _ARITHMETIC.search(text):
        start = text.rfind(" ", 0, m.start()) + 1
        end = text.find(" ", m.end())
        word = text[start : end if end >= 0 else len(text)][:40]
        raise ParseError(
            N_(
                "I read plain numbers with a unit, like 5k or 500ml, not sums or powers like "
                "{word}. {example}"
            ),
            word=repr(word),
            example=example,
        )


def split_date(text: str, today: date, limits: Limits) -> DatedText:
    """Take a trailing 'yesterday', 'today' or ISO date off the text."""
    words = text.split()
    if not words:
        return DatedText(text, None)
    last = words[-1].lower()
    if last == "tomorrow":
        raise ParseError(
            N_(
                "I log what's done, not what's planned: log it once it's done, or name a past "
                "day, like /run 5k 28:30 yesterday."
            )
        )
    if last in ("yesterday", "today"):
        on = today - timedelta(days=1) if last == "yesterday" else today
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", last):
        try:
            on = date.fromisoformat(last)
        except ValueError:
            raise ParseError(
                N_("{day} is not a date I know. Dates look like 2026-11-20."), day=last
            ) from None
    else:
        return DatedText(text, None)
    if on > today:
        raise ParseError(
            N_(
                "That date is in the future: log it once it's done, or give a past date, like "
                "/run 5k 28:30 yesterday or /water 500ml 2026-11-20."
            )
        )
    if (today - on).days > limits.max_days_back:
        raise ParseError(
            N_("That is more than {days} days ago: pick a later date."), days=limits.max_days_back
        )
    return DatedText(" ".join(words[:-1]), on)


def _token_seconds(token: str) -> float | None:
    if m := _CLOCK.match(token):
        h, mi, s = (int(g) if g else 0 for g in m.groups())
        if s >= 60 or (m.group(1) and mi >= 60):
            return None
        return h * 3600 + mi * 60 + s
    low = token.lower()
    if (m := _HMS.match(low)) and any(m.groups()) and not _NUMBER.match(low):
        hours, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
        return hours * 3600 + minutes * 60 + seconds
    if low.endswith("m") and _NUMBER.match(low[:-1]):
        return None  # "400m" is a distance, not minutes
    try:
        return quantity(low, "time")
    except NotAQuantity:
        return None


def _token_metres(token: str) -> float | None:
    low = token.lower()
    if low.endswith("k") and _NUMBER.match(low[:-1]):
        low = low + "m"
    if low.endswith("kms"):
        low = low[:-1]
    try:
        return quantity(low, "length")
    except NotAQuantity:
        return None


def _token_kg(token: str) -> float | None:
    low = (
        token.lower().removesuffix("s") if token.lower().endswith(("kgs", "lbs")) else token.lower()
    )
    try:
        return quantity(low, "mass")
    except NotAQuantity:
        return None


_MORE_THAN_ZERO = {
    "distance": N_("The distance has to be more than zero."),
    "amount": N_("The amount has to be more than zero."),
}


def _signed_error(token: str, what: str) -> None:
    if re.match(r"-\d", token):
        raise ParseError(_MORE_THAN_ZERO[what])


# The checks every stored figure passes, from a command or from /import: finite, above
# zero and within the plausible bounds. Each comparison is written so that NaN fails it.


def check_run(
    distance_m: float, duration_s: float | None, limits: Limits, example: str | Said
) -> None:
    if not distance_m > 0:
        raise ParseError(N_("The distance has to be more than zero. {example}"), example=example)
    if not (math.isfinite(distance_m) and distance_m <= limits.max_run_km * 1000):
        raise ParseError(
            N_("More than {km} km in one run is more than I can believe. {example}"),
            km=f"{limits.max_run_km:g}",
            example=example,
        )
    if duration_s is not None:
        if not duration_s > 0:
            raise ParseError(N_("The time has to be more than zero. {example}"), example=example)
        if not (math.isfinite(duration_s) and duration_s <= limits.max_run_hours * 3600):
            raise ParseError(
                N_("That run is longer than {hours} hours. {example}"),
                hours=f"{limits.max_run_hours:g}",
                example=example,
            )
        if not duration_s / (distance_m / 1000) >= limits.min_run_pace_s_per_km:
            raise ParseError(
                N_("That pace would beat the world record. Check the time? {example}"),
                example=example,
            )


def check_strength(value: StrengthValue, limits: Limits, example: str | Said) -> None:
    exercise, sets, reps = value.exercise, value.sets, value.reps
    if exercise is not None and not is_exercise(exercise):
        raise ParseError(
            N_(
                "{name} isn't an exercise name I can keep: use words of letters, ' and -. {example}"
            ),
            name=repr(exercise[:40]),
            example=example,
        )
    if exercise and len(exercise) > 40:
        raise ParseError(
            N_("That exercise name is long; keep it under 40 characters. {example}"),
            example=example,
        )
    if not (exercise or sets or value.duration_s):
        raise ParseError(N_("Tell me what you did. {example}"), example=example)
    if value.set_s is not None:
        if not (
            sets is not None
            and reps is None
            and 0 < sets <= limits.max_sets
            and 0 < value.set_s * sets <= limits.max_strength_minutes * 60
        ):
            raise ParseError(
                N_("{sets} sets of {seconds} s doesn't look right. {example}"),
                sets=sets,
                seconds=f"{value.set_s:g}",
                example=example,
            )
    elif (sets is not None or reps is not None) and not (
        sets is not None
        and reps is not None
        and 0 < sets <= limits.max_sets
        and 0 < reps <= limits.max_reps
    ):
        raise ParseError(
            N_("{sets}x{reps} doesn't look right. {example}"), sets=sets, reps=reps, example=example
        )
    if value.weight_kg is not None and not (0 < value.weight_kg <= limits.max_weight_kg):
        raise ParseError(N_("That weight doesn't look right. {example}"), example=example)
    if value.duration_s is not None and not (
        0 < value.duration_s <= limits.max_strength_minutes * 60
    ):
        raise ParseError(N_("That session length doesn't look right. {example}"), example=example)


def check_water(volume_ml: float, limits: Limits, example: str | Said) -> None:
    if not volume_ml > 0:
        raise ParseError(N_("The amount has to be more than zero. {example}"), example=example)
    if not (math.isfinite(volume_ml) and volume_ml <= limits.max_water_ml):
        raise ParseError(
            N_("That's more water than anyone should drink at once. {example}"), example=example
        )


def is_exercise(name: str) -> bool:
    """A name /strength keeps: lower-case words of letters (with ' and -), single spaces."""
    words = name.split(" ")
    return name == name.lower() and all(_EXERCISE_WORD.fullmatch(w) for w in words)


def parse_run(text: str, limits: Limits) -> NewEntry:
    example = Said(N_("Try: /run 5k 28:30, /run 3.1mi 31min easy or /run 10km 1:02:10"))
    refuse_arithmetic(text, example)
    distance_m: float | None = None
    duration_s: float | None = None
    note_words: list[str] = []
    for token in normalise(text).split():
        if distance_m is None and (d := _token_metres(token)) is not None:
            distance_m = d
            continue
        if duration_s is None and (t := _token_seconds(token)) is not None:
            duration_s = t
            continue
        _signed_error(token, "distance")
        note_words.append(token)
    if distance_m is None:
        raise ParseError(N_("I couldn't find a distance in that. {example}"), example=example)
    check_run(distance_m, duration_s, limits, example)
    return NewEntry(Kind.RUN, RunValue(distance_m, duration_s), _note(note_words, limits))


def parse_strength(text: str, limits: Limits) -> NewEntry:
    example = Said(N_("Try: /strength squats 3x10 40kg, /strength plank 3x60s or /strength 30min"))
    refuse_arithmetic(text, example)
    sets = reps = None
    weight_kg = duration_s = set_s = None
    words: list[str] = []
    for token in normalise(text).split():
        if sets is None and (m := _SETS.match(token)):
            sets, reps = int(m.group(1)), int(m.group(2))
        elif sets is None and (m := _TIMED_SETS.match(token)):
            sets = int(m.group(1))
            set_s = quantity(f"{m.group(2)}{m.group(3).lower()}", "time")
        elif weight_kg is None and (w := _token_kg(token)) is not None:
            weight_kg = w
        elif duration_s is None and not _NUMBER.match(token) and (t := _token_seconds(token)):
            duration_s = t
        elif sets is None and token.isascii() and token.isdigit() and len(token) < 10:
            sets, reps = 1, int(token)
        else:
            _signed_error(token, "amount")
            words.append(token)
    exercise = " ".join(w for w in words if _EXERCISE_WORD.fullmatch(w)).lower() or None
    leftovers = [w for w in words if not _EXERCISE_WORD.fullmatch(w)]
    if leftovers:
        raise ParseError(
            N_("I couldn't read {word}. {example}"), word=repr(leftovers[0]), example=example
        )
    value = StrengthValue(exercise, sets, reps, weight_kg, duration_s, set_s)
    check_strength(value, limits, example)
    return NewEntry(Kind.STRENGTH, value)


def parse_water(text: str, limits: Limits, glass_ml: float) -> NewEntry:
    example = Said(N_("Try: /water 500ml, /water 16oz or /water 2 glasses"))
    refuse_arithmetic(text, example)
    low = normalise(text.lower())
    low = re.sub(r"\bhalf an?\s+", "0.5 ", low)
    low = re.sub(
        r"\b(a|an|one|two|three|four)\s+(glass|glasses|bottle|cup|litre|liter|l)\b",
        lambda m: f"{_WORD_NUMBERS[m.group(1)]:g}{m.group(2)}",
        low,
    )
    low = _GLUE.sub(lambda m: m.group(1) + m.group(2), low)
    volume_ml: float | None = None
    for token in low.split():
        if token in ("glass", "glasses"):
            token = "1glass"
        if m := re.fullmatch(r"(-?\d+(?:\.\d+)?)(glass|glasses)", token):
            volume_ml = float(m.group(1)) * glass_ml
            break
        if m := re.fullmatch(r"(-?\d+(?:\.\d+)?)(fl ?oz|oz)", token):
            token = f"{m.group(1)}fluid_ounce"
        try:
            volume_ml = quantity(token, "volume")
            break
        except NotAQuantity:
            continue
    if volume_ml is None:
        raise ParseError(
            N_("I couldn't find an amount of water in that. {example}"), example=example
        )
    check_water(volume_ml, limits, example)
    return NewEntry(Kind.WATER, WaterValue(volume_ml))


# Each sentence whole, so a language can put the period's words where they belong.
_GOAL_AT_MOST = {
    (Kind.RUN, Period.DAY): N_("A run goal can be up to {most} a day. {example}"),
    (Kind.RUN, Period.WEEK): N_("A run goal can be up to {most} a week. {example}"),
    (Kind.WATER, Period.DAY): N_("A water goal can be up to {most} a day. {example}"),
    (Kind.WATER, Period.WEEK): N_("A water goal can be up to {most} a week. {example}"),
}


def parse_goal(text: str, limits: Limits) -> GoalSpec:
    """A goal's amount is bounded by what one could log in its period: runs up to
    `max_run_km` a day, water up to `max_water_day_ml` a day."""
    example = Said(N_("Try: /goal run 15km/week, /goal strength 3/week or /goal water 2l/day"))
    refuse_arithmetic(text, example)
    m = re.fullmatch(
        r"\s*(run|strength|water)\s+(.+?)\s*(?:/|per\s+|a\s+)\s*(day|week)\s*", text.lower()
    )
    if not m:
        raise ParseError(example)
    kind, amount_text, period = (
        Kind(m.group(1)),
        normalise(m.group(2)).replace(" ", ""),
        Period(m.group(3)),
    )
    if _NUMBER.match(amount_text) or re.fullmatch(r"\d+(runs?|sessions?|times?|x)", amount_text):
        leading = re.match(r"\d+(?:\.\d+)?", amount_text)
        assert leading is not None  # both tests above begin with digits
        count = float(leading.group())
        if kind is Kind.WATER or not 0 < count <= 50:
            raise ParseError(example)
        return GoalSpec(kind, count, period, counts_sessions=True)
    dimension = {Kind.RUN: "length", Kind.WATER: "volume"}.get(kind)
    if dimension is None:
        raise ParseError(N_("Strength goals count sessions. {example}"), example=example)
    token = amount_text
    if dimension == "length" and token.endswith("k"):
        token += "m"
    if dimension == "volume" and token.endswith("oz"):
        token = token.removesuffix("floz").removesuffix("oz") + "fluid_ounce"
    try:
        amount = quantity(token, dimension)
    except NotAQuantity:
        raise ParseError(example) from None
    if not (math.isfinite(amount) and amount > 0):
        raise ParseError(example)
    days = 7 if period is Period.WEEK else 1
    most = (limits.max_run_km * 1000 if kind is Kind.RUN else limits.max_water_day_ml) * days
    if amount > most:
        shown = f"{most / 1000:g} km" if kind is Kind.RUN else f"{most / 1000:g} l"
        raise ParseError(_GOAL_AT_MOST[kind, period], most=shown, example=example)
    return GoalSpec(kind, amount, period, counts_sessions=False)


def _note(words: list[str], limits: Limits) -> str | None:
    note = " ".join(words).strip()
    check_note(note, limits, Said(N_("Try a short one: /run 5k 28:30 easy")))
    return note or None


def check_note(note: str, limits: Limits, example: str | Said) -> None:
    if len(note) > limits.max_note_chars:
        raise ParseError(
            N_("Notes can be up to {most} characters; that one is {length}. {example}"),
            most=limits.max_note_chars,
            length=len(note),
            example=example,
        )
