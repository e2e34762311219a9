"""Greeting and help, both drawn from the registry."""

from __future__ import annotations

from itertools import groupby

from bot.commands import reminders
from bot.commands.registry import command
from bot.context import CommandSpec, Context, UserError
from bot.interface import Param
from bot.progress.freeze import FREEZE_RULE
from bot.progress.stats import REST_DAY_WINDOW
from bot.reminders import invites

SECTION = "Start"

STREAK_RULE = (
    "A streak counts the days from your first to your latest active day. Rest is part of "
    f"training: one day off in any {REST_DAY_WINDOW} keeps it going; two days off in a row, "
    "or a second rest day within the same seven, starts a new one. " + FREEZE_RULE
)


def streak_rule(ctx: Context) -> str:
    """`STREAK_RULE` in the person's language: its English, as written, is the msgid (the
    template takes it from here, with the rule of the freeze in it)."""
    return ctx._(STREAK_RULE)


@command("start", "Say hello and see how Steady works", examples=("/start",), section=SECTION)
def start(ctx: Context, args: str) -> str:
    token = args.strip()
    if token and not ctx.in_group and invites.looks_like_token(token):
        return reminders.from_invite(ctx, token)  # a /remind from a group, pressed Start on
    return "\n\n".join(
        [
            ctx._(
                "Hi {name}! I'm Steady. I keep track of your runs, strength work and water, "
                "and cheer you on: small steps, done often, add up."
            ).format(name=ctx.user.display_name),
            ctx._("Try:")
            + "\n/run 5k 28:30\n/strength squats 3x10 40kg\n/water 500ml\n"
            + ctx._('In a private chat you can also just write "ran 5k in 28 min".'),
            ctx._(
                "Set your time zone with /tz Europe/Berlin and a goal with /goal run 15km/week. "
                "/help lists everything."
            ),
        ]
    )


@command(
    "help",
    "All commands, or one in detail",
    examples=("/help", "/help run"),
    section=SECTION,
    params=(Param("command", "A command name for details", required=False),),
)
def help_(ctx: Context, args: str) -> str:
    registry = ctx.services.registry
    name = args.strip().lstrip("/").lower()
    if name:
        cmd = registry.get(name)
        if cmd is None:
            raise UserError(
                ctx._("I don't know /{name}. Send /help for the list.").format(name=name)
            )
        return _one(ctx, cmd)
    lines = ["**" + ctx._("What I can do") + "**"]
    order = list(dict.fromkeys(c.section for c in registry))
    for section, cmds in groupby(
        sorted(registry, key=lambda c: order.index(c.section)), key=lambda c: c.section
    ):
        lines.append(f"\n**{ctx._(section)}**")
        for cmd in cmds:
            lines.append(f"{cmd.examples[0]} — {ctx._(cmd.summary)}")
    lines.append(
        "\n"
        + ctx._(
            'In a private chat, plain words work too: "ran 5k in 28 min", "did 3x10 squats", '
            '"drank half a litre".'
        )
    )
    lines.append(streak_rule(ctx))
    lines.append(ctx._("Send /help <command> for details, e.g. /help run."))
    return "\n".join(lines)


def _one(ctx: Context, cmd: CommandSpec) -> str:
    """One command's help: its usage (names stay English), what it does, what each option
    takes, more words where it has them, and its examples."""
    lines = [f"**{cmd.usage}**", ctx._(cmd.summary) + "."]
    for param in cmd.params:
        if param.description:
            lines.append(f"<{param.name}> — {ctx._(param.description)}")
    if cmd.details:
        lines.append(ctx._(cmd.details))
    if cmd.name == "streak":
        lines.append(streak_rule(ctx))
    lines.append(ctx._("Examples: {examples}").format(examples=", ".join(cmd.examples)))
    return "\n".join(lines)
