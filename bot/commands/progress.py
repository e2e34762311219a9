"""Looking back: today, this week, history, streaks, stats, records and charts."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import bindparam, select

from bot.commands.basics import STREAK_RULE
from bot.commands.registry import command
from bot.context import Context, UserError
from bot.domain import Kind, Period
from bot.i18n.catalogs import N_, translate
from bot.i18n.languages import DEFAULT
from bot.interface import Attachment, Param, Reply
from bot.progress import charts, formatting
from bot.progress.charts import CHART_SPANS
from bot.progress.days import day_and_time, day_text, weekday_letters
from bot.progress.entries import EDIT_ARGUMENTS
from bot.progress.freeze import FREEZE_CAP, FREEZE_WINDOW, Freeze, freeze_rule
from bot.progress.records import PACE_DISTANCES_M, RunRecord, records
from bot.progress.stats import (
    REST_DAY_WINDOW,
    ROLLING_MAX,
    SPAN_NAMES,
    GoalRate,
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
from bot.reminders.pauses import running_pause
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
    return [
        formatting.goal_progress(goals[k], day, week, ctx.units, ctx.lang)
        for k in Kind
        if k in goals
    ]


# Each kind's part of /today's totals: "run 8.00 km (2 runs) · strength 1 session".
_TOTALS = {
    Kind.RUN: N_("run {amount} ({runs})"),
    Kind.STRENGTH: N_("strength {amount}"),
    Kind.WATER: N_("water {amount}"),
}


@command(
    "today",
    "What you've logged today, with totals and goals",
    examples=("/today",),
    section=SECTION,
)
def today(ctx: Context, args: str) -> str:
    """Today's entries with their numbers, then the totals and goals a log's reply shows (read
    the same way: `progress_of`), so /today answers what a log's reply would."""
    lang, units = ctx.lang, ctx.units
    entries = _entries(ctx, ctx.today, ctx.today)
    progress = progress_of(ctx.connection, ctx.user.id, ctx.today)
    shown_day = day_text(ctx.today, lang)
    if not entries:
        lines = [
            ctx._(
                "Nothing logged yet today ({day}). A short walk-jog or a glass of water counts."
            ).format(day=shown_day)
        ]
    else:
        lines = ["**" + ctx._("Today, {day}").format(day=shown_day) + "**"]
        lines += [f"• {formatting.describe(e, units, lang)} · #{e.number}" for e in entries]
        day = progress.day
        totals = [
            ctx._(_TOTALS[k]).format(
                amount=formatting.amount(k, day[k], units, lang=lang),
                runs=formatting.sessions_text(k, day[k].sessions, lang),
            )
            for k in Kind
            if day[k].sessions
        ]
        lines.append(ctx._("Totals: {totals}").format(totals=" · ".join(totals)))
    goals = progress.goals
    lines += [
        formatting.goal_progress(goals[k], progress.day, progress.week, units, lang)
        for k in Kind
        if k in goals
    ]
    return "\n".join(lines)


# The strength and water lines of /week (the run line counts its runs: a plural form).
_WEEK_LINES = {
    Kind.STRENGTH: N_("strength: {amount}"),
    Kind.WATER: N_("water: {amount}"),
}


@command("week", "This week so far, day by day", examples=("/week",), section=SECTION)
def week(ctx: Context, args: str) -> str:
    lang, units = ctx.lang, ctx.units
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
    head = ctx._("Week of {day}").format(day=day_text(start, lang, "date"))
    lines = [f"**{head}**  {days}  ({weekday_letters(lang)})"]
    for kind in Kind:
        if not totals[kind].sessions:
            continue
        shown = formatting.amount(kind, totals[kind], units, lang=lang)
        if kind is Kind.RUN:
            n = totals[kind].sessions
            line = ctx.ngettext("run: {amount} in {count} run", "run: {amount} in {count} runs", n)
            lines.append(line.format(amount=shown, count=n))
        else:
            lines.append(ctx._(_WEEK_LINES[kind]).format(amount=shown))
    if len(lines) == 1:
        lines.append(ctx._("Nothing logged yet this week. Any day is a good day to start."))
    return "\n".join(lines + _goal_lines(ctx))


@command(
    "history",
    "Your last entries (10 unless you say)",
    examples=("/history", "/history 20"),
    section=SECTION,
    params=(Param("count", "How many entries", required=False, kind=int),),
)
def history(ctx: Context, args: str) -> str:
    lang = ctx.lang
    limit_max = ctx.settings.limits.history_max
    text = args.strip()
    if text and not (
        text.isascii() and text.isdigit() and len(text) < 10 and 0 < int(text) <= limit_max
    ):
        raise UserError(
            ctx._("Give a number from 1 to {most}, e.g. /history 20.").format(most=limit_max)
        )
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
            ctx._("No entries yet. Log one with /run 5k 28:30, /strength 30min or /water 500ml.")
        )
    if len(rows) == 1:
        head = ctx._("Your last entry")
    else:  # "Your last 21 entry" reads right in Russian ("последние 21 запись") only
        n = len(rows)
        head = ctx.ngettext("Your last {count} entry", "Your last {count} entries", n)
    lines = ["**" + head.format(count=len(rows)) + "**"]
    lines += [
        f"#{e.number} · {day_text(e.local_date, lang)} · {formatting.describe(e, ctx.units, lang)}"
        for e in rows
    ]
    last = rows[0]
    lines.append(
        ctx._("Change one: {edit} · remove one: {delete}").format(
            edit=f"/edit {last.number} {EDIT_ARGUMENTS[last.kind]}",
            delete=f"/delete {last.number}",
        )
    )
    return "\n".join(lines)


def _days(ctx: Context, n: int) -> str:
    return ctx.ngettext("{count} day", "{count} days", n).format(count=n)


_STREAK_RULE = N_(
    "A streak counts the days from your first to your latest active day. Rest is part of "
    "training: one day off in any {window} keeps it going; two days off in a row, or a second "
    "rest day within the same seven, starts a new one."
)


def streak_rule(lang: str) -> str:
    """/help streak's rule, in the person's language (English: the very same words)."""
    if lang == DEFAULT:
        return STREAK_RULE
    return translate(lang, _STREAK_RULE).format(window=REST_DAY_WINDOW) + " " + freeze_rule(lang)


@command("streak", "Days in a row you've shown up", examples=("/streak",), section=SECTION)
def streak(ctx: Context, args: str) -> str:
    current, longest, freeze = streaks_of(ctx.connection, ctx.user.id, ctx.today)
    if current.length == 0:
        head = ctx._("No streak running right now. Log anything today and day one begins.")
    elif current.frozen:
        head = ctx._("🔥 Current streak: {days} ({frozen} frozen while paused).").format(
            days=_days(ctx, current.length), frozen=_days(ctx, current.frozen)
        )
    else:
        head = ctx._("🔥 Current streak: {days}.").format(days=_days(ctx, current.length))
    lines = [head, ctx._("Longest: {days}.").format(days=_days(ctx, longest.length))]
    if (paused := _paused_line(ctx, freeze)) is not None:
        lines.append(paused)
    lines.append(streak_rule(ctx.lang))
    return "\n".join(lines)


def _paused_line(ctx: Context, freeze: Freeze) -> str | None:
    """While paused: whether the pause still freezes the streak, or has gone past the cap."""
    pause = running_pause(ctx.connection, ctx.user.id, ctx.now)
    if pause is None:
        return None
    starts_on, ends_at = pause
    past = sorted(d for d in freeze.past_cap if d >= starts_on)
    if past:
        return ctx._(
            "⏸ You're paused: no nudges, as asked. The freeze is used up ({cap} days in any "
            "{window}), so since {day} paused days count as normal days. Log anything to keep "
            "the streak going, or /resume when you're back."
        ).format(cap=FREEZE_CAP, window=FREEZE_WINDOW, day=day_text(past[0], ctx.lang))
    if ends_at is None:
        return ctx._("⏸ You're paused: no nudges, and your streak is frozen until you /resume.")
    ends = ends_at.astimezone(ctx.tz)
    return ctx._("⏸ You're paused: no nudges, and your streak is frozen until {when}.").format(
        when=day_and_time(ends, ctx.lang)
    )


def _span_arg(ctx: Context, args: str, allowed: tuple[str, ...], default: str, name: str) -> str:
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
            ctx._(
                "A rolling span runs from 1 to {days} days or 1 to {weeks} weeks, "
                "e.g. /{name} 90d or /{name} 12w."
            ).format(days=days, weeks=weeks, name=name)
        ) from None
    if rolling is not None:
        return rolling
    choices = ctx._("{some} or {last}").format(some=", ".join(allowed[:-1]), last=allowed[-1])
    raise UserError(
        ctx._(
            "Choose {choices}, or the last days or weeks like 30d or 4w, e.g. /{name} {example} "
            "or /{name} 30d."
        ).format(choices=choices, name=name, example=allowed[1])
    )


def _period(start: date, end: date, lang: str) -> str:
    """'Fri 20 Nov 2026', '07 Nov – 11 Nov 2026' or '28 Dec 2025 – 03 Jan 2026'."""
    if start == end:
        return day_text(start, lang, "day_year")
    if start.year == end.year:
        return day_text(start, lang, "date") + " – " + day_text(end, lang, "date_year")
    return day_text(start, lang, "date_year") + " – " + day_text(end, lang, "date_year")


def _streak_text(ctx: Context, streak: Streak) -> str:
    if not streak.length or streak.start is None or streak.end is None:
        return ctx._("none yet")
    return f"{_days(ctx, streak.length)} ({_period(streak.start, streak.end, ctx.lang)})"


def _strength_sessions(ctx: Context, n: int) -> str:
    return ctx.ngettext("{count} strength session", "{count} strength sessions", n).format(count=n)


def _goal_rate_line(ctx: Context, rate: GoalRate) -> str:
    target = (
        f"{formatting.kind_name(rate.goal.kind, ctx.lang)} "
        f"{formatting.goal_target(rate.goal, ctx.units, ctx.lang)}"
    )
    daily = rate.goal.period == Period.DAY
    if rate.percent is None:
        if daily:
            return ctx._("🎯 {target}: the first day is still open").format(target=target)
        return ctx._("🎯 {target}: the first week is still open").format(target=target)
    if daily:
        text = ctx.ngettext(
            "🎯 {target}: met {hit} of {count} day ({percent})",
            "🎯 {target}: met {hit} of {count} days ({percent})",
            rate.counted,
        )
    else:
        text = ctx.ngettext(
            "🎯 {target}: met {hit} of {count} week ({percent})",
            "🎯 {target}: met {hit} of {count} weeks ({percent})",
            rate.counted,
        )
    shown = (
        f"{rate.percent:.0f}%" if ctx.lang == DEFAULT else ctx.figures.percent(round(rate.percent))
    )
    return text.format(target=target, hit=rate.hit, count=rate.counted, percent=shown)


def _summary_lines(ctx: Context, summary: Summary) -> list[str]:
    lang, units = ctx.lang, ctx.units
    totals = summary.totals
    run, strength, water = totals[Kind.RUN], totals[Kind.STRENGTH], totals[Kind.WATER]
    lines = [f"📊 **{summary.span.label}**"]
    if run.sessions:
        parts = [
            formatting.sessions_text(Kind.RUN, run.sessions, lang),
            formatting.distance(run.distance_m, units, lang),
        ]
        if run.duration_s:
            parts.append(u.clock(run.duration_s))
        if (pace := summary.average_pace) is not None:
            parts.append(
                ctx._("average pace {pace}").format(pace=formatting.pace(pace, units, lang))
            )
        lines.append(ctx._("🏃 Runs: {parts}").format(parts=" · ".join(parts)))
    else:
        lines.append(ctx._("🏃 Runs: none"))
    if strength.sessions:
        sessions = formatting.sessions_text(Kind.STRENGTH, strength.sessions, lang)
        if strength.duration_s:
            sessions += f" · {formatting.minutes(strength.duration_s, lang)}"
        lines.append(ctx._("💪 Strength: {sessions}").format(sessions=sessions))
    else:
        lines.append(ctx._("💪 Strength: none"))
    if water.sessions:
        per_day = water.volume_ml / max(1, summary.days_counted)
        lines.append(
            ctx.ngettext(
                "💧 Water: {total} · {per_day} a day on average over {count} day",
                "💧 Water: {total} · {per_day} a day on average over {count} days",
                summary.days_counted,
            ).format(
                total=formatting.volume(water.volume_ml, units, lang),
                per_day=formatting.volume(per_day, units, lang),
                count=summary.days_counted,
            )
        )
    else:
        lines.append(ctx._("💧 Water: none"))
    lines += [_goal_rate_line(ctx, rate) for rate in summary.goal_rates]
    if (best := summary.best_week) is not None:
        parts = [ctx._("active {count} of 7 days").format(count=best.active_days)]
        if best.totals[Kind.RUN].distance_m:
            shown = formatting.distance(best.totals[Kind.RUN].distance_m, units, lang)
            parts.append(ctx._("{distance} run").format(distance=shown))
        if best.totals[Kind.STRENGTH].sessions:
            parts.append(_strength_sessions(ctx, best.totals[Kind.STRENGTH].sessions))
        week = _period(best.start, best.start + timedelta(days=6), lang)
        lines.append(
            ctx._("⭐ Best week: {week} · {parts}").format(week=week, parts=" · ".join(parts))
        )
    current = summary.current_streak.length
    longest = _streak_text(ctx, summary.longest_streak)
    if current:
        line = ctx._("🔥 Streak: {days} now · longest {longest}").format(
            days=_days(ctx, current), longest=longest
        )
    else:
        line = ctx._("🔥 Streak: none running now · longest {longest}").format(longest=longest)
    lines.append(line)
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
    details=N_(
        "Periods are the calendar week (Monday to Sunday), month and year that hold today, or "
        "all time; or rolling, ending today: 30d is the last 30 days, 4w the last 4 weeks (up "
        "to 366 days or 52 weeks). Goal hit rates count finished days or weeks, and today or "
        "this week once the goal is met; a week counts whole if it touches the period. The "
        "best week is the one you showed up on most days (more distance breaks a tie). "
        "Streaks follow the rule in /help streak."
    ),
)
def stats(ctx: Context, args: str) -> str:
    span = _span_arg(ctx, args, SPAN_NAMES, "month", "stats")
    if first_day(ctx.session, ctx.user.id) is None:
        raise UserError(
            ctx._(
                "No entries yet, so no stats. Log one with /run 5k 28:30, /strength 30min "
                "or /water 500ml."
            )
        )
    summary = summarise(ctx.session, ctx.user.id, span, ctx.today, ctx.lang)
    return "\n".join(_summary_lines(ctx, summary))


def _run_record(ctx: Context, record: RunRecord) -> str:
    shown = formatting.distance(record.distance_m, ctx.units, ctx.lang)
    on = day_text(record.on, ctx.lang, "day_year")
    if record.duration_s:
        return ctx._("{distance} in {time} — {day}").format(
            distance=shown, time=u.clock(record.duration_s), day=on
        )
    return f"{shown} — {on}"


@command(
    "records",
    "Your personal bests, each with its date",
    examples=("/records",),
    section=SECTION,
    details=N_(
        "Longest run, fastest pace over 5k and over 10k (3.1 mi and 6.2 mi count), most "
        "water in a day, heaviest set per exercise and longest streak. A record keeps the day "
        "it was first set."
    ),
)
def records_(ctx: Context, args: str) -> str:
    found = records(ctx.session, ctx.user.id, ctx.today)
    if found.empty:
        raise UserError(
            ctx._(
                "No records yet: every entry can set one. Try /run 5k 28:30 or "
                "/strength squats 3x10 40kg."
            )
        )
    lang, units = ctx.lang, ctx.units
    lines = ["🏆 **" + ctx._("Your records") + "**"]
    if found.longest_run is not None:
        lines.append(
            ctx._("Longest run: {record}").format(record=_run_record(ctx, found.longest_run))
        )
    for distance_m in PACE_DISTANCES_M:
        label = ctx._("Fastest pace over {distance}k").format(distance=f"{distance_m / 1000:g}")
        record = found.fastest_pace.get(distance_m)
        if record is not None and record.pace_s_per_km is not None:
            pace = formatting.pace(record.pace_s_per_km, units, lang)
            lines.append(f"{label}: {pace} ({_run_record(ctx, record)})")
        else:
            lines.append(ctx._("{label}: no timed run that long yet").format(label=label))
    if found.most_water is not None:
        lines.append(
            ctx._("Most water in a day: {volume} — {day}").format(
                volume=formatting.volume(found.most_water.volume_ml, units, lang),
                day=day_text(found.most_water.on, lang, "day_year"),
            )
        )
    if found.heaviest_sets:
        lines.append(ctx._("Heaviest sets:"))
        for best in found.heaviest_sets:
            shape = f" {best.sets}x{best.reps}" if best.sets and best.reps else ""
            name = (
                formatting.kind_name(Kind.STRENGTH, lang)
                if best.exercise == "strength"
                else (best.exercise)
            )
            lines.append(
                f"• {name}{shape} @ {formatting.weight(best.weight_kg, units, lang)} — "
                f"{day_text(best.on, lang, 'day_year')}"
            )
    lines.append(
        ctx._("Longest streak: {streak}").format(streak=_streak_text(ctx, found.longest_streak))
    )
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
    details=N_(
        "Without a period, the last 30 days. Week, month and year are the calendar ones that "
        "hold today; 90d or 12w are the days or weeks up to today (up to 366 days or 52 "
        "weeks). Run distance as bars (per day, or per week in a year or past 92 days), "
        "strength sessions as diamonds, water a day against your water goal, and the trend "
        "as a line. Days are your local days; figures are in your units."
    ),
)
def chart(ctx: Context, args: str) -> Reply:
    lang, units = ctx.lang, ctx.units
    span = _span_arg(ctx, args, CHART_SPANS, DEFAULT_CHART, "chart")
    data = charts.chart_data(
        ctx.session,
        ctx.user.id,
        span,
        ctx.today,
        units=units,
        tz=ctx.user.tz,
        name=ctx.user.display_name,
        lang=lang,
    )
    if not data.has_data:
        raise UserError(
            ctx._(
                "{span}: nothing to draw yet. Log a run, strength work or water and try again, "
                "or look further back with /chart year."
            ).format(span=data.span.label)
        )
    # What the bars hold: a year's first bar is a whole week, so it may begin in December.
    totals = totals_between(ctx.session, ctx.user.id, data.buckets[0].start, ctx.today)
    parts = []
    if totals[Kind.RUN].sessions:
        shown = formatting.distance(totals[Kind.RUN].distance_m, units, lang)
        parts.append(ctx._("{distance} run").format(distance=shown))
    if totals[Kind.STRENGTH].sessions:
        parts.append(_strength_sessions(ctx, totals[Kind.STRENGTH].sessions))
    if totals[Kind.WATER].sessions:
        shown = formatting.volume(totals[Kind.WATER].volume_ml, units, lang)
        parts.append(ctx._("{volume} water").format(volume=shown))
    caption = f"📈 {data.span.label}: " + " · ".join(parts)
    image = Attachment(f"steady-chart-{span}-{ctx.today:%Y-%m-%d}.png", charts.render(data), True)
    return Reply(caption, attachments=(image,))
