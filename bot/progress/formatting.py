"""How entries, totals and goals read in a reply, in the user's units."""

from __future__ import annotations

import math

from bot.domain import KINDS, Kind, KindTotals, Period, Totals, Units
from bot.progress.stats import goal_done
from bot.reading import units as u
from bot.storage.rows import EntryLike, GoalLike


def describe(entry: EntryLike, units: Units) -> str:
    """'run 5.00 km in 28:30 (5:42 /km)', 'squats 3x10 @ 40 kg', 'water 500 ml'."""
    if entry.kind == Kind.RUN:
        text = f"run {u.distance(entry.distance_m or 0, units)}"
        if entry.duration_s:
            pace = entry.duration_s / ((entry.distance_m or 1) / 1000)
            text += f" in {u.clock(entry.duration_s)} ({u.pace(pace, units)})"
    elif entry.kind == Kind.STRENGTH:
        text = entry.exercise or "strength"
        if entry.sets and entry.set_s:
            text += f" {entry.sets}x{u.seconds(entry.set_s)}"
        elif entry.sets and entry.reps:
            text += f" {entry.sets}x{entry.reps}" if entry.sets > 1 else f" {entry.reps} reps"
        if entry.weight_kg:
            text += f" @ {u.weight(entry.weight_kg, units)}"
        if entry.duration_s:
            text += f" {u.minutes(entry.duration_s)}"
    else:
        text = f"water {u.volume(entry.volume_ml or 0, units)}"
    if entry.note:
        text += f" — {entry.note}"
    return text


def amount(kind: Kind, totals: KindTotals, units: Units, *, sessions: bool = False) -> str:
    if sessions or kind == Kind.STRENGTH:
        n = totals.sessions
        noun = {Kind.RUN: "run", Kind.STRENGTH: "session", Kind.WATER: "drink"}[kind]
        return f"{n} {noun}{'' if n == 1 else 's'}"
    if kind == Kind.RUN:
        return u.distance(totals.distance_m, units)
    return u.volume(totals.volume_ml, units)


def goal_target(goal: GoalLike, units: Units) -> str:
    kind = KINDS[goal.kind]
    if goal.counts_sessions:
        noun = "runs" if kind == Kind.RUN else "sessions"
        target = f"{goal.amount:g} {noun}"
    elif kind == Kind.RUN:
        target = u.distance(goal.amount, units)
    else:
        target = u.volume(goal.amount, units)
    return f"{target} a {Period(goal.period).value}"


def goal_progress(goal: GoalLike, day: Totals, week: Totals, units: Units) -> str:
    kind = KINDS[goal.kind]
    totals = (day if goal.period == Period.DAY else week)[kind]
    done = goal_done(goal, totals)
    pct = 100 * done / goal.amount
    have = amount(kind, totals, units, sessions=goal.counts_sessions)
    mark = " ✓" if pct >= 100 else ""
    return f"{kind.value} goal: {have} of {goal_target(goal, units)} ({math.floor(pct)}%){mark}"


def bar(percent: float, width: int = 10) -> str:
    filled = max(0, min(width, round(percent / 100 * width)))
    return "▓" * filled + "░" * (width - filled)
