"""How entries, totals, goals and days read in a reply, in the user's units and language.

Every function takes the person's language (`lang`, English by default, so a caller that
speaks only English needs none): figures go through `bot.i18n.figures` (decimal commas and
the locale's unit abbreviations), days through CLDR's patterns parsed once per language, and
English keeps the wording every reply has always used ("5.00 km", "Fri 04 Dec").
"""

from __future__ import annotations

import math

from bot.domain import KINDS, Kind, KindTotals, Period, Totals, Units
from bot.i18n.catalogs import N_, translate, translate_plural
from bot.i18n.figures import figures
from bot.i18n.languages import DEFAULT
from bot.progress.stats import goal_done
from bot.reading import units as u
from bot.storage.rows import EntryLike, GoalLike

# An entry kind's name in a sentence ("run 5.00 km (1 run)" in /today's totals).
KIND_NAMES = {Kind.RUN: N_("run"), Kind.STRENGTH: N_("strength"), Kind.WATER: N_("water")}


def kind_name(kind: Kind | str, lang: str = DEFAULT) -> str:
    return translate(lang, KIND_NAMES[KINDS[kind] if isinstance(kind, str) else kind])


# --- figures --------------------------------------------------------------------------------


def distance(m: float, units: Units, lang: str = DEFAULT) -> str:
    return figures(lang).distance(m, units)


def volume(ml: float, units: Units, lang: str = DEFAULT) -> str:
    return figures(lang).volume(ml, units)


def weight(kg: float, units: Units, lang: str = DEFAULT) -> str:
    return figures(lang).weight(kg, units)


def pace(s_per_km: float, units: Units, lang: str = DEFAULT) -> str:
    return figures(lang).pace(s_per_km, units)


def minutes(seconds: float, lang: str = DEFAULT) -> str:
    """'30 min', '30 Min.', '30 мин'."""
    if lang == DEFAULT:
        return u.minutes(seconds)
    return figures(lang).unit(seconds / 60, "duration-minute")


def percent(value: float, lang: str = DEFAULT) -> str:
    """A whole percentage, rounded down: '80%', '80 %'."""
    if lang == DEFAULT:
        return f"{math.floor(value)}%"
    return figures(lang).percent(math.floor(value))


# --- entries, totals, goals -----------------------------------------------------------------


def describe(entry: EntryLike, units: Units, lang: str = DEFAULT) -> str:
    """'run 5.00 km in 28:30 (5:42 /km)', 'squats 3x10 @ 40 kg', 'water 500 ml'."""
    if entry.kind == Kind.RUN:
        shown = distance(entry.distance_m or 0, units, lang)
        if entry.duration_s:
            speed = entry.duration_s / ((entry.distance_m or 1) / 1000)
            text = translate(lang, "run {distance} in {time} ({pace})").format(
                distance=shown, time=u.clock(entry.duration_s), pace=pace(speed, units, lang)
            )
        else:
            text = translate(lang, "run {distance}").format(distance=shown)
    elif entry.kind == Kind.STRENGTH:
        text = entry.exercise or kind_name(Kind.STRENGTH, lang)
        if entry.sets and entry.set_s:
            text += f" {entry.sets}x{u.seconds(entry.set_s)}"
        elif entry.sets and entry.reps:
            if entry.sets > 1:
                text += f" {entry.sets}x{entry.reps}"
            else:
                reps = translate_plural(lang, "{reps} rep", "{reps} reps", entry.reps)
                text += " " + reps.format(reps=entry.reps)
        if entry.weight_kg:
            text += f" @ {weight(entry.weight_kg, units, lang)}"
        if entry.duration_s:
            text += f" {minutes(entry.duration_s, lang)}"
    else:
        text = translate(lang, "water {volume}").format(
            volume=volume(entry.volume_ml or 0, units, lang)
        )
    if entry.note:
        text += f" — {entry.note}"
    return text


def sessions_text(kind: Kind, n: int, lang: str = DEFAULT) -> str:
    """'1 run', '3 sessions', '5 drinks' (Russian: '5 пробежек')."""
    if kind == Kind.RUN:
        text = translate_plural(lang, "{count} run", "{count} runs", n)
    elif kind == Kind.STRENGTH:
        text = translate_plural(lang, "{count} session", "{count} sessions", n)
    else:
        text = translate_plural(lang, "{count} drink", "{count} drinks", n)
    return text.format(count=n)


def amount(
    kind: Kind, totals: KindTotals, units: Units, *, sessions: bool = False, lang: str = DEFAULT
) -> str:
    if sessions or kind == Kind.STRENGTH:
        return sessions_text(kind, totals.sessions, lang)
    if kind == Kind.RUN:
        return distance(totals.distance_m, units, lang)
    return volume(totals.volume_ml, units, lang)


def goal_target(goal: GoalLike, units: Units, lang: str = DEFAULT) -> str:
    kind = KINDS[goal.kind]
    if goal.counts_sessions:
        n = goal.amount
        shown = f"{n:g}" if lang == DEFAULT else figures(lang).number(n, 0 if n == int(n) else 1)
        whole = int(n) if n == int(n) else 2  # a fraction takes the plural
        if kind == Kind.RUN:
            text = translate_plural(lang, "{count} run", "{count} runs", whole)
        else:
            text = translate_plural(lang, "{count} session", "{count} sessions", whole)
        target = text.format(count=shown)
    elif kind == Kind.RUN:
        target = distance(goal.amount, units, lang)
    else:
        target = volume(goal.amount, units, lang)
    if goal.period == Period.DAY:
        return translate(lang, "{target} a day").format(target=target)
    return translate(lang, "{target} a week").format(target=target)


# The first line a goal's progress reads with, for each kind (the kind's name is part of the
# sentence: "run goal", "Laufziel", "цель по бегу").
_GOAL_LINES = {
    Kind.RUN: N_("run goal: {done} of {target} ({percent}){mark}"),
    Kind.STRENGTH: N_("strength goal: {done} of {target} ({percent}){mark}"),
    Kind.WATER: N_("water goal: {done} of {target} ({percent}){mark}"),
}


def goal_progress(
    goal: GoalLike, day: Totals, week: Totals, units: Units, lang: str = DEFAULT
) -> str:
    kind = KINDS[goal.kind]
    totals = (day if goal.period == Period.DAY else week)[kind]
    done = goal_done(goal, totals)
    pct = 100 * done / goal.amount
    have = amount(kind, totals, units, sessions=goal.counts_sessions, lang=lang)
    mark = " ✓" if pct >= 100 else ""
    return translate(lang, _GOAL_LINES[kind]).format(
        done=have, target=goal_target(goal, units, lang), percent=percent(pct, lang), mark=mark
    )


def bar(percent: float, width: int = 10) -> str:
    filled = max(0, min(width, round(percent / 100 * width)))
    return "▓" * filled + "░" * (width - filled)
