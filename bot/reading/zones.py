"""Time zone names as people type them: the IANA names Steady accepts, which of them match a
few letters, and which lie near a person (for a bare /tz).

Only the current region/city names are offered (Europe/Berlin, America/Argentina/Buenos_Aires,
UTC), not the old aliases (US/Eastern, GB, Etc/GMT+1): /tz still accepts those typed whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from zoneinfo import available_timezones

AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian"}
    | {"Pacific", "Arctic"}
)

# The zones most people live in, roughly by how many: they come first among equal matches,
# and they are what a bare /tz offers (those of the person's own area first).
COMMON = (
    "Asia/Shanghai",
    "Asia/Kolkata",
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Moscow",
    "Europe/Istanbul",
    "Europe/Kyiv",
    "Europe/Warsaw",
    "Europe/Amsterdam",
    "Europe/Lisbon",
    "Europe/Stockholm",
    "Europe/Athens",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Mexico_City",
    "America/Bogota",
    "America/Lima",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "America/Santiago",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Jakarta",
    "Asia/Manila",
    "Asia/Singapore",
    "Asia/Bangkok",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Dhaka",
    "Africa/Lagos",
    "Africa/Cairo",
    "Africa/Nairobi",
    "Africa/Johannesburg",
    "Australia/Sydney",
    "Australia/Perth",
    "Pacific/Auckland",
)

# A language's most likely zone, for when the platform says which language the person's app
# uses: a bare /tz then offers that zone's neighbours before anything else.
LANGUAGE_ZONES = {
    "de": "Europe/Berlin",
    "es": "Europe/Madrid",
    "pt": "America/Sao_Paulo",
    "ru": "Europe/Moscow",
    "fr": "Europe/Paris",
    "it": "Europe/Rome",
    "pl": "Europe/Warsaw",
    "uk": "Europe/Kyiv",
    "tr": "Europe/Istanbul",
    "nl": "Europe/Amsterdam",
    "ja": "Asia/Tokyo",
    "ko": "Asia/Seoul",
    "zh": "Asia/Shanghai",
    "hi": "Asia/Kolkata",
    "id": "Asia/Jakarta",
    "en": "Europe/London",
}

NEARBY = 8  # zones a bare /tz offers


@cache
def zone_names() -> tuple[str, ...]:
    """Every zone on offer, in the order equal matches are shown: common ones first."""
    names = {z for z in available_timezones() if z.split("/", 1)[0] in AREAS}
    rank = {z: i for i, z in enumerate(COMMON)}
    return ("UTC", *sorted(names, key=lambda z: (rank.get(z, len(rank)), z)))


def matching(typed: str, limit: int = 25) -> list[str]:
    """The zones whose name matches what was typed, any case, spaces read as underscores:
    first those where a part of the name starts with it (`ber` → Europe/Berlin,
    `buenos` → America/Argentina/Buenos_Aires, `europe/be` → Europe/Belgrade…), then those
    that merely contain it. Nothing typed: the common zones."""
    wanted = "_".join(typed.lower().split())
    if not wanted:
        return list(zone_names()[:limit])
    starts: list[str] = []
    contains: list[str] = []
    for zone in zone_names():
        low = zone.lower()
        parts = low.split("/")
        if low.startswith(wanted) or any(_starts(part, wanted) for part in parts):
            starts.append(zone)
        elif wanted in low:
            contains.append(zone)
        if len(starts) >= limit:
            break
    return (starts + contains)[:limit]


def _starts(part: str, wanted: str) -> bool:
    """A part of a zone's name starts with `wanted`, or one of its words does (`aires` in
    Buenos_Aires)."""
    return part.startswith(wanted) or any(w.startswith(wanted) for w in part.split("_")[1:])


def near(current: str, language: str | None = None, count: int = NEARBY) -> list[str]:
    """Zones to offer someone who sent /tz alone: around the zone their app's language
    suggests (when the platform says it), else around the zone they have, with the world's
    common zones filling up. The zone they have is left out: they have it already."""
    anchor = LANGUAGE_ZONES.get((language or "").split("-")[0].lower())
    if anchor is None and current != "UTC" and "/" in current:
        anchor = current
    area = anchor.split("/", 1)[0] if anchor else None
    ordered: Iterable[str] = (
        *([anchor] if anchor else []),
        *(z for z in COMMON if area and z.startswith(area + "/")),
        *COMMON,
        "UTC",
    )
    known = set(zone_names())
    chosen: list[str] = []
    for zone in ordered:
        if zone in known and zone != current and zone not in chosen:
            chosen.append(zone)
        if len(chosen) == count:
            break
    return chosen
