"""Days as replies and charts show them, in the person's language.

English keeps the strftime wording the replies have always used ("Fri 04 Dec"); the other
languages take CLDR's patterns ("Fr., 4. Dez.", "пт, 4 дек."), each parsed once per language
(Babel's own `format_skeleton` looks the pattern up again on every call).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from babel import dates
from babel.dates import DateTimePattern

from bot.i18n.figures import figures
from bot.i18n.languages import DEFAULT, locale, supported

# What each kind of day shows in English (strftime), and the CLDR skeleton other languages use.
_DAYS = {
    "day": ("%a %d %b", "MMMEd"),  # Fri 04 Dec
    "day_year": ("%a %d %b %Y", "yMMMEd"),  # Fri 04 Dec 2026
    "date": ("%d %b", "MMMd"),  # 04 Dec
    "date_year": ("%d %b %Y", "yMMMd"),  # 04 Dec 2026
    "month": ("%B %Y", "yMMMM"),  # December 2026
}


@cache
def _pattern(lang: str, skeleton: str) -> DateTimePattern:
    found = locale(lang).datetime_skeletons.get(skeleton)
    return dates.parse_pattern(str(found) if found is not None else "d MMM y")


def _lang(lang: str) -> str:
    return supported(lang) or DEFAULT


def day_text(when: date, lang: str = DEFAULT, style: str = "day") -> str:
    """A day as the replies show it (`style` one of _DAYS): 'Fri 04 Dec', 'Fr., 4. Dez.'."""
    english, skeleton = _DAYS[style]
    lang = _lang(lang)
    if lang == DEFAULT:
        return when.strftime(english)
    if style == "day":
        return figures(lang).day(when)
    return str(_pattern(lang, skeleton).apply(when, locale(lang)))


def day_and_time(when: datetime, lang: str = DEFAULT) -> str:
    """'Fri 04 Dec 18:30', 'Fr., 4. Dez., 18:30'."""
    lang = _lang(lang)
    if lang == DEFAULT:
        return f"{when:%a %d %b %H:%M}"
    return f"{day_text(when.date(), lang)}, {when:%H:%M}"


def weekday_letters(lang: str = DEFAULT) -> str:
    """The week's days by initial, Monday first: 'M T W T F S S', 'П В С Ч П С В'."""
    names = locale(_lang(lang)).days["stand-alone"]["narrow"]
    return " ".join(str(names[i]) for i in range(7))


def month_abbreviation(when: date, lang: str = DEFAULT) -> str:
    """'Dec', 'Dez', 'дек.': a chart's tick under a month's first week."""
    lang = _lang(lang)
    if lang == DEFAULT:
        return f"{when:%b}"
    return str(locale(lang).months["stand-alone"]["abbreviated"][when.month])


def weekday_abbreviation(when: date, lang: str = DEFAULT) -> str:
    """'Fri', 'Fr.', 'пт': a week chart's tick."""
    lang = _lang(lang)
    if lang == DEFAULT:
        return f"{when:%a}"
    return str(locale(lang).days["stand-alone"]["abbreviated"][when.weekday()])
