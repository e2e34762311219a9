"""Days, percentages, lists and units as challenge texts write them, in a language.

English keeps the wording these texts always had ("Mon 30 Nov", "42%", "Ana and Ben",
"km"), which the English tests read; the other languages take Babel's CLDR patterns
("Mo., 30. Nov.", "42 %", "Ana und Ben", "км"). Digests and summaries call these with the
group's language, replies with the person's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import cache

from babel import dates, lists
from babel import units as babel_units

from bot.domain import Units
from bot.i18n.figures import KM, MILE, figures
from bot.i18n.languages import DEFAULT, locale
from bot.reading import units as u


def day(lang: str, when: date) -> str:
    """ "Mon 30 Nov"; "Mo., 30. Nov." in German."""
    return f"{when:%a %d %b}" if lang == DEFAULT else figures(lang).day(when)


def full_day(lang: str, when: date) -> str:
    """A day with its year: "Mon 30 Nov 2026"; "пн, 30 нояб. 2026 г." in Russian."""
    if lang == DEFAULT:
        return f"{when:%a %d %b %Y}"
    return str(dates.format_skeleton("yMMMEd", when, locale=locale(lang)))


def moment(lang: str, when: datetime) -> str:
    """A day and its time of day: "Wed 25 Nov 20:00"."""
    return f"{day(lang, when.date())} {when:%H:%M}"


def short_day(lang: str, when: date) -> str:
    """A chart's tick: "30 Nov"; "30. Nov." in German."""
    if lang == DEFAULT:
        return f"{when:%d %b}"
    return _short_day(lang, when)


@cache
def _short_day(lang: str, when: date) -> str:
    return str(dates.format_skeleton("MMMd", when, locale=locale(lang)))


def percent(lang: str, value: float) -> str:
    """A whole percentage: "42%", "42 %" in German and Russian."""
    return f"{value:.0f}%" if lang == DEFAULT else figures(lang).percent(round(value))


def number(lang: str, value: float, digits: int) -> str:
    """ "312.4"; "312,4" with a decimal comma."""
    return f"{value:.{digits}f}" if lang == DEFAULT else figures(lang).number(value, digits)


def distance(lang: str, amount: float, units: Units, digits: int | None = None) -> str:
    """An amount already in km or miles with its unit: "42.5 km", "42,5 км". With no
    `digits`, as many as it needs ("100 km", "21.1 km")."""
    if lang == DEFAULT:
        shown = f"{amount:g}" if digits is None else f"{amount:.{digits}f}"
        return f"{shown} {u.distance_unit(units)}"
    if digits is None:
        digits = 0 if amount == int(amount) else 1 if round(amount, 1) == amount else 2
    return figures(lang).unit(amount, MILE if units is Units.IMPERIAL else KM, digits)


def distance_unit(lang: str, units: Units) -> str:
    """The unit's short name, as a chart's axis shows it: "km", "км", "Meilen"."""
    if lang == DEFAULT:
        return u.distance_unit(units)
    return _unit_name(lang, MILE if units is Units.IMPERIAL else KM)


@cache
def _unit_name(lang: str, unit: str) -> str:
    return str(babel_units.get_unit_name(unit, length="short", locale=locale(lang)))


def listing(lang: str, items: Sequence[str], style: str = "standard") -> str:
    """ "Ana, Ben and Caro"; "Ana, Ben und Caro". `style` "or": "Telegram or Discord"."""
    if len(items) <= 1:
        return "".join(items)
    if lang == DEFAULT:
        last = " or " if style == "or" else " and "
        return f"{', '.join(items[:-1])}{last}{items[-1]}"
    return str(lists.format_list(list(items), style=style, locale=locale(lang)))  # type: ignore[arg-type]
