"""Plain values the core passes around; storage and adapters translate to and from these."""

from __future__ import annotations

import enum
from dataclasses import dataclass
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
    duration_s: float | None = None


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
