"""Personal bests for /records: longest run, fastest paces, most water in a day, heaviest set
per exercise and the longest streak, each with the local day it was set.

A record belongs to the first day it was reached: equalling it later does not move it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from bot.domain import Kind
from bot.progress.stats import Streak, live_entries, streaks_of
from bot.storage.models import Entry

# Pace records over these distances count runs of at least the distance, less a quarter of a
# percent, so the 3.1 mi and 6.2 mi that runners call a 5k and a 10k count as one.
PACE_DISTANCES_M = (5000.0, 10000.0)
DISTANCE_TOLERANCE = 0.0025


@dataclass(frozen=True)
class RunRecord:
    distance_m: float
    duration_s: float | None
    on: date

    @property
    def pace_s_per_km(self) -> float | None:
        return self.duration_s / (self.distance_m / 1000) if self.duration_s else None


@dataclass(frozen=True)
class WaterDay:
    volume_ml: float
    on: date


@dataclass(frozen=True)
class HeaviestSet:
    exercise: str  # "strength" when the entry named no exercise
    weight_kg: float
    sets: int | None
    reps: int | None
    on: date


@dataclass(frozen=True)
class Records:
    longest_run: RunRecord | None
    fastest_pace: dict[float, RunRecord]  # distance in metres -> the fastest run over it
    most_water: WaterDay | None
    heaviest_sets: list[HeaviestSet]  # one per exercise, by exercise name
    longest_streak: Streak

    @property
    def empty(self) -> bool:
        return self.longest_run is None and self.most_water is None and not self.heaviest_sets


def _runs(user_id: int) -> Select[float | None, float | None, date]:
    return select(Entry.distance_m, Entry.duration_s, Entry.local_date).where(
        live_entries(user_id), Entry.kind == Kind.RUN.value, Entry.distance_m.is_not(None)
    )


def longest_run(session: Session, user_id: int) -> RunRecord | None:
    row = session.execute(
        _runs(user_id).order_by(Entry.distance_m.desc(), Entry.local_date, Entry.id).limit(1)
    ).first()
    return _run_record(row)


def fastest_pace(session: Session, user_id: int, over_m: float) -> RunRecord | None:
    """The run with the best pace among timed runs of at least `over_m` metres."""
    row = session.execute(
        _runs(user_id)
        .where(
            Entry.duration_s.is_not(None),
            Entry.distance_m >= over_m * (1 - DISTANCE_TOLERANCE),
        )
        .order_by((Entry.duration_s / Entry.distance_m).asc(), Entry.local_date, Entry.id)
        .limit(1)
    ).first()
    return _run_record(row)


def _run_record(row: Row[float | None, float | None, date] | None) -> RunRecord | None:
    if row is None:
        return None
    distance, duration, on = row
    assert distance is not None  # _runs keeps runs with a distance
    return RunRecord(distance, duration, on)


def most_water(session: Session, user_id: int) -> WaterDay | None:
    total = func.sum(Entry.volume_ml)
    row = session.execute(
        select(total, Entry.local_date)
        .where(live_entries(user_id), Entry.kind == Kind.WATER.value)
        .group_by(Entry.local_date)
        .order_by(total.desc(), Entry.local_date)
        .limit(1)
    ).first()
    return WaterDay(row[0], row[1]) if row and row[0] else None


def heaviest_sets(session: Session, user_id: int) -> list[HeaviestSet]:
    """Per exercise, the heaviest weight and the first day it was lifted."""
    rows = session.execute(
        select(Entry.exercise, Entry.weight_kg, Entry.sets, Entry.reps, Entry.local_date)
        .where(
            live_entries(user_id),
            Entry.kind == Kind.STRENGTH.value,
            Entry.weight_kg.is_not(None),
        )
        .order_by(Entry.weight_kg.desc(), Entry.local_date, Entry.id)
    )
    best: dict[str, HeaviestSet] = {}
    for exercise, weight, sets, reps, on in rows:
        name = exercise or "strength"
        if name not in best:  # rows come heaviest first, then earliest
            assert weight is not None  # the query keeps weighed sets only
            best[name] = HeaviestSet(name, weight, sets, reps, on)
    return [best[name] for name in sorted(best)]


def records(session: Session, user_id: int, today: date) -> Records:
    return Records(
        longest_run=longest_run(session, user_id),
        fastest_pace={
            d: r for d in PACE_DISTANCES_M if (r := fastest_pace(session, user_id, d)) is not None
        },
        most_water=most_water(session, user_id),
        heaviest_sets=heaviest_sets(session, user_id),
        longest_streak=streaks_of(session, user_id, today)[1],
    )
