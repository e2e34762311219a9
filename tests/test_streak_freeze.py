"""The streak freeze, against calendars worked out by hand.

Each calendar runs Monday to Sunday, one week a line, from its first Monday. A day is:

    x  something logged                 .  nothing logged (a rest day, or a break)
    f  paused, nothing logged: frozen   p  paused, nothing logged, past the cap: a normal day
    P  paused, and something logged     T  today, nothing logged yet (the last day)

A run of f/p/P is one pause. The person lives it through the console: /pause on its first
day (at 09:00 local unless the calendar says otherwise) and /resume on the day after it
(08:00), or /pause <n>d for a timed one; a pause that runs into today is still on. On x
and P days they log a run at 12:00. Then /streak is asked, and the freeze is checked day by
day: the f days froze and the p days did not.

The rules (bot/progress/freeze.py): frozen days are cut out of the calendar, so they
neither count nor break a streak, and the one-rest-day-in-seven rule counts unfrozen days;
at most 30 days freeze in any 90 consecutive days, the earliest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.progress.freeze import PausedSpan, freeze
from bot.progress.stats import streaks
from tests.support import Chat


@dataclass(frozen=True)
class Fixture:
    start: date  # a Monday
    weeks: str
    current: str  # /streak's first line
    longest: int
    timed: bool = False  # /pause <n>d rather than /pause ... /resume
    tz: str = "UTC"
    pause_at: time = time(9, 0)

    @property
    def days(self) -> list[tuple[date, str]]:
        marks = [m for line in self.weeks.splitlines() for m in line.split("|")[0].split()]
        assert self.start.weekday() == 0 and marks[-1] == "T"
        return [(self.start + timedelta(days=i), m) for i, m in enumerate(marks)]

    @property
    def today(self) -> date:
        return self.days[-1][0]

    @property
    def active(self) -> list[date]:
        return [d for d, m in self.days if m in "xP"]

    def pauses(self) -> list[tuple[date, int]]:
        """(first day, length in days) of each run of paused days."""
        runs: list[tuple[date, int]] = []
        previous = ""
        for day, mark in self.days:
            if mark in "fpP":
                if previous in "fpP" and previous:
                    first, n = runs[-1]
                    runs[-1] = (first, n + 1)
                else:
                    runs.append((day, 1))
            previous = mark
        return runs


FLU = Fixture(  # a week in bed with flu, in the middle of a streak
    start=date(2026, 11, 2),
    weeks="""
    x x x x x . x  | 2-8 Nov: one rest day, forgiven
    x x f f f f f  | 9-15: /pause 7d on Wednesday
    f f x x x x T  | 16-22: back on Wednesday
    """,
    # 2-21 Nov is 20 days; 7 frozen leave 13. Without the freeze, 7 empty days end it (4).
    current="🔥 Current streak: 13 days (7 days frozen while paused).",
    longest=13,
    timed=True,
)

LONGER_THAN_THE_CAP = Fixture(  # a 40-day pause: 30 freeze, the other 10 are normal days
    start=date(2026, 11, 2),
    weeks="""
    x x x x x x x  | 2-8 Nov
    f f f f f f f  | 9-15: /pause
    f f f f f f f  | 16-22
    f f f f f f f  | 23-29
    f f f f f f f  | 30 Nov-6 Dec: 28 frozen
    f f p p p p p  | 7-13: 30 frozen by 8 Dec; from 9 Dec the cap is reached
    p p p p p x x  | 14-20: /resume on Saturday
    x T            | 21-22
    """,
    # 9-18 Dec are ten empty normal days: the 7-day streak ended. Now 19-21 Dec.
    current="🔥 Current streak: 3 days.",
    longest=7,
)

TWO_PAUSES_OVER_THE_CAP = Fixture(  # 20 + 15 paused days within 90: the last 5 don't freeze
    start=date(2026, 11, 2),
    weeks="""
    x x x x x x x  | 2-8 Nov
    f f f f f f f  | 9-15: the first pause, 20 days
    f f f f f f f  | 16-22
    f f f f f f x  | 23-29: /resume on Sunday
    x x x x x x x  | 30 Nov-6 Dec
    x x x x x x x  | 7-13
    x x x x x x x  | 14-20
    f f f f f f f  | 21-27: the second pause, 15 days
    f f f p p p p  | 28 Dec-3 Jan: 20 + 10 frozen in the 90 days to 30 Dec; 31 Dec is past
    p x x x T      | 4-8 Jan: back on Tuesday
    """,
    # 2 Nov-20 Dec is 49 days, 20 frozen: 29. Five empty days (31 Dec-4 Jan) ended it.
    current="🔥 Current streak: 3 days.",
    longest=29,
)

HUNDRED_DAYS_APART = Fixture(  # two 25-day pauses, 100 days apart: 50 days, both freeze
    start=date(2026, 11, 2),
    weeks="""
    x x x x x x x  | 2-8 Nov
    f f f f f f f  | 9-15: the first pause, 25 days
    f f f f f f f  | 16-22
    f f f f f f f  | 23-29
    f f f f x x x  | 30 Nov-6 Dec: /resume on Friday 4 Dec
    x x x x x x x  | 7-13
    x x x x x x x  | 14-20
    x x x x x x x  | 21-27
    x x x x x x x  | 28 Dec-3 Jan
    x x x x x x x  | 4-10 Jan
    x x x x x x x  | 11-17
    x x x x x x x  | 18-24
    x x x x x x x  | 25-31
    x x x x x x x  | 1-7 Feb
    x x x x x x x  | 8-14
    x x f f f f f  | 15-21: the second pause from Wednesday 17 Feb, 100 days after 9 Nov
    f f f f f f f  | 22-28: the 90 days to any of its days hold at most 14 of the first's
    f f f f f f f  | 1-7 Mar
    f f f f f f x  | 8-14: /resume on Sunday
    x T            | 15-16
    """,
    # 2 Nov-15 Mar is 134 days; 50 frozen leave 84.
    current="🔥 Current streak: 84 days (50 days frozen while paused).",
    longest=84,
)

REST_DAYS_ON_BOTH_SIDES = Fixture(  # frozen days don't space rest days apart
    start=date(2026, 11, 2),
    weeks="""
    x x x x x x .  | 2-8 Nov: rest on Sunday
    f f f f f f f  | 9-15
    x x x . x x T  | 16-22: rest on Thursday, four unfrozen days after Sunday's
    """,
    # Two rests within seven unfrozen days: the streak 2-18 Nov (17 days, 7 frozen: 10)
    # ended on Thursday 19; a new one began on Friday.
    current="🔥 Current streak: 2 days.",
    longest=10,
)

REST_DAYS_SEVEN_APART = Fixture(  # a rest day seven unfrozen days after the last: forgiven
    start=date(2026, 11, 2),
    weeks="""
    x x x x x x .  | 2-8 Nov: rest on Sunday
    f f f f f f f  | 9-15
    x x x x x x .  | 16-22: rest on Sunday again
    x T            | 23-24
    """,
    # 2-23 Nov is 22 days, 7 frozen: 15.
    current="🔥 Current streak: 15 days (7 days frozen while paused).",
    longest=15,
)

OPEN_ENDED = Fixture(  # /pause with no length, still on today
    start=date(2026, 11, 2),
    weeks="""
    x x x x x x x  | 2-8 Nov
    x x f f f f f  | 9-15: /pause on Wednesday, no /resume yet
    f f f f f f T  | 16-22
    """,
    # 2-10 Nov: 9 days, held by the 11 frozen days since.
    current="🔥 Current streak: 9 days (11 days frozen while paused).",
    longest=9,
)

LATE_EVENING = Fixture(  # /pause 3d at 23:30 in New York: already the next day in UTC
    start=date(2026, 11, 2),
    weeks="""
    x x x x . x x  | 2-8 Nov: rest on Friday
    f f f x x x T  | 9-15: /pause 3d on Monday at 23:30 local, until Thursday 23:30
    """,
    # Monday is paused (the local day): no second rest day within seven. 2-14 Nov is 13
    # days, 3 frozen: 10. Counted in UTC, Monday would be a rest day and end it (3).
    current="🔥 Current streak: 10 days (3 days frozen while paused).",
    longest=10,
    timed=True,
    tz="America/New_York",
    pause_at=time(23, 30),
)

FIXTURES = {
    "flu": FLU,
    "longer_than_the_cap": LONGER_THAN_THE_CAP,
    "two_pauses_over_the_cap": TWO_PAUSES_OVER_THE_CAP,
    "hundred_days_apart": HUNDRED_DAYS_APART,
    "rest_days_on_both_sides": REST_DAYS_ON_BOTH_SIDES,
    "rest_days_seven_apart": REST_DAYS_SEVEN_APART,
    "open_ended": OPEN_ENDED,
    "late_evening": LATE_EVENING,
}


def at_local(clock, fixture: Fixture, day: date, when: time) -> None:
    local = datetime.combine(day, when, tzinfo=ZoneInfo(fixture.tz))
    clock.set(local.astimezone(UTC))


def live(chat: Chat, clock, fixture: Fixture) -> None:
    """The calendar as the person lives it, through the console."""
    at_local(clock, fixture, fixture.start - timedelta(days=1), time(12))
    chat.say(f"/tz {fixture.tz}")
    starts = dict(fixture.pauses())
    ends = {first + timedelta(days=n): n for first, n in starts.items()}
    for day, mark in fixture.days:
        if day in ends and not fixture.timed and mark != "T":
            at_local(clock, fixture, day, time(8))
            assert chat.say("/resume") == "▶️ Nudges are back on."
        if day in starts:
            at_local(clock, fixture, day, fixture.pause_at)
            reply = chat.say(f"/pause {starts[day]}d" if fixture.timed else "/pause")
            assert reply.startswith("⏸ Nudges paused until")
        if mark in "xP":
            at_local(clock, fixture, day, time(12))
            assert "Logged run" in chat.say("/run 1k")
    at_local(clock, fixture, fixture.today, time(20))


@pytest.mark.parametrize("name", FIXTURES)
def test_the_streak_freezes_as_worked_out_by_hand(name, chat, clock):
    fixture = FIXTURES[name]
    live(chat, clock, fixture)
    current, longest, then, *_ = chat.say("/streak").splitlines()
    assert current == fixture.current
    assert longest == f"Longest: {fixture.longest} days."
    if fixture is OPEN_ENDED:
        assert then == "⏸ You're paused: no nudges, and your streak is frozen until you /resume."
    else:
        assert then.startswith("A streak counts the days")

    spans = [PausedSpan(first, first + timedelta(days=n)) for first, n in fixture.pauses()]
    found = freeze(spans, set(fixture.active), fixture.today)
    assert sorted(found.frozen) == [d for d, m in fixture.days if m == "f"]
    assert sorted(found.past_cap) == [d for d, m in fixture.days if m == "p"]


@pytest.mark.parametrize("name", ["flu", "open_ended", "hundred_days_apart"])
def test_without_the_freeze_the_same_calendar_breaks_the_streak(name):
    """The fixtures above that keep a streak do it by the freeze alone."""
    fixture = FIXTURES[name]
    current, _ = streaks(fixture.active, fixture.today)
    frozen_current = int(fixture.current.split(": ")[1].split()[0])
    assert current.length < frozen_current
