"""The message catalogs: `.po` files shipped in the package (bot/i18n/locale/), read into
memory once per language and never written anywhere (the image runs as a user that can't).

Babel reads each `.po` (`read_po`) and writes it as a compiled catalog into a buffer
(`write_mo`), which the standard library's `GNUTranslations` then serves: a dict lookup per
string, with each language's own plural rule from the file's Plural-Forms header. Fuzzy
entries are left out, so an unchecked translation falls back to English.
"""

from __future__ import annotations

import gettext as _gettext
import io
from functools import cache
from importlib import resources

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n.languages import DEFAULT, LANGUAGES, supported

DOMAIN = "steady"


def po_path(lang: str) -> resources.abc.Traversable:
    return resources.files("bot.i18n") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(lang: str) -> Catalog:
    """The language's `.po` file as Babel's `Catalog` (for checks and tools)."""
    with po_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The language's catalog, loaded on first use and kept: English is the source, so it
    needs none."""
    lang = supported(lang) or DEFAULT
    if lang == DEFAULT:
        return _gettext.NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, read_catalog(lang))
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def translate(lang: str, message: str) -> str:
    """`message` (English, as written in the code) in `lang`."""
    return translations(lang).gettext(message)


def translate_plural(lang: str, singular: str, plural: str, n: int) -> str:
    """The form of the message for `n` in `lang` (Russian has three)."""
    return translations(lang).ngettext(singular, plural, n)


def translated(lang: str, message: str) -> str | None:
    """The message in `lang` if its catalog has it, else None (Discord wants None for "no
    translation", not the English again)."""
    if supported(lang) in (None, DEFAULT):
        return None
    text = translations(lang).gettext(message)
    return text if text != message else None


def load_all() -> None:
    """Reads every catalog now, so the first message in each language pays nothing."""
    for lang in LANGUAGES:
        translations(lang)


def N_(message: str) -> str:
    """Marks a string for the catalogs where it is written; it is translated where shown."""
    return message
