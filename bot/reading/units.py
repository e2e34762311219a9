"""Quantities with pint, and figures shown in the user's unit system."""

from __future__ import annotations

import math
import re
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from bot.domain import Units

if TYPE_CHECKING:
    import pint


@cache
def registry() -> pint.UnitRegistry[float]:
    """pint's registry, made on first use: pint (and numpy, which it imports when present)
    is about 16 MB of a process, and a process that only formats metric figures never
    needs it."""
    import pint

    ureg: pint.UnitRegistry[float] = pint.UnitRegistry()
    ureg.define("glass_placeholder = [glass]")  # never shown: glasses are resolved by the parser
    return ureg


class NotAQuantity(ValueError):
    pass


# A quantity is a plain decimal number and one unit word, nothing else: no operators,
# brackets or exponents ever reach pint's expression evaluator, which would work out
# `9**9**9` while holding the interpreter lock. A number may be left out ("km" is 1 km).
_QUANTITY = re.compile(
    r"([-+]?(?:\d{1,15}(?:[.,]\d{1,15})?|[.,]\d{1,15})?)\s*([a-zµ_]{1,30})", re.ASCII
)
_BASE = {"length": "m", "time": "s", "volume": "ml", "mass": "kg"}


def quantity(text: str, dimension: str) -> float:
    """Magnitude of `text` in the base unit of `dimension`: metre, second, millilitre, kilogram.

    Raises NotAQuantity when it is not a number and a known unit of that dimension.
    """
    m = _QUANTITY.fullmatch(text.lower())
    if m is None:
        raise NotAQuantity(text)
    factor = _factor(m.group(2), dimension)
    if factor is None:
        raise NotAQuantity(text)
    number = m.group(1).replace(",", ".")
    magnitude = (float(number) if number.strip("+-") else 1.0) * factor
    if not math.isfinite(magnitude):
        raise NotAQuantity(text)
    return magnitude


@lru_cache(maxsize=4096)
def _factor(unit: str, dimension: str) -> float | None:
    """How many base units one `unit` is; None if it is no unit of that dimension.

    Cached both ways: the words of a note ("squats", "easy") are tried as units on every
    log, and pint takes longer to refuse a word than to convert a figure."""
    try:
        reg = registry()
        if unit not in reg:  # the registry's own lookup: prefixes, plurals, aliases
            return None
        return float(reg.Quantity(1.0, reg.Unit(unit)).to(_BASE[dimension]).magnitude)
    except Exception:  # pint refuses in many ways ("nan" is a number, not a unit, ...)
        return None


def _convert(value: float, src: str, dst: str) -> float:
    return float(registry().Quantity(value, src).to(dst).magnitude)


def distance(m: float, units: Units) -> str:
    if units is Units.IMPERIAL:
        return f"{_convert(m, 'm', 'mile'):.2f} mi"
    km = m / 1000
    return f"{km:.2f} km" if km < 100 else f"{km:.0f} km"


def distance_amount(m: float, units: Units) -> float:
    """Distance as a number in the user's unit (km or mi), for charts and placeholders."""
    return _convert(m, "m", "mile") if units is Units.IMPERIAL else m / 1000


def distance_unit(units: Units) -> str:
    return "mi" if units is Units.IMPERIAL else "km"


def clock(seconds: float) -> str:
    """28:30 or 1:02:10."""
    total = round(seconds)
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def pace(s_per_km: float, units: Units) -> str:
    if units is Units.IMPERIAL:
        return f"{clock(s_per_km * _convert(1, 'mile', 'km'))} /mi"
    return f"{clock(s_per_km)} /km"


def volume(ml: float, units: Units) -> str:
    if units is Units.IMPERIAL:
        return f"{_convert(ml, 'ml', 'fluid_ounce'):.0f} fl oz"
    return f"{ml:.0f} ml" if ml < 1000 else f"{round(ml / 1000, 2):g} l"


def weight(kg: float, units: Units) -> str:
    if units is Units.IMPERIAL:
        return f"{_convert(kg, 'kg', 'lb'):.0f} lb"
    return f"{kg:g} kg"


def seconds(s: float) -> str:
    """A timed set's length as people write it: '60s', '90s', '2min'."""
    return f"{s / 60:g}min" if s >= 120 and s % 60 == 0 else f"{s:g}s"


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min"


def volume_amount(ml: float, units: Units) -> float:
    """Volume as a number in the user's unit (litres or fl oz), for charts."""
    return _convert(ml, "ml", "fluid_ounce") if units is Units.IMPERIAL else ml / 1000


def volume_unit(units: Units) -> str:
    """The name under a chart's water axis."""
    return "fl oz" if units is Units.IMPERIAL else "litres"
