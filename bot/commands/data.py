"""A person's data is theirs: take it away (/export), bring it back (/import), or have it
deleted for good (/deleteme). Export, a CSV's import and deletion work in a private chat only:
files of someone's data and a deletion button have no place in a group, where anyone could
press it. A watch's workout file is the exception: a run sent to the group is logged there.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import timedelta

from sqlalchemy import ColumnElement, func, select

from bot.commands.log import logged_reply, store
from bot.commands.registry import command
from bot.context import Context, UserError
from bot.domain import Kind, NewEntry, RunValue
from bot.groups import wording
from bot.interface import Attachment, Button, Reply, Where
from bot.progress import formatting
from bot.progress.erasure import erase
from bot.progress.export import EntryRow, ImportProblem, entries_csv, everything_json, read_csv
from bot.progress.stats import live_entries
from bot.reading import parsing
from bot.reading.workout_files import SEND_AGAIN, WorkoutProblem, looks_like_workout, read_bounded
from bot.storage.models import Account, Base, Entry, Goal

SECTION = "Your data"
CONFIRM_WORD = "DELETE"


def _entries(ctx: Context, n: int) -> str:
    return ctx.ngettext("{n} entry", "{n} entries", n).format(n=n)


def _goals(ctx: Context, n: int) -> str:
    return ctx.ngettext("{n} goal", "{n} goals", n).format(n=n)


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
    text = ctx._(
        "📦 Your data: {entries} as CSV (one row each), and everything I keep about you as "
        "JSON. Send the CSV back with /import to restore it."
    )
    return Reply(text.format(entries=_entries(ctx, len(rows))), attachments=files)


@command(
    "import",
    "Log a run from your watch's file (GPX, TCX, FIT), or add entries from an /export CSV",
    examples=("/import",),
    section=SECTION,
    details="Send a GPX, TCX or FIT file from your watch (on its own, or with /import as its "
    "caption) and I log the run: distance, moving time, pace, on the day it started where "
    "you are. The same workout sent twice is logged once. In a group, send it with /import "
    "as the caption or mention me. A CSV from /export goes in a private chat, with /import "
    "as its caption: entries already here are skipped, and a file with a mistake changes "
    "nothing (I say which line to fix). In the terminal: /import run.gpx or "
    "/import steady-export-2026-11-25.csv",
    ephemeral=True,
)
def import_(ctx: Context, args: str) -> str | list[Reply]:
    files = ctx.incoming.attachments
    workouts = [f for f in files if looks_like_workout(f.filename, f.data)]
    if workouts:
        return _log_workouts(ctx, workouts)
    if ctx.in_group:
        raise UserError(
            ctx._(
                "Send your watch's file (GPX, TCX or FIT) with /import as its caption. "
                "A CSV from /export goes in a private chat with me."
            )
        )
    csvs = [f for f in files if f.filename.lower().endswith(".csv")] or list(files)
    if not csvs:
        raise UserError(
            ctx._(
                "Attach your watch's workout file (GPX, TCX or FIT), or the CSV that /export "
                "gave you, and send it with /import as the caption (in the terminal: "
                "/import run.gpx)."
            )
        )
    if len(csvs) > 1:
        raise UserError(ctx._("Send one CSV at a time with /import."))
    try:
        rows = read_csv(
            csvs[0].data, today=ctx.today, tz=ctx.tz, limits=ctx.settings.limits, lang=ctx.lang
        )
    except ImportProblem as exc:
        if csvs[0].filename.lower().endswith(".csv"):
            raise UserError(str(exc)) from None
        also = ctx._("I also read a watch's workout file: GPX, TCX or FIT.")
        raise UserError(f"{exc}\n{also}") from None
    if not rows:
        raise UserError(
            ctx._("That file has a header but no entries, so there was nothing to add.")
        )
    already = Counter(row.key for row in _history(ctx))
    added = 0
    # Stored in the order they were logged, so they are numbered in that order, as they
    # were where they came from (an export of one history into an empty one keeps them).
    for row in sorted(rows, key=lambda r: r.logged_at):
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
        return ctx.ngettext(
            "Nothing new: the entry in that file is already here.",
            "Nothing new: all {n} entries in that file are already here.",
            len(rows),
        ).format(n=len(rows))
    if skipped:
        also = ctx.ngettext("{n} was already here", "{n} were already here", skipped)
        return ctx.ngettext(
            "📥 Imported {n} entry ({also}). See them with /history.",
            "📥 Imported {n} entries ({also}). See them with /history.",
            added,
        ).format(n=added, also=also.format(n=skipped))
    return ctx.ngettext(
        "📥 Imported {n} entry. See them with /history.",
        "📥 Imported {n} entries. See them with /history.",
        added,
    ).format(n=added)


def _log_workouts(ctx: Context, files: list[Attachment]) -> list[Reply]:
    """Each file's run, logged on the local day it started; one already logged (the same
    start) is named, not logged again. Any file that can't be read or isn't believable
    stores nothing, for all the files of the message (the transaction rolls back)."""
    limits = ctx.settings.limits
    replies = []
    for file in files:
        name = file.filename[:60]
        try:
            workout = read_bounded(
                file.data,
                max_kb=limits.max_workout_kb,
                max_points=limits.max_workout_points,
                timeout_s=limits.workout_parse_s,
            )
        except WorkoutProblem as exc:
            said = exc.said(ctx.lang)
            raise UserError(f"{name}: {said}" if len(files) > 1 else said) from None
        started = workout.start.astimezone(ctx.tz)
        if workout.start > ctx.now + timedelta(minutes=10):
            raise UserError(
                ctx._(
                    "That workout starts {when}, which is still to come. Is your watch's clock "
                    "right? Your time zone is set with /tz."
                ).format(when=wording.moment(ctx.lang, started))
            )
        moving = workout.moving_s if workout.moving_s and workout.moving_s > 0 else None
        parsing.check_run(workout.distance_m, moving, limits, f"{ctx._(SEND_AGAIN)}.")
        already = ctx.session.scalar(
            select(Entry).where(live_entries(ctx.user.id), Entry.source_key == workout.key)
        )
        if already is not None:
            what = formatting.describe(already, ctx.units)
            text = ctx._(
                "Already logged as #{number}: {what} on {day}, from the workout that started "
                "{time}. Nothing changed."
            )
            day = wording.day(ctx.lang, already.local_date)
            replies.append(
                Reply(
                    text.format(number=already.number, what=what, day=day, time=f"{started:%H:%M}")
                )
            )
            continue
        new = NewEntry(Kind.RUN, RunValue(workout.distance_m, moving), None, started.date())
        reply = logged_reply(ctx, store(ctx, new, source_key=workout.key))
        heading = ctx._("⌚ From {name} ({format}), started {time}:").format(
            name=name, format=workout.format, time=f"{started:%H:%M}"
        )
        heading += "\n"
        replies.append(dataclasses.replace(reply, text=heading + reply.text))
    return replies


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
    details="I ask first: press the button or type /deleteme DELETE. Then your entries, "
    "goals, settings, linked accounts and every other record of you are deleted, on every "
    "platform. It can't be undone, so /export first if you want a copy.",
    ephemeral=True,
)
def deleteme(ctx: Context, args: str) -> Reply | str:
    word = args.strip()
    entries, goals, accounts = _counts(ctx)
    if not word:
        if accounts > 1:
            warning = ctx._(
                "⚠️ This deletes everything I keep about you, on every platform you've linked: "
                "{entries}, {goals}, your settings and streaks. It can't be undone; /export "
                "first if you want a copy."
            )
        else:
            warning = ctx._(
                "⚠️ This deletes everything I keep about you, on this platform: {entries}, "
                "{goals}, your settings and streaks. It can't be undone; /export first if you "
                "want a copy."
            )
        go_ahead = ctx._("To go ahead, press the button or type {command}.")
        return Reply(
            warning.format(entries=_entries(ctx, entries), goals=_goals(ctx, goals))
            + "\n"
            + go_ahead.format(command=f"/deleteme {CONFIRM_WORD}"),
            buttons=(Button(ctx._("Delete everything"), f"/deleteme {CONFIRM_WORD}"),),
        )
    if word.upper() != CONFIRM_WORD:
        raise UserError(
            ctx._(
                "Nothing was deleted. To delete everything, type {command} or press the "
                "button under /deleteme."
            ).format(command=f"/deleteme {CONFIRM_WORD}")
        )
    erase(ctx)
    linked = ctx.ngettext("{n} linked account", "{n} linked accounts", accounts)
    return ctx._(
        "🗑️ Done. I deleted everything I kept about you: {entries}, {goals}, your settings "
        "and {accounts}. If you write to me again, we start afresh. Take care!"
    ).format(
        entries=_entries(ctx, entries), goals=_goals(ctx, goals), accounts=linked.format(n=accounts)
    )
