"""Reading clock times, weekdays, durations and windows from what people type, for reminders
and the nudge options (/quiet, /snooze, /pause). Errors are `ParseError`s with an example."""

from __future__ import annotations

import math
import re
from datetime import timedelta

from bot.i18n.catalogs import N_
from bot.i18n.told import Said
from bot.reading.parsing import ParseError
from bot.reminders.scheduling import EVERY_DAY, WEEKDAYS, Schedule

REMIND_EXAMPLES = (
    "/remind water every 2h 09:00-21:00",
    "/remind run mon wed fri 07:00",
    "/remind strength tue thu 18:30",
)
MIN_EVERY_MINUTES = 30
MAX_EVERY_MINUTES = 12 * 60
DEFAULT_WINDOW = (9 * 60, 21 * 60)

_CLOCK = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?(am|pm)?$")
_WINDOW = re.compile(r"^(.+?)\s*[-–—]\s*(.+)$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
_DURATION_UNITS = {
    "m": 1,
    "min": 1,
    "mins": 1,
    "minute": 1,
    "minutes": 1,
    "h": 60,
    "hr": 60,
    "hrs": 60,
    "hour": 60,
    "hours": 60,
    "d": 1440,
    "day": 1440,
    "days": 1440,
    "w": 10080,
    "wk": 10080,
    "wks": 10080,
    "week": 10080,
    "weeks": 10080,
}
_DAY_NAMES = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{
        full: i
        for i, full in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    **{"tues": 1, "weds": 2, "thur": 3, "thurs": 3},
}
_DAY_GROUPS = {
    "daily": EVERY_DAY,
    "everyday": EVERY_DAY,
    "weekdays": frozenset(range(5)),
    "weekday": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
    "weekend": frozenset({5, 6}),
}
_GLUE = re.compile(r"(\d(?:\.\d+)?)\s+(am|pm|m|min|mins|minutes?|h|hrs?|hours?)\b", re.IGNORECASE)


def clock_minutes(token: str) -> int | None:
    """'07:00', '7:30', '18h30', '7am', '6:30pm' -> minutes after midnight; None if not a
    time. A bare number is not a time ('7' could be anything)."""
    m = _CLOCK.match(token.strip().lower())
    if not m or (m.group(2) is None and m.group(3) is None):
        return None
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return hour * 60 + minute


def window(text: str, example: str | Said) -> tuple[int, int]:
    """'22:00-07:00' -> (1320, 420). May wrap midnight; the caller decides if that is fine."""
    m = _WINDOW.match(text.strip())
    start = clock_minutes(m.group(1)) if m else None
    end = clock_minutes(m.group(2)) if m else None
    if start is None or end is None:
        raise ParseError(
            N_("I couldn't read {text} as two times. Try {example}"),
            text=repr(text.strip()),
            example=example,
        )
    if start == end:
        raise ParseError(
            N_("That window starts and ends at the same time. Try {example}"), example=example
        )
    return start, end


def duration(
    text: str, example: str | Said, *, longest: timedelta, too_long: str | Said
) -> timedelta:
    """'2h', '90m', '1h30m', '1.5 hours', '3d', '2w' -> a timedelta of at most `longest`.

    Anything longer gets `too_long` (with the example), however many digits it has: the
    sum is checked as a float before a timedelta is made, which could not hold it."""
    compact = text.strip().lower()
    parts = _DURATION_PART.findall(compact)
    leftover = _DURATION_PART.sub("", compact).strip()
    if not parts or leftover:
        raise ParseError(
            N_("I couldn't read {text} as a length of time. Try {example}"),
            text=repr(text.strip()),
            example=example,
        )
    minutes = 0.0
    for amount, unit in parts:
        if unit not in _DURATION_UNITS:
            raise ParseError(
                N_("I don't know the unit {unit}. Try {example}"), unit=repr(unit), example=example
            )
        minutes += float(amount) * _DURATION_UNITS[unit]
    if not math.isfinite(minutes) or minutes > longest.total_seconds() / 60:
        raise ParseError(N_("{too_long} Try {example}"), too_long=too_long, example=example)
    if minutes < 1:
        raise ParseError(N_("That is less than a minute. Try {example}"), example=example)
    return timedelta(minutes=round(minutes))


def weekdays(token: str) -> frozenset[int] | None:
    """'mon', 'monday', 'mon-fri', 'mon,wed,fri', 'weekdays', 'daily' -> weekday numbers."""
    low = token.lower().strip(",")
    if low in _DAY_GROUPS:
        return _DAY_GROUPS[low]
    if "," in low:
        found = [weekdays(part) for part in low.split(",") if part]
        known = [f for f in found if f is not None]
        if not found or len(known) < len(found):
            return None
        return frozenset[int]().union(*known)
    if "-" in low:
        first, _, last = low.partition("-")
        if first in _DAY_NAMES and last in _DAY_NAMES:
            a, b = _DAY_NAMES[first], _DAY_NAMES[last]
            return frozenset((a + i) % 7 for i in range((b - a) % 7 + 1))
        return None
    return frozenset({_DAY_NAMES[low]}) if low in _DAY_NAMES else None


def schedule(text: str) -> Schedule:
    """The schedule part of /remind: '[days] <time>' or 'every <interval> [window] [days]'."""
    example = Said(N_("{first} or {second}"), first=REMIND_EXAMPLES[0], second=REMIND_EXAMPLES[1])
    words = _GLUE.sub(r"\1\2", re.sub(r"\s*[-–—]\s*", "-", text.strip())).split()
    days: set[int] = set()
    at: int | None = None
    every: int | None = None
    span: tuple[int, int] | None = None
    i = 0
    while i < len(words):
        word = words[i]
        low = word.lower()
        if low == "every" and i + 1 < len(words):
            following = words[i + 1].lower()
            if re.fullmatch(r"\d+(?:\.\d+)?", following) and i + 2 < len(words):
                following += words[i + 2].lower()  # "every 2 hours", unit apart
                i += 1
            if following == "day":
                days |= EVERY_DAY
            elif (found := weekdays(following)) is not None:
                days |= found
            else:
                every = _interval(following, example)
            i += 2
            continue
        if low in ("at", "on", "and", "from", "between"):
            i += 1
            continue
        if (found := weekdays(low)) is not None:
            days |= found
        elif (minute := clock_minutes(low)) is not None:
            if at is not None:
                raise ParseError(
                    N_(
                        "One time per reminder, please: add a second reminder for {time}. "
                        "Try {example}"
                    ),
                    time=word,
                    example=example,
                )
            at = minute
        elif "-" in low and _WINDOW.match(low):
            span = window(low, "/remind water every 2h 09:00-21:00")
        elif _CLOCK.match(low) and (":" in low or low.endswith(("am", "pm"))):
            raise ParseError(
                N_("{word} isn't a time of day. Try {example}"), word=word, example=example
            )
        else:
            raise ParseError(
                N_("I couldn't read {word}. Try {example}"), word=repr(word), example=example
            )
        i += 1
    return _assemble(frozenset(days) or EVERY_DAY, at, every, span, example)


def _interval(token: str, example: str | Said) -> int:
    too_often = Said(
        N_("Reminders can repeat every {least} min to every {most} h."),
        least=MIN_EVERY_MINUTES,
        most=MAX_EVERY_MINUTES // 60,
    )
    length = duration(
        token,
        "/remind water every 2h 09:00-21:00",
        longest=timedelta(minutes=MAX_EVERY_MINUTES),
        too_long=too_often,
    )
    minutes = int(length.total_seconds() // 60)
    if minutes < MIN_EVERY_MINUTES:
        raise ParseError(N_("{too_long} Try {example}"), too_long=too_often, example=example)
    return minutes


def _assemble(
    days: frozenset[int],
    at: int | None,
    every: int | None,
    span: tuple[int, int] | None,
    example: str | Said,
) -> Schedule:
    if every is not None:
        if at is not None:
            raise ParseError(
                N_(
                    "Give either a time or 'every …', not both. Try "
                    "/remind water every 2h 09:00-21:00 or /remind run 07:00"
                )
            )
        start, end = span or DEFAULT_WINDOW
        if start >= end:
            raise ParseError(
                N_(
                    "The window has to start and end on the same day, e.g. 09:00-21:00. "
                    "Try /remind water every 2h 09:00-21:00"
                )
            )
        return Schedule(days=days, every=every, window=(start, end))
    if span is not None:
        raise ParseError(
            N_(
                "A window goes with 'every …'. Try /remind water every 2h 09:00-21:00 "
                "or give one time: /remind run 07:00"
            )
        )
    if at is None:
        raise ParseError(N_("Add a time, like 07:00 or 6:30pm. Try {example}"), example=example)
    return Schedule(days=days, at=at)
