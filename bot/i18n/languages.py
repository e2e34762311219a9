"""The languages Steady speaks, and reading a platform's language hint as one of them.

Telegram sends a `language_code` ("es", "pt-br"), Discord a locale ("es-ES", "pt-BR"), the
console the `LANG` variable ("de_DE.UTF-8"); each is read down to its language, and one
Steady does not speak counts as no hint at all.
"""

from __future__ import annotations

from functools import cache

from babel import Locale

DEFAULT = "en"  # the source language: msgids are English
LANGUAGES = ("en", "de", "es", "pt", "ru")
# The Babel locale behind each: Portuguese is Brazil's.
BABEL_LOCALES = {"en": "en", "de": "de", "es": "es", "pt": "pt_BR", "ru": "ru"}


def supported(code: str | None) -> str | None:
    """The language of `code` if Steady speaks it, else None: "es-ES" → "es",
    "de_DE.UTF-8" → "de", "pt-BR" → "pt", "C" → None."""
    if not code:
        return None
    head = code.strip().split(".", 1)[0].split("@", 1)[0].replace("_", "-")
    lang = head.split("-", 1)[0].lower()
    return lang if lang in BABEL_LOCALES else None


def resolve(chosen: str | None, hint: str | None) -> str:
    """A person's language: the one they chose with /lang, else their app's, else English."""
    return supported(chosen) or supported(hint) or DEFAULT


@cache
def locale(lang: str) -> Locale:
    return Locale.parse(BABEL_LOCALES.get(lang, DEFAULT))


@cache
def native_name(lang: str) -> str:
    """The language's name in itself, as a person choosing it would look for it: "Deutsch",
    "Español", "Português (Brasil)", "Русский"."""
    name = locale(lang).display_name or lang
    return name[:1].upper() + name[1:]
