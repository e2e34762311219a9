"""Changing or removing any entry by its number (/history shows the numbers)."""

from __future__ import annotations

from bot.commands.log import changed_head, logged_reply
from bot.commands.registry import command
from bot.context import Asking, Context, UserError
from bot.domain import Kind, NewEntry
from bot.i18n.catalogs import N_
from bot.interface import Button, Choice, Param, Reply
from bot.progress import entries, formatting
from bot.progress.days import day_text
from bot.reading import parsing
from bot.storage.rows import StoredEntry

SECTION = "Log"
PICK = 6  # entries a bare /edit or /delete offers as buttons


def suggest_entry(ask: Asking, typed: str) -> list[Choice]:
    """The person's latest entries (`#12 · Wed 25 Nov · run 5.00 km in 28:30`, giving 12)
    whose number starts with what is typed, or whose description holds it; an older entry
    whose number is typed in full too."""
    if ask.user is None:
        return []
    wanted = typed.removeprefix("#").strip().lower()
    lang = ask.user.lang
    found = entries.recent(ask.connection, ask.user.id, ask.units, lang=lang)
    if wanted.isascii() and wanted.isdigit() and len(wanted) < 10:
        picked = [e for e in found if str(e.number).startswith(wanted)]
        if all(e.number != int(wanted) for e in picked):
            older = entries.by_number(ask.connection, ask.user.id, int(wanted))
            if older is not None and older.deleted_at is None:
                text = formatting.describe(older, ask.units, lang)
                picked.insert(0, entries.Label(older.number, older.local_date, text, lang))
    else:
        picked = [e for e in found if wanted in str(e).lower()]
    return [Choice(str(e), str(e.number)) for e in picked]


def _pick(ctx: Context, name: str) -> Reply:
    """A bare /edit or /delete: the latest entries as buttons, one press names the entry."""
    latest = entries.recent(ctx.connection, ctx.user.id, ctx.units, PICK, ctx.lang)
    if not latest:
        if name == "edit":
            empty = ctx._("You have no entries to edit yet. Log one first, e.g. /run 5k 28:30.")
        else:
            empty = ctx._("You have no entries to delete yet. Log one first, e.g. /run 5k 28:30.")
        raise UserError(empty)
    if name == "edit":
        text = ctx._(
            "Which entry? Press one (then say what it should say), or send /edit with its "
            "number, e.g. /edit {number}. /history shows older ones."
        )
    else:
        text = ctx._(
            "Which entry? Press one (it goes at once), or send /delete with its number, "
            "e.g. /delete {number}. /history shows older ones."
        )
    return Reply(
        text.format(number=latest[0].number),
        buttons=tuple(Button(str(e), f"/{name} {e.number}") for e in latest),
    )


def _entry(ctx: Context, text: str, name: str) -> StoredEntry:
    """The live entry a number names; a clear refusal for anything else."""
    word = text.removeprefix("#")
    usage = f"/{name} 12" if name == "delete" else f"/{name} 12 {entries.EDIT_ARGUMENTS['run']}"
    if not word:
        raise UserError(
            ctx._("Which entry? Give its number from /history, e.g. {usage}.").format(usage=usage)
        )
    if not (word.isascii() and word.isdigit() and len(word) < 10):
        raise UserError(
            ctx._(
                "'{word}' isn't an entry number. /history shows each entry's number, e.g. {usage}."
            ).format(word=word[:20], usage=usage)
        )
    found = entries.by_number(ctx.connection, ctx.user.id, int(word))
    if found is None:
        raise UserError(
            ctx._(
                "You have no entry #{number}. /history shows your entries' numbers, e.g. {usage}."
            ).format(number=int(word), usage=usage)
        )
    if found.deleted_at is not None:
        raise UserError(
            ctx._(
                "#{number} ({entry}) was removed already. Log it again with {example} if you "
                "want it back."
            ).format(
                number=found.number,
                entry=formatting.describe(found, ctx.units, ctx.lang),
                example=entries.EXAMPLES[found.kind],
            )
        )
    return found


def _parse(ctx: Context, kind: str, text: str) -> NewEntry:
    """The new figures with the entry kind's own parser, and its date, as that command reads
    them."""
    limits = ctx.settings.limits
    dated = parsing.split_date(text, ctx.today, limits)
    if kind == Kind.RUN:
        new = parsing.parse_run(dated.text, limits)
        return NewEntry(new.kind, new.value, new.note, dated.on_date)
    if kind == Kind.STRENGTH:
        new = parsing.parse_strength(dated.text, limits)
    else:
        new = parsing.parse_water(dated.text, limits, ctx.settings.water.glass_ml)
    return NewEntry(new.kind, new.value, None, dated.on_date)


@command(
    "edit",
    "Change an entry: its number, then what it should say",
    examples=("/edit 1 5k 27:30", "/edit 2 750ml", "/edit 3 squats 3x12 40kg yesterday"),
    section=SECTION,
    params=(
        Param("number", "The entry's number, from /history", kind=int, suggest=suggest_entry),
        Param("entry", "What it should say, as you'd log it: 5k 27:30, 750ml, squats 3x12"),
    ),
    details=N_(
        "Write the entry as its own command takes it: /edit 12 5k 27:30 for a run, "
        "/edit 13 750ml for water. Add 'yesterday' or a date like 2026-11-20 to move it to "
        "that day. To change what kind it is, /delete it and log it again."
    ),
)
def edit(ctx: Context, args: str) -> Reply:
    number, _, rest = args.strip().partition(" ")
    if not number:
        return _pick(ctx, "edit")
    old = _entry(ctx, number, "edit")
    example = f"/edit {old.number} {entries.EDIT_ARGUMENTS[old.kind]}"
    said = formatting.describe(old, ctx.units, ctx.lang)
    if not rest.strip():
        raise UserError(
            ctx._("What should #{number} say? It says {entry} now. E.g. {example}.").format(
                number=old.number, entry=said, example=example
            )
        )
    try:
        new = _parse(ctx, old.kind, rest.strip())
    except parsing.ParseError as exc:
        hint = ctx._("For #{number} ({kind}), e.g. {example}.").format(
            number=old.number, kind=formatting.kind_name(old.kind, ctx.lang), example=example
        )
        raise UserError(f"{exc}\n{hint}") from None
    changed = entries.rewrite(ctx.connection, old, new)
    if changed == old:
        return Reply(
            ctx._("#{number} already says that: {entry}.").format(number=old.number, entry=said)
        )
    return logged_reply(ctx, changed, head=changed_head(ctx, old, changed))


@command(
    "delete",
    "Remove an entry by its number",
    examples=("/delete 2",),
    section=SECTION,
    params=(Param("number", "The entry's number, from /history", kind=int, suggest=suggest_entry),),
    details=N_("The number stays with the removed entry: no other entry ever takes it."),
)
def delete(ctx: Context, args: str) -> str | Reply:
    if not args.strip():
        return _pick(ctx, "delete")
    found = _entry(ctx, args.strip(), "delete")
    entries.remove(ctx.connection, found, ctx.now)
    return ctx._("🗑️ Removed #{number}: {entry} ({day}).").format(
        number=found.number,
        entry=formatting.describe(found, ctx.units, ctx.lang),
        day=day_text(found.local_date, ctx.lang),
    )
