"""Totals, goal progress and streaks, computed from stored entries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.domain import Kind, Period
from bot.storage.models import Entry, Goal

REST_DAY_WINDOW = 7  # one rest day is forgiven in any seven


@dataclass
class KindTotals:
    sessions: int = 0
    distance_m: float = 0.0
    duration_s: float = 0.0
    volume_ml: float = 0.0


@dataclass
class Totals:
    """Per-kind sums over a span of local days."""

    by_kind: dict[Kind, KindTotals] = field(default_factory=lambda: {k: KindTotals() for k in Kind})

    def __getitem__(self, kind: Kind) -> KindTotals:
        return self.by_kind[kind]


def week_start(day: date) -> date:
    """Weeks run Monday to Sunday (ISO)."""
    return day - timedelta(days=day.weekday())


def live_entries(user_id: int):  # type: ignore[no-untyped-def]
    return (Entry.user_id == user_id) & Entry.deleted_at.is_(None)


def totals_between(session: Session, user_id: int, start: date, end: date) -> Totals:
    """Sums for local days start..end inclusive."""
    rows = session.execute(
        select(
            Entry.kind,
            func.count(),
            func.coalesce(func.sum(Entry.distance_m), 0.0),
            func.coalesce(func.sum(Entry.duration_s), 0.0),
            func.coalesce(func.sum(Entry.volume_ml), 0.0),
        )
        .where(live_entries(user_id), Entry.local_date.between(start, end))
        .group_by(Entry.kind)
    )
    totals = Totals()
    for kind, count, dist, dur, vol in rows:
        totals.by_kind[Kind(kind)] = KindTotals(count, dist, dur, vol)
    return totals


def day_and_week_totals(session: Session, user_id: int, today: date) -> tuple[Totals, Totals]:
    """Today's and this week's sums in one query: the reply to every log needs both."""
    is_today = Entry.local_date == today
    rows = session.execute(
        select(
            Entry.kind,
            func.count(),
            func.coalesce(func.sum(Entry.distance_m), 0.0),
            func.coalesce(func.sum(Entry.duration_s), 0.0),
            func.coalesce(func.sum(Entry.volume_ml), 0.0),
            func.count(case((is_today, 1))),
            func.coalesce(func.sum(case((is_today, Entry.distance_m))), 0.0),
            func.coalesce(func.sum(case((is_today, Entry.duration_s))), 0.0),
            func.coalesce(func.sum(case((is_today, Entry.volume_ml))), 0.0),
        )
        .where(live_entries(user_id), Entry.local_date.between(week_start(today), today))
        .group_by(Entry.kind)
    )
    day, week = Totals(), Totals()
    for kind, wc, wd, wdur, wv, dc, dd, ddur, dv in rows:
        week.by_kind[Kind(kind)] = KindTotals(wc, wd, wdur, wv)
        day.by_kind[Kind(kind)] = KindTotals(dc, dd, ddur, dv)
    return day, week


def goals_of(session: Session, user_id: int) -> dict[Kind, Goal]:
    return {Kind(g.kind): g for g in session.scalars(select(Goal).where(Goal.user_id == user_id))}


def goal_done(goal: Goal, totals: KindTotals) -> float:
    """How much of the goal's measure the totals hold (sessions, metres or millilitres)."""
    if goal.counts_sessions:
        return float(totals.sessions)
    return totals.volume_ml if goal.kind == Kind.WATER else totals.distance_m


def goal_percent(goal: Goal, day: Totals, week: Totals) -> float:
    totals = day if goal.period == Period.DAY else week
    return 100.0 * goal_done(goal, totals[Kind(goal.kind)]) / goal.amount


def active_dates(session: Session, user_id: int, since: date | None = None) -> list[date]:
    query = select(Entry.local_date).where(live_entries(user_id)).distinct()
    if since is not None:
        query = query.where(Entry.local_date >= since)
    return sorted(session.scalars(query))


@dataclass(frozen=True)
class Streak:
    length: int  # calendar days from the first to the last active day of the run
    start: date | None
    end: date | None


def _runs(days: Sequence[date]) -> Iterable[Streak]:
    """Split sorted active days into streaks: a gap of one day is forgiven when no other gap
    falls within the same seven days; two missing days in a row end a streak."""
    if not days:
        return
    start = prev = days[0]
    last_gap: date | None = None
    for day in days[1:]:
        missing = (day - prev).days - 1
        gap = prev + timedelta(days=1)
        if missing == 0:
            pass
        elif missing == 1 and (last_gap is None or (gap - last_gap).days >= REST_DAY_WINDOW):
            last_gap = gap
        else:
            yield Streak((prev - start).days + 1, start, prev)
            start, last_gap = day, None
        prev = day
    yield Streak((prev - start).days + 1, start, prev)


def streaks(days: Sequence[date], today: date) -> tuple[Streak, Streak]:
    """(current, longest). Today is still open, so it counts as active for deciding whether
    the current streak is alive; its length runs to the last day actually logged."""
    runs = list(_runs(days))
    longest = max(runs, key=lambda s: s.length, default=Streak(0, None, None))
    if not days:
        return Streak(0, None, None), longest
    last_day = days[-1]
    with_today = list(_runs([*days, today] if last_day < today else days))[-1]
    if with_today.start is None or with_today.start > last_day:
        return Streak(0, None, None), longest
    return Streak((last_day - with_today.start).days + 1, with_today.start, last_day), longest


@dataclass(frozen=True)
class Progress:
    """Today's and this week's totals with the person's goals: what a log's reply shows and
    what the voice's facts start from, read once per log."""

    today: date
    day: Totals
    week: Totals
    goals: dict[Kind, Goal]


def progress_of(session: Session, user_id: int, today: date) -> Progress:
    day, week = day_and_week_totals(session, user_id, today)
    return Progress(today, day, week, goals_of(session, user_id))
