"""Errors a person is shown, raised where nobody knows their language.

A parser or a check far from any `Context` raises `Told(N_("English {with} params"), ...)`;
the core, which knows the person, shows it with `told.in_language(lang)`. `str(told)` stays
the English sentence, for logs and for tests written in English.
"""

from __future__ import annotations

from bot.i18n.catalogs import translate


class Said:
    """An English message (a msgid) with named params, translated where it is shown. A
    param that is itself `Said` (an example, a word) is translated with it."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, /, **params: object) -> None:
        self.msgid = msgid
        self.params = params

    def in_language(self, lang: str) -> str:
        text = translate(lang, self.msgid)
        if not self.params:
            return text
        return text.format(
            **{k: v.in_language(lang) if isinstance(v, Said) else v for k, v in self.params.items()}
        )

    def english(self) -> str:
        return self.in_language("en")

    def __str__(self) -> str:
        return self.english()

    def __repr__(self) -> str:
        return f"Said({self.msgid!r})"


class Told(Exception):
    """A mistake of the person's, shown to them as `in_language(lang)`. Written once as
    English with named params (marked with `N_` for the catalogs), so every raiser in any
    module is translated where the error is shown."""

    def __init__(self, message: str | Said, /, **params: object) -> None:
        said = message if isinstance(message, Said) else Said(message, **params)
        super().__init__(said.english())
        self.said = said

    def in_language(self, lang: str) -> str:
        return self.said.in_language(lang)
