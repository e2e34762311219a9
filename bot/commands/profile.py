"""Personal settings: time zone and units."""

from __future__ import annotations

import difflib
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.commands.registry import command
from bot.context import Asking, Context, UserError
from bot.domain import Units
from bot.groups.group import group_of, set_group_tz
from bot.interface import Button, Choice, Param, Reply
from bot.reading import zones
from bot.reminders.tick import reschedule
from bot.storage.accounts import mark_tz_chosen

SECTION = "Settings"


@cache
def _zones() -> dict[str, str]:
    return {z.lower(): z for z in available_timezones() if "/" in z or z == "UTC"}


def find_zone(text: str) -> str:
    """An IANA zone name from what was typed (any case), or a UserError with suggestions."""
    wanted = text.strip().replace(" ", "_")
    if not wanted:
        raise UserError("Tell me your time zone, e.g. /tz Europe/Berlin or /tz America/New_York.")
    exact = _zones().get(wanted.lower())
    if exact:
        try:
            ZoneInfo(exact)
            return exact
        except ZoneInfoNotFoundError:
            pass
    lowered = list(_zones())
    close = difflib.get_close_matches(wanted.lower(), lowered, n=3, cutoff=0.5)
    close += [z for z in lowered if wanted.lower() in z.split("/")[-1] and z not in close][:3]
    hint = ", ".join(_zones()[z] for z in close[:3])
    suggestion = f" Did you mean {hint}?" if hint else ""
    raise UserError(
        f"I don't know the time zone {text.strip()!r}.{suggestion} "
        "Use a name like Europe/Berlin or America/New_York."
    )


def suggest_zones(ask: Asking, typed: str) -> list[Choice]:
    """Zones matching what is typed; nothing typed yet: those near the person's own."""
    if not typed:
        current = ask.user.tz if ask.user is not None else "UTC"
        return [Choice(z, z) for z in zones.near(current, count=25)]
    return [Choice(z, z) for z in zones.matching(typed)]


def zone_buttons(current: str, language: str | None = None) -> tuple[Button, ...]:
    """A bare /tz's offer: one press sets a zone near the one the person has, or near the
    one their app's language suggests when the platform says which (`language`, e.g. "de"),
    so few people type a zone out whole."""
    near = zones.near(current, language)
    return tuple(Button(z.split("/")[-1].replace("_", " "), f"/tz {z}") for z in near)


@command(
    "tz",
    "Set your time zone (IANA name)",
    examples=("/tz Europe/Berlin", "/tz America/New_York"),
    section=SECTION,
    params=(
        Param(
            "zone", "An IANA time zone, e.g. Europe/Berlin", required=False, suggest=suggest_zones
        ),
    ),
    details="Your days, streaks and reminders follow this zone. In a group, admins set the "
    "group's zone, which its challenges and digest follow.",
    asks_admin=True,  # in a group, only admins change the group's zone
)
def tz(ctx: Context, args: str) -> str | Reply:
    if ctx.in_group:
        return _group_tz(ctx, args)
    if not args.strip():
        return Reply(
            f"Your time zone is {ctx.user.tz}. Pick one of these, or send yours like "
            "/tz Europe/Berlin.",
            buttons=zone_buttons(ctx.user.tz, ctx.incoming.language),
        )
    zone = find_zone(args)
    ctx.user.change(ctx.connection, tz=zone)
    mark_tz_chosen(ctx.connection, ctx.user.id)
    reschedule(ctx.session, ctx.user.id, zone, ctx.now)  # reminders follow the new zone
    local = ctx.now.astimezone(ZoneInfo(zone))
    return f"🕒 Time zone set to {zone}. It's {local:%H:%M} on {local:%a %d %b} there."


def _group_tz(ctx: Context, args: str) -> str | Reply:
    group = group_of(ctx)
    if not args.strip():
        return Reply(
            f"This group's time zone is {group.tz}. Admins change it with one of these, or "
            "like /tz Europe/Berlin.",
            buttons=zone_buttons(group.tz),
        )
    if not ctx.is_admin:
        raise UserError(
            "Only this group's admins can change its time zone. "
            "Set your own with /tz in a private chat with me."
        )
    zone = find_zone(args)
    set_group_tz(ctx.session, group, zone, ctx.now)
    local = ctx.now.astimezone(ZoneInfo(zone))
    return (
        f"🕒 This group's time zone is now {zone} ({local:%H:%M} there). "
        "Challenge days and the digest follow it."
    )


@command(
    "units",
    "Show figures in metric or imperial",
    examples=("/units metric", "/units imperial"),
    section=SECTION,
    params=(Param("system", "metric or imperial", choices=("metric", "imperial")),),
    ephemeral=True,
)
def units(ctx: Context, args: str) -> str:
    choice = args.strip().lower()
    if not choice:
        return f"You see {ctx.user.units} units. Change with /units metric or /units imperial."
    if choice not in {u.value for u in Units}:
        raise UserError("Choose /units metric or /units imperial.")
    ctx.user.change(ctx.connection, units=choice)
    sample = "km, ml and kg" if choice == Units.METRIC else "miles, fl oz and lb"
    return f"📏 Units set to {choice}: you'll see {sample}."
