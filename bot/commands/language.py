"""Choosing the language Steady speaks: /lang (and /language)."""

from __future__ import annotations

from bot.commands.registry import command
from bot.context import Context, UserError
from bot.groups.group import group_language, group_of
from bot.i18n.languages import LANGUAGES, native_name, supported
from bot.interface import Param

SECTION = "Settings"
AUTO = "auto"  # back to the app's language


def _by_name() -> dict[str, str]:
    """Each language by its code and by its name in itself ("deutsch", "русский")."""
    names = {lang: lang for lang in LANGUAGES}
    for lang in LANGUAGES:
        names[native_name(lang).casefold()] = lang
        names[native_name(lang).split(" (")[0].casefold()] = lang
    return names


def find_language(ctx: Context, text: str) -> str:
    wanted = text.strip()
    lang = supported(wanted) or _by_name().get(wanted.casefold())
    if lang is None:
        raise UserError(
            ctx._("I don't speak “{wanted}” yet. I speak: {choices}. For example: /lang de").format(
                wanted=_shown(wanted), choices=", ".join(LANGUAGES)
            )
        )
    return lang


def _shown(text: str) -> str:
    """What was typed, short and without markup characters, to quote it back."""
    return " ".join(text.replace("*", " ").replace("_", " ").split())[:40]


def _choices(ctx: Context, current: str) -> str:
    lines = ["**" + ctx._("Languages") + "**"]
    for lang in LANGUAGES:
        mark = " — " + ctx._("current") if lang == current else ""
        lines.append(f"{lang}: {native_name(lang)}{mark}")
    return "\n".join(lines)


@command(
    "lang",
    "Choose the language I speak",
    examples=("/lang", "/lang de", "/lang español", "/lang auto"),
    section=SECTION,
    params=(Param("language", "A language: en, de, es, pt, ru, or auto", required=False),),
    details="Without a choice I speak your app's language, when I know it, else English. "
    "In a group, admins choose the language of its digests and summaries.",
    asks_admin=True,  # in a group, only admins choose the group's language
)
@command(
    "language",
    "Choose the language I speak",
    examples=("/language", "/language pt", "/language auto"),
    section=SECTION,
    params=(Param("language", "A language: en, de, es, pt, ru, or auto", required=False),),
    asks_admin=True,
)
def lang(ctx: Context, args: str) -> str:
    if ctx.in_group:
        return _group_lang(ctx, args)
    wanted = args.strip()
    if not wanted:
        return "\n".join(
            [
                _choices(ctx, ctx.lang),
                ctx._("Choose one with /lang de. /lang auto follows your app's language again."),
            ]
        )
    if wanted.casefold() == AUTO:
        ctx.user.change(ctx.connection, language=None)
        return ctx._("Done: I'll follow your app's language again ({language}).").format(
            language=native_name(ctx.lang)
        )
    chosen = find_language(ctx, wanted)
    ctx.user.change(ctx.connection, language=chosen)
    return ctx._("Done: I'll speak {language} with you from now on.").format(
        language=native_name(chosen)
    )


def _group_lang(ctx: Context, args: str) -> str:
    group = group_of(ctx)
    wanted = args.strip()
    if not wanted:
        return "\n".join(
            [
                _choices(ctx, group_language(ctx.session, group)),
                ctx._(
                    "That is the language of this group's digests and summaries. "
                    "Admins choose it with /lang de; /lang auto goes back to the one most "
                    "members speak."
                ),
            ]
        )
    if not ctx.is_admin:
        raise UserError(
            ctx._(
                "Only this group's admins can choose its language. For your own, send "
                "/lang de in a private chat with me."
            )
        )
    if wanted.casefold() == AUTO:
        group.language = None
        ctx.session.flush()
        return ctx._(
            "Done: this group's digests and summaries will be in the language most members "
            "speak ({language})."
        ).format(language=native_name(group_language(ctx.session, group)))
    group.language = find_language(ctx, wanted)
    return ctx._("Done: this group's digests and summaries will be in {language}.").format(
        language=native_name(group.language)
    )
