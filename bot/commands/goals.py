"""Goals: one per kind, per day or per week."""

from __future__ import annotations

from sqlalchemy import delete, select

from bot.commands.registry import command
from bot.context import Context, UserError
from bot.domain import Kind
from bot.i18n.catalogs import N_
from bot.interface import Param
from bot.progress import formatting
from bot.progress.stats import day_and_week_totals, goal_percent, goals_of
from bot.reading import parsing
from bot.storage.models import Goal

SECTION = "Goals"
CLEARED = {
    Kind.RUN: N_("Your run goal is cleared."),
    Kind.STRENGTH: N_("Your strength goal is cleared."),
    Kind.WATER: N_("Your water goal is cleared."),
}
SET = {
    Kind.RUN: N_("🎯 Goal set: run {target}."),
    Kind.STRENGTH: N_("🎯 Goal set: strength {target}."),
    Kind.WATER: N_("🎯 Goal set: water {target}."),
}


@command(
    "goal",
    "Set a goal for a kind, per day or week (or 'off')",
    examples=(
        "/goal run 15km/week",
        "/goal strength 3/week",
        "/goal water 2l/day",
        "/goal run off",
    ),
    section=SECTION,
    params=(
        Param("kind", "run, strength or water", choices=("run", "strength", "water")),
        Param("target", "e.g. 15km/week, 3/week, 2l/day, or off"),
    ),
)
def goal(ctx: Context, args: str) -> str:
    words = args.split()
    if len(words) == 2 and words[1].lower() == "off" and words[0].lower() in set(Kind):
        kind = Kind(words[0].lower())
        ctx.session.execute(delete(Goal).where(Goal.user_id == ctx.user.id, Goal.kind == kind))
        return ctx._(CLEARED[kind])
    spec = parsing.parse_goal(args, ctx.settings.limits)
    existing = ctx.session.scalar(
        select(Goal).where(Goal.user_id == ctx.user.id, Goal.kind == spec.kind.value)
    )
    row = existing or Goal(user_id=ctx.user.id, kind=spec.kind.value)
    row.amount, row.period, row.counts_sessions = (
        spec.amount,
        spec.period.value,
        spec.counts_sessions,
    )
    if existing is None:
        ctx.session.add(row)
    ctx.session.flush()
    day, week = day_and_week_totals(ctx.connection, ctx.user.id, ctx.today)
    return "\n".join(
        [
            ctx._(SET[spec.kind]).format(target=formatting.goal_target(row, ctx.units, ctx.lang)),
            ctx._("So far: {progress}").format(
                progress=formatting.goal_progress(row, day, week, ctx.units, ctx.lang)
            ),
        ]
    )


@command("goals", "Your goals and how far along you are", examples=("/goals",), section=SECTION)
def goals(ctx: Context, args: str) -> str:
    rows = goals_of(ctx.connection, ctx.user.id)
    if not rows:
        raise UserError(
            ctx._("You have no goals yet. Try /goal run 15km/week or /goal water 2l/day.")
        )
    day, week = day_and_week_totals(ctx.connection, ctx.user.id, ctx.today)
    lines = [ctx._("🎯 **Your goals**")]
    for kind in Kind:
        if (row := rows.get(kind)) is not None:
            pct = min(100.0, goal_percent(row, day, week))
            progress = formatting.goal_progress(row, day, week, ctx.units, ctx.lang)
            lines.append(f"{formatting.bar(pct)} {progress}")
    return "\n".join(lines)
