"""Helpers for tests of the voice: find the line of encouragement in a reply and tell
which category of the shipped library it came from."""

from __future__ import annotations

import re
import string
from functools import cache
from pathlib import Path

from bot.voice.encouragement import Library, load_library

CONFIG = Path(__file__).resolve().parent.parent / "config"


@cache
def shipped_library() -> Library:
    library, problems = load_library(CONFIG / "encouragement.toml")
    assert library is not None, problems
    return library


def line_of(reply: str) -> str | None:
    """The italic line a log's reply ends with, without its markup; None when there is none."""
    last = reply.splitlines()[-1] if reply else ""
    return last[1:-1] if len(last) > 2 and last.startswith("_") and last.endswith("_") else None


@cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    found = []
    for message in shipped_library().messages():
        regex = "".join(
            re.escape(literal) + ("(.+?)" if field is not None else "")
            for literal, field, _, _ in string.Formatter().parse(message.text)
        )
        found.append((message.category, re.compile(regex)))
    return found


def category_of(line: str | None) -> str | None:
    """Which category a rendered line belongs to (None for no line or an unknown one)."""
    if line is None:
        return None
    for category, pattern in _patterns():
        if pattern.fullmatch(line):
            return category
    return None


def category_in(reply: str) -> str | None:
    return category_of(line_of(reply))
