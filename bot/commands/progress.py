"""Looking back: today, this week, history, streaks and totals."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import formatting
from bot.commands.basics import STREAK_RULE
from bot.commands.registry import Param, command
from bot.core import Context, UserError
from bot.domain import Kind
from bot.stats import (
    active_dates,
    day_and_week_totals,
    goals_of,
    live_entries,
    streaks,
    totals_between,
    week_start,
)
from bot.storage.models import Entry

SECTION = "Progress"


def _entries(ctx: Context, start, end) -> list[Entry]:  # type: ignore[no-untyped-def]
    return list(
        ctx.session.scalars(
            select(Entry)
            .where(live_entries(ctx.user.id), Entry.local_date.between(start, end))
            .order_by(Entry.local_date, Entry.logged_at, Entry.id)
        )
    )


def _goal_lines(ctx: Context) -> list[str]:
    goals = goals_of(ctx.session, ctx.user.id)
    if not goals:
        return []
    day, week = day_and_week_totals(ctx.session, ctx.user.id, ctx.today)
    return [formatting.goal_progress(goals[k], day, week, ctx.units) for k in Kind if k in goals]


@command("today", "What you've logged today", examples=("/today",), section=SECTION)
def today(ctx: Context, args: str) -> str:
    entries = _entries(ctx, ctx.today, ctx.today)
    if not entries:
        lines = [
            f"Nothing logged yet today ({ctx.today:%a %d %b}). "
            "A short walk-jog or a glass of water counts."
        ]
    else:
        lines = [f"**Today, {ctx.today:%a %d %b}**"]
        lines += [f"• {formatting.describe(e, ctx.units)}" for e in entries]
    return "\n".join(lines + _goal_lines(ctx))


@command("week", "This week so far, day by day", examples=("/week",), section=SECTION)
def week(ctx: Context, args: str) -> str:
    start = week_start(ctx.today)
    entries = _entries(ctx, start, ctx.today)
    totals = totals_between(ctx.session, ctx.user.id, start, ctx.today)
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
    if text and not (text.isdigit() and 0 < int(text) <= limit_max):
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
    lines += [f"{e.local_date:%a %d %b} · {formatting.describe(e, ctx.units)}" for e in rows]
    return "\n".join(lines)


@command("streak", "Days in a row you've shown up", examples=("/streak",), section=SECTION)
def streak(ctx: Context, args: str) -> str:
    current, longest = streaks(active_dates(ctx.session, ctx.user.id), ctx.today)
    if current.length == 0:
        head = "No streak running right now. Log anything today and day one begins."
    else:
        head = f"🔥 Current streak: {current.length} day{'s' if current.length != 1 else ''}."
    return (
        f"{head}\nLongest: {longest.length} day{'s' if longest.length != 1 else ''}.\n{STREAK_RULE}"
    )


@command(
    "stats", "Totals for this week, this month and all time", examples=("/stats",), section=SECTION
)
def stats(ctx: Context, args: str) -> str:
    month_start = ctx.today.replace(day=1)
    first = ctx.session.scalar(
        select(Entry.local_date)
        .where(live_entries(ctx.user.id))
        .order_by(Entry.local_date)
        .limit(1)
    )
    spans = [("This week", week_start(ctx.today)), ("This month", month_start)]
    if first is not None:
        spans.append(("All time", first))
    lines = ["📊 **Your totals**"]
    for label, start in spans:
        totals = totals_between(ctx.session, ctx.user.id, start, ctx.today)
        parts = [
            f"{formatting.amount(k, totals[k], ctx.units)} {k.value}"
            if k is not Kind.STRENGTH
            else formatting.amount(k, totals[k], ctx.units) + " of strength"
            for k in Kind
        ]
        lines.append(f"{label}: " + " · ".join(parts))
    return "\n".join(lines)
