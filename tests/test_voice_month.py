"""A simulated month of the voice, as two people would live it: a heavy logger (a run and
forty glasses of water every day) and a light one (a run every few days, a week's break).

Each row of the table is a log with the local day and time it was sent and the line it must
get: a moment's category (welcome, comeback, record, streak milestone, goal reached) always
comes; the rest may carry a generic line (patience, consistency) or, past the day's three,
none. Over the month: at most three generic lines a local day, and no generic line twice in
any seven days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support import Chat
from tests.voice_lines import category_of, line_of

GENERIC = {"patience", "consistency"}
ANY = "any"  # no moment is due: a generic line, another tip, or none
ZONE = ZoneInfo("America/New_York")  # local days end at 05:00 UTC, not at midnight
START = date(2026, 11, 3)  # a Tuesday


@dataclass(frozen=True)
class Log:
    day: int  # days after START
    at: time  # local time
    text: str
    expect: str = ANY  # the category that must be said, or ANY


def heavy_month() -> list[Log]:
    logs = []
    for day in range(30):
        run = "/run 8k 48:00" if day == 9 else "/run 5k 30:00"
        moment = {0: "welcome", 2: "streak_milestone", 6: "streak_milestone"}
        moment |= {9: "record", 13: "streak_milestone", 29: "streak_milestone"}
        logs.append(Log(day, time(7, 0), run, moment.get(day, ANY)))
        for glass in range(40):  # 08:00, every 15 minutes to 17:45 ...
            minutes = 8 * 60 + 15 * glass if glass < 39 else 22 * 60 + 30  # ... and 22:30
            at = time(minutes // 60, minutes % 60)
            logs.append(Log(day, at, "/water 100ml", "goal_reached" if glass == 19 else ANY))
    return logs


def light_month() -> list[Log]:
    logs = []
    for day in (0, 3, 6, 9, 15, 18, 21, 24, 27):
        run = "/run 7k 42:00" if day == 18 else "/run 5k 30:00"
        expect = {0: "welcome", 15: "comeback", 18: "record"}.get(day, ANY)
        logs.append(Log(day, time(18, 30), run, expect))
        logs.append(Log(day, time(19, 0), "/water 500ml"))
    return logs


MONTHS = {"heavy": heavy_month, "light": light_month}


@pytest.mark.parametrize("who", sorted(MONTHS))
def test_a_month_of_the_voice(make_core, any_db_url, clock, who: str) -> None:
    chat = Chat(make_core(any_db_url))
    chat.core.services.voice.rng.seed(11)
    clock.set(datetime.combine(START, time(6, 0), ZONE).astimezone(UTC))
    chat.say("/tz America/New_York")
    chat.say("/goal water 2l/day")
    generic: list[tuple[datetime, date, str]] = []  # (sent at, local day, line)
    for log in MONTHS[who]():
        local = datetime.combine(START + timedelta(days=log.day), log.at, ZONE)
        clock.set(local.astimezone(UTC))
        reply = chat.say(log.text)
        assert reply.startswith("✅ Logged"), reply
        line = line_of(reply)
        category = category_of(line)
        assert (line is None) == (category is None), f"a line from no category: {line!r}"
        where = f"day {log.day} {log.at} {log.text}"
        if log.expect != ANY:
            assert category == log.expect, f"{where}: {category} instead of {log.expect}"
        if category in GENERIC:
            assert line is not None
            generic.append((local, local.date(), line))
        if who == "light":
            assert line is not None, f"{where}: a light logger hears the voice every time"

    per_day: dict[date, int] = {}
    for _, day, _ in generic:
        per_day[day] = per_day.get(day, 0) + 1
    assert max(per_day.values()) <= 3
    if who == "heavy":  # forty logs a day: the voice still speaks, three times, every day
        assert sorted(per_day.values()) == [3] * 30
    for i, (at, _, line) in enumerate(generic):
        again = [b for b, _, other in generic[i + 1 :] if other == line]
        assert all(b - at >= timedelta(days=7) for b in again), f"{line!r} again within 7 days"
