"""The rows prepared statements (bot/storage/prepared.py) read, as types of their own.

A prepared statement gives named tuples, not ORM objects: the hottest path can't afford the
ORM's loading. Code that reads an entry or a goal from either place takes the protocol
(`EntryLike`, `GoalLike`), which both the ORM model and the named tuple satisfy; code that
only ever gets a row says `StoredEntry` or `StoredGoal`. A named tuple's fields are its
statement's columns, in order (checked when the statement is compiled).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple, Protocol


class EntryLike(Protocol):
    """An entry as code reads it: an ORM `Entry` or a `StoredEntry` row."""

    @property
    def id(self) -> int: ...
    @property
    def user_id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def local_date(self) -> date: ...
    @property
    def logged_at(self) -> datetime: ...
    @property
    def distance_m(self) -> float | None: ...
    @property
    def duration_s(self) -> float | None: ...
    @property
    def exercise(self) -> str | None: ...
    @property
    def sets(self) -> int | None: ...
    @property
    def reps(self) -> int | None: ...
    @property
    def weight_kg(self) -> float | None: ...
    @property
    def volume_ml(self) -> float | None: ...
    @property
    def note(self) -> str | None: ...
    @property
    def set_s(self) -> float | None: ...


class StoredEntry(NamedTuple):
    """Every column of `entries` (bot/storage/models.py:Entry), in the table's order."""

    id: int
    user_id: int
    kind: str
    local_date: date
    logged_at: datetime
    distance_m: float | None
    duration_s: float | None
    exercise: str | None
    sets: int | None
    reps: int | None
    weight_kg: float | None
    volume_ml: float | None
    note: str | None
    source_platform: str | None
    source_chat_id: str | None
    source_message_id: str | None
    deleted_at: datetime | None
    number: int
    source_key: str | None
    set_s: float | None


class GoalLike(Protocol):
    """A goal as code reads it: an ORM `Goal` or a `StoredGoal` row."""

    @property
    def kind(self) -> str: ...
    @property
    def period(self) -> str: ...
    @property
    def amount(self) -> float: ...
    @property
    def counts_sessions(self) -> bool: ...


class StoredGoal(NamedTuple):
    """Every column of `goals` (bot/storage/models.py:Goal), in the table's order."""

    id: int
    user_id: int
    kind: str
    period: str
    amount: float
    counts_sessions: bool
