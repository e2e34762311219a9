"""Looking back: today, this week, history, streaks, stats, records and charts."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import bindparam, select

from bot.commands.basics import STREAK_RULE
from bot.commands.registry import command
from bot.context import Context, UserError
from bot.domain import Kind, Period, Units
from bot.interface import Attachment, Param, Reply
from bot.progress import charts, formatting
from bot.progress.charts import CHART_SPANS, DAY_BARS_MAX
from bot.progress.entries import EDIT_ARGUMENTS
from bot.progress.freeze import FREEZE_CAP, FREEZE_WINDOW, Freeze
from bot.progress.records import PACE_DISTANCES_M, RunRecord, records
from bot.progress.stats import (
    ROLLING_MAX,
    SPAN_NAMES,
    SpanTooLong,
    Streak,
    Summary,
    day_and_week_totals,
    first_day,
    goals_of,
    live_entries,
    progress_of,
    rolling_name,
    streaks_of,
    summarise,
    totals_between,
    week_start,
)
from bot.reading import units as u
from bot.reminders.pauses import current_pause
from bot.storage.models import Entry
from bot.storage.prepared import Prepared
from bot.storage.rows import StoredEntry

SECTION = "Progress"
# Offered as choices where a platform lists them (Discord's slash commands); typed, any
# rolling span within the bounds works.
STATS_ROLLING = ("7d", "30d", "90d", "4w", "12w", "52w")
CHART_ROLLING = ("30d", "7d", "90d", "12w", "26w", "52w")
DEFAULT_CHART = "30d"  # not the calendar month: on the 4th that is three days of bars


_BETWEEN = Prepared(
    select(*Entry.__table__.c)
    .where(
        Entry.user_id == bindparam("user_id"),
        Entry.deleted_at.is_(None),
        Entry.local_date.between(bindparam("start"), bindparam("end")),
    )
    .order_by(Entry.local_date, Entry.logged_at, Entry.id),
    StoredEntry,
)


def _entries(ctx: Context, start: date, end: date) -> list[StoredEntry]:
    """Oldest first."""
    return _BETWEEN.all(ctx.connection, {"user_id": ctx.user.id, "start": start, "end": end})


def _goal_lines(ctx: Context) -> list[str]:
    goals = goals_of(ctx.connection, ctx.user.id)
    if not goals:
        return []
    day, week = day_and_week_totals(ctx.connection, ctx.user.id, ctx.today)
    return [formatting.goal_progress(goals[k], day, week, ctx.units) for k in Kind if k in goals]


@command(
    "today",
    "What you've logged today, with totals and goals",
    examples=("/today",),
    section=SECTION,
)
def today(ctx: Context, args: str) -> str:
    """Today's entries with their numbers, then the totals and goals a log's reply shows (read
    the same way: `progress_of`), so /today answers what a log's reply would."""
    entries = _entries(ctx, ctx.today, ctx.today)
    progress = progress_of(ctx.connection, ctx.user.id, ctx.today)
    if not entries:
        lines = [
            f"Nothing logged yet today ({ctx.today:%a %d %b}). "
            "A short walk-jog or a glass of water counts."
        ]
    else:
        lines = [f"**Today, {ctx.today:%a %d %b}**"]
        lines += [f"• {formatting.describe(e, ctx.units)} · #{e.number}" for e in entries]
        totals = [
            f"{k.value} {formatting.amount(k, progress.day[k], ctx.units)}"
            + (
                f" ({formatting.amount(k, progress.day[k], ctx.units, sessions=True)})"
                if k is Kind.RUN
                else ""
            )
            for k in Kind
            if progress.day[k].sessions
        ]
        lines.append("Totals: " + " · ".join(totals))
    goals = progress.goals
    lines += [
        formatting.goal_progress(goals[k], progress.day, progress.week, ctx.units)
        for k in Kind
        if k in goals
    ]
    return "\n".join(lines)


@command("week", "This week so far, day by day", examples=("/week",), section=SECTION)
def week(ctx: Context, args: str) -> str:
    start = week_start(ctx.today)
    entries = _entries(ctx, start, ctx.today)
    totals = totals_between(ctx.connection, ctx.user.id, start, ctx.today)
    active = {e.local_date for e in entries}
    days = "".join(
        "●"
        if start + timedelta(days=i) in active
        else ("○" if start + timedelta(days=i) <= ctx.today else "·")
        for i in range(7)
    )
    lines = [f"**Week of {start:%d %b}**  {days}  (M T W T F S S)"]
    for kind in Kind:
        if totals[kind].sessions:
            lines.append(
                f"{kind.value}: {formatting.amount(kind, totals[kind], ctx.units)}"
                + (f" in {totals[kind].sessions} runs" if kind is Kind.RUN else "")
            )
    if len(lines) == 1:
        lines.append("Nothing logged yet this week. Any day is a good day to start.")
    return "\n".join(lines + _goal_lines(ctx))


@command(
    "history",
    "Your last entries (10 unless you say)",
    examples=("/history", "/history 20"),
    section=SECTION,
    params=(Param("count", "How many entries", required=False, kind=int),),
)
def history(ctx: Context, args: str) -> str:
    limit_max = ctx.settings.limits.history_max
    text = args.strip()
    if text and not (
        text.isascii() and text.isdigit() and len(text) < 10 and 0 < int(text) <= limit_max
    ):
        raise UserError(f"Give a number from 1 to {limit_max}, e.g. /history 20.")
    n = int(text) if text else 10
    rows = list(
        ctx.session.scalars(
            select(Entry)
            .where(live_entries(ctx.user.id))
            .order_by(Entry.local_date.desc(), Entry.logged_at.desc(), Entry.id.desc())
            .limit(n)
        )
    )
    if not rows:
        raise UserError(
            "No entries yet. Log one with /run 5k 28:30, /strength 30min or /water 500ml."
        )
    lines = [f"**Your last {len(rows)} entries**"]
    lines += [
        f"#{e.number} · {e.local_date:%a %d %b} · {formatting.describe(e, ctx.units)}" for e in rows
    ]
    last = rows[0]
    lines.append(
        f"Change one: /edit {last.number} {EDIT_ARGUMENTS[last.kind]} · "
        f"remove one: /delete {last.number}"
    )
    return "\n".join(lines)


@command("streak", "Days in a row you've shown up", examples=("/streak",), section=SECTION)
def streak(ctx: Context, args: str) -> str:
    current, longest, freeze = streaks_of(ctx.connection, ctx.user.id, ctx.today)
    if current.length == 0:
        head = "No streak running right now. Log anything today and day one begins."
    else:
        head = f"🔥 Current streak: {_plural(current.length, 'day')}"
        if current.frozen:
            head += f" ({_plural(current.frozen, 'day')} frozen while paused)"
        head += "."
    lines = [head, f"Longest: {_plural(longest.length, 'day')}."]
    if (paused := _paused_line(ctx, freeze)) is not None:
        lines.append(paused)
    lines.append(STREAK_RULE)
    return "\n".join(lines)


def _paused_line(ctx: Context, freeze: Freeze) -> str | None:
    """While paused: whether the pause still freezes the streak, or has gone past the cap."""
    pause = current_pause(ctx.session, ctx.user.id, ctx.now)
    if pause is None:
        return None
    past = sorted(d for d in freeze.past_cap if d >= pause.starts_on)
    if past:
        return (
            f"⏸ You're paused: no nudges, as asked. The freeze is used up ({FREEZE_CAP} days "
            f"in any {FREEZE_WINDOW}), so since {past[0]:%a %d %b} paused days count as "
            "normal days. Log anything to keep the streak going, or /resume when you're back."
        )
    if pause.ends_at is None:
        return "⏸ You're paused: no nudges, and your streak is frozen until you /resume."
    ends = pause.ends_at.astimezone(ctx.tz)
    return f"⏸ You're paused: no nudges, and your streak is frozen until {ends:%a %d %b %H:%M}."


def _span_arg(args: str, allowed: tuple[str, ...], default: str, name: str) -> str:
    """A calendar span's name, or a rolling one's as '30d' or '4w'."""
    word = args.strip().lower()
    if not word:
        return default
    if word in allowed:
        return word
    days, weeks = ROLLING_MAX["d"], ROLLING_MAX["w"]
    try:
        rolling = rolling_name(word)
    except SpanTooLong:
        raise UserError(
            f"A rolling span runs from 1 to {days} days or 1 to {weeks} weeks, "
            f"e.g. /{name} 90d or /{name} 12w."
        ) from None
    if rolling is not None:
        return rolling
    choices = ", ".join(allowed[:-1]) + f" or {allowed[-1]}"
    raise UserError(
        f"Choose {choices}, or the last days or weeks like 30d or 4w, e.g. /{name} {allowed[1]} "
        f"or /{name} 30d."
    )


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _period(start: date, end: date) -> str:
    """'Fri 20 Nov 2026', '07 Nov – 11 Nov 2026' or '28 Dec 2025 – 03 Jan 2026'."""
    if start == end:
        return f"{start:%a %d %b %Y}"
    if start.year == end.year:
        return f"{start:%d %b} – {end:%d %b %Y}"
    return f"{start:%d %b %Y} – {end:%d %b %Y}"


def _streak_text(streak: Streak) -> str:
    if not streak.length or streak.start is None or streak.end is None:
        return "none yet"
    return f"{_plural(streak.length, 'day')} ({_period(streak.start, streak.end)})"


def _summary_lines(summary: Summary, units: Units) -> list[str]:
    totals = summary.totals
    run, strength, water = totals[Kind.RUN], totals[Kind.STRENGTH], totals[Kind.WATER]
    lines = [f"📊 **{summary.span.label}**"]
    if run.sessions:
        parts = [_plural(run.sessions, "run"), u.distance(run.distance_m, units)]
        if run.duration_s:
            parts.append(u.clock(run.duration_s))
        if (pace := summary.average_pace) is not None:
            parts.append(f"average pace {u.pace(pace, units)}")
        lines.append("🏃 Runs: " + " · ".join(parts))
    else:
        lines.append("🏃 Runs: none")
    if strength.sessions:
        minutes = f" · {u.minutes(strength.duration_s)}" if strength.duration_s else ""
        lines.append(f"💪 Strength: {_plural(strength.sessions, 'session')}{minutes}")
    else:
        lines.append("💪 Strength: none")
    if water.sessions:
        per_day = water.volume_ml / max(1, summary.days_counted)
        lines.append(
            f"💧 Water: {u.volume(water.volume_ml, units)} · "
            f"{u.volume(per_day, units)} a day on average over "
            f"{_plural(summary.days_counted, 'day')}"
        )
    else:
        lines.append("💧 Water: none")
    for rate in summary.goal_rates:
        target = f"{rate.goal.kind} {formatting.goal_target(rate.goal, units)}"
        noun = "day" if rate.goal.period == Period.DAY else "week"
        if rate.percent is None:
            lines.append(f"🎯 {target}: the first {noun} is still open")
        else:
            lines.append(
                f"🎯 {target}: met {rate.hit} of {_plural(rate.counted, noun)} "
                f"({rate.percent:.0f}%)"
            )
    if (best := summary.best_week) is not None:
        parts = [f"active {best.active_days} of 7 days"]
        if best.totals[Kind.RUN].distance_m:
            parts.append(f"{u.distance(best.totals[Kind.RUN].distance_m, units)} run")
        if best.totals[Kind.STRENGTH].sessions:
            parts.append(_plural(best.totals[Kind.STRENGTH].sessions, "strength session"))
        week = _period(best.start, best.start + timedelta(days=6))
        lines.append(f"⭐ Best week: {week} · " + " · ".join(parts))
    current = summary.current_streak.length
    lines.append(
        f"🔥 Streak: {_plural(current, 'day') if current else 'none running'} now · "
        f"longest {_streak_text(summary.longest_streak)}"
    )
    return lines


@command(
    "stats",
    "Totals, pace, goals hit, best week and streaks",
    examples=("/stats", "/stats week", "/stats year", "/stats all", "/stats 4w", "/stats 30d"),
    section=SECTION,
    params=(
        Param(
            "period",
            "week, month (the default), year, all, or the last days or weeks: 30d, 4w",
            required=False,
            choices=(*SPAN_NAMES, *STATS_ROLLING),
        ),
    ),
    details="Periods are the calendar week (Monday to Sunday), month and year that hold "
    "today, or all time; or rolling, ending today: 30d is the last 30 days, 4w the last "
    f"4 weeks (up to {ROLLING_MAX['d']} days or {ROLLING_MAX['w']} weeks). Goal hit rates "
    "count finished days or weeks, and today or this week "
    "once the goal is met; a week counts whole if it touches the period. The best week is "
    "the one you showed up on most days (more distance breaks a tie). Streaks follow the "
    "rule in /help streak.",
)
def stats(ctx: Context, args: str) -> str:
    span = _span_arg(args, SPAN_NAMES, "month", "stats")
    if first_day(ctx.session, ctx.user.id) is None:
        raise UserError(
            "No entries yet, so no stats. Log one with /run 5k 28:30, /strength 30min "
            "or /water 500ml."
        )
    summary = summarise(ctx.session, ctx.user.id, span, ctx.today)
    return "\n".join(_summary_lines(summary, ctx.units))


def _run_record(record: RunRecord, units: Units) -> str:
    text = u.distance(record.distance_m, units)
    if record.duration_s:
        text += f" in {u.clock(record.duration_s)}"
    return f"{text} — {record.on:%a %d %b %Y}"


@command(
    "records",
    "Your personal bests, each with its date",
    examples=("/records",),
    section=SECTION,
    details="Longest run, fastest pace over 5k and over 10k (3.1 mi and 6.2 mi count), most "
    "water in a day, heaviest set per exercise and longest streak. A record keeps the day it "
    "was first set.",
)
def records_(ctx: Context, args: str) -> str:
    found = records(ctx.session, ctx.user.id, ctx.today)
    if found.empty:
        raise UserError(
            "No records yet: every entry can set one. Try /run 5k 28:30 or "
            "/strength squats 3x10 40kg."
        )
    units = ctx.units
    lines = ["🏆 **Your records**"]
    if found.longest_run is not None:
        lines.append(f"Longest run: {_run_record(found.longest_run, units)}")
    for distance_m in PACE_DISTANCES_M:
        label = f"Fastest pace over {distance_m / 1000:g}k"
        record = found.fastest_pace.get(distance_m)
        if record is not None and record.pace_s_per_km is not None:
            lines.append(
                f"{label}: {u.pace(record.pace_s_per_km, units)} ({_run_record(record, units)})"
            )
        else:
            lines.append(f"{label}: no timed run that long yet")
    if found.most_water is not None:
        lines.append(
            f"Most water in a day: {u.volume(found.most_water.volume_ml, units)} — "
            f"{found.most_water.on:%a %d %b %Y}"
        )
    if found.heaviest_sets:
        lines.append("Heaviest sets:")
        for best in found.heaviest_sets:
            shape = f" {best.sets}x{best.reps}" if best.sets and best.reps else ""
            lines.append(
                f"• {best.exercise}{shape} @ {u.weight(best.weight_kg, units)} — "
                f"{best.on:%a %d %b %Y}"
            )
    lines.append(f"Longest streak: {_streak_text(found.longest_streak)}")
    return "\n".join(lines)


@command(
    "chart",
    "A picture of your runs, strength work and water",
    examples=("/chart", "/chart week", "/chart month", "/chart year", "/chart 90d", "/chart 12w"),
    section=SECTION,
    params=(
        Param(
            "period",
            "the last 30 days (the default), week, month, year, or the last days or weeks: 90d",
            required=False,
            choices=(*CHART_ROLLING, *CHART_SPANS),
        ),
    ),
    details="Without a period, the last 30 days. Week, month and year are the calendar ones "
    "that hold today; 90d or 12w are the days or weeks up to today (up to "
    f"{ROLLING_MAX['d']} days or {ROLLING_MAX['w']} weeks). Run distance as bars (per day, or "
    f"per week in a year or past {DAY_BARS_MAX} days), strength sessions as diamonds, water a "
    "day against your water goal, and the trend as a line. Days are your local days; "
    "figures are in your units.",
)
def chart(ctx: Context, args: str) -> Reply:
    span = _span_arg(args, CHART_SPANS, DEFAULT_CHART, "chart")
    data = charts.chart_data(
        ctx.session,
        ctx.user.id,
        span,
        ctx.today,
        units=ctx.units,
        tz=ctx.user.tz,
        name=ctx.user.display_name,
    )
    if not data.has_data:
        raise UserError(
            f"{data.span.label}: nothing to draw yet. Log a run, strength work or water "
            "and try again, or look further back with /chart year."
        )
    # What the bars hold: a year's first bar is a whole week, so it may begin in December.
    totals = totals_between(ctx.session, ctx.user.id, data.buckets[0].start, ctx.today)
    parts = []
    if totals[Kind.RUN].sessions:
        parts.append(f"{u.distance(totals[Kind.RUN].distance_m, ctx.units)} run")
    if totals[Kind.STRENGTH].sessions:
        parts.append(_plural(totals[Kind.STRENGTH].sessions, "strength session"))
    if totals[Kind.WATER].sessions:
        parts.append(f"{u.volume(totals[Kind.WATER].volume_ml, ctx.units)} water")
    caption = f"📈 {data.span.label}: " + " · ".join(parts)
    image = Attachment(f"steady-chart-{span}-{ctx.today:%Y-%m-%d}.png", charts.render(data), True)
    return Reply(caption, attachments=(image,))
