"""Turning the lines of encouragement on and off."""

from __future__ import annotations

from bot.commands.registry import command
from bot.context import Context, UserError
from bot.interface import Param

SECTION = "Settings"


@command(
    "encourage",
    "Turn the lines of encouragement on or off",
    examples=("/encourage off", "/encourage on"),
    section=SECTION,
    params=(Param("switch", "on or off", required=False, choices=("on", "off")),),
    details="With it off, logs and reminders come without the extra line; nothing else changes.",
    ephemeral=True,
)
def encourage(ctx: Context, args: str) -> str:
    choice = args.strip().lower()
    state = "on" if ctx.user.encourage else "off"
    if not choice:
        other = "off" if ctx.user.encourage else "on"
        return f"Encouragement is {state}. Switch it with /encourage {other}."
    if choice not in {"on", "off"}:
        raise UserError("Choose /encourage on or /encourage off.")
    ctx.user.change(ctx.connection, encourage=choice == "on")
    if choice == "on":
        return "🙌 Encouragement is on: a line of cheer comes with your logs and reminders."
    return (
        "Encouragement is off: logs and reminders come without the extra line. "
        "/encourage on brings it back."
    )
