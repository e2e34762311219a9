"""What the per-language tables of plain words (tests/test_plain_words_<lang>.py) share:
one row's check, the same as the English table's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.reading import parsing
from bot.reading.plain_words import read
from tests.test_plain_words import (  # noqa: F401  (the tables use these)
    NOTHING,
    REFUSED,
    TODAY,
    L,
    Unsure,
    _command_logs_the_same,
    _same,
    ago,
    lift,
    run,
    water,
)


def check(text: str, want: object, language: str) -> None:
    """A row: the entry `text` logs in `language`, an unsure reading of it, nothing, or a
    refusal that says why."""
    if want == REFUSED:
        with pytest.raises(parsing.ParseError):
            read(text, today=TODAY, limits=L, glass_ml=250, language=language)
        return
    reading = read(text, today=TODAY, limits=L, glass_ml=250, language=language)
    if want == NOTHING:
        assert reading is None, f"{text!r} read as {reading}"
        return
    assert reading is not None, f"{text!r} was not read"
    entry = want.entry if isinstance(want, Unsure) else want
    assert reading.sure is not isinstance(want, Unsure), reading
    assert _same(reading.entry, entry), f"{reading.entry} != {entry}"
    _command_logs_the_same(reading)


def any_words_hold(text: str, language: str) -> None:
    """Whatever `text` is, it reads as an entry within the bounds (whose command line logs
    the same entry), a refusal, or nothing: never an error of another sort."""
    try:
        reading = read(text, today=TODAY, limits=L, glass_ml=250, language=language)
    except parsing.ParseError:
        return
    if reading is None:
        return
    _command_logs_the_same(reading)
    on = reading.entry.on_date
    assert on is None or TODAY - timedelta(days=L.max_days_back) <= on <= TODAY
