"""Figures in the person's language: decimal commas, the locale's unit abbreviations, dates,
weekday names and plural forms, from Babel's CLDR data.

Babel's `format_*` functions look up and parse a pattern on every call (8–20 µs a figure);
here each language's patterns are parsed once and kept (`figures(lang)`), so a figure costs
one `apply`. English keeps the wording of `bot.reading.units` ("5.00 km", "500 ml"), which
every reply already uses; the other languages take CLDR's ("5,00 км", "500 мл").
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache

from babel import dates, numbers, units
from babel.dates import DateTimePattern
from babel.numbers import NumberPattern

from bot.domain import Units
from bot.i18n.languages import DEFAULT, locale, supported
from bot.reading import units as u

# CLDR's names for the units Steady shows.
KM, MILE, ML, LITRE, FL_OZ, KG, LB = (
    "length-kilometer",
    "length-mile",
    "volume-milliliter",
    "volume-liter",
    "volume-fluid-ounce",
    "mass-kilogram",
    "mass-pound",
)
LB_PER_KG = 2.2046226218487757
KM_PER_MILE = 1.609344
_SAMPLES = [*range(0, 200), 0.5, 1.5, 2.5]  # one of each plural category, in every language


class Figures:
    """One language's way of writing figures, with its patterns parsed once."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.locale = locale(lang)
        self._numbers: dict[int, NumberPattern] = {}
        self._units: dict[tuple[str, str], str] = {}
        self._percent: NumberPattern | None = None
        self._decimal = str(numbers.get_decimal_symbol(self.locale))
        self._plurals: dict[str, str] = {}
        self._days: dict[date, str] = {}
        skeleton = self.locale.datetime_skeletons.get("MMMEd")
        self._day: DateTimePattern = dates.parse_pattern(
            str(skeleton) if skeleton is not None else "EEE, d MMM"
        )
        self.weekdays: tuple[str, ...] = tuple(
            self.locale.days["format"]["wide"][i] for i in range(7)
        )  # Monday first, as Steady's weeks are

    def number(self, value: float, digits: int = 0) -> str:
        """5.5 with 2 digits: "5,50" in German, "5.50" in English.

        Below 1,000 no grouping applies, so the figure is Python's own with the locale's
        decimal sign (a tenth of Babel's time); larger and negative ones go through Babel."""
        if 0 <= value < 999.5:
            text = f"{value:.{digits}f}"
            return text if self._decimal == "." else text.replace(".", self._decimal)
        pattern = self._numbers.get(digits)
        if pattern is None:
            pattern = numbers.parse_pattern("#,##0" + ("." + "0" * digits if digits else ""))
            self._numbers[digits] = pattern
        return str(pattern.apply(value, self.locale))

    def percent(self, value: int) -> str:
        """A whole percentage: "80%", "80 %" in German, "80 %" in Russian."""
        if self._percent is None:
            self._percent = numbers.parse_pattern(self.locale.percent_formats[None].pattern)
        return str(self._percent.apply(value / 100, self.locale))

    def plural(self, n: float | Decimal) -> str:
        """CLDR's plural category of `n` here: "one", "few", "many" or "other"."""
        return str(self.locale.plural_form(n))

    def unit(self, value: float, unit: str, digits: int = 0) -> str:
        """`value` with the unit's short name, in the form its number takes: "5,50 км"."""
        shown = f"{value:.{digits}f}"
        category = self._plurals.get(shown)
        if category is None:
            category = self.plural(Decimal(shown))
            if len(self._plurals) < 10_000:  # figures repeat; the cache stays small anyway
                self._plurals[shown] = category
        return self._unit_pattern(unit, category).replace("{0}", self.number(value, digits))

    def _unit_pattern(self, unit: str, category: str) -> str:
        key = (unit, category)
        pattern = self._units.get(key)
        if pattern is None:
            sample = next((n for n in _SAMPLES if self.plural(n) == category), 1)
            shown = numbers.format_decimal(sample, "0.#", locale=self.locale)
            text = units.format_unit(sample, unit, "short", locale=self.locale, format="0.#")
            pattern = text.replace(shown, "{0}", 1)
            self._units[key] = pattern
        return pattern

    def day(self, when: date) -> str:
        """A day as a reply names it: "Fr., 4. Dez.", "пт, 4 дек.", "Fri, Dec 4"."""
        shown = self._days.get(when)
        if shown is None:
            shown = str(self._day.apply(when, self.locale))
            if len(self._days) < 4_000:  # a few years of days
                self._days[when] = shown
        return shown

    def weekday(self, index: int) -> str:
        """The weekday's name, 0 for Monday."""
        return self.weekdays[index]

    # --- Steady's figures, in the person's units ------------------------------------------

    def distance(self, m: float, system: Units) -> str:
        if self.lang == DEFAULT:
            return u.distance(m, system)
        amount = u.distance_amount(m, system)
        unit = MILE if system is Units.IMPERIAL else KM
        return self.unit(amount, unit, 2 if system is Units.IMPERIAL or amount < 100 else 0)

    def volume(self, ml: float, system: Units) -> str:
        if self.lang == DEFAULT:
            return u.volume(ml, system)
        if system is Units.IMPERIAL:
            return self.unit(u.volume_amount(ml, system), FL_OZ)
        if ml < 1000:
            return self.unit(ml, ML)
        litres = round(ml / 1000, 2)
        return self.unit(litres, LITRE, _digits(litres))

    def weight(self, kg: float, system: Units) -> str:
        if self.lang == DEFAULT:
            return u.weight(kg, system)
        if system is Units.IMPERIAL:
            return self.unit(kg * LB_PER_KG, LB)
        return self.unit(kg, KG, _digits(kg))

    def pace(self, s_per_km: float, system: Units) -> str:
        """ "5:42 /км": the clock reads the same everywhere, the unit is the language's."""
        if self.lang == DEFAULT:
            return u.pace(s_per_km, system)
        if system is Units.IMPERIAL:
            return f"{u.clock(s_per_km * KM_PER_MILE)} /{self._unit_name(MILE)}"
        return f"{u.clock(s_per_km)} /{self._unit_name(KM)}"

    def _unit_name(self, unit: str) -> str:
        """The unit's abbreviation alone ("км", "mi"), from the pattern a number takes."""
        return self._unit_pattern(unit, "other").replace("{0}", "").strip()


def _digits(value: float) -> int:
    """As many decimals as the figure needs, up to two (what `:g` shows after rounding)."""
    if value == int(value):
        return 0
    return 1 if round(value * 10, 6) == int(round(value * 10, 6)) else 2


@cache
def figures(lang: str) -> Figures:
    """The language's `Figures`, made once."""
    return Figures(supported(lang) or DEFAULT)


def uncached_day(when: date, lang: str) -> str:
    """What `Figures.day` replaces: Babel's own call, which looks the pattern up each time
    (kept for bench/figures.py)."""
    return dates.format_skeleton("MMMEd", when, locale=locale(lang))


def uncached_unit(value: float, unit: str, lang: str, digits: int) -> str:
    """Babel's own `format_unit`, for bench/figures.py."""
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return units.format_unit(value, unit, "short", locale=locale(lang), format=fmt)
