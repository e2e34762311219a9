"""Logging runs, strength work and water, and taking the last entry back."""

from __future__ import annotations

from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects import postgresql

from bot.commands.registry import command
from bot.context import Asking, Context, UserError
from bot.domain import KINDS, NewEntry, Units
from bot.i18n.catalogs import N_, translate
from bot.i18n.figures import figures
from bot.i18n.languages import DEFAULT
from bot.interface import Button, Choice, Param, Reply
from bot.progress import entries, exercises, formatting
from bot.progress.days import day_text
from bot.progress.stats import progress_of
from bot.reading import parsing
from bot.reading.exercises import COMMON as COMMON_EXERCISES
from bot.reading.exercises import matches, split_typed
from bot.storage.models import Entry
from bot.storage.prepared import Prepared
from bot.storage.rows import StoredEntry

SECTION = "Log"


_COLUMNS = tuple(c.key for c in Entry.__table__.c if c.key not in ("id", "deleted_at", "number"))
_VALUES: dict[str, object] = {c: bindparam(c) for c in _COLUMNS} | {"number": entries.NEXT_NUMBER}
_RETURNED = Entry.__table__.c
_INSERT_ENTRY = Prepared(insert(Entry).values(_VALUES).returning(*_RETURNED), StoredEntry)
# PostgreSQL: a log of the same person committed meanwhile may have taken the number this
# statement chose; then it inserts nothing, and is run again (a new statement sees the
# other's row). SQLite has one writer at a time, so its numbers never meet.
_INSERT_ENTRY_PG = Prepared(
    postgresql.insert(Entry)
    .values(_VALUES)
    .on_conflict_do_nothing(index_elements=["user_id", "number"])
    .returning(*_RETURNED),
    StoredEntry,
)
_NUMBER_TRIES = 20


def store(ctx: Context, new: NewEntry, source_key: str | None = None) -> StoredEntry:
    """Insert the entry with a plain INSERT (the ORM's flush costs several times more on the
    hottest path), numbered in the same statement, and return the stored row for the reply.

    An edit of a message that logged nothing is stored under the edited message's id, so a
    later edit of that message finds this entry. `source_key` names a source that may come
    again in another message (a workout file), so it is logged once."""
    incoming = ctx.incoming
    values = entries.figures_of(new) | {
        "user_id": ctx.user.id,
        "local_date": new.on_date or ctx.today,
        "logged_at": ctx.now,
        "source_platform": incoming.platform,
        "source_chat_id": incoming.chat_id,
        "source_message_id": ctx.offered_in or incoming.edits_message_id or incoming.message_id,
        "source_key": source_key,
    }
    connection = ctx.connection
    if connection.dialect.name != "postgresql":
        (stored,) = _INSERT_ENTRY.all(connection, values)
        return stored
    for _ in range(_NUMBER_TRIES):
        found = _INSERT_ENTRY_PG.first(connection, values)
        if found is not None:
            return found
    raise RuntimeError(f"no free entry number for user {ctx.user.id}")


def record(ctx: Context, new: NewEntry, buttons: tuple[Button, ...] = ()) -> Reply:
    """A log: stored as a new entry, or, when the person edited the message that logged an
    entry, that entry changed to match (see `_follow_edit`)."""
    edited = ctx.incoming.edits_message_id
    if edited is not None:
        incoming = ctx.incoming
        old = entries.from_message(ctx.connection, incoming.platform, incoming.chat_id, edited)
        if old is not None and old.user_id == ctx.user.id:
            return _follow_edit(ctx, old, new, buttons)
    return logged_reply(ctx, store(ctx, new), buttons)


def _follow_edit(
    ctx: Context, old: StoredEntry, new: NewEntry, buttons: tuple[Button, ...]
) -> Reply:
    """The message that logged `old` now says `new`. A removed entry stays removed (the edit
    changes nothing); a new kind makes the entry that kind, under the same number."""
    if old.deleted_at is not None:
        return Reply(
            ctx._(
                "You edited the message that logged #{number}, but that entry was already "
                "removed, so nothing changed. To log it again, send it as a new message."
            ).format(number=old.number)
        )
    changed = entries.rewrite(ctx.connection, old, new)
    if changed == old:
        return Reply(
            ctx._("#{number} already says that: {entry}.").format(
                number=old.number, entry=formatting.describe(old, ctx.units, ctx.lang)
            )
        )
    return logged_reply(ctx, changed, buttons, head=changed_head(ctx, old, changed))


def changed_head(ctx: Context, old: StoredEntry, new: StoredEntry) -> str:
    """'✏️ Updated #12: run 5.00 km in 27:30 (was run 5.00 km in 28:30).', saying so when the
    kind changed."""
    lang = ctx.lang
    was = formatting.describe(old, ctx.units, lang)
    now = formatting.describe(new, ctx.units, lang)
    if new.local_date != old.local_date:
        now = ctx._("{entry}, on {day}").format(entry=now, day=day_text(new.local_date, lang))
    if old.kind != new.kind:
        return ctx._(
            "✏️ Updated #{number}: it is now {entry} (it was {was}: "
            "your edit changed it from {old_kind} to {new_kind})."
        ).format(
            number=new.number,
            entry=now,
            was=was,
            old_kind=formatting.kind_name(old.kind, lang),
            new_kind=formatting.kind_name(new.kind, lang),
        )
    return ctx._("✏️ Updated #{number}: {entry} (was {was}).").format(
        number=new.number, entry=now, was=was
    )


def logged_reply(
    ctx: Context, entry: StoredEntry, buttons: tuple[Button, ...] = (), *, head: str = ""
) -> Reply:
    """What was logged, today's and this week's totals, goal progress, a line of encouragement.
    With a `head` (an entry changed, not logged), that line opens it and nothing encourages."""
    changed = bool(head)
    kind = KINDS[entry.kind]
    progress = progress_of(ctx.connection, ctx.user.id, ctx.today)
    day, week = progress.day, progress.week
    lang, units = ctx.lang, ctx.units
    if not head:
        shown = formatting.describe(entry, units, lang)
        if entry.local_date == ctx.today:
            head = ctx._("✅ Logged {entry}.").format(entry=shown)
        else:
            head = ctx._("✅ Logged {entry} for {day}.").format(
                entry=shown, day=day_text(entry.local_date, lang)
            )
    lines = [head]
    lines.append(
        ctx._("Today: {today} · this week: {week}").format(
            today=formatting.amount(kind, day[kind], units, lang=lang),
            week=formatting.amount(kind, week[kind], units, lang=lang),
        )
    )
    goal = progress.goals.get(kind)
    if goal is not None:
        lines.append(formatting.goal_progress(goal, day, week, units, lang))
    if ctx.user.encourage and not changed:
        # `Voice.after_log` (bot/core.py) still names the ORM `Entry`; it is handed this row,
        # which bot/voice/steady_voice.py reads as an `EntryLike`. The ignore goes when the
        # protocol says so.
        line = ctx.services.voice.after_log(ctx, entry, progress)
        if line:
            lines.append(f"_{line}_")
    return Reply("\n".join(lines), buttons=buttons)


def _dated(ctx: Context, args: str) -> parsing.DatedText:
    return parsing.split_date(args, ctx.today, ctx.settings.limits)


@command(
    "run",
    "Log a run: distance, time, an optional note",
    examples=("/run 5k 28:30", "/run 3.1mi 31min easy", "/run 10km 1:02:10 yesterday"),
    section=SECTION,
    follows_edits=True,
    params=(
        Param("distance", "How far: 5k, 3.1mi, 800m"),
        Param("time", "How long: 28:30, 1:02:10, 31min", required=False),
        Param("note", "Anything to remember, a date (2026-11-20) or 'yesterday'", required=False),
    ),
    details="Pace is worked out for you. Add 'yesterday' or a date like 2026-11-20 at the end "
    "to log an earlier day.",
)
def run(ctx: Context, args: str) -> Reply:
    dated = _dated(ctx, args)
    new = parsing.parse_run(dated.text, ctx.settings.limits)
    return record(ctx, NewEntry(new.kind, new.value, new.note, dated.on_date))


def suggest_exercise(ask: Asking, typed: str) -> list[Choice]:
    """Exercise names for what is typed, the person's own (most logged first) before the
    common ones, each with the figures typed after the name kept (`squ 3x10` → `squats
    3x10`). Typed figures alone stay first as they are (`30min`)."""
    wanted, figures = split_typed(typed)
    own = exercises.own(ask.connection, ask.user.id) if ask.user is not None else []
    counts = dict(own)
    names = [name for name, _ in own] + [n for n in COMMON_EXERCISES if n not in counts]
    ranked = sorted(
        (i >= len(own), rank, i, name)
        for i, name in enumerate(names)
        if (rank := matches(name, wanted)) is not None
    )
    choices = [Choice(typed, typed)] if figures and not wanted else []
    lang = ask.user.lang if ask.user is not None else ask.incoming.language or DEFAULT
    for *_, name in ranked:
        value = f"{name} {figures}".strip()
        times = counts.get(name)
        label = (
            translate(lang, "{exercise} · logged {times}×").format(exercise=value, times=times)
            if times and not figures
            else value
        )
        choices.append(Choice(label, value))
    return choices


@command(
    "strength",
    "Log strength work: exercise, sets x reps, weight or minutes",
    examples=(
        "/strength squats 3x10 40kg",
        "/strength lunges 3x12",
        "/strength plank 3x60s",
        "/strength 30min",
    ),
    section=SECTION,
    follows_edits=True,
    params=(
        Param(
            "exercise",
            "What you did, e.g. squats 3x10 40kg, plank 3x60s or 30min",
            suggest=suggest_exercise,
        ),
        Param("when", "'yesterday' or a date like 2026-11-20", required=False),
    ),
)
def strength(ctx: Context, args: str) -> Reply:
    dated = _dated(ctx, args)
    new = parsing.parse_strength(dated.text, ctx.settings.limits)
    return record(ctx, NewEntry(new.kind, new.value, None, dated.on_date))


ML_PER_FL_OZ = 29.5735295625


def water_buttons(units: Units, lang: str = DEFAULT) -> tuple[Button, ...]:
    """One tap for another glass: the label in the person's figures ("+250 мл"), the
    command as the parser reads it."""
    shown = figures(lang)
    if units is Units.IMPERIAL:
        return (
            Button("+" + shown.volume(8 * ML_PER_FL_OZ, units), "/water 8oz"),
            Button("+" + shown.volume(16 * ML_PER_FL_OZ, units), "/water 16oz"),
        )
    return (
        Button("+" + shown.volume(250, units), "/water 250ml"),
        Button("+" + shown.volume(500, units), "/water 500ml"),
    )


@command(
    "water",
    "Log water: ml, litres, oz or glasses",
    examples=("/water 500ml", "/water 16oz", "/water 2 glasses"),
    section=SECTION,
    follows_edits=True,
    params=(
        Param("amount", "How much: 500ml, 1l, 16oz, 2 glasses"),
        Param("when", "'yesterday' or a date like 2026-11-20", required=False),
    ),
    details="A glass counts as the glass size in the settings (250 ml unless changed).",
)
def water(ctx: Context, args: str) -> Reply:
    dated = _dated(ctx, args)
    new = parsing.parse_water(dated.text, ctx.settings.limits, ctx.settings.water.glass_ml)
    return record(
        ctx, NewEntry(new.kind, new.value, None, dated.on_date), water_buttons(ctx.units, ctx.lang)
    )


@command(
    "undo",
    "Take back your last entry",
    examples=("/undo",),
    section=SECTION,
)
def undo(ctx: Context, args: str) -> str:
    entry = ctx.session.scalar(
        select(Entry)
        .where(Entry.user_id == ctx.user.id, Entry.deleted_at.is_(None))
        .order_by(Entry.logged_at.desc(), Entry.id.desc())
        .limit(1)
    )
    if entry is None:
        raise UserError(N_("There's nothing to undo yet."))
    entry.deleted_at = ctx.now
    return ctx._("↩️ Removed {entry} (#{number}, {day}).").format(
        entry=formatting.describe(entry, ctx.units, ctx.lang),
        number=entry.number,
        day=day_text(entry.local_date, ctx.lang),
    )
