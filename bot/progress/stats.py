"""Totals, goal progress, streaks and period summaries, computed from stored entries.

Everything here works on local days (`Entry.local_date`), so a figure never moves when a
person changes time zone, and an entry made at 23:30 local time belongs to that day.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from sqlalchemy import ColumnElement, bindparam, case, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from bot.context import Progress
from bot.domain import KINDS, Kind, KindTotals, Period, Totals
from bot.progress.freeze import NO_FREEZE, Calendar, Freeze, freeze, pauses_of
from bot.storage.models import Entry, Goal
from bot.storage.prepared import Db, Prepared
from bot.storage.rows import GoalLike, StoredGoal

REST_DAY_WINDOW = 7  # one rest day is forgiven in any seven


def week_start(day: date) -> date:
    """Weeks run Monday to Sunday (ISO)."""
    return day - timedelta(days=day.weekday())


def live_entries(user_id: int) -> ColumnElement[bool]:
    return (Entry.user_id == user_id) & Entry.deleted_at.is_(None)


def sum_or_zero(
    column: QueryableAttribute[float | None] | ColumnElement[float | None],
) -> ColumnElement[float]:
    """`COALESCE(SUM(column), 0.0)`: never NULL, which SQLAlchemy's typing can't tell (it
    types COALESCE by its first argument)."""
    return cast(ColumnElement[float], func.coalesce(func.sum(column), 0.0))


def totals_between(db: Db, user_id: int, start: date, end: date) -> Totals:
    """Sums for local days start..end inclusive."""
    return sum_totals(daily_totals(db, user_id, start, end).values())


def day_and_week_totals(db: Db, user_id: int, today: date) -> tuple[Totals, Totals]:
    """Today's and this week's sums in one query: the reply to every log needs both."""
    days = daily_totals(db, user_id, week_start(today), today)
    return days.get(today) or Totals(), sum_totals(days.values())


_GOALS = Prepared(select(*Goal.__table__.c).where(Goal.user_id == bindparam("user_id")), StoredGoal)


def goals_of(db: Db, user_id: int) -> dict[Kind, StoredGoal]:
    """The person's goals, read only."""
    return {KINDS[g.kind]: g for g in _GOALS.all(db, {"user_id": user_id})}


def goal_done(goal: GoalLike, totals: KindTotals) -> float:
    """How much of the goal's measure the totals hold (sessions, metres or millilitres)."""
    if goal.counts_sessions:
        return float(totals.sessions)
    return totals.volume_ml if goal.kind == Kind.WATER else totals.distance_m


def goal_percent(goal: GoalLike, day: Totals, week: Totals) -> float:
    totals = day if goal.period == Period.DAY else week
    return 100.0 * goal_done(goal, totals[KINDS[goal.kind]]) / goal.amount


_ACTIVE_DATES = Prepared(
    select(Entry.local_date)
    .where(Entry.user_id == bindparam("user_id"), Entry.deleted_at.is_(None))
    .distinct()
    .order_by(Entry.local_date)
)


def active_dates(db: Db, user_id: int) -> list[date]:
    return _ACTIVE_DATES.scalars(db, {"user_id": user_id})


@dataclass(frozen=True)
class Streak:
    length: int  # days from the first to the last active day of the run, frozen days left out
    start: date | None
    end: date | None
    frozen: int = 0  # paused days it was frozen over (for the current streak: up to today)


def _runs(days: Sequence[date], calendar: Calendar) -> Iterable[tuple[date, date]]:
    """Split sorted active days into streaks (first and last day): a gap of one day is
    forgiven when no other gap falls within the same seven days; two missing days in a row
    end a streak. Days are counted on `calendar`, where frozen days do not exist."""
    if not days:
        return
    start = prev = days[0]
    prev_n = calendar.number(prev)
    last_gap: int | None = None
    for day in days[1:]:
        n = calendar.number(day)
        missing = n - prev_n - 1
        gap = prev_n + 1
        if missing == 0:
            pass
        elif missing == 1 and (last_gap is None or gap - last_gap >= REST_DAY_WINDOW):
            last_gap = gap
        else:
            yield start, prev
            start, last_gap = day, None
        prev, prev_n = day, n
    yield start, prev


def _streak(start: date, end: date, calendar: Calendar, freeze: Freeze, upto: date) -> Streak:
    length = calendar.number(end) - calendar.number(start) + 1
    return Streak(length, start, end, freeze.frozen_between(start, upto))


def streaks(days: Sequence[date], today: date, freeze: Freeze = NO_FREEZE) -> tuple[Streak, Streak]:
    """(current, longest). Today is still open, so it counts as active for deciding whether
    the current streak is alive; its length runs to the last day actually logged. Frozen
    days (bot/progress/freeze.py) are left out of the calendar."""
    calendar = Calendar(freeze.frozen)
    runs = [_streak(a, b, calendar, freeze, b) for a, b in _runs(days, calendar)]
    longest = max(runs, key=lambda s: s.length, default=Streak(0, None, None))
    if not days:
        return Streak(0, None, None), longest
    last_day = days[-1]
    start, _ = list(_runs([*days, today] if last_day < today else days, calendar))[-1]
    if start > last_day:
        return Streak(0, None, None), longest
    return _streak(start, last_day, calendar, freeze, today), longest


def streaks_of(db: Db, user_id: int, today: date) -> tuple[Streak, Streak, Freeze]:
    """The person's (current, longest) streaks with their pauses frozen, and the freeze."""
    days = active_dates(db, user_id)
    pauses = pauses_of(db, user_id)
    found = freeze(pauses, set(days), today) if pauses else NO_FREEZE
    return *streaks(days, today, found), found


# Periods a summary or a chart covers. "week", "month" and "year" are the calendar ones
# that hold today (weeks start on Monday); "all" runs from the first entry to today.
SPAN_NAMES = ("week", "month", "year", "all")
# Rolling spans end today: "30d" is the last 30 days, today included; "4w" the last 28.
ROLLING_UNITS = {"d": 1, "w": 7}
ROLLING_MAX = {"d": 366, "w": 52}
_ROLLING = re.compile(r"(\d{1,4}) ?(d|days?|w|weeks?)")


class SpanTooLong(ValueError):
    """A rolling span of no days, or of more than a year's."""


def rolling_name(text: str) -> str | None:
    """'30d', '30 days' or '30days' as '30d'; '4w', '4 weeks' as '4w'; None for anything
    else. SpanTooLong for 0 or beyond ROLLING_MAX."""
    match = _ROLLING.fullmatch(text.strip().lower())
    if match is None:
        return None
    count, unit = int(match[1]), match[2][0]
    if not 0 < count <= ROLLING_MAX[unit]:
        raise SpanTooLong(text)
    return f"{count}{unit}"


def rolling_days(name: str) -> int | None:
    """How many days a rolling span's name ('30d', '4w') covers; None for a calendar one."""
    if len(name) < 2 or name[-1] not in ROLLING_UNITS or not name[:-1].isdigit():
        return None
    return int(name[:-1]) * ROLLING_UNITS[name[-1]]


@dataclass(frozen=True)
class Span:
    """A stretch of local days: this week, this month, this year, or all of a history."""

    name: str
    start: date
    end: date  # the period's last day; may lie after today
    label: str  # "This week (23 Nov – 29 Nov)", "November 2026", "2026", "All time (since …)"


def span_for(name: str, today: date, first_day: date | None = None) -> Span:
    """The span `name` (one of SPAN_NAMES, or a rolling one: '30d', '4w') that holds `today`."""
    if (days := rolling_days(name)) is not None:
        start = today - timedelta(days=days - 1)
        count, unit = int(name[:-1]), "day" if name[-1] == "d" else "week"
        what = f"{count} {unit}s" if count != 1 else unit
        shown = f"{start:%d %b %Y} – {today:%d %b %Y}" if start.year != today.year else None
        return Span(name, start, today, f"Last {what} ({shown or _day_range(start, today)})")
    if name == "week":
        start = week_start(today)
        end = start + timedelta(days=6)
        return Span(name, start, end, f"This week ({_day_range(start, end)})")
    if name == "month":
        last = calendar.monthrange(today.year, today.month)[1]
        return Span(name, today.replace(day=1), today.replace(day=last), f"{today:%B %Y}")
    if name == "year":
        return Span(name, date(today.year, 1, 1), date(today.year, 12, 31), str(today.year))
    if name == "all":
        start = min(first_day or today, today)
        return Span(name, start, today, f"All time (since {start:%d %b %Y})")
    raise ValueError(f"unknown span {name!r}")


def _day_range(start: date, end: date) -> str:
    return f"{start:%d %b} – {end:%d %b}"


def first_day(session: Session, user_id: int) -> date | None:
    """The local day of the person's earliest live entry."""
    return session.scalar(select(func.min(Entry.local_date)).where(live_entries(user_id)))


_TIMED = case((Entry.duration_s.is_not(None), Entry.distance_m))
_DAILY = Prepared(
    select(
        Entry.local_date,
        Entry.kind,
        func.count(),
        sum_or_zero(Entry.distance_m),
        sum_or_zero(Entry.duration_s),
        sum_or_zero(Entry.volume_ml),
        sum_or_zero(_TIMED),
    )
    .where(
        Entry.user_id == bindparam("user_id"),
        Entry.deleted_at.is_(None),
        Entry.local_date.between(bindparam("start"), bindparam("end")),
    )
    .group_by(Entry.local_date, Entry.kind)
)


def daily_totals(db: Db, user_id: int, start: date, end: date) -> dict[date, Totals]:
    """Sums per local day for start..end inclusive, in one grouped query; idle days absent."""
    rows = _DAILY.all(db, {"user_id": user_id, "start": start, "end": end})
    days: dict[date, Totals] = {}
    for day, kind, count, dist, dur, vol, timed_dist in rows:
        days.setdefault(day, Totals()).by_kind[KINDS[kind]] = KindTotals(
            count, dist, dur, vol, timed_dist
        )
    return days


def sum_totals(days: Iterable[Totals]) -> Totals:
    total = Totals()
    for day in days:
        total.add(day)
    return total


def average_pace(run: KindTotals) -> float | None:
    """Seconds per km over the runs that carry a time; None when none does."""
    if run.timed_distance_m <= 0 or run.duration_s <= 0:
        return None
    return run.duration_s / (run.timed_distance_m / 1000)


@dataclass(frozen=True)
class GoalRate:
    """How often a goal was met: `hit` of `counted` days or weeks."""

    goal: GoalLike
    hit: int
    counted: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.hit / self.counted if self.counted else None


@dataclass(frozen=True)
class WeekSummary:
    start: date  # a Monday
    active_days: int
    totals: Totals


@dataclass(frozen=True)
class Summary:
    """What /stats shows for one span."""

    span: Span
    totals: Totals
    days_counted: int  # local days of the span from the first entry up to today
    goal_rates: list[GoalRate]
    best_week: WeekSummary | None
    current_streak: Streak
    longest_streak: Streak

    @property
    def average_pace(self) -> float | None:
        return average_pace(self.totals[Kind.RUN])


def weeks_touching(span: Span, today: date, since: date) -> list[date]:
    """Mondays of the weeks that share a day with the span, up to today's week, leaving out
    weeks that ended before `since` (the first entry: nobody misses a goal before joining)."""
    first = week_start(max(span.start, since))
    last = week_start(min(span.end, today))
    return [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


def goal_rate(
    goal: GoalLike, days: dict[date, Totals], span: Span, today: date, since: date
) -> GoalRate:
    """Finished days (or weeks) count, met or not; today (or this week) only once it is met,
    since it is still open. Weeks count whole, Monday to Sunday, if they touch the span."""
    kind = KINDS[goal.kind]
    if goal.period == Period.DAY:
        first = max(span.start, since)
        periods = [(d, d) for d in _dates(first, min(span.end, today))]
    else:
        periods = [(w, w + timedelta(days=6)) for w in weeks_touching(span, today, since)]
    hit = counted = 0
    for first_day_, last_day in periods:
        totals = KindTotals()
        for day in _dates(first_day_, last_day):
            if day in days:
                totals.add(days[day][kind])
        met = goal_done(goal, totals) >= goal.amount
        if met or last_day < today:
            counted += 1
            hit += met
    return GoalRate(goal, hit, counted)


def _dates(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range(max(0, (end - start).days + 1))]


def best_week(days: dict[date, Totals], mondays: Sequence[date]) -> WeekSummary | None:
    """The week with the most active days (showing up is what counts); more run distance
    breaks a tie, then the earlier week. None when no week had anything."""
    best: WeekSummary | None = None
    for monday in mondays:
        week = [days[d] for d in _dates(monday, monday + timedelta(days=6)) if d in days]
        summary = WeekSummary(monday, sum(1 for d in week if d.active), sum_totals(week))
        if summary.active_days == 0:
            continue
        if best is None or (summary.active_days, summary.totals[Kind.RUN].distance_m) > (
            best.active_days,
            best.totals[Kind.RUN].distance_m,
        ):
            best = summary
    return best


def summarise(session: Session, user_id: int, span_name: str, today: date) -> Summary:
    """Totals, average pace, goal hit rates, best week and streaks for one span."""
    since = first_day(session, user_id) or today
    span = span_for(span_name, today, since)
    last = min(span.end, today)
    # Weeks touching the span may begin before it: fetch from that Monday for whole weeks.
    days = daily_totals(session, user_id, week_start(span.start), last)
    in_span = [t for d, t in days.items() if span.start <= d <= last]
    counted_from = max(span.start, since)
    goals = goals_of(session, user_id)
    rates = [goal_rate(goals[k], days, span, today, since) for k in Kind if k in goals]
    mondays = weeks_touching(span, today, since)
    current, longest, _ = streaks_of(session, user_id, today)
    return Summary(
        span=span,
        totals=sum_totals(in_span),
        days_counted=max(0, (last - counted_from).days + 1),
        goal_rates=rates,
        best_week=best_week(days, mondays) if span.name != "week" else None,
        current_streak=current,
        longest_streak=longest,
    )


def progress_of(db: Db, user_id: int, today: date) -> Progress:
    day, week = day_and_week_totals(db, user_id, today)
    return Progress(today, day, week, goals_of(db, user_id))
