"""The facts a rule's condition reads: one flat dict of plain values for one moment.

There are three moments ("scopes"): after a log, in a nudge, in a group digest. `FACTS`
declares every fact once, with a sample value (its type, and what `steady rules check`
evaluates conditions against) and the scopes it exists in; rules and messages are checked
against it when they load, so a misspelt fact stops start-up instead of failing silently.

Figures are metric (km, ml, kg, seconds per km). Placeholders (bot/voice/encouragement.py) turn
them into the person's units when a message is rendered.

Cost after a log: today's and this week's totals and the goals come from the log's reply
(`Progress`); on top, one statement reads the latest day of each kind (three short walks of
ix_entries_live_user_kind_day), one reads the last 64 active days for the streak, and a run
or a weighted lift adds one read over that person's runs, or lifts of that exercise, for
records.

Cost in nudges, which come in batches of up to a thousand people: the totals and goals come
with the asks (the dispatcher reads them for the whole batch anyway), and one statement
reads everyone's latest day of each kind, three index probes a person however long their
history. The streak is an after_log fact only: reading enough of each person's active days
to settle it would make a fan-out's cost grow with everyone's history, and no nudge rule
needs it. `steady rules check` therefore refuses a nudge rule whose condition reads the
streak, or that says a category with a message showing {streak}.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ARRAY,
    BindParameter,
    Integer,
    ScalarSelect,
    and_,
    any_,
    bindparam,
    case,
    exists,
    func,
    select,
)
from sqlalchemy.orm import Session

from bot.context import NudgeAsk, Progress
from bot.domain import KINDS, Kind, Period, Totals
from bot.progress.freeze import PausedSpan, freeze, pauses_of
from bot.progress.stats import REST_DAY_WINDOW, goal_done, streaks, week_start
from bot.storage.accounts import Person
from bot.storage.models import Entry, Pause, User
from bot.storage.prepared import Db, Prepared
from bot.storage.rows import EntryLike, GoalLike

Facts = dict[str, object]

NEVER = 9999  # "days since" something that has not happened (or not in the streak's window)
STREAK_WINDOW = 64  # recent active days read for the streak; all of them only when needed
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RECORDS = ("longest_run", "fastest_5k", "heaviest_lift")
RUN, STRENGTH, WATER = Kind  # the totals' facts name each kind; plain names read fastest
_SINCE = tuple((kind, f"days_since_{kind.value}") for kind in Kind)
_NOTHING_LOGGED: dict[str, object] = {**{name: NEVER for _, name in _SINCE}, "quiet_days": 0}


class Scope(enum.StrEnum):
    AFTER_LOG = "after_log"
    NUDGE = "nudge"
    DIGEST = "digest"


LOG = frozenset({Scope.AFTER_LOG})
PERSON = frozenset({Scope.AFTER_LOG, Scope.NUDGE})
GROUP = frozenset({Scope.DIGEST})


@dataclass(frozen=True)
class Fact:
    name: str
    sample: object  # a typical value: gives the fact's type; rules are checked against it
    scopes: frozenset[Scope]
    doc: str


FACTS: tuple[Fact, ...] = (
    # who and when
    Fact("name", "Ana", PERSON, "the person's display name"),
    Fact("units", "metric", PERSON, "'metric' or 'imperial'"),
    Fact("kind", "run", PERSON, "the kind just logged; in a nudge, the kind reminded of"),
    Fact("today", "2026-11-25", PERSON, "the local date, YYYY-MM-DD"),
    Fact("week_start", "2026-11-23", PERSON, "Monday of the local week, YYYY-MM-DD"),
    Fact("hour", 12, PERSON, "the local hour, 0-23"),
    Fact("weekday", "wed", PERSON, "the local weekday: mon, tue, ... sun"),
    Fact("glass_ml", 250.0, PERSON, "how much a glass of water is (setting water.glass_ml)"),
    # the entry just logged
    Fact("amount", 5.0, LOG, "what was logged: km for a run, ml for water, 1 for strength"),
    Fact("minutes", 28.5, LOG, "how long the entry took in minutes; 0 when not given"),
    Fact("pace_s_per_km", 342.0, LOG, "a run's pace in seconds per km; 0 when unknown"),
    Fact("exercise", "squats", LOG, "the strength exercise, lower case; '' when none"),
    Fact("weight_kg", 40.0, LOG, "the weight lifted; 0 when none"),
    Fact("backdated", False, LOG, "the entry is for an earlier day"),
    Fact("first_entry", False, LOG, "this is the person's first entry ever"),
    # history
    Fact(
        "quiet_days",
        0,
        PERSON,
        "days with no entry at all between the previous entry and this one (in a nudge: and "
        "today); 0 when there is no previous entry",
    ),
    Fact("days_since_run", 1, PERSON, f"days since the last run before now; {NEVER} if none"),
    Fact("days_since_strength", 2, PERSON, f"days since the last strength work; {NEVER} if none"),
    Fact("days_since_water", 0, PERSON, f"days since water was last logged; {NEVER} if none"),
    Fact(
        "streak",
        5,
        LOG,
        "the current streak in days, counting this entry (see /streak); not in nudges, where "
        "it would cost a read of each person's history",
    ),
    Fact("streak_before", 4, LOG, "the current streak as it was before this entry"),
    Fact(
        "streak_milestone",
        0,
        LOG,
        "the streak milestone (from rules.toml streak_milestones) this entry reached; 0 if none",
    ),
    Fact("new_record", "", LOG, "a record this entry broke: " + ", ".join(RECORDS) + "; or ''"),
    Fact("record_value", 0.0, LOG, "the new record: km, seconds per km or kg; 0 when none"),
    Fact("record_before", 0.0, LOG, "the record it beat, in the same unit; 0 when none"),
    # totals (the entry just logged included)
    Fact("today_count", 1, PERSON, "entries of any kind today"),
    Fact("today_run_count", 1, PERSON, "runs today"),
    Fact("today_run_km", 5.0, PERSON, "km run today"),
    Fact("today_strength_count", 0, PERSON, "strength sessions today"),
    Fact("today_water_count", 0, PERSON, "water entries today"),
    Fact("today_water_ml", 0.0, PERSON, "ml of water today"),
    Fact("week_count", 3, PERSON, "entries of any kind this week"),
    Fact("week_run_count", 2, PERSON, "runs this week"),
    Fact("week_run_km", 10.0, PERSON, "km run this week"),
    Fact("week_strength_count", 1, PERSON, "strength sessions this week"),
    Fact("week_water_count", 0, PERSON, "water entries this week"),
    Fact("week_water_ml", 0.0, PERSON, "ml of water this week"),
    # goals
    Fact("has_goal", True, PERSON, "the person has a goal for `kind`"),
    Fact("goal_period", "week", PERSON, "that goal's period: 'day' or 'week'; '' without one"),
    Fact("goal_amount", 15.0, PERSON, "that goal's target: km, ml or sessions; 0 without one"),
    Fact("goal_sessions", False, PERSON, "that goal counts sessions rather than distance/volume"),
    Fact("goal_percent", 66.7, PERSON, "progress toward that goal this period, in percent"),
    Fact(
        "goal_key",
        "run/week/2026-11-23",
        PERSON,
        "names the goal's current period (kind/period/start); for rules that speak once per period",
    ),
    Fact("water_goal_ml", 2000.0, PERSON, "the daily water goal (a weekly one / 7); 0 if none"),
    # a group's digest (given by the caller; missing ones take these defaults' zero values)
    Fact("group", "Morning Crew", GROUP, "the group's or challenge's name"),
    Fact("group_key", "telegram:-100123", GROUP, "identifies the group, for no-repeat memory"),
    Fact("members", 6, GROUP, "members taking part"),
    Fact("moved_today", 4, GROUP, "members who logged something today"),
    Fact("days_left", 5, GROUP, "days left in the challenge; 0 when it has no end"),
    Fact("most_consistent", "Ben", GROUP, "the most consistent member's name; '' if none"),
    Fact("most_improved", "Cleo", GROUP, "the most improved member's name; '' if none"),
)

BY_NAME: dict[str, Fact] = {f.name: f for f in FACTS}


def names(scope: Scope) -> frozenset[str]:
    return frozenset(f.name for f in FACTS if scope in f.scopes)


def sample(scope: Scope) -> Facts:
    """Typical facts for a scope: what rule conditions are type-checked against."""
    return {f.name: f.sample for f in FACTS if scope in f.scopes}


def _zero(value: object) -> object:
    return type(value)()  # 0, 0.0, '' or False


# --- after a log and in a nudge -----------------------------------------------------------


def for_log(
    db: Db,
    user: Person,
    entry: EntryLike,
    now: datetime,
    progress: Progress,
    *,
    milestones: Sequence[int],
    glass_ml: float,
) -> Facts:
    """The facts for the reply to `entry`, which is stored (flushed) already."""
    kind = KINDS[entry.kind]
    local = now.astimezone(ZoneInfo(user.tz))
    facts = _person(
        user.display_name,
        user.units,
        kind,
        local,
        progress.today,
        progress.day,
        progress.week,
        progress.goals,
        glass_ml,
    )
    last, paused = _last_days(db, user.id, exclude_id=entry.id)
    _days_since(facts, last, progress.today)
    previous = max((d for d in last.values() if d is not None), default=None)
    facts["first_entry"] = previous is None
    facts["quiet_days"] = 0 if previous is None else max(0, (entry.local_date - previous).days - 1)

    facts["amount"] = {
        Kind.RUN: (entry.distance_m or 0.0) / 1000,
        Kind.WATER: entry.volume_ml or 0.0,
        Kind.STRENGTH: 1.0,
    }[kind]
    facts["minutes"] = (entry.duration_s or 0.0) / 60
    facts["pace_s_per_km"] = _pace(entry.distance_m, entry.duration_s) or 0.0
    facts["exercise"] = entry.exercise or ""
    facts["weight_kg"] = entry.weight_kg or 0.0
    facts["backdated"] = entry.local_date != progress.today

    before, after = _streaks_around(db, user.id, entry, progress.today, ever_paused=paused)
    facts["streak_before"], facts["streak"] = before, after
    facts["streak_milestone"] = max((m for m in milestones if before < m <= after), default=0)

    facts.update(new_record="", record_value=0.0, record_before=0.0)
    record = _record(db, user.id, entry)
    if record is not None:
        facts["new_record"], facts["record_value"], facts["record_before"] = record
    return facts


def for_nudges(session: Session, asks: Sequence[NudgeAsk], *, glass_ml: float) -> list[Facts]:
    """The facts for each nudge of a batch: one statement for the whole batch. People whose
    totals are the same objects (the dispatcher shares one empty set among everyone with no
    entries) share their totals' facts, and people on the same day share its dates."""
    last = _last_days_of(session, sorted({ask.user_id for ask in asks}))
    totals: dict[tuple[int, int], Facts] = {}
    found = []
    for ask in asks:
        local, day, week = ask.local, ask.day, ask.week
        today = local.date()
        key = (id(day), id(week))
        if (shared := totals.get(key)) is None:
            shared = totals[key] = _totals_facts(day, week)
        facts = _person(
            ask.name, ask.units, ask.kind, local, today, day, week, ask.goals, glass_ml, shared
        )
        days = last.get(ask.user_id)
        if days is None:
            facts.update(_NOTHING_LOGGED)
        else:
            previous = None
            for kind, name in _SINCE:
                if (on := days[kind]) is None:
                    facts[name] = NEVER
                else:
                    facts[name] = max(0, (today - on).days)
                    previous = on if previous is None or on > previous else previous
            facts["quiet_days"] = 0 if previous is None else max(0, (today - previous).days - 1)
        found.append(facts)
    return found


def _person(
    name: str,
    units: str,
    kind: Kind,
    local: datetime,
    today: date,
    day: Totals,
    week: Totals,
    goals: Mapping[Kind, GoalLike],
    glass_ml: float,
    totals: Facts | None = None,
) -> Facts:
    """The facts a log and a nudge share, from the person, the local moment, the totals of
    that day and week, and the goals (`totals`: their facts, when the caller has them)."""
    facts: Facts = {
        "name": name,
        "units": units,
        "kind": kind.value,
        **_dates(today),
        "hour": local.hour,
        "weekday": WEEKDAYS[local.weekday()],
        "glass_ml": glass_ml,
        **(totals if totals is not None else _totals_facts(day, week)),
        **_goal_facts(goals.get(kind), today, day, week),
    }
    water = goals.get(WATER)
    facts["water_goal_ml"] = 0.0
    if water is not None and not water.counts_sessions:
        facts["water_goal_ml"] = water.amount / (7 if water.period == Period.WEEK else 1)
    return facts


@lru_cache(maxsize=64)
def _dates(today: date) -> Facts:
    return {"today": today.isoformat(), "week_start": week_start(today).isoformat()}


def _totals_facts(day: Totals, week: Totals) -> Facts:
    d, w = day.by_kind, week.by_kind
    return {
        "today_count": d[RUN].sessions + d[STRENGTH].sessions + d[WATER].sessions,
        "today_run_count": d[RUN].sessions,
        "today_run_km": d[RUN].distance_m / 1000,
        "today_strength_count": d[STRENGTH].sessions,
        "today_water_count": d[WATER].sessions,
        "today_water_ml": d[WATER].volume_ml,
        "week_count": w[RUN].sessions + w[STRENGTH].sessions + w[WATER].sessions,
        "week_run_count": w[RUN].sessions,
        "week_run_km": w[RUN].distance_m / 1000,
        "week_strength_count": w[STRENGTH].sessions,
        "week_water_count": w[WATER].sessions,
        "week_water_ml": w[WATER].volume_ml,
    }


_NO_GOAL: Facts = {
    "has_goal": False,
    "goal_period": "",
    "goal_amount": 0.0,
    "goal_sessions": False,
    "goal_percent": 0.0,
    "goal_key": "",
}


def _goal_facts(goal: GoalLike | None, today: date, day: Totals, week: Totals) -> Facts:
    if goal is None:
        return _NO_GOAL
    kind = KINDS[goal.kind]
    weekly = goal.period == Period.WEEK
    totals = (week if weekly else day)[kind]
    start = week_start(today) if weekly else today
    amount = goal.amount
    if not goal.counts_sessions and kind is RUN:
        amount /= 1000  # metres are stored; facts speak km
    return {
        "has_goal": True,
        "goal_period": goal.period,
        "goal_amount": amount,
        "goal_sessions": goal.counts_sessions,
        "goal_percent": 100.0 * goal_done(goal, totals) / goal.amount,
        "goal_key": f"{kind.value}/{goal.period}/{start.isoformat()}",
    }


def _days_since(facts: Facts, last: Mapping[Kind, date | None], today: date) -> None:
    for kind, name in _SINCE:
        day = last[kind]
        facts[name] = NEVER if day is None else max(0, (today - day).days)


def _pace(distance_m: float | None, duration_s: float | None) -> float | None:
    if not distance_m or not duration_s:
        return None
    return duration_s / (distance_m / 1000)


# --- queries ----------------------------------------------------------------------------
# Built once with bound parameters: building a statement costs several times more than
# running one of these on SQLite. `:other_than` leaves out the entry just logged (0: none).

_USER: BindParameter[int] = bindparam("user_id")
_OTHER_THAN: BindParameter[int] = bindparam("other_than")
_OTHERS = and_(Entry.user_id == _USER, Entry.deleted_at.is_(None), Entry.id != _OTHER_THAN)


def _latest(kind: Kind) -> ScalarSelect[date]:
    query = select(Entry.local_date).where(_OTHERS, Entry.kind == kind.value)
    return query.order_by(Entry.local_date.desc()).limit(1).scalar_subquery()


# With whether the person ever paused: most never did, and their streak then needs no
# read of the pauses (a statement less for every log).
_LAST_DAYS = Prepared(select(*(_latest(k) for k in Kind), exists().where(Pause.user_id == _USER)))
_DAYS = select(Entry.local_date).where(_OTHERS).distinct().order_by(Entry.local_date.desc())
_ALL_DAYS, _RECENT_DAYS = Prepared(_DAYS), Prepared(_DAYS.limit(STREAK_WINDOW))
_FIVE_K_PACE = case(
    (
        and_(Entry.distance_m >= 5000, Entry.duration_s > 0),
        Entry.duration_s * 1000.0 / Entry.distance_m,
    )
)
_RUN_BESTS = Prepared(
    select(func.max(Entry.distance_m), func.min(_FIVE_K_PACE)).where(
        _OTHERS, Entry.kind == Kind.RUN.value
    )
)
_HEAVIEST = Prepared(
    select(func.max(Entry.weight_kg)).where(
        _OTHERS, Entry.kind == Kind.STRENGTH.value, Entry.exercise == bindparam("exercise")
    )
)


def _latest_of_each_user(kind: Kind) -> ScalarSelect[date]:
    query = select(Entry.local_date).where(
        Entry.user_id == User.id, Entry.deleted_at.is_(None), Entry.kind == kind.value
    )
    return query.order_by(Entry.local_date.desc()).limit(1).correlate(User).scalar_subquery()


# Each person's latest day of each kind: per person, three probes of
# ix_entries_live_user_kind_day (a GROUP BY would walk all of everyone's entries instead).
_PEOPLES_LAST_DAYS = select(User.id, *(_latest_of_each_user(k) for k in Kind))
_LAST_DAYS_OF = {
    False: _PEOPLES_LAST_DAYS.where(User.id.in_(bindparam("ids", expanding=True))),
    True: _PEOPLES_LAST_DAYS.where(User.id == any_(bindparam("ids", type_=ARRAY(Integer)))),
}


def _last_days_of(session: Session, user_ids: list[int]) -> dict[int, dict[Kind, date | None]]:
    """`_last_days` for many people in one statement (people with no entries are left out)."""
    statement = _LAST_DAYS_OF[session.get_bind().dialect.name == "postgresql"]
    found = {}
    for user_id, *days in session.connection().execute(statement, {"ids": user_ids}).all():
        if any(days):
            found[user_id] = dict(zip(Kind, days, strict=True))
    return found


def _last_days(
    db: Db, user_id: int, exclude_id: int | None
) -> tuple[dict[Kind, date | None], bool]:
    """The latest local day of each kind, in one statement of three short index walks, and
    whether the person ever paused."""
    (row,) = _LAST_DAYS.all(db, {"user_id": user_id, "other_than": exclude_id or 0})
    *days, paused = row
    return dict(zip(Kind, days, strict=True)), bool(paused)


def _active_days(db: Db, user_id: int, exclude_id: int | None, *, recent: bool) -> list[date]:
    """Distinct active local days, ascending: the latest STREAK_WINDOW of them, or all."""
    query = _RECENT_DAYS if recent else _ALL_DAYS
    params = {"user_id": user_id, "other_than": exclude_id or 0}
    return sorted(query.scalars(db, params))


def _streaks_around(
    db: Db, user_id: int, entry: EntryLike, today: date, *, ever_paused: bool
) -> tuple[int, int]:
    """The current streak before and after `entry`: read from the recent active days, or
    from all of them when the recent ones don't settle it. Someone who ever paused has their
    paused days frozen (bot/progress/freeze.py), counted over the whole history, as /streak
    counts them."""
    pauses = pauses_of(db, user_id) if ever_paused else []
    if pauses:
        return _frozen_streaks_around(db, user_id, entry, today, pauses)
    others = _active_days(db, user_id, entry.id, recent=True)
    complete = len(others) < STREAK_WINDOW
    if complete or entry.local_date >= others[0]:
        found = _before_and_after(others, entry.local_date, today, complete)
        if found is not None:
            return found
    others = _active_days(db, user_id, entry.id, recent=False)
    found = _before_and_after(others, entry.local_date, today, complete=True)
    assert found is not None  # the whole history always settles it
    return found


def _frozen_streaks_around(
    db: Db, user_id: int, entry: EntryLike, today: date, pauses: list[PausedSpan]
) -> tuple[int, int]:
    others = _active_days(db, user_id, entry.id, recent=False)
    before = streaks(others, today, freeze(pauses, set(others), today))[0].length
    if entry.local_date in others:
        return before, before
    days = sorted([*others, entry.local_date])
    return before, streaks(days, today, freeze(pauses, set(days), today))[0].length


def _before_and_after(
    others: list[date], day: date, today: date, complete: bool
) -> tuple[int, int] | None:
    before = _current_streak(others, today, complete)
    if day in others:  # not the day's first entry: the streak is unchanged
        return None if before is None else (before, before)
    after = _current_streak(sorted([*others, day]), today, complete)
    return None if before is None or after is None else (before, after)


def _current_streak(days: Sequence[date], today: date, complete: bool) -> int | None:
    """The current streak's length from ascending active days, as `stats.streaks` counts it.

    When `days` are only the most recent active days (`complete` false), the answer is
    returned only if it cannot depend on earlier days; otherwise None. Whether a one-day
    gap is forgiven depends on the gaps before it, so the recent days settle the streak only
    when it began after a point where both views must agree: a gap of two days or more, or
    a one-day gap with no other gap in the seven days before it (all inside `days`).
    """
    if not days:
        return 0
    length = streaks(days, today)[0].length
    if complete:
        return length
    seq = [*days, today] if days[-1] < today else list(days)
    window = timedelta(days=REST_DAY_WINDOW)
    settled = started_settled = False
    last_gap: date | None = None
    last_missing: date | None = None
    for prev, day in pairwise(seq):
        missing = (day - prev).days - 1
        if missing <= 0:
            continue
        gap = prev + timedelta(days=1)
        if missing >= 2:
            settled = started_settled = True
            last_gap = None
        else:
            quiet_week = last_missing is None or gap - last_missing >= window
            if gap - window + timedelta(days=1) >= days[0] and quiet_week:
                settled = True  # the six days before it are in view: any history forgives it
            if last_gap is None or gap - last_gap >= window:
                last_gap = gap
            else:
                last_gap, started_settled = None, settled
        last_missing = day - timedelta(days=1)
    return length if started_settled else None


def _record(db: Db, user_id: int, entry: EntryLike) -> tuple[str, float, float] | None:
    """(which, new figure, old figure) when `entry` beats the person's earlier best.

    A first run or a first lift of an exercise sets a mark but breaks no record."""
    params = {"user_id": user_id, "other_than": entry.id}
    if entry.kind == Kind.RUN and entry.distance_m:
        ((longest, fastest),) = _RUN_BESTS.all(db, params)  # an aggregate: one row
        pace = _pace(entry.distance_m, entry.duration_s)
        if longest is not None and entry.distance_m > longest:
            return "longest_run", entry.distance_m / 1000, longest / 1000
        if pace is not None and entry.distance_m >= 5000 and fastest is not None and pace < fastest:
            return "fastest_5k", pace, fastest
    elif entry.kind == Kind.STRENGTH and entry.weight_kg and entry.exercise:
        heaviest = _HEAVIEST.scalar(db, {**params, "exercise": entry.exercise})
        if heaviest is not None and entry.weight_kg > heaviest:
            return "heaviest_lift", entry.weight_kg, heaviest
    return None


# --- a group's digest -------------------------------------------------------------------


def for_digest(given: Mapping[str, object]) -> Facts:
    """The digest's facts as the caller gave them; missing ones take their zero value and
    unknown ones are ignored, so callers and rules can grow independently."""
    facts = {f.name: _zero(f.sample) for f in FACTS if Scope.DIGEST in f.scopes}
    facts.update({k: v for k, v in given.items() if k in facts})
    return facts
