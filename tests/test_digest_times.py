"""A group's daily digest comes once a local day at its chosen time, through spring-forward
and fall-back nights in several zones, by the same guarded search as reminders
(bot/reminders/scheduling.py; APScheduler 3.11's CronTrigger alone fires twice on fall-back nights
and skips the day after spring-forward at midnight)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.groups.digests import run_due_digests
from bot.groups.group import next_digest_at
from bot.storage.models import OutboxMessage
from tests.group_support import GroupChat


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %z")


def digests(at: str, zone: str, start: datetime, end: datetime) -> list[datetime]:
    found, moment = [], start
    while (moment := next_digest_at(at, zone, moment)) < end:
        found.append(moment)
    return found


def test_a_digest_time_the_clocks_skip_comes_as_long_after_the_jump():
    # Berlin, 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
    got = digests("02:30", "Europe/Berlin", utc(2026, 3, 27, 12), utc(2026, 3, 31))
    assert [local(f, "Europe/Berlin") for f in got] == [
        "2026-03-28 02:30 +0100",
        "2026-03-29 03:30 +0200",
        "2026-03-30 02:30 +0200",
    ]


@pytest.mark.parametrize(
    ("zone", "night", "at"),
    [
        ("Europe/Berlin", date(2026, 10, 25), "02:30"),
        ("America/New_York", date(2026, 11, 1), "01:30"),
        ("Australia/Lord_Howe", date(2026, 4, 5), "01:45"),  # clocks go back 30 minutes
    ],
)
def test_a_digest_time_the_clocks_pass_twice_comes_once(zone, night, at):
    start = datetime.combine(night - timedelta(days=1), datetime.min.time(), ZoneInfo(zone))
    got = digests(at, zone, start.astimezone(UTC), start.astimezone(UTC) + timedelta(days=3))
    assert [f.astimezone(ZoneInfo(zone)).strftime("%d %H:%M") for f in got] == [
        f"{(night + timedelta(days=d)).day:02d} {at}" for d in (-1, 0, 1)
    ]


@pytest.mark.parametrize(("zone", "night"), [("Europe/Berlin", 29), ("America/New_York", 8)])
def test_a_midnight_digest_the_day_after_clocks_go_forward_is_not_skipped(zone, night):
    start = utc(2026, 3, night - 2, 12)
    got = digests("00:00", zone, start, start + timedelta(days=4))
    assert [local(f, zone)[:10] for f in got] == [
        (date(2026, 3, night) + timedelta(days=d)).isoformat() for d in (-1, 0, 1, 2)
    ]


def test_lord_howe_half_hour_jump():
    # 4 October 2026 on Lord Howe Island: 02:00 jumps to 02:30.
    got = next_digest_at("02:15", "Australia/Lord_Howe", utc(2026, 10, 3, 12))
    assert local(got, "Australia/Lord_Howe") == "2026-10-04 02:45 +1100"


ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Auckland")
TIMES = ("00:00", "00:30", "01:30", "02:15", "02:30", "03:00", "20:00", "23:30")


@pytest.mark.parametrize("zone", ZONES)
def test_a_whole_year_has_one_digest_every_local_day(zone):
    """Over 2026, through both changes: exactly one digest per local day, at the chosen wall
    time, or as long after the jump when that time does not exist that night."""
    tz = ZoneInfo(zone)
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    for at in TIMES:
        hour, minute = map(int, at.split(":"))
        got = digests(at, zone, utc(2025, 12, 30), utc(2027, 1, 2))
        in_2026 = [f for f in got if f.astimezone(tz).year == 2026]
        assert [f.astimezone(tz).date() for f in in_2026] == days, (zone, at)
        for fire in in_2026:
            wall = datetime.combine(fire.astimezone(tz).date(), datetime.min.time())
            wall += timedelta(hours=hour, minutes=minute)
            meant = wall.replace(tzinfo=tz).astimezone(UTC)
            exists = meant.astimezone(tz).replace(tzinfo=None) == wall
            if exists:
                assert fire.astimezone(tz).strftime("%H:%M") == at, (zone, at, fire)
            else:  # a gap: the same distance after the jump, never before or a day late
                assert fire == meant and fire.astimezone(tz).date() == wall.date(), (zone, at)


def test_the_tick_posts_one_digest_a_day_through_spring_forward(core, clock):
    # New York springs forward on Sunday 8 March 2026; a 00:30 digest still comes on Monday.
    clock.set(utc(2026, 3, 6, 12))
    admin = GroupChat(core, "ana", is_admin=True)
    admin.say("/tz America/New_York")
    admin.say('/challenge new "March miles" run 50km until 2026-03-20')
    assert "Daily digest at 00:30" in admin.say("/digest daily 00:30")
    while clock.now() < utc(2026, 3, 11, 12):
        clock.advance(minutes=15)
        run_due_digests(core.services, clock.now())
    with core.services.db.unit_of_work() as s:
        keys = sorted(s.scalars(select(OutboxMessage.key)))
    assert [key.split(":")[-1] for key in keys] == [
        f"2026-03-{day:02d}" for day in (7, 8, 9, 10, 11)
    ]
