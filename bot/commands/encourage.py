"""Turning the lines of encouragement on and off."""

from __future__ import annotations

from bot.commands.registry import command
from bot.context import Context, UserError
from bot.i18n.catalogs import N_
from bot.interface import Param

SECTION = "Settings"


@command(
    "encourage",
    "Turn the lines of encouragement on or off",
    examples=("/encourage off", "/encourage on"),
    section=SECTION,
    params=(Param("switch", "on or off", required=False, choices=("on", "off")),),
    details=N_(
        "With it off, logs and reminders come without the extra line; nothing else changes."
    ),
    ephemeral=True,
)
def encourage(ctx: Context, args: str) -> str:
    choice = args.strip().lower()
    if not choice:
        if ctx.user.encourage:
            return ctx._("Encouragement is on. Switch it with /encourage off.")
        return ctx._("Encouragement is off. Switch it with /encourage on.")
    if choice not in {"on", "off"}:
        raise UserError(ctx._("Choose /encourage on or /encourage off."))
    ctx.user.change(ctx.connection, encourage=choice == "on")
    if choice == "on":
        return ctx._("🙌 Encouragement is on: a line of cheer comes with your logs and reminders.")
    return ctx._(
        "Encouragement is off: logs and reminders come without the extra line. "
        "/encourage on brings it back."
    )
