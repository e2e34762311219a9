"""When a reminder fires: the next fire time in the person's IANA zone, as an aware UTC time.

APScheduler's triggers do the calendar work: a `CronTrigger` for "mon wed fri at 07:00", an
`IntervalTrigger` for "every 2 h between 09:00 and 21:00" (one window per local day, so the
steps restart each morning). APScheduler 3.11's CronTrigger has known bugs at DST changes, so
its answers are checked rather than trusted:

- the night clocks go back, a wall time that happens twice fired twice (01:30 EDT, then
  01:30 EST): only the first pass counts;
- the day after clocks go forward, its day arithmetic adds 24 real hours to a 23-hour day and
  jumps over a fire at 00:00 or 00:30 (a whole week for weekly reminders): the days before
  its answer are checked against the schedule;
- fed its own answer back, it can return the same time again and again
  (agronholm/apscheduler#1021, the scheduler's endless loop): an answer that is not later
  than asked is never accepted, and the search gives up after `MAX_PROBES` answers.

A local time that does not exist that night (02:30 when clocks jump from 02:00 to 03:00)
fires at 03:30, the same distance after the jump: Python's reading of such a time (PEP 495,
fold=0), which is also what the trigger returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.i18n.catalogs import translate
from bot.i18n.figures import figures
from bot.i18n.languages import DEFAULT, locale, supported

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY_DAY = frozenset(range(7))
MAX_PROBES = 6  # answers asked of one trigger before giving up
SEARCH_DAYS = 8  # every schedule fires at least once a week
HOUR, MINUTE = "duration-hour", "duration-minute"  # CLDR's unit names


class ScheduleError(RuntimeError):
    """No next fire time within the search bound: a trigger misbehaved. Never the user's
    fault; the dispatcher logs it and tries again a day later."""


@dataclass(frozen=True)
class Schedule:
    """Either `at` a local time or `every` so many minutes inside a local `window`, on
    some weekdays (0 = Monday)."""

    days: frozenset[int] = EVERY_DAY
    at: int | None = None  # local minutes after midnight
    every: int | None = None  # minutes between fires
    window: tuple[int, int] | None = None  # local minutes [start, end], with `every`

    def __post_init__(self) -> None:
        if (self.at is None) == (self.every is None):
            raise ValueError("a schedule has either a time or an interval")
        if self.every is not None and (self.window is None or self.window[0] >= self.window[1]):
            raise ValueError("an interval needs a window that starts before it ends")
        if not self.days or not self.days <= EVERY_DAY:
            raise ValueError("a schedule needs at least one weekday")

    @property
    def days_text(self) -> str:
        """How the days are stored and handed to CronTrigger: 'mon,wed,fri'."""
        return ",".join(WEEKDAYS[d] for d in sorted(self.days))

    @classmethod
    def from_row(
        cls,
        days: str,
        at_minute: int | None,
        every_minutes: int | None,
        window_start: int | None,
        window_end: int | None,
    ) -> Schedule:
        window = None if window_start is None or window_end is None else (window_start, window_end)
        return cls(_days_from_text(days), at_minute, every_minutes, window)

    def describe(self, lang: str = DEFAULT) -> str:
        """'Mon, Wed, Fri at 07:00', 'every 2 h, 09:00–21:00, every day'; in `lang`."""
        days = describe_days(self.days, lang)
        if self.at is not None:
            return translate(lang, "{days} at {time}").format(days=days, time=clock(self.at))
        assert self.window is not None and self.every is not None
        return translate(lang, "every {interval}, {window}, {days}").format(
            interval=describe_minutes(self.every, lang),
            window=window_text(*self.window),
            days=days,
        )


@lru_cache(maxsize=64)
def _days_from_text(text: str) -> frozenset[int]:
    return frozenset(WEEKDAYS.index(d) for d in text.split(","))


def describe_days(days: Iterable[int], lang: str = DEFAULT) -> str:
    """'every day', 'weekdays', 'Mon, Wed, Fri' (the locale's abbreviations: 'пн, ср, пт')."""
    days = frozenset(days)
    if days == EVERY_DAY:
        return translate(lang, "every day")
    if days == frozenset(range(5)):
        return translate(lang, "weekdays")
    if days == frozenset({5, 6}):
        return translate(lang, "weekends")
    names = _weekday_names(supported(lang) or DEFAULT)
    return ", ".join(names[d] for d in sorted(days))


@lru_cache(maxsize=8)
def _weekday_names(lang: str) -> tuple[str, ...]:
    """Monday first; English keeps 'Mon', the others take CLDR's abbreviations."""
    if lang == DEFAULT:
        return tuple(d.title() for d in WEEKDAYS)
    names = locale(lang).days["format"]["abbreviated"]
    return tuple(str(names[i]) for i in range(7))


def describe_minutes(minutes: int, lang: str = DEFAULT) -> str:
    """'2 h', '1 h 30 min', '45 min'; in the locale's units ('2 Std.', '30 мин')."""
    hours, rest = divmod(minutes, 60)
    if (supported(lang) or DEFAULT) == DEFAULT:
        if not hours:
            return f"{rest} min"
        return f"{hours} h" if not rest else f"{hours} h {rest} min"
    shown = figures(lang)
    parts = [shown.unit(hours, HOUR)] if hours else []
    if rest or not hours:
        parts.append(shown.unit(rest, MINUTE))
    return " ".join(parts)


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def window_text(start: int, end: int) -> str:
    return f"{clock(start)}–{clock(end)}"


def in_window(minute: int, start: int, end: int) -> bool:
    """Whether a local minute falls in [start, end), which may wrap midnight (22:00–07:00)."""
    if start <= end:
        return start <= minute < end
    return minute >= start or minute < end


def resolve(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The UTC moment of a local wall time: the first pass if the clocks went back over it,
    the same distance after the jump if they jumped over it."""
    hour, minute = divmod(minute, 60)
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
    return local.astimezone(UTC)


def is_second_pass(moment: datetime, tz: ZoneInfo) -> bool:
    """Whether this moment shows a wall time that already happened an hour (or so) earlier,
    on the night the clocks went back."""
    local = moment.astimezone(tz)
    return local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()


def first_fire_after(
    trigger: BaseTrigger, tz: ZoneInfo, after: datetime, *, once_per_wall_time: bool
) -> datetime | None:
    """The trigger's first fire time strictly after `after` (UTC), or None when it has none.

    Answers that are not later than `after` (the #1021 pattern) move the probe on by a
    growing step; with `once_per_wall_time`, the second pass of a repeated wall time is
    passed over. After MAX_PROBES answers it raises ScheduleError instead of looping.
    """
    probe = after + timedelta(seconds=1)  # fire times are whole minutes
    step = timedelta(minutes=1)
    for _ in range(MAX_PROBES):
        found = trigger.get_next_fire_time(None, probe.astimezone(tz))
        if found is None:
            return None
        fire: datetime = found.astimezone(UTC)
        if fire <= after:
            probe, step = max(probe, after) + step, step * 8
            continue
        if once_per_wall_time and is_second_pass(fire, tz):
            probe = fire + timedelta(seconds=1)
            continue
        return fire
    raise ScheduleError(f"{trigger} found no fire time after {after.isoformat()}")


@lru_cache(maxsize=16384)
def next_fire(schedule: Schedule, zone: str, after: datetime) -> datetime:
    """The first fire time strictly after `after`, as an aware UTC datetime.

    Remembered per (schedule, zone, instant): in a fan-out minute thousands of people share
    a schedule, a zone and the tick's instant, and the trigger's search costs tens of µs.
    """
    tz = ZoneInfo(zone)
    if schedule.at is not None:
        return _next_at(schedule, schedule.at, tz, after)
    return _next_every(schedule, tz, after)


@lru_cache(maxsize=4096)
def _cron(days: str, minute: int, zone: str) -> CronTrigger:
    hour, minute = divmod(minute, 60)
    return CronTrigger(day_of_week=days, hour=hour, minute=minute, timezone=ZoneInfo(zone))


def _next_at(schedule: Schedule, at: int, tz: ZoneInfo, after: datetime) -> datetime:
    trigger = _cron(schedule.days_text, at, tz.key)
    fire = first_fire_after(trigger, tz, after, once_per_wall_time=True)
    if fire is None:
        raise ScheduleError(f"{trigger} has no fire time after {after.isoformat()}")
    # The trigger can jump over a day next to a DST change: check the days before its answer.
    day, last = after.astimezone(tz).date(), fire.astimezone(tz).date()
    for _ in range(SEARCH_DAYS):
        if day >= last:
            break
        if day.weekday() in schedule.days and after < (moment := resolve(day, at, tz)) < fire:
            return moment
        day += timedelta(days=1)
    return fire


def _next_every(schedule: Schedule, tz: ZoneInfo, after: datetime) -> datetime:
    assert schedule.window is not None and schedule.every is not None
    start_minute, end_minute = schedule.window
    day = after.astimezone(tz).date()
    for offset in range(SEARCH_DAYS + 1):
        current = day + timedelta(days=offset)
        if current.weekday() not in schedule.days:
            continue
        start, end = resolve(current, start_minute, tz), resolve(current, end_minute, tz)
        if end <= after:
            continue
        trigger = IntervalTrigger(
            minutes=schedule.every, start_date=start.astimezone(tz), end_date=end, timezone=tz
        )
        fire = first_fire_after(trigger, tz, after, once_per_wall_time=False)
        if fire is not None:
            return fire
    raise ScheduleError(f"no fire time for {schedule.describe()} after {after.isoformat()}")
