"""What a nudge says and when it no longer makes sense; pure functions over facts the
dispatcher loads in bulk.

A nudge reads well on its own: what it is about, the local time, progress towards the goal
when there is one. The rules engine's line (`Voice.nudge_lines`) is added in italics when it has
one. Its buttons are command lines (at most 64 bytes): log it, snooze 1 h, skip today.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.commands.log import water_buttons
from bot.domain import Kind, Period, Totals, Units
from bot.i18n.catalogs import N_, translate
from bot.i18n.figures import figures
from bot.i18n.languages import DEFAULT
from bot.interface import Button, Reply
from bot.progress import formatting
from bot.reading import units as u
from bot.reminders.scheduling import clock
from bot.storage.rows import GoalLike

MAX_PAYLOAD_BYTES = 64  # Telegram's callback data limit
DEFAULT_WAKING_DAY = (7 * 60, 22 * 60)  # for pacing water when nothing else says
SNOOZE_PAYLOAD = "/snooze 1h"
ML_PER_FL_OZ = 29.5735295625

TITLES = {
    Kind.RUN: ("🏃", N_("Time for your run")),
    Kind.STRENGTH: ("💪", N_("Time for some strength work")),
    Kind.WATER: ("💧", N_("Time for some water")),
}


@dataclass(frozen=True)
class LastEntry:
    """The parts of someone's latest run or strength entry a 'log it' button repeats."""

    distance_m: float | None = None
    exercise: str | None = None
    sets: int | None = None
    reps: int | None = None
    weight_kg: float | None = None
    duration_s: float | None = None


@dataclass
class Facts:
    """One person's entries and goals around the local day a nudge is for."""

    day: Totals = field(default_factory=Totals)  # that local day
    week: Totals = field(default_factory=Totals)  # Monday up to that day
    goals: Mapping[Kind, GoalLike] = field(default_factory=dict)
    last: dict[Kind, LastEntry] = field(default_factory=dict)


def daily_water_goal_ml(goals: Mapping[Kind, GoalLike]) -> float | None:
    goal = goals.get(Kind.WATER)
    if goal is None or goal.counts_sessions:
        return None
    return goal.amount if goal.period == Period.DAY else goal.amount / 7


def water_share_due(goal_ml: float, minute: int, span: tuple[int, int], step: int) -> float:
    """How much of the day's water goal is due by this nudge: the goal spread evenly over the
    span of the day, counting the portion this nudge is for (so the first nudge of the day
    asks for a first glass rather than nothing)."""
    start, end = span
    if end <= start:
        return goal_ml
    fraction = (minute - start + step) / (end - start + step)
    return goal_ml * min(1.0, max(0.0, fraction))


def reason_to_skip(
    kind: Kind, facts: Facts, minute: int, span: tuple[int, int], step: int
) -> str | None:
    """Why this nudge no longer makes sense, or None to send it."""
    if kind in (Kind.RUN, Kind.STRENGTH):
        return "logged_today" if facts.day[kind].sessions else None
    goal_ml = daily_water_goal_ml(facts.goals)
    if goal_ml is None:
        return None
    drunk = facts.day[Kind.WATER].volume_ml
    if drunk >= goal_ml:
        return "water_goal_met"
    if drunk > 0 and drunk >= water_share_due(goal_ml, minute, span, step):
        return "water_on_pace"
    return None


def compose(
    *,
    reminder_id: int,
    kind: Kind,
    minute: int,
    units: Units,
    facts: Facts,
    line: str | None,
    lang: str = DEFAULT,
) -> Reply:
    """The nudge in `lang`, the person's language (the voice's `line` already speaks it)."""
    icon, title = TITLES[kind]
    lines = [f"{icon} **{translate(lang, title)}** · {clock(minute)}"]
    if (progress := _progress(kind, facts, units, lang)) is not None:
        lines.append(progress)
    if line:
        lines.append(f"_{line}_")
    buttons = (
        log_button(kind, facts.last.get(kind), units, lang),
        Button("⏰ " + translate(lang, "Snooze 1 h"), SNOOZE_PAYLOAD),
        Button("⏭ " + translate(lang, "Skip today"), f"/skip {reminder_id}"),
    )
    return Reply("\n".join(lines), buttons=buttons)


def _progress(kind: Kind, facts: Facts, units: Units, lang: str) -> str | None:
    goal = facts.goals.get(kind)
    if goal is not None:
        return formatting.goal_progress(goal, facts.day, facts.week, units, lang)
    if kind is Kind.WATER:
        drunk = facts.day[kind]
        if not drunk.sessions:
            return None
        shown = formatting.amount(kind, drunk, units, lang=lang)
        return translate(lang, "Today so far: {amount}").format(amount=shown)
    week = facts.week[kind]
    if not week.sessions:
        return None
    shown = formatting.amount(kind, week, units, lang=lang)
    return translate(lang, "This week so far: {amount}").format(amount=shown)


def log_button(kind: Kind, last: LastEntry | None, units: Units, lang: str = DEFAULT) -> Button:
    """One tap logs the usual: a glass of water, or the same as last time (a run's distance
    without its time; the strength session as it was). Without a last time, it shows how.
    The payload is the English command line the parser reads; the label speaks `lang`."""
    if kind is Kind.WATER:
        quick = water_buttons(units)[0]
        if lang == DEFAULT:
            return Button(f"✅ {quick.label}", quick.payload)
        glass = 8 * ML_PER_FL_OZ if units is Units.IMPERIAL else 250  # the first quick button
        return Button(f"✅ +{figures(lang).volume(glass, units)}", quick.payload)
    payload = _repeat_payload(kind, last, units) if last is not None else None
    if payload is None or len(payload.encode()) > MAX_PAYLOAD_BYTES:
        return Button("✅ " + translate(lang, "How to log it"), f"/help {kind.value}")
    assert last is not None
    if kind is Kind.RUN:
        what = figures(lang).distance(last.distance_m or 0, units)
    else:
        what = payload.removeprefix("/strength ")
    return Button("✅ " + translate(lang, "Log {what}").format(what=what), payload)


def _repeat_payload(kind: Kind, last: LastEntry, units: Units) -> str | None:
    if kind is Kind.RUN:
        if not last.distance_m:
            return None
        if units is Units.IMPERIAL:
            return f"/run {round(u.distance_amount(last.distance_m, units), 2):g}mi"
        return f"/run {round(last.distance_m / 1000, 2):g}km"
    parts = [last.exercise] if last.exercise else []
    if last.sets and last.reps:
        parts.append(f"{last.sets}x{last.reps}")
    if last.weight_kg:
        parts.append(u.weight(last.weight_kg, units).replace(" ", ""))  # "40kg", "88lb"
    if last.duration_s:
        parts.append(f"{round(last.duration_s / 60):g}min")
    return f"/strength {' '.join(parts)}" if parts else None
