"""The tick: claim due reminders, decide, enqueue nudges, move them on; one transaction a batch.

Every minute (`bot.app.start_scheduler`) `tick` takes due reminders in batches with one
indexed query (`next_fire_at <= now`; FOR UPDATE SKIP LOCKED on PostgreSQL, so several
workers share a fan-out and never take the same row), decides for each whether a nudge still
makes sense, writes the nudges to the outbox with the key `reminder:<id>:<fire time>` and
moves `next_fire_at` on, all in that batch's transaction: a worker that dies mid-batch leaves
nothing half done, and a batch that somehow runs twice enqueues once. A tick costs what is
due, never how many reminders exist.

After downtime, missed fires collapse: fires older than the grace window are dropped, and a
reminder catches up at most once, with its earliest fire inside the window.

The decisions, in order: paused; snoozed (moved to the end of the snooze when that is the
same local day and comes before the next regular fire, so the "Snooze 1 h" button means
"remind me in an hour"); quiet hours; skipped today; nowhere to send (the account is
unreachable or has no private chat); no longer needed (the run or strength session is
already logged that day, water is on pace for the goal); the daily cap. Only nudges that go
out count towards the cap.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, bindparam, column, func, select, update, values
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot import nudges
from bot.core import Services
from bot.domain import Kind, Units
from bot.interface import Destination
from bot.outbox import Outgoing, enqueue_many
from bot.scheduling import Schedule, ScheduleError, in_window, next_fire
from bot.stats import KindTotals, Totals, week_start
from bot.storage.models import Account, Entry, Goal, NudgeState, Reminder, User, UTCDateTime

log = logging.getLogger("steady.dispatch")

BATCH = 1000


@dataclass
class TickReport:
    """What one tick did, for logs and the benchmark."""

    claimed: int = 0
    enqueued: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass
class _State:
    """A person's nudge state, locked for the batch, written back when it changed."""

    quiet_start: int | None
    quiet_end: int | None
    snoozed_until: datetime | None
    paused_until: datetime | None
    nudge_day: date | None
    nudges_on_day: int
    changed: bool = False


@dataclass
class _Candidate:
    """A fire that passed the cheap checks and waits for the facts."""

    row: Any  # the claimed reminder row
    user: User
    tz: ZoneInfo
    fire: datetime
    day: date
    minute: int


def reminder_key(reminder_id: int, fire: datetime) -> str:
    return f"reminder:{reminder_id}:{fire:%Y-%m-%dT%H:%MZ}"


def tick(services: Services, *, now: datetime | None = None, batch: int = BATCH) -> TickReport:
    """Handle every reminder due at `now` (the clock's time by default)."""
    now = now or services.clock.now()
    report = TickReport()
    while True:
        with services.db.unit_of_work() as session:
            taken = _batch(session, services, now, batch, report)
        if taken < batch:
            break
    if report.claimed:
        log.info(
            "tick: %d due, %d nudges enqueued, skipped %s",
            report.claimed,
            report.enqueued,
            dict(report.skipped),
        )
    return report


def reschedule(session: Session, user_id: int, zone: str, now: datetime) -> None:
    """After a time-zone change: every reminder's next fire time, in the new zone."""
    for reminder in session.scalars(select(Reminder).where(Reminder.user_id == user_id)):
        schedule = Schedule.from_row(
            reminder.days,
            reminder.at_minute,
            reminder.every_minutes,
            reminder.window_start,
            reminder.window_end,
        )
        reminder.next_fire_at = next_fire(schedule, zone, now)


def _claim(session: Session, now: datetime, batch: int, postgres: bool) -> list[Any]:
    query = (
        select(
            Reminder.id,
            Reminder.user_id,
            Reminder.kind,
            Reminder.days,
            Reminder.at_minute,
            Reminder.every_minutes,
            Reminder.window_start,
            Reminder.window_end,
            Reminder.next_fire_at,
            Reminder.skipped_on,
            Account.platform,
            Account.private_chat_id,
            Account.unreachable,
        )
        .join(Account, Account.id == Reminder.account_id)
        .where(Reminder.next_fire_at <= now)
        .order_by(Reminder.next_fire_at)
        .limit(batch)
    )
    if postgres:
        query = query.with_for_update(skip_locked=True, of=Reminder)
    return list(session.execute(query))


def _batch(
    session: Session, services: Services, now: datetime, batch: int, report: TickReport
) -> int:
    postgres = services.db.is_postgres
    rows = _claim(session, now, batch, postgres)
    if not rows:
        return 0
    report.claimed += len(rows)
    settings = services.settings.reminders
    grace = timedelta(minutes=settings.grace_minutes)
    user_ids = sorted({r.user_id for r in rows})
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
    states = _lock_states(session, user_ids, postgres)

    moves: list[tuple[int, datetime]] = []
    candidates: list[_Candidate] = []
    for row in rows:
        user, state = users[row.user_id], states[row.user_id]
        tz = ZoneInfo(user.tz)
        schedule = Schedule.from_row(
            row.days, row.at_minute, row.every_minutes, row.window_start, row.window_end
        )
        try:
            fire, next_at = _collapse(schedule, user.tz, row.next_fire_at, now, grace)
        except ScheduleError:
            log.exception("reminder %s: no next fire time; trying again in a day", row.id)
            moves.append((row.id, now + timedelta(days=1)))
            report.skipped["schedule_error"] += 1
            continue
        if fire is None:
            moves.append((row.id, next_at))
            report.skipped["missed"] += 1
            continue
        local = fire.astimezone(tz)
        if state.snoozed_until is not None and state.snoozed_until > fire:
            back = state.snoozed_until
            if back < next_at and back.astimezone(tz).date() == local.date():
                next_at = back  # remind me when the snooze ends
        moves.append((row.id, next_at))
        reason = _early_reason(row, state, fire, local.date(), local.hour * 60 + local.minute)
        if reason is not None:
            report.skipped[reason] += 1
            continue
        candidates.append(
            _Candidate(row, user, tz, fire, local.date(), local.hour * 60 + local.minute)
        )

    outgoing = _decide(session, services, candidates, states, now, report)
    report.enqueued += enqueue_many(session, outgoing, now)
    _move(session, moves, postgres)
    _save_states(session, states, postgres)
    return len(rows)


def _collapse(
    schedule: Schedule, zone: str, due: datetime, now: datetime, grace: timedelta
) -> tuple[datetime | None, datetime]:
    """(the fire to nudge for, or None; the next fire time after now).

    A due time inside the grace window is nudged for; an older one is dropped, and the first
    fire inside the window (if any has come) stands in for everything missed.
    """
    cutoff = now - grace
    fire: datetime | None = due
    if due < cutoff:
        fire = next_fire(schedule, zone, cutoff - timedelta(seconds=1))
        if fire > now:
            return None, fire
    return fire, next_fire(schedule, zone, now)


def _early_reason(row: Any, state: _State, fire: datetime, day: date, minute: int) -> str | None:
    if state.paused_until is not None and state.paused_until > fire:
        return "paused"
    if state.snoozed_until is not None and state.snoozed_until > fire:
        return "snoozed"
    if (
        state.quiet_start is not None
        and state.quiet_end is not None
        and in_window(minute, state.quiet_start, state.quiet_end)
    ):
        return "quiet_hours"
    if row.skipped_on == day:
        return "skipped_today"
    if row.unreachable or not row.private_chat_id:
        return "unreachable"
    return None


def _decide(
    session: Session,
    services: Services,
    candidates: list[_Candidate],
    states: dict[int, _State],
    now: datetime,
    report: TickReport,
) -> list[Outgoing]:
    if not candidates:
        return []
    cap = services.settings.reminders.daily_cap
    facts = _load_facts(session, candidates)
    outgoing: list[Outgoing] = []
    for c in sorted(candidates, key=lambda c: (c.fire, c.row.id)):
        kind, state = Kind(c.row.kind), states[c.user.id]
        known = facts[(c.user.id, c.day)]
        span, step = _pace_span(c.row, state)
        reason = nudges.reason_to_skip(kind, known, c.minute, span, step)
        sent_today = state.nudges_on_day if state.nudge_day == c.day else 0
        if reason is None and sent_today >= cap:
            reason = "daily_cap"
        if reason is not None:
            report.skipped[reason] += 1
            continue
        state.nudge_day, state.nudges_on_day, state.changed = c.day, sent_today + 1, True
        reply = nudges.compose(
            reminder_id=c.row.id,
            kind=kind,
            minute=c.minute,
            units=Units(c.user.units),
            facts=known,
            line=_line(services, session, c.user, kind, now),
        )
        outgoing.append(
            Outgoing(
                key=reminder_key(c.row.id, c.fire),
                destination=Destination(c.row.platform, c.row.private_chat_id),
                reply=reply,
                user_id=c.user.id,
            )
        )
    return outgoing


def _line(
    services: Services, session: Session, user: User, kind: Kind, now: datetime
) -> str | None:
    """The rules engine's line; a nudge without a line beats no nudge, so its errors are
    logged and the nudge goes out plain."""
    if not user.encourage:
        return None
    try:
        return services.voice.nudge(session, user, kind, now)
    except Exception:
        log.exception("the voice failed on a %s nudge for user %s", kind.value, user.id)
        return None


def _pace_span(row: Any, state: _State) -> tuple[tuple[int, int], int]:
    """The part of the day a water goal is spread over, and the step between nudges."""
    if row.every_minutes is not None:
        return (row.window_start, row.window_end), row.every_minutes
    start, end = state.quiet_start, state.quiet_end
    if start is not None and end is not None and end < start:
        return (end, start), 0  # awake between the end and the start of quiet hours
    return nudges.DEFAULT_WAKING_DAY, 0


def _load_facts(
    session: Session, candidates: list[_Candidate]
) -> dict[tuple[int, date], nudges.Facts]:
    """Totals for each person's day and week, their goals and last entries: three queries
    for the whole batch."""
    user_ids = sorted({c.user.id for c in candidates})
    first = min(week_start(c.day) for c in candidates)
    last = max(c.day for c in candidates)
    per_day: dict[int, list[tuple[Kind, date, KindTotals]]] = {}
    for user_id, kind, day, count, dist, dur, vol in session.execute(
        select(
            Entry.user_id,
            Entry.kind,
            Entry.local_date,
            func.count(),
            func.coalesce(func.sum(Entry.distance_m), 0.0),
            func.coalesce(func.sum(Entry.duration_s), 0.0),
            func.coalesce(func.sum(Entry.volume_ml), 0.0),
        )
        .where(
            Entry.user_id.in_(user_ids),
            Entry.deleted_at.is_(None),
            Entry.local_date.between(first, last),
        )
        .group_by(Entry.user_id, Entry.kind, Entry.local_date)
    ):
        per_day.setdefault(user_id, []).append((Kind(kind), day, KindTotals(count, dist, dur, vol)))
    goals: dict[int, dict[Kind, Goal]] = {}
    for goal in session.scalars(select(Goal).where(Goal.user_id.in_(user_ids))):
        goals.setdefault(goal.user_id, {})[Kind(goal.kind)] = goal
    lasts = _last_entries(session, user_ids)
    facts: dict[tuple[int, date], nudges.Facts] = {}
    for c in candidates:
        if (c.user.id, c.day) in facts:
            continue
        day, week = Totals(), Totals()
        for kind, on, totals in per_day.get(c.user.id, ()):
            if on == c.day:
                _add(day, kind, totals)
            if week_start(c.day) <= on <= c.day:
                _add(week, kind, totals)
        facts[(c.user.id, c.day)] = nudges.Facts(
            day, week, goals.get(c.user.id, {}), lasts.get(c.user.id, {})
        )
    return facts


def _add(totals: Totals, kind: Kind, more: KindTotals) -> None:
    have = totals[kind]
    have.sessions += more.sessions
    have.distance_m += more.distance_m
    have.duration_s += more.duration_s
    have.volume_ml += more.volume_ml


def _last_entries(session: Session, user_ids: list[int]) -> dict[int, dict[Kind, nudges.LastEntry]]:
    latest = (
        select(func.max(Entry.id))
        .where(
            Entry.user_id.in_(user_ids),
            Entry.deleted_at.is_(None),
            Entry.kind.in_([Kind.RUN.value, Kind.STRENGTH.value]),
        )
        .group_by(Entry.user_id, Entry.kind)
    )
    found: dict[int, dict[Kind, nudges.LastEntry]] = {}
    for e in session.execute(
        select(
            Entry.user_id,
            Entry.kind,
            Entry.distance_m,
            Entry.exercise,
            Entry.sets,
            Entry.reps,
            Entry.weight_kg,
            Entry.duration_s,
        ).where(Entry.id.in_(latest))
    ):
        found.setdefault(e.user_id, {})[Kind(e.kind)] = nudges.LastEntry(
            e.distance_m, e.exercise, e.sets, e.reps, e.weight_kg, e.duration_s
        )
    return found


def _lock_states(session: Session, user_ids: list[int], postgres: bool) -> dict[int, _State]:
    """Each person's nudge state, locked in id order (so two workers never deadlock) for
    the daily count; a missing row is created with the defaults."""
    states = _select_states(session, user_ids, postgres)
    missing = [uid for uid in user_ids if uid not in states]
    if missing:
        insert = pg_insert if postgres else sqlite_insert
        session.execute(
            insert(NudgeState).on_conflict_do_nothing(),
            [{"user_id": uid, "nudges_on_day": 0} for uid in missing],
        )
        states.update(_select_states(session, missing, postgres))
    return states


def _select_states(session: Session, user_ids: list[int], postgres: bool) -> dict[int, _State]:
    query = (
        select(
            NudgeState.user_id,
            NudgeState.quiet_start,
            NudgeState.quiet_end,
            NudgeState.snoozed_until,
            NudgeState.paused_until,
            NudgeState.nudge_day,
            NudgeState.nudges_on_day,
        )
        .where(NudgeState.user_id.in_(user_ids))
        .order_by(NudgeState.user_id)
    )
    if postgres:
        query = query.with_for_update()
    return {row.user_id: _State(*row[1:]) for row in session.execute(query)}


def _move(session: Session, moves: list[tuple[int, datetime]], postgres: bool) -> None:
    """Set every claimed reminder's next fire time in one statement."""
    table = Reminder.__table__
    if postgres:
        rows = values(column("id", Integer), column("next_at", UTCDateTime()), name="moves")
        rows = rows.data(moves)
        session.execute(
            update(table).where(table.c.id == rows.c.id).values(next_fire_at=rows.c.next_at)
        )
        return
    session.execute(
        update(table)
        .where(table.c.id == bindparam("rid"))
        .values(next_fire_at=bindparam("next_at", type_=UTCDateTime())),
        [{"rid": rid, "next_at": at} for rid, at in moves],
    )


def _save_states(session: Session, states: dict[int, _State], postgres: bool) -> None:
    changed = [(uid, s.nudge_day, s.nudges_on_day) for uid, s in states.items() if s.changed]
    if not changed:
        return
    table = NudgeState.__table__
    if postgres:
        rows = values(
            column("user_id", Integer),
            column("day", Date()),
            column("count", Integer),
            name="counts",
        ).data(changed)
        session.execute(
            update(table)
            .where(table.c.user_id == rows.c.user_id)
            .values(nudge_day=rows.c.day, nudges_on_day=rows.c.count)
        )
        return
    session.execute(
        update(table)
        .where(table.c.user_id == bindparam("uid"))
        .values(nudge_day=bindparam("day"), nudges_on_day=bindparam("count")),
        [{"uid": uid, "day": day, "count": count} for uid, day, count in changed],
    )
