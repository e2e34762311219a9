"""The streak freeze: days on /pause are neither active nor rest days, within a cap.

A week in bed with flu should not end a streak, and a streak should still mean something.
So the local days a pause covers (bot/storage/models.py `Pause`: from the day it began up
to, not including, the day it ended or /resume came) are frozen: the streak is counted as
if they were cut out of the calendar. They neither count towards its length nor break it,
and the rest-day rule (one day off in any seven) counts seven unfrozen days.

The cap: at most FREEZE_CAP frozen days in any FREEZE_WINDOW consecutive days. Paused days
are taken in date order, and each freezes if fewer than FREEZE_CAP of the FREEZE_WINDOW - 1
days before it froze; so the earliest paused days of any stretch freeze, and a paused day
past the cap is a normal day (a day off, unless something was logged). No window of 90
days ever holds more than 30 frozen days. Only days that would otherwise be empty freeze: a
day with an entry is active, paused or not, and uses none of the cap. Today is still open,
so it never freezes; only days before it do.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import bindparam, select

from bot.storage.models import Pause
from bot.storage.prepared import Db, Prepared

FREEZE_CAP = 30  # frozen days at most ...
FREEZE_WINDOW = 90  # ... in any this many consecutive days

FREEZE_RULE = (
    f"Days on /pause are frozen: they neither count towards a streak nor break it, up to "
    f"{FREEZE_CAP} days in any {FREEZE_WINDOW}. Paused days past that stay quiet (no nudges) "
    "but count as normal days again."
)


@dataclass(frozen=True)
class PausedSpan:
    """The local days of one pause: starts_on up to, not including, ends_on (None: open)."""

    starts_on: date
    ends_on: date | None


@dataclass(frozen=True)
class Freeze:
    """Which paused days froze, and which were past the cap (and had nothing logged)."""

    frozen: frozenset[date] = frozenset()
    past_cap: frozenset[date] = frozenset()

    def frozen_between(self, first: date, last: date) -> int:
        return sum(1 for d in self.frozen if first <= d <= last)


NO_FREEZE = Freeze()


def paused_days(spans: Iterable[PausedSpan], today: date) -> list[date]:
    """Every local day before today that some pause covers, ascending, each once."""
    days: set[date] = set()
    for span in spans:
        end = today if span.ends_on is None else min(span.ends_on, today)
        day = span.starts_on
        while day < end:
            days.add(day)
            day += timedelta(days=1)
    return sorted(days)


def freeze(spans: Iterable[PausedSpan], active: Collection[date], today: date) -> Freeze:
    """The paused days that freeze under the cap (module docstring), and the ones past it."""
    frozen: list[date] = []
    past_cap: list[date] = []
    recent: deque[date] = deque()  # frozen days inside the window that ends at `day`
    for day in paused_days(spans, today):
        if day in active:
            continue
        while recent and (day - recent[0]).days >= FREEZE_WINDOW:
            recent.popleft()
        if len(recent) < FREEZE_CAP:
            recent.append(day)
            frozen.append(day)
        else:
            past_cap.append(day)
    return Freeze(frozenset(frozen), frozenset(past_cap))


class Calendar:
    """Day numbers with the frozen days cut out: consecutive unfrozen days differ by one."""

    def __init__(self, frozen: Collection[date]) -> None:
        self._frozen: Sequence[int] = sorted(d.toordinal() for d in frozen)

    def number(self, day: date) -> int:
        ordinal = day.toordinal()
        return ordinal - bisect_left(self._frozen, ordinal)


_PAUSES = Prepared(
    select(Pause.starts_on, Pause.ends_on)
    .where(Pause.user_id == bindparam("user_id"))
    .order_by(Pause.starts_on)
)


def pauses_of(db: Db, user_id: int) -> list[PausedSpan]:
    """The person's pauses, past and running, oldest first."""
    return [PausedSpan(start, end) for start, end in _PAUSES.all(db, {"user_id": user_id})]
