"""Greeting and help, both drawn from the registry."""

from __future__ import annotations

from itertools import groupby

from bot.commands import reminders
from bot.commands.registry import command
from bot.context import Context, UserError
from bot.interface import Param
from bot.progress.stats import REST_DAY_WINDOW
from bot.reminders import invites

SECTION = "Start"

STREAK_RULE = (
    "A streak counts the days from your first to your latest active day. Rest is part of "
    f"training: one day off in any {REST_DAY_WINDOW} keeps it going; two days off in a row, "
    "or a second rest day within the same seven, starts a new one."
)


@command("start", "Say hello and see how Steady works", examples=("/start",), section=SECTION)
def start(ctx: Context, args: str) -> str:
    token = args.strip()
    if token and not ctx.in_group and invites.looks_like_token(token):
        return reminders.from_invite(ctx, token)  # a /remind from a group, pressed Start on
    return (
        f"Hi {ctx.user.display_name}! I'm Steady. I keep track of your runs, strength work and "
        "water, and cheer you on: small steps, done often, add up.\n\n"
        "Try:\n/run 5k 28:30\n/strength squats 3x10 40kg\n/water 500ml\n"
        'In a private chat you can also just write "ran 5k in 28 min".\n\n'
        "Set your time zone with /tz Europe/Berlin and a goal with /goal run 15km/week. "
        "/help lists everything."
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
            raise UserError(f"I don't know /{name}. Send /help for the list.")
        lines = [f"**{cmd.usage}**", cmd.summary + "."]
        if cmd.details:
            lines.append(cmd.details)
        if cmd.name == "streak":
            lines.append(STREAK_RULE)
        lines.append("Examples: " + ", ".join(cmd.examples))
        return "\n".join(lines)
    lines = ["**What I can do**"]
    order = list(dict.fromkeys(c.section for c in registry))
    for section, cmds in groupby(
        sorted(registry, key=lambda c: order.index(c.section)), key=lambda c: c.section
    ):
        lines.append(f"\n**{section}**")
        for cmd in cmds:
            lines.append(f"{cmd.examples[0]} — {cmd.summary}")
    lines.append(
        '\nIn a private chat, plain words work too: "ran 5k in 28 min", "did 3x10 squats", '
        '"drank half a litre".'
    )
    lines.append(STREAK_RULE)
    lines.append("Send /help <command> for details, e.g. /help run.")
    return "\n".join(lines)
