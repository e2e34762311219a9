"""Microseconds per figure in each language: Steady's cached formats (`bot.i18n.figures`)
against Babel's own calls, which look a pattern up and parse it every time, and against a
plain f-string.

    python bench/figures.py
"""

from __future__ import annotations

import sys
import timeit
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.domain import Units
from bot.i18n.catalogs import translate
from bot.i18n.figures import KM, figures, uncached_day, uncached_unit
from bot.i18n.languages import LANGUAGES

N = 20_000
DAY = date(2026, 12, 4)


def per_call(statement: object, number: int = N) -> float:
    """Best of three, in µs per call."""
    return min(timeit.repeat(statement, number=number, repeat=3)) / number * 1e6  # type: ignore[arg-type]


def main() -> None:
    km = 5.5
    print(f"f-string            {per_call(lambda: f'{km:.2f} km'):6.2f} µs")
    print(f"{'':8}{'distance':>12}{'day':>10}{'babel unit':>12}{'babel day':>11}{'gettext':>9}")
    for lang in LANGUAGES:
        f = figures(lang)
        f.distance(5500, Units.METRIC)  # the first call parses and keeps the patterns
        cached_distance = per_call(lambda f=f: f.distance(5500, Units.METRIC))
        cached_day = per_call(lambda f=f: f.day(DAY))
        babel_unit = per_call(lambda lang=lang: uncached_unit(km, KM, lang, 2), 2_000)
        babel_day = per_call(lambda lang=lang: uncached_day(DAY, lang), 2_000)
        lookup = per_call(lambda lang=lang: translate(lang, "Languages"))
        print(
            f"{lang:8}{cached_distance:10.2f}µs{cached_day:8.2f}µs{babel_unit:10.2f}µs"
            f"{babel_day:9.2f}µs{lookup:7.2f}µs"
        )


if __name__ == "__main__":
    main()
