"""Changing or removing any entry by its number (/history shows the numbers)."""

from __future__ import annotations

from bot.commands.log import changed_head, logged_reply
from bot.commands.registry import command
from bot.context import Context, UserError
from bot.domain import Kind, NewEntry
from bot.interface import Param, Reply
from bot.progress import entries, formatting
from bot.reading import parsing
from bot.storage.rows import StoredEntry

SECTION = "Log"


def _entry(ctx: Context, text: str, name: str) -> StoredEntry:
    """The live entry a number names; a clear refusal for anything else."""
    word = text.removeprefix("#")
    usage = f"/{name} 12" if name == "delete" else f"/{name} 12 {entries.EDIT_ARGUMENTS['run']}"
    if not word:
        raise UserError(f"Which entry? Give its number from /history, e.g. {usage}.")
    if not (word.isascii() and word.isdigit() and len(word) < 10):
        raise UserError(
            f"'{word[:20]}' isn't an entry number. /history shows each entry's number, "
            f"e.g. {usage}."
        )
    found = entries.by_number(ctx.connection, ctx.user.id, int(word))
    if found is None:
        raise UserError(
            f"You have no entry #{int(word)}. /history shows your entries' numbers, e.g. {usage}."
        )
    if found.deleted_at is not None:
        raise UserError(
            f"#{found.number} ({formatting.describe(found, ctx.units)}) was removed already. "
            f"Log it again with {entries.EXAMPLES[found.kind]} if you want it back."
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
        Param("number", "The entry's number, from /history", kind=int),
        Param("entry", "What it should say, as you'd log it: 5k 27:30, 750ml, squats 3x12"),
    ),
    details="Write the entry as its own command takes it: /edit 12 5k 27:30 for a run, "
    "/edit 13 750ml for water. Add 'yesterday' or a date like 2026-11-20 to move it to that "
    "day. To change what kind it is, /delete it and log it again.",
)
def edit(ctx: Context, args: str) -> Reply:
    number, _, rest = args.strip().partition(" ")
    old = _entry(ctx, number, "edit")
    example = f"/edit {old.number} {entries.EDIT_ARGUMENTS[old.kind]}"
    if not rest.strip():
        raise UserError(
            f"What should #{old.number} say? It says {formatting.describe(old, ctx.units)} now. "
            f"E.g. {example}."
        )
    try:
        new = _parse(ctx, old.kind, rest.strip())
    except parsing.ParseError as exc:
        raise UserError(f"{exc}\nFor #{old.number} ({old.kind}), e.g. {example}.") from None
    changed = entries.rewrite(ctx.connection, old, new)
    if changed == old:
        return Reply(f"#{old.number} already says that: {formatting.describe(old, ctx.units)}.")
    return logged_reply(ctx, changed, head=changed_head(ctx, old, changed))


@command(
    "delete",
    "Remove an entry by its number",
    examples=("/delete 2",),
    section=SECTION,
    params=(Param("number", "The entry's number, from /history", kind=int),),
    details="The number stays with the removed entry: no other entry ever takes it.",
)
def delete(ctx: Context, args: str) -> str:
    found = _entry(ctx, args.strip(), "delete")
    entries.remove(ctx.connection, found, ctx.now)
    return (
        f"🗑️ Removed #{found.number}: {formatting.describe(found, ctx.units)} "
        f"({found.local_date:%a %d %b})."
    )
