"""The catalogs' template, and bringing each language's catalog up to date with it.

    python -m bot.i18n.template          # writes bot/i18n/locale/steady.pot, updates the .po files

The template holds every string wrapped in the code (Babel's Python extractor over bot/ and
adapters/, with Steady's keywords) and the menu texts of every registered command (summary,
option descriptions, choices), which Telegram's menus and Discord's slash commands show.
Updating a catalog adds new strings untranslated and marks changed ones fuzzy; neither
is shown until translated (tests/test_catalogs.py fails until then).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

from bot.commands import build_registry
from bot.i18n.catalogs import DOMAIN, read_catalog
from bot.i18n.languages import DEFAULT, LANGUAGES
from bot.interface import CommandList

ROOT = Path(__file__).resolve().parents[2]
LOCALE = Path(__file__).resolve().parent / "locale"
KEYWORDS: dict[str, tuple[int | tuple[int, str], ...] | None] = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "translate": (2,),
    "translate_plural": (2, 3),
    "command": (2,),
    "Param": (2,),
}
METHODS = [("**.py", "python")]


def menu_texts(registry: CommandList) -> Iterator[str]:
    """What a command shows in a platform's menu: its summary, its options' descriptions and
    their choices (the command's and options' names stay English)."""
    for cmd in registry:
        yield cmd.summary
        for param in cmd.params:
            yield param.description
            yield from param.choices


def template(registry: CommandList) -> Catalog:
    catalog = Catalog(domain=DOMAIN, project="Steady", charset="utf-8", fuzzy=False)
    for folder in ("bot", "adapters"):
        found = extract_from_dir(
            str(ROOT / folder), METHODS, keywords=KEYWORDS, comment_tags=("i18n:",)
        )
        for filename, lineno, message, comments, _context in found:
            where = [(f"{folder}/{filename}", lineno)]
            if isinstance(message, tuple) or message:
                catalog.add(message, None, where, auto_comments=comments)
    for text in menu_texts(registry):
        if text and text not in catalog:
            catalog.add(text, None, [("bot/commands", 0)])
    return catalog


def update(registry: CommandList) -> None:
    pot = template(registry)
    with (LOCALE / f"{DOMAIN}.pot").open("wb") as handle:
        write_po(handle, pot, width=100, omit_header=False, include_lineno=False)
    for lang in LANGUAGES:
        if lang == DEFAULT:
            continue
        catalog = read_catalog(lang)
        catalog.update(pot, update_header_comment=False)
        with (LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po").open("wb") as handle:
            write_po(handle, catalog, width=100, include_lineno=False, ignore_obsolete=True)


def main() -> int:
    update(build_registry())
    return 0


if __name__ == "__main__":
    sys.exit(main())
