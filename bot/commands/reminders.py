"""Reminders and the nudge options: /remind, /reminders, /quiet, /snooze, /pause, /resume,
/skip. The nudges themselves are sent by the dispatcher (bot.reminders.tick)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select

from bot.commands.registry import command
from bot.context import Asking, Context, UserError
from bot.domain import Kind
from bot.i18n.catalogs import N_
from bot.i18n.languages import DEFAULT
from bot.interface import Button, Choice, Param, Reply, Where
from bot.progress.days import day_and_time
from bot.progress.formatting import kind_name
from bot.progress.freeze import FREEZE_CAP, FREEZE_RULE, FREEZE_WINDOW
from bot.reading import timeparsing
from bot.reminders import invites
from bot.reminders.pauses import end_pause, start_pause
from bot.reminders.scheduling import Schedule, next_fire, window_text
from bot.storage.accounts import tz_chosen
from bot.storage.models import PENDING, REMINDER_SCHEDULE, NudgeState, OutboxMessage, Reminder

SECTION = "Reminders"
MAX_SNOOZE = timedelta(hours=24)
MAX_PAUSE = timedelta(days=365)
KINDS_HINT = N_("I can remind you about run, strength or water.")


def nudge_state(ctx: Context) -> NudgeState:
    """This person's nudge options, created with the defaults on first use."""
    state = ctx.session.get(NudgeState, ctx.user.id)
    if state is None:
        state = NudgeState(user_id=ctx.user.id)
        ctx.session.add(state)
    return state


def schedule_of(reminder: Reminder) -> Schedule:
    return Schedule.from_row(
        reminder.days,
        reminder.at_minute,
        reminder.every_minutes,
        reminder.window_start,
        reminder.window_end,
    )


def local_when(ctx: Context, moment: datetime) -> str:
    """'today 11:00', 'tomorrow 07:00' or 'Fri 27 Nov 07:00', in the person's zone and
    language."""
    local = moment.astimezone(ctx.tz)
    days = (local.date() - ctx.today).days
    if days == 0:
        return ctx._("today {time}").format(time=f"{local:%H:%M}")
    if days == 1:
        return ctx._("tomorrow {time}").format(time=f"{local:%H:%M}")
    return day_and_time(local, ctx.lang)


def describe(ctx: Context, reminder: Reminder) -> str:
    """'run, Mon, Wed, Fri at 07:00' in the person's language."""
    return f"{kind_name(reminder.kind, ctx.lang)}, {schedule_of(reminder).describe(ctx.lang)}"


def _reminder_id(ctx: Context, text: str, usage: str) -> int:
    m = re.fullmatch(r"#?(\d{1,9})", text.strip())
    if not m:
        raise UserError(
            ctx._("Which reminder? Give its number, e.g. {usage}. /reminders lists them.").format(
                usage=usage
            )
        )
    return int(m.group(1))


def _own_reminder(ctx: Context, reminder_id: int) -> Reminder:
    reminder = ctx.session.get(Reminder, reminder_id)
    if reminder is None or reminder.user_id != ctx.user.id:
        raise UserError(
            ctx._("You have no reminder #{number}. /reminders lists yours.").format(
                number=reminder_id
            )
        )
    return reminder


def _own_reminders(ask: Asking, typed: str) -> list[Choice]:
    """The person's reminders whose number or description holds what is typed."""
    if ask.user is None:
        return []
    return reminder_choices(ask.connection, ask.user.id, typed, ask.user.lang)


def reminder_choices(
    db: Connection, user_id: int, typed: str = "", lang: str = DEFAULT
) -> list[Choice]:
    """The person's reminders as choices (`#3 run, Mon, Wed, Fri at 07:00`, giving `3`) whose
    number or description holds `typed`: for suggestions, and the buttons of a bare
    /remind off."""
    rows = db.execute(
        select(Reminder.id, Reminder.kind, *REMINDER_SCHEDULE)
        .where(Reminder.user_id == user_id)
        .order_by(Reminder.id)
    )
    wanted = typed.removeprefix("#").lower()
    choices = []
    for id_, kind, days, at, every, start, end in rows:
        schedule = Schedule.from_row(days, at, every, start, end)
        label = f"#{id_} {kind_name(kind, lang)}, {schedule.describe(lang)}"
        if wanted in label.lower():
            choices.append(Choice(label, str(id_)))
    return choices


# What may follow /remind's kind, offered as a start (they are the examples' own).
WHEN_EXAMPLES = tuple(e.split(maxsplit=2)[2] for e in timeparsing.REMIND_EXAMPLES)


def suggest_when(ask: Asking, typed: str) -> list[Choice]:
    """For /remind off: the person's reminders. Otherwise the example schedules that start as
    typed, or what was typed as it is."""
    if ask.filled.get("kind", "").lower() == "off":
        return _own_reminders(ask, typed)
    low = typed.lower()
    starts = [Choice(e, e) for e in WHEN_EXAMPLES if e.startswith(low)]
    return starts or ([Choice(typed, typed)] if typed else [])


@command(
    "remind",
    "Set a reminder for a run, strength work or water",
    examples=(*timeparsing.REMIND_EXAMPLES, "/remind off 3"),
    section=SECTION,
    params=(
        Param(
            "kind", "run, strength or water; or off", choices=("run", "strength", "water", "off")
        ),
        Param(
            "when",
            "e.g. mon wed fri 07:00, or every 2h 09:00-21:00, or a reminder number",
            suggest=suggest_when,
        ),
    ),
    details=N_(
        "Days: mon tue … sun, mon-fri, weekdays, weekends or daily (the default). "
        "A time like 07:00 or 6:30pm, or 'every 2h' with a window such as 09:00-21:00 "
        "(09:00–21:00 if you give none). Times are in your time zone (/tz). "
        "Nudges come to our private chat, also for a reminder set in a group (where I may not "
        "write to you first, I give you a button that opens that chat); "
        "/remind off <number> removes one."
    ),
    ephemeral=True,
)
def remind(ctx: Context, args: str) -> str | Reply:
    words = args.split()
    if not words:
        raise UserError(
            ctx._("What should I remind you about, and when? Try {examples}.").format(
                examples=", ".join(timeparsing.REMIND_EXAMPLES)
            )
        )
    first = words[0].lower()
    if first == "off":
        return _remove(ctx, " ".join(words[1:]))
    if first not in {k.value for k in Kind}:
        raise UserError(
            ctx._(KINDS_HINT)
            + " "
            + ctx._(
                "{word} isn't one of them. "
                "Try /remind water every 2h 09:00-21:00 or /remind run mon wed fri 07:00."
            ).format(word=repr(words[0]))
        )
    kind = Kind(first)
    schedule = timeparsing.schedule(" ".join(words[1:]))
    if ctx.in_group and not ctx.incoming.opens_private:
        return _invite(ctx, " ".join(words), kind, schedule)
    text = _add(ctx, kind, schedule)
    if ctx.in_group:
        text += "\n" + ctx._("The nudges come to you by direct message.")
    return text


def _invite(ctx: Context, args: str, kind: Kind, schedule: Schedule) -> Reply:
    """In a group where I may not write to them first: a button that opens our private chat,
    where pressing Start sets the reminder (bot/reminders/invites.py)."""
    token = invites.offer(ctx, args)
    minutes = int(invites.LIFETIME.total_seconds() // 60)
    text = ctx._(
        "⏰ {name}, your reminder ({what}) goes in our private chat. "
        "Press the button, then Start, and it's set."
    ).format(
        name=ctx.user.display_name,
        what=f"{kind_name(kind, ctx.lang)}, {schedule.describe(ctx.lang)}",
    )
    lasts = ctx.ngettext(
        "The button is yours alone and works for {count} minute.",
        "The button is yours alone and works for {count} minutes.",
        minutes,
    ).format(count=minutes)
    return Reply(
        f"{text} {lasts}",
        buttons=(Button.to_private("⏰ " + ctx._("Set it privately"), token),),
    )


def from_invite(ctx: Context, token: str) -> str:
    """`/start <token>` in a private chat: the reminder asked for in a group, set here."""
    found = invites.redeem(ctx, token)
    if found.args is None:
        return ctx._(found.refusal or invites.GONE)
    text = remind(ctx, found.args)
    assert isinstance(text, str)  # in a private chat /remind answers in text
    return text


def _add(ctx: Context, kind: Kind, schedule: Schedule) -> str:
    limit = ctx.settings.reminders.max_per_person
    mine = list(ctx.session.scalars(select(Reminder).where(Reminder.user_id == ctx.user.id)))
    for existing in mine:
        if existing.kind == kind.value and schedule_of(existing) == schedule:
            raise UserError(
                ctx._(
                    "You already have that one: reminder #{number}. /reminders lists them all."
                ).format(number=existing.id)
            )
    if len(mine) >= limit:
        raise UserError(
            ctx.ngettext(
                "You have {count} reminder, the most I keep per person.",
                "You have {count} reminders, the most I keep per person.",
                len(mine),
            ).format(count=len(mine))
            + " "
            + ctx._("Remove one first, e.g. /remind off {number} (/reminders lists them).").format(
                number=mine[0].id
            )
        )
    reminder = Reminder(
        user_id=ctx.user.id,
        account_id=ctx.account_id,
        kind=kind.value,
        days=schedule.days_text,
        at_minute=schedule.at,
        every_minutes=schedule.every,
        window_start=schedule.window[0] if schedule.window else None,
        window_end=schedule.window[1] if schedule.window else None,
        next_fire_at=next_fire(schedule, ctx.user.tz, ctx.now),
        created_at=ctx.now,
    )
    ctx.session.add(reminder)
    ctx.session.flush()
    lines = [
        "⏰ "
        + ctx._("Reminder #{number}: {what}.").format(
            number=reminder.id, what=f"{kind_name(kind, ctx.lang)}, {schedule.describe(ctx.lang)}"
        ),
        ctx._("Next: {when}.").format(when=local_when(ctx, reminder.next_fire_at)),
    ]
    cap = ctx.settings.reminders.daily_cap
    if schedule.every is not None and schedule.window is not None:
        per_day = (schedule.window[1] - schedule.window[0]) // schedule.every + 1
        if per_day > cap:
            lines.append(
                ctx.ngettext(
                    "I send at most {count} nudge a day, so some of these will stay quiet.",
                    "I send at most {count} nudges a day, so some of these will stay quiet.",
                    cap,
                ).format(count=cap)
            )
    if ctx.user.tz == "UTC" and not tz_chosen(ctx.connection, ctx.user.id):
        lines.append(
            ctx._(
                "Times are in UTC for now: set your time zone with /tz Europe/Berlin "
                "(or yours) and I'll follow it."
            )
        )
    return "\n".join(lines)


def _remove(ctx: Context, text: str) -> str | Reply:
    if not text.strip():
        mine = reminder_choices(ctx.connection, ctx.user.id, lang=ctx.lang)
        if not mine:
            raise UserError(
                ctx._("You have no reminders to remove. Set one with /remind run 07:00.")
            )
        return Reply(
            ctx._("Which reminder should go? Press one, or send its number, e.g. {usage}.").format(
                usage=f"/remind off {mine[0].value}"
            ),
            buttons=tuple(Button(c.label, f"/remind off {c.value}") for c in mine),
        )
    reminder = _own_reminder(ctx, _reminder_id(ctx, text, "/remind off 3"))
    what = describe(ctx, reminder)
    ctx.session.delete(reminder)
    ctx.session.flush()  # first the reminder (waiting out a tick that holds it), then its nudges
    ctx.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.key.like(f"reminder:{reminder.id}:%"), OutboxMessage.status == PENDING
        )
    )
    return "🗑 " + ctx._("Reminder #{number} ({what}) is off.").format(number=reminder.id, what=what)


@command(
    "reminders",
    "Your reminders, their next times and your nudge options",
    examples=("/reminders",),
    section=SECTION,
    where=Where.PRIVATE,
    ephemeral=True,
)
def reminders(ctx: Context, args: str) -> str:
    mine = list(
        ctx.session.scalars(
            select(Reminder).where(Reminder.user_id == ctx.user.id).order_by(Reminder.id)
        )
    )
    if not mine:
        none = ctx._("You have no reminders yet. Try {examples}.").format(
            examples=", ".join(timeparsing.REMIND_EXAMPLES)
        )
        return f"{none} {status_line(ctx)}".strip()
    lines = ["⏰ **" + ctx._("Your reminders") + "**"]
    for r in mine:
        skipped = " " + ctx._("(skipped today)") if r.skipped_on == ctx.today else ""
        lines.append(
            f"#{r.id} {kind_name(r.kind, ctx.lang)} — {schedule_of(r).describe(ctx.lang)} · "
            + ctx._("next {when}").format(when=local_when(ctx, r.next_fire_at))
            + skipped
        )
    if status := status_line(ctx):
        lines.append(status)
    cap = ctx.settings.reminders.daily_cap
    lines.append(
        ctx.ngettext("At most {count} nudge a day.", "At most {count} nudges a day.", cap).format(
            count=cap
        )
        + " "
        + ctx._("Remove one with {usage}.").format(usage=f"/remind off {mine[0].id}")
    )
    return "\n".join(lines)


def status_line(ctx: Context) -> str:
    state = ctx.session.get(NudgeState, ctx.user.id)
    if state is None:
        return ""
    parts = []
    if state.quiet_start is not None and state.quiet_end is not None:
        window = window_text(state.quiet_start, state.quiet_end)
        parts.append(ctx._("quiet hours {window}").format(window=window))
    if state.snoozed_until is not None and state.snoozed_until > ctx.now:
        parts.append(
            ctx._("snoozed until {when}").format(when=local_when(ctx, state.snoozed_until))
        )
    if state.paused_open:
        parts.append(ctx._("paused until you /resume"))
    elif state.paused_until is not None and state.paused_until > ctx.now:
        parts.append(ctx._("paused until {when}").format(when=local_when(ctx, state.paused_until)))
    if not parts:
        return ""
    text = " · ".join(parts) + "."
    return text[0].upper() + text[1:]


@command(
    "quiet",
    "Hours with no nudges (or 'off')",
    examples=("/quiet 22:00-07:00", "/quiet off"),
    section=SECTION,
    params=(Param("hours", "e.g. 22:00-07:00, or off", required=False),),
    ephemeral=True,
)
def quiet(ctx: Context, args: str) -> str:
    text = args.strip().lower()
    if not text:
        state = ctx.session.get(NudgeState, ctx.user.id)
        if state is None or state.quiet_start is None or state.quiet_end is None:
            return ctx._("No quiet hours set. Try /quiet 22:00-07:00.")
        return "🌙 " + ctx._(
            "Quiet hours: {window}. Change with /quiet 23:00-06:30 or turn off with /quiet off."
        ).format(window=window_text(state.quiet_start, state.quiet_end))
    state = nudge_state(ctx)
    if text == "off":
        state.quiet_start = state.quiet_end = None
        return "🌙 " + ctx._("Quiet hours are off.")
    start, end = timeparsing.window(text, "/quiet 22:00-07:00")
    state.quiet_start, state.quiet_end = start, end
    return "🌙 " + ctx._("Quiet hours: {window}. No nudges then.").format(
        window=window_text(start, end)
    )


@command(
    "snooze",
    "No nudges for a while (1 h unless you say)",
    examples=("/snooze 2h", "/snooze 30m"),
    section=SECTION,
    params=(Param("for", "How long: 30m, 2h (up to 24h)", required=False),),
    details=N_(
        "A nudge that comes due while snoozed comes back when the snooze ends, if that "
        "is still the same day. For days off, use /pause."
    ),
    ephemeral=True,
)
def snooze(ctx: Context, args: str) -> str:
    length = (
        timeparsing.duration(
            args,
            "/snooze 2h",
            longest=MAX_SNOOZE,
            too_long=ctx._("Snoozes last up to 24 hours. For longer, use /pause 3d."),
        )
        if args.strip()
        else timedelta(hours=1)
    )
    state = nudge_state(ctx)
    state.snoozed_until = ctx.now + length
    return "😴 " + ctx._("Snoozed until {when}. Changed your mind? /resume.").format(
        when=local_when(ctx, state.snoozed_until)
    )


@command(
    "pause",
    "No nudges for some days, or until /resume",
    examples=("/pause 3d", "/pause 2w", "/pause"),
    section=SECTION,
    params=(
        Param("for", "How long: 3d, 2w (up to a year); nothing: until /resume", required=False),
    ),
    details="With no length, the pause lasts until you /resume; after two weeks I check in "
    f"once, and only once. {FREEZE_RULE}",
    ephemeral=True,
)
def pause(ctx: Context, args: str) -> str:
    until = None
    if args.strip():
        length = timeparsing.duration(
            args, "/pause 30d", longest=MAX_PAUSE, too_long=ctx._("A pause lasts up to a year.")
        )
        until = ctx.now + length
    state = nudge_state(ctx)
    state.paused_until, state.paused_open = until, until is None
    start_pause(
        ctx.session,
        user_id=ctx.user.id,
        account_id=ctx.account_id,
        now=ctx.now,
        zone=ctx.tz,
        until=until,
    )
    if until is None:
        return "⏸ " + ctx._(
            "Nudges paused until you /resume, however long that is. Rest is part of it. "
            "Your streak is frozen meanwhile (up to {cap} days in any {window}). "
            "In two weeks I'll check in once, and that's all."
        ).format(cap=FREEZE_CAP, window=FREEZE_WINDOW)
    lines = [
        "⏸ "
        + ctx._(
            "Nudges paused until {when}. Rest is part of it. "
            "Your streak is frozen meanwhile. /resume whenever you like."
        ).format(when=local_when(ctx, until))
    ]
    if until - ctx.now > timedelta(days=FREEZE_CAP):
        lines.append(
            ctx._(
                "Nudges stay off for all of it, but only {cap} days in any "
                "{window} freeze your streak."
            ).format(cap=FREEZE_CAP, window=FREEZE_WINDOW)
        )
    return "\n".join(lines)


@command(
    "resume",
    "Nudges back on after /snooze or /pause",
    examples=("/resume",),
    section=SECTION,
    ephemeral=True,
)
def resume(ctx: Context, args: str) -> str:
    state = nudge_state(ctx)
    was_off = state.paused_open or any(
        t is not None and t > ctx.now for t in (state.snoozed_until, state.paused_until)
    )
    end_pause(ctx.session, ctx.user.id, ctx.now, ctx.today)
    state.snoozed_until = state.paused_until = None
    state.paused_open = False
    return "▶️ " + ctx._("Nudges are back on.") if was_off else ctx._("Nudges are already on.")


@command(
    "skip",
    "No more nudges today from one reminder (or all)",
    examples=("/skip", "/skip 3"),
    section=SECTION,
    params=(
        Param(
            "reminder",
            "A reminder number from /reminders",
            required=False,
            suggest=_own_reminders,
        ),
    ),
    ephemeral=True,
)
def skip(ctx: Context, args: str) -> str:
    if args.strip():
        reminder = _own_reminder(ctx, _reminder_id(ctx, args, "/skip 3"))
        reminder.skipped_on = ctx.today
        return "⏭ " + ctx._(
            "No more {kind} nudges from reminder #{number} today. Back tomorrow."
        ).format(number=reminder.id, kind=kind_name(reminder.kind, ctx.lang))
    mine = list(ctx.session.scalars(select(Reminder).where(Reminder.user_id == ctx.user.id)))
    if not mine:
        raise UserError(ctx._("You have no reminders to skip. Set one with /remind run 07:00."))
    for reminder in mine:
        reminder.skipped_on = ctx.today
    return "⏭ " + ctx._("No more nudges today. Back tomorrow.")
