"""A person's data is theirs: take it away (/export), bring it back (/import), or have it
deleted for good (/deleteme). All three work in a private chat only: files and a deletion
button have no place in a group, where anyone could press it."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import ColumnElement, func, select

from bot.commands.registry import command
from bot.context import Context, UserError
from bot.interface import Attachment, Button, Reply, Where
from bot.progress.erasure import erase
from bot.progress.export import EntryRow, ImportProblem, entries_csv, everything_json, read_csv
from bot.progress.stats import live_entries
from bot.storage.models import Account, Base, Entry, Goal

SECTION = "Your data"
CONFIRM_WORD = "DELETE"


def _amount(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _history(ctx: Context) -> list[EntryRow]:
    entries = ctx.session.scalars(
        select(Entry)
        .where(live_entries(ctx.user.id))
        .order_by(Entry.local_date, Entry.logged_at, Entry.id)
    )
    return [EntryRow.of(e) for e in entries]


@command(
    "export",
    "All your data as files: entries as CSV, everything as JSON",
    examples=("/export",),
    section=SECTION,
    where=Where.PRIVATE,
    details="The CSV has one row per entry, with a header, in metres, seconds, kilograms and "
    "millilitres; /import reads it back. The JSON holds your profile, entries, goals and "
    "everything else I keep about you.",
    ephemeral=True,
)
def export(ctx: Context, args: str) -> Reply:
    rows = _history(ctx)
    stem = f"steady-export-{ctx.today:%Y-%m-%d}"
    files = (
        Attachment(f"{stem}.csv", entries_csv(rows)),
        Attachment(f"{stem}.json", everything_json(ctx.session, ctx.user, rows, ctx.now)),
    )
    return Reply(
        f"📦 Your data: {_amount(len(rows), 'entry', 'entries')} as CSV (one row each), "
        "and everything I keep about you as JSON. Send the CSV back with /import to restore it.",
        attachments=files,
    )


@command(
    "import",
    "Add entries from a CSV that /export made (attach the file)",
    examples=("/import",),
    section=SECTION,
    where=Where.PRIVATE,
    details="Send the CSV file with /import as its caption. Entries already here are skipped, "
    "so importing the same file twice adds nothing. A file with a mistake changes nothing, "
    "and I say which line to fix. In the terminal: /import steady-export-2026-11-25.csv",
    ephemeral=True,
)
def import_(ctx: Context, args: str) -> str:
    files = ctx.incoming.attachments
    csvs = [f for f in files if f.filename.lower().endswith(".csv")] or list(files)
    if not csvs:
        raise UserError(
            "Attach the CSV that /export gave you and send it with /import as the caption "
            "(in the terminal: /import steady-export-2026-11-25.csv)."
        )
    if len(csvs) > 1:
        raise UserError("Send one CSV at a time with /import.")
    try:
        rows = read_csv(csvs[0].data, today=ctx.today, tz=ctx.tz, limits=ctx.settings.limits)
    except ImportProblem as exc:
        raise UserError(str(exc)) from None
    if not rows:
        raise UserError("That file has a header but no entries, so there was nothing to add.")
    already = Counter(row.key for row in _history(ctx))
    added = 0
    for row in rows:
        if already[row.key] > 0:
            already[row.key] -= 1  # the same entry twice in a file is two entries
            continue
        ctx.session.add(
            Entry(
                user_id=ctx.user.id,
                kind=row.kind.value,
                local_date=row.date,
                logged_at=row.logged_at,
                distance_m=row.distance_m,
                duration_s=row.duration_s,
                exercise=row.exercise,
                sets=row.sets,
                reps=row.reps,
                weight_kg=row.weight_kg,
                volume_ml=row.volume_ml,
                note=row.note,
                set_s=row.set_s,
                source_platform=ctx.incoming.platform,
                source_chat_id=ctx.incoming.chat_id,
            )
        )
        added += 1
    skipped = len(rows) - added
    if not added:
        return f"Nothing new: all {len(rows)} entries in that file are already here."
    also = f" ({_amount(skipped, 'was', 'were')} already here)" if skipped else ""
    return f"📥 Imported {_amount(added, 'entry', 'entries')}{also}. See them with /history."


def _counts(ctx: Context) -> tuple[int, int, int]:
    def count(model: type[Base], *where: ColumnElement[bool]) -> int:
        return ctx.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return (
        count(Entry, live_entries(ctx.user.id)),
        count(Goal, Goal.user_id == ctx.user.id),
        count(Account, Account.user_id == ctx.user.id),
    )


@command(
    "deleteme",
    "Delete everything Steady keeps about you (asks first)",
    examples=("/deleteme",),
    section=SECTION,
    where=Where.PRIVATE,
    details=f"I ask first: press the button or type /deleteme {CONFIRM_WORD}. Then your entries, "
    "goals, settings, linked accounts and every other record of you are deleted, on every "
    "platform. It can't be undone, so /export first if you want a copy.",
    ephemeral=True,
)
def deleteme(ctx: Context, args: str) -> Reply | str:
    word = args.strip()
    entries, goals, accounts = _counts(ctx)
    if not word:
        platforms = "every platform you've linked" if accounts > 1 else "this platform"
        return Reply(
            f"⚠️ This deletes everything I keep about you, on {platforms}: "
            f"{_amount(entries, 'entry', 'entries')}, {_amount(goals, 'goal', 'goals')}, "
            "your settings and streaks. It can't be undone; "
            f"/export first if you want a copy.\n"
            f"To go ahead, press the button or type /deleteme {CONFIRM_WORD}.",
            buttons=(Button("Delete everything", f"/deleteme {CONFIRM_WORD}"),),
        )
    if word.upper() != CONFIRM_WORD:
        raise UserError(
            f"Nothing was deleted. To delete everything, type /deleteme {CONFIRM_WORD} "
            "or press the button under /deleteme."
        )
    erase(ctx)
    return (
        "🗑️ Done. I deleted everything I kept about you: "
        f"{_amount(entries, 'entry', 'entries')}, {_amount(goals, 'goal', 'goals')}, "
        f"your settings and {_amount(accounts, 'linked account', 'linked accounts')}. "
        "If you write to me again, we start afresh. Take care!"
    )
