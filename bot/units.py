"""Quantities with pint, and figures shown in the user's unit system."""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING

from bot.domain import Units

if TYPE_CHECKING:
    import pint


@cache
def registry() -> pint.UnitRegistry:
    """pint's registry, made on first use: pint (and numpy, which it imports when present)
    is about 16 MB of a process, and a process that only formats metric figures never
    needs it."""
    import pint

    ureg = pint.UnitRegistry()
    ureg.define("glass_placeholder = [glass]")  # never shown: glasses are resolved by the parser
    return ureg


class NotAQuantity(ValueError):
    pass


def quantity(text: str, dimension: str) -> float:
    """Magnitude of `text` in the base unit of `dimension`: metre, second, millilitre, kilogram.

    Raises NotAQuantity when pint cannot read it or it has another dimension.
    """
    magnitude = _magnitude(text, dimension)
    if magnitude is None:
        raise NotAQuantity(text)
    return magnitude


@lru_cache(maxsize=4096)
def _magnitude(text: str, dimension: str) -> float | None:
    """Cached both ways: the words of a note ("squats", "easy") are tried as quantities on
    every log, and pint takes longer to refuse one than to read a figure."""
    import pint

    base = {"length": "m", "time": "s", "volume": "ml", "mass": "kg"}[dimension]
    try:
        q = registry().Quantity(text)
    except Exception:  # pint raises many kinds: undefined units, syntax, tokens
        return None
    if not isinstance(q, pint.Quantity) or q.dimensionless:
        return None
    try:
        return float(q.to(base).magnitude)
    except pint.DimensionalityError:
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


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min"


def volume_amount(ml: float, units: Units) -> float:
    """Volume as a number in the user's unit (litres or fl oz), for charts."""
    return _convert(ml, "ml", "fluid_ounce") if units is Units.IMPERIAL else ml / 1000


def volume_unit(units: Units) -> str:
    """The name under a chart's water axis."""
    return "fl oz" if units is Units.IMPERIAL else "litres"
