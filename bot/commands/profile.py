"""Personal settings: time zone and units."""

from __future__ import annotations

import difflib
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import get_timezone, get_timezone_location

from bot.commands.registry import command
from bot.context import Asking, Context, UserError
from bot.domain import Units
from bot.groups.group import group_of, set_group_tz
from bot.i18n.languages import DEFAULT, locale
from bot.interface import Button, Choice, Param, Reply
from bot.progress.days import day_text
from bot.reading import zones
from bot.reminders.tick import reschedule
from bot.storage.accounts import mark_tz_chosen

SECTION = "Settings"


@cache
def _zones() -> dict[str, str]:
    return {z.lower(): z for z in available_timezones() if "/" in z or z == "UTC"}


def find_zone(ctx: Context, text: str) -> str:
    """An IANA zone name from what was typed (any case), or a UserError with suggestions."""
    wanted = text.strip().replace(" ", "_")
    if not wanted:
        raise UserError(
            ctx._("Tell me your time zone, e.g. /tz Europe/Berlin or /tz America/New_York.")
        )
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
    unknown = ctx._("I don't know the time zone {zone}.").format(zone=repr(text.strip()))
    parts = [unknown]
    if hint:
        parts.append(ctx._("Did you mean {zones}?").format(zones=hint))
    parts.append(ctx._("Use a name like Europe/Berlin or America/New_York."))
    raise UserError(" ".join(parts))


def suggest_zones(ask: Asking, typed: str) -> list[Choice]:
    """Zones matching what is typed; nothing typed yet: those near the person's own."""
    if not typed:
        current = ask.user.tz if ask.user is not None else "UTC"
        return [Choice(z, z) for z in zones.near(current, count=25)]
    return [Choice(z, z) for z in zones.matching(typed)]


def zone_buttons(
    current: str, language: str | None = None, shown_in: str = DEFAULT
) -> tuple[Button, ...]:
    """A bare /tz's offer: one press sets a zone near the one the person has, or near the
    one their app's language suggests when the platform says which (`language`, e.g. "de"),
    so few people type a zone out whole. Each button names its city in `shown_in`."""
    near = zones.near(current, language)
    return tuple(Button(city(z, shown_in), f"/tz {z}") for z in near)


@cache
def city(zone: str, lang: str) -> str:
    """The zone's city as the language writes it ("Москва", "Nueva York"), from CLDR; in
    English the zone's own last part ("New York", "Sao Paulo")."""
    shown = zone.split("/")[-1].replace("_", " ")
    if lang == DEFAULT:
        return shown
    try:
        return str(get_timezone_location(get_timezone(zone), locale=locale(lang), return_city=True))
    except LookupError:
        return shown


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
            ctx._(
                "Your time zone is {zone}. Pick one of these, or send yours like /tz Europe/Berlin."
            ).format(zone=ctx.user.tz),
            buttons=zone_buttons(ctx.user.tz, ctx.incoming.language, ctx.lang),
        )
    zone = find_zone(ctx, args)
    ctx.user.change(ctx.connection, tz=zone)
    mark_tz_chosen(ctx.connection, ctx.user.id)
    reschedule(ctx.session, ctx.user.id, zone, ctx.now)  # reminders follow the new zone
    local = ctx.now.astimezone(ZoneInfo(zone))
    return "🕒 " + ctx._("Time zone set to {zone}. It's {time} on {day} there.").format(
        zone=zone, time=f"{local:%H:%M}", day=day_text(local.date(), ctx.lang)
    )


def _group_tz(ctx: Context, args: str) -> str | Reply:
    group = group_of(ctx)
    if not args.strip():
        return Reply(
            ctx._(
                "This group's time zone is {zone}. Admins change it with one of these, or "
                "like /tz Europe/Berlin."
            ).format(zone=group.tz),
            buttons=zone_buttons(group.tz, shown_in=ctx.lang),
        )
    if not ctx.is_admin:
        raise UserError(
            ctx._(
                "Only this group's admins can change its time zone. "
                "Set your own with /tz in a private chat with me."
            )
        )
    zone = find_zone(ctx, args)
    set_group_tz(ctx.session, group, zone, ctx.now)
    local = ctx.now.astimezone(ZoneInfo(zone))
    return "🕒 " + ctx._(
        "This group's time zone is now {zone} ({time} there). "
        "Challenge days and the digest follow it."
    ).format(zone=zone, time=f"{local:%H:%M}")


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
        shown = (
            ctx._("You see metric units.")
            if ctx.user.units == Units.METRIC
            else ctx._("You see imperial units.")
        )
        return shown + " " + ctx._("Change with /units metric or /units imperial.")
    if choice not in {u.value for u in Units}:
        raise UserError(ctx._("Choose /units metric or /units imperial."))
    ctx.user.change(ctx.connection, units=choice)
    if choice == Units.METRIC:
        return "📏 " + ctx._("Units set to metric: you'll see km, ml and kg.")
    return "📏 " + ctx._("Units set to imperial: you'll see miles, fl oz and lb.")
