"""Plain values the core passes around; storage and adapters translate to and from these."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date


class Kind(enum.StrEnum):
    RUN = "run"
    STRENGTH = "strength"
    WATER = "water"


# The kind stored as text, looked up in a dict: Kind(text) goes through the enum machinery,
# which costs a microsecond, and a log's reply asks a dozen times.
KINDS: dict[str, Kind] = {kind.value: kind for kind in Kind}


class Units(enum.StrEnum):
    METRIC = "metric"
    IMPERIAL = "imperial"


class Period(enum.StrEnum):
    DAY = "day"
    WEEK = "week"


@dataclass(frozen=True)
class RunValue:
    distance_m: float
    duration_s: float | None = None

    @property
    def pace_s_per_km(self) -> float | None:
        if not self.duration_s or not self.distance_m:
            return None
        return self.duration_s / (self.distance_m / 1000)


@dataclass(frozen=True)
class StrengthValue:
    exercise: str | None = None
    sets: int | None = None
    reps: int | None = None
    weight_kg: float | None = None
    duration_s: float | None = None  # the session's length
    set_s: float | None = None  # timed sets ("plank 3x60s"): each set's length, with no reps


@dataclass(frozen=True)
class WaterValue:
    volume_ml: float


Value = RunValue | StrengthValue | WaterValue


@dataclass(frozen=True)
class NewEntry:
    """A parsed log, not yet stored: what a command or plain text asked to record."""

    kind: Kind
    value: Value
    note: str | None = None
    on_date: date | None = None  # None: the user's local today


@dataclass(frozen=True)
class GoalSpec:
    """'run 15km/week' (amount in base units: metres, sessions or millilitres)."""

    kind: Kind
    amount: float
    period: Period
    counts_sessions: bool


@dataclass
class KindTotals:
    sessions: int = 0
    distance_m: float = 0.0
    duration_s: float = 0.0
    volume_ml: float = 0.0
    # Distance of the entries that carry a time: an average pace must leave untimed runs out.
    timed_distance_m: float = 0.0

    def add(self, other: KindTotals) -> None:
        self.sessions += other.sessions
        self.distance_m += other.distance_m
        self.duration_s += other.duration_s
        self.volume_ml += other.volume_ml
        self.timed_distance_m += other.timed_distance_m


@dataclass
class Totals:
    """Per-kind sums over a span of local days."""

    by_kind: dict[Kind, KindTotals] = field(default_factory=lambda: {k: KindTotals() for k in Kind})

    def __getitem__(self, kind: Kind) -> KindTotals:
        return self.by_kind[kind]

    def add(self, other: Totals) -> None:
        for kind in Kind:
            self.by_kind[kind].add(other[kind])

    @property
    def active(self) -> bool:
        return any(t.sessions for t in self.by_kind.values())
