"""Reminders fire at the person's local time, once a day, through spring-forward and fall-back
nights in several zones (APScheduler 3.11's CronTrigger alone fires twice, skips midnights and
can repeat itself; see bot/reminders/scheduling.py)."""

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from bot.reminders.scheduling import (
    EVERY_DAY,
    MAX_PROBES,
    Schedule,
    ScheduleError,
    first_fire_after,
    next_fire,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %z")


def fires(schedule: Schedule, zone: str, start: datetime, end: datetime) -> list[datetime]:
    found, moment = [], start
    while (moment := next_fire(schedule, zone, moment)) < end:
        found.append(moment)
    return found


def daily(at: str, days: frozenset[int] = EVERY_DAY) -> Schedule:
    hour, minute = map(int, at.split(":"))
    return Schedule(days=days, at=hour * 60 + minute)


def test_mon_wed_fri_at_seven_in_berlin():
    schedule = daily("07:00", frozenset({0, 2, 4}))
    got = fires(schedule, "Europe/Berlin", utc(2026, 11, 25, 6, 30), utc(2026, 12, 1))
    assert [local(f, "Europe/Berlin") for f in got] == [
        "2026-11-27 07:00 +0100",
        "2026-11-30 07:00 +0100",
    ]


def test_a_time_the_clocks_skip_fires_as_long_after_the_jump():
    # Berlin, 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
    got = fires(daily("02:30"), "Europe/Berlin", utc(2026, 3, 27, 12), utc(2026, 3, 31))
    assert [local(f, "Europe/Berlin") for f in got] == [
        "2026-03-28 02:30 +0100",
        "2026-03-29 03:30 +0200",
        "2026-03-30 02:30 +0200",
    ]


def test_a_time_the_clocks_pass_twice_fires_once():
    # Berlin, 25 October 2026: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
    got = fires(daily("02:30"), "Europe/Berlin", utc(2026, 10, 23, 12), utc(2026, 10, 27))
    assert [local(f, "Europe/Berlin") for f in got] == [
        "2026-10-24 02:30 +0200",
        "2026-10-25 02:30 +0200",
        "2026-10-26 02:30 +0100",
    ]


@pytest.mark.parametrize(
    ("zone", "night", "at"),
    [
        ("America/New_York", date(2026, 11, 1), "01:30"),
        ("Australia/Sydney", date(2026, 4, 5), "02:30"),
        ("Australia/Lord_Howe", date(2026, 4, 5), "01:45"),  # clocks go back 30 minutes
        ("America/Santiago", date(2026, 4, 4), "23:30"),  # back at midnight, to 23:00
    ],
)
def test_fall_back_nights_fire_once_in_other_zones(zone, night, at):
    start = datetime.combine(night - timedelta(days=1), datetime.min.time(), ZoneInfo(zone))
    got = fires(daily(at), zone, start.astimezone(UTC), start.astimezone(UTC) + timedelta(days=4))
    assert [f.astimezone(ZoneInfo(zone)).strftime("%d %H:%M") for f in got[:3]] == [
        f"{(night + timedelta(days=d)).day:02d} {at}" for d in (-1, 0, 1)
    ]


def test_midnight_the_day_after_clocks_go_forward_is_not_skipped():
    got = fires(daily("00:00"), "Europe/Berlin", utc(2026, 3, 27, 12), utc(2026, 3, 31, 12))
    assert [local(f, "Europe/Berlin")[:10] for f in got] == [
        "2026-03-28",
        "2026-03-29",
        "2026-03-30",
        "2026-03-31",
    ]


def test_a_weekly_midnight_after_the_change_is_not_skipped_for_a_week():
    # Sydney springs forward on Sunday 4 October 2026; the Monday 00:30 reminder still fires.
    got = next_fire(daily("00:30", frozenset({0})), "Australia/Sydney", utc(2026, 10, 3))
    assert local(got, "Australia/Sydney") == "2026-10-05 00:30 +1100"


def test_a_midnight_that_does_not_exist_fires_when_the_day_begins():
    # Havana springs forward at midnight on 8 March 2026: the day starts at 01:00.
    got = fires(daily("00:00"), "America/Havana", utc(2026, 3, 7, 12), utc(2026, 3, 9, 12))
    assert [local(f, "America/Havana") for f in got] == [
        "2026-03-08 01:00 -0400",
        "2026-03-09 00:00 -0400",
    ]


def test_lord_howe_half_hour_jump():
    # 4 October 2026 on Lord Howe Island: 02:00 jumps to 02:30.
    got = next_fire(daily("02:15"), "Australia/Lord_Howe", utc(2026, 10, 3, 12))
    assert local(got, "Australia/Lord_Howe") == "2026-10-04 02:45 +1100"


def test_every_two_hours_in_a_window_on_a_spring_forward_day():
    water = Schedule(every=120, window=(9 * 60, 21 * 60))
    got = fires(water, "America/New_York", utc(2026, 3, 8, 5), utc(2026, 3, 9, 5))
    assert [local(f, "America/New_York")[11:] for f in got] == [
        f"{h:02d}:00 -0400" for h in (9, 11, 13, 15, 17, 19, 21)
    ]


def test_every_hour_through_the_fall_back_night_keeps_real_hours():
    # From 00:00 to 03:00 local on the night Berlin's clocks go back: four real hours.
    night = Schedule(every=60, window=(0, 3 * 60))
    got = fires(night, "Europe/Berlin", utc(2026, 10, 24, 20), utc(2026, 10, 25, 12))
    assert [local(f, "Europe/Berlin")[11:] for f in got] == [
        "00:00 +0200",
        "01:00 +0200",
        "02:00 +0200",
        "02:00 +0100",
        "03:00 +0100",
    ]
    assert all(b - a == timedelta(hours=1) for a, b in pairwise(got))


def test_interval_days_and_window_end_are_respected():
    weekdays = Schedule(days=frozenset({0, 1, 2, 3, 4}), every=180, window=(8 * 60, 14 * 60))
    got = fires(weekdays, "UTC", utc(2026, 11, 27, 12), utc(2026, 12, 1))  # Fri → Mon
    assert [f.strftime("%a %H:%M") for f in got] == [
        "Fri 14:00",
        "Mon 08:00",
        "Mon 11:00",
        "Mon 14:00",
    ]


ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Havana",
    "Pacific/Auckland",
)
TIMES = ("00:00", "00:30", "01:30", "02:30", "03:00", "23:30")


@pytest.mark.parametrize("zone", ZONES)
def test_a_whole_year_fires_once_on_every_chosen_day(zone):
    """Over 2026, through both changes: exactly one fire per chosen local day, at the chosen
    wall time, or as long after the jump when that time does not exist."""
    tz = ZoneInfo(zone)
    for at in TIMES:
        for days in (EVERY_DAY, frozenset({0, 6})):
            schedule = daily(at, days)
            got = fires(schedule, zone, utc(2025, 12, 30), utc(2027, 1, 2))
            local_days = [f.astimezone(tz).date() for f in got if f.astimezone(tz).year == 2026]
            wanted = [
                date(2026, 1, 1) + timedelta(days=i)
                for i in range(365)
                if (date(2026, 1, 1) + timedelta(days=i)).weekday() in days
            ]
            assert local_days == wanted, (zone, at, sorted(days))
            for f in got:
                shown = f.astimezone(tz)
                wall = datetime.combine(shown.date(), datetime.min.time()) + timedelta(
                    minutes=schedule.at or 0
                )
                exists = (
                    wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
                    == wall
                )
                if exists:
                    assert shown.strftime("%H:%M") == at, (zone, at, shown)


class RepeatsItself:
    """A trigger that keeps returning one time, as CronTrigger did in apscheduler#1021."""

    def __init__(self, when: datetime) -> None:
        self.when, self.calls = when, 0

    def get_next_fire_time(self, previous, now):
        self.calls += 1
        return self.when


def test_a_trigger_that_repeats_itself_is_given_up_on_not_looped_forever():
    trigger = RepeatsItself(utc(2026, 10, 25, 0, 30))
    with pytest.raises(ScheduleError):
        first_fire_after(
            trigger, ZoneInfo("UTC"), utc(2026, 10, 25, 0, 30), once_per_wall_time=True
        )
    assert trigger.calls == MAX_PROBES


class StaleOnce:
    """Answers once with a time already passed, then correctly."""

    def __init__(self) -> None:
        self.answers = [utc(2026, 1, 1, 7), utc(2026, 1, 2, 7)]

    def get_next_fire_time(self, previous, now):
        return self.answers.pop(0)


def test_a_stale_answer_is_not_accepted():
    got = first_fire_after(
        StaleOnce(), ZoneInfo("UTC"), utc(2026, 1, 1, 12), once_per_wall_time=True
    )
    assert got == utc(2026, 1, 2, 7)
