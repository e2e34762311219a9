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

The decisions, in order: paused (for a while, or until /resume); snoozed (moved to the end
of the snooze when that is the same local day and comes before the next regular fire, so the
"Snooze 1 h" button means "remind me in an hour"); quiet hours; skipped today; nowhere to
send (the account is unreachable; one with no private chat yet is sent to as a person,
`Destination.to_person`, whose private chat the adapter opens); no longer needed (the run or
strength session is already logged that day, water is on pace for the goal); the daily cap,
counted from the person's nudges in the outbox (on PostgreSQL under a per-person advisory
lock, so two workers cannot both send the last one). Only nudges that go out count towards
the cap.
"""

from __future__ import annotations

import gc
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bot.context import NudgeAsk, Services
from bot.delivery.outbox import Outgoing, enqueue_many
from bot.domain import Kind, KindTotals, Totals, Units
from bot.i18n.languages import resolve
from bot.interface import Destination
from bot.ops import metrics
from bot.progress.stats import sum_or_zero, week_start
from bot.reminders import nudges
from bot.reminders.scheduling import Schedule, ScheduleError, in_window, next_fire
from bot.storage import bulk
from bot.storage.bulk import among
from bot.storage.models import (
    REMINDER_SCHEDULE,
    Account,
    Entry,
    Goal,
    NudgeState,
    OutboxMessage,
    Reminder,
    User,
)

log = logging.getLogger("steady.dispatch")

BATCH = 1000
NUDGE_LOCKS = 0x5EAD  # the advisory-lock namespace for "a person's nudges"
NO_FACTS = nudges.Facts()  # shared by everyone with no entries or goals; never changed
KINDS = {kind.value: kind for kind in Kind}  # a dict lookup is cheaper than Kind(value)
UNITS = {units.value: units for units in Units}


@dataclass
class TickReport:
    """What one tick did, for logs and the benchmark."""

    claimed: int = 0
    enqueued: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class _Candidate:
    """A fire that passed the cheap checks and waits for the facts."""

    row: Any  # the claimed reminder row, with its account's, person's and nudge state's columns
    user_id: int
    fire: datetime
    local: datetime  # the fire in the person's zone
    day: date  # its local day
    minute: int  # its local minute after midnight


def reminder_key(reminder_id: int, fire: datetime) -> str:
    """'reminder:12:2026-11-25T07:00Z': one nudge per reminder and fire time, ever."""
    return f"reminder:{reminder_id}:{fire.astimezone(UTC).isoformat()[:16]}Z"


def tick(
    services: Services, *, now: datetime | None = None, batch: int = BATCH, lanes: int = 2
) -> TickReport:
    """Handle every reminder due at `now` (the clock's time by default).

    The first batch runs here; a quiet minute costs that one query. When it comes back
    full, on PostgreSQL `lanes` connections work through the rest side by side, kept apart
    by SKIP LOCKED exactly as separate workers are: one lane's Python runs while another
    waits on the database. A lane stops at a short batch, which means every due row not
    held by another lane was taken. SQLite has one writer, so one lane.
    """
    now = now or services.clock.now()
    with _fewer_collections():
        return _tick(services, now, batch, lanes)


def _tick(services: Services, now: datetime, batch: int, lanes: int) -> TickReport:
    def lane() -> TickReport:
        done = TickReport()
        while True:
            with services.db.unit_of_work() as session:
                taken = _batch(session, services, now, batch, done)
            if taken < batch:
                return done

    first = TickReport()
    with services.db.unit_of_work() as session:
        full = _batch(session, services, now, batch, first) == batch
    parts = [first]
    if full and services.db.is_postgres and lanes > 1:
        with ThreadPoolExecutor(lanes, thread_name_prefix="tick") as pool:
            running = [pool.submit(lane) for _ in range(lanes)]
            parts += [r.result() for r in running]
    elif full:
        parts.append(lane())
    report = TickReport()
    for part in parts:
        report.claimed += part.claimed
        report.enqueued += part.enqueued
        report.skipped.update(part.skipped)
    metrics.NUDGES_ENQUEUED.inc(report.enqueued)
    if report.claimed:  # DEBUG: in `steady chat` this would land amid the conversation
        log.debug(
            "tick: %d due, %d nudges enqueued, skipped %s",
            report.claimed,
            report.enqueued,
            dict(report.skipped),
        )
    return report


YOUNG_GENERATION = 10_000  # new containers between young collections while a tick runs


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """CPython's cyclic garbage collector looks at its young objects every 700 new ones. A
    batch's rows, facts and replies live as long as the batch, so at that pace most of them
    are promoted to the old generation, which fills up, and every few batches a full
    collection walks the whole heap: measured, 1.5 s of a fan-out of 100,000 nudges
    (bench/fanout.py). While a tick runs, the young generation is examined every 10,000
    new objects instead; they are mostly gone by then. The setting is put back after."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], YOUNG_GENERATION), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def reschedule(session: Session, user_id: int, zone: str, now: datetime) -> None:
    """After a time-zone change: every reminder's next fire time, in the new zone."""
    for r in session.scalars(select(Reminder).where(Reminder.user_id == user_id)):
        schedule = _schedule(r.days, r.at_minute, r.every_minutes, r.window_start, r.window_end)
        r.next_fire_at = next_fire(schedule, zone, now)


def _claim(session: Session, now: datetime, batch: int, postgres: bool) -> Sequence[Any]:
    """Up to `batch` due reminders, oldest first, with what deciding needs: one query on the
    next_fire_at index. On PostgreSQL the reminder rows stay locked until the batch commits;
    rows another worker holds are skipped, not waited for."""
    query = (
        select(
            Reminder.id,
            Reminder.user_id,
            Reminder.kind,
            *REMINDER_SCHEDULE,
            Reminder.next_fire_at,
            Reminder.skipped_on,
            Account.platform,
            Account.external_id,
            Account.private_chat_id,
            Account.unreachable,
            User.display_name,
            User.tz,
            User.units,
            User.encourage,
            User.language,
            User.app_language,
            NudgeState.quiet_start,
            NudgeState.quiet_end,
            NudgeState.snoozed_until,
            NudgeState.paused_until,
            NudgeState.paused_open,
        )
        .join(Account, Account.id == Reminder.account_id)
        .join(User, User.id == Reminder.user_id)
        .outerjoin(NudgeState, NudgeState.user_id == Reminder.user_id)
        .where(Reminder.next_fire_at <= now)
        .order_by(Reminder.next_fire_at)
        .limit(batch)
    )
    if postgres:
        query = query.with_for_update(skip_locked=True, of=Reminder)
    return session.connection().execute(query).all()  # fetchall: far cheaper than row by row


def _batch(
    session: Session, services: Services, now: datetime, batch: int, report: TickReport
) -> int:
    rows = _claim(session, now, batch, services.db.is_postgres)
    if not rows:
        return 0
    report.claimed += len(rows)
    grace = timedelta(minutes=services.settings.reminders.grace_minutes)
    moves: list[tuple[int, datetime]] = []
    candidates: list[_Candidate] = []
    for row in rows:
        try:
            schedule = _schedule(
                row.days, row.at_minute, row.every_minutes, row.window_start, row.window_end
            )
            tz = ZoneInfo(row.tz)
            fire, next_at = _collapse(schedule, row.tz, row.next_fire_at, now, grace)
        except (ScheduleError, ValueError, ZoneInfoNotFoundError):
            # One bad row must not stop everyone's nudges: log it, look again in a day.
            log.exception("reminder %s: no next fire time; trying again in a day", row.id)
            moves.append((row.id, now + timedelta(days=1)))
            report.skipped["schedule_error"] += 1
            continue
        if fire is None:
            moves.append((row.id, next_at))
            report.skipped["missed"] += 1
            continue
        local = fire.astimezone(tz)
        if _comes_back(row.snoozed_until, fire, next_at, tz):
            next_at = row.snoozed_until  # snoozed: remind them when the snooze ends
        moves.append((row.id, next_at))
        minute = local.hour * 60 + local.minute
        reason = _early_reason(row, fire, local.date(), minute)
        if reason is not None:
            report.skipped[reason] += 1
            continue
        candidates.append(_Candidate(row, row.user_id, fire, local, local.date(), minute))

    outgoing = _decide(session, services, candidates, now, report)
    report.enqueued += enqueue_many(session, outgoing, now)
    bulk.update_many(session, Reminder.__table__, "id", ["next_fire_at"], moves)
    return len(rows)


@lru_cache(maxsize=4096)
def _schedule(
    days: str, at: int | None, every: int | None, start: int | None, end: int | None
) -> Schedule:
    return Schedule.from_row(days, at, every, start, end)


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


def _comes_back(
    snoozed_until: datetime | None, fire: datetime, next_at: datetime, tz: ZoneInfo
) -> bool:
    """Whether a fire inside a snooze comes back when it ends: the same local day, and
    before the reminder's next regular time."""
    if snoozed_until is None or not fire < snoozed_until < next_at:
        return False
    return snoozed_until.astimezone(tz).date() == fire.astimezone(tz).date()


def _early_reason(row: Any, fire: datetime, day: date, minute: int) -> str | None:
    if row.paused_open or (row.paused_until is not None and row.paused_until > fire):
        return "paused"  # until /resume, or for a while
    if row.snoozed_until is not None and row.snoozed_until > fire:
        return "snoozed"
    if (
        row.quiet_start is not None
        and row.quiet_end is not None
        and in_window(minute, row.quiet_start, row.quiet_end)
    ):
        return "quiet_hours"
    if row.skipped_on == day:
        return "skipped_today"
    if row.unreachable:
        return "unreachable"
    return None


def _decide(
    session: Session,
    services: Services,
    candidates: list[_Candidate],
    now: datetime,
    report: TickReport,
) -> list[Outgoing]:
    if not candidates:
        return []
    cap = services.settings.reminders.daily_cap
    postgres = bulk.is_postgres(session)
    facts = _load_facts(session, candidates, postgres)
    sent = _nudges_sent(session, candidates, now, postgres)
    nudged: list[tuple[_Candidate, Kind, nudges.Facts]] = []
    for c in sorted(candidates, key=lambda c: (c.fire, c.row.id)):
        kind = KINDS[c.row.kind]
        known = facts.get((c.user_id, c.day), NO_FACTS)
        span, step = _pace_span(c.row)
        reason = nudges.reason_to_skip(kind, known, c.minute, span, step)
        if reason is None and sent[(c.user_id, c.day)] >= cap:
            reason = "daily_cap"
        if reason is not None:
            report.skipped[reason] += 1
            continue
        sent[(c.user_id, c.day)] += 1
        nudged.append((c, kind, known))
    asks = [
        NudgeAsk(
            user_id=c.user_id,
            name=c.row.display_name,
            units=c.row.units,
            encourage=c.row.encourage,
            kind=kind,
            local=c.local,
            day=known.day,
            week=known.week,
            goals=known.goals,
            lang=resolve(c.row.language, c.row.app_language),
        )
        for c, kind, known in nudged
    ]
    lines = _lines(services, session, asks, now)
    outgoing = []
    for (c, kind, known), ask, line in zip(nudged, asks, lines, strict=True):
        reply = nudges.compose(
            reminder_id=c.row.id,
            kind=kind,
            minute=c.minute,
            units=UNITS[c.row.units],
            facts=known,
            line=line,
            lang=ask.lang,  # read with the claimed rows: no query per person
        )
        outgoing.append(
            Outgoing(
                key=reminder_key(c.row.id, c.fire),
                destination=_private_chat(c.row),
                reply=reply,
                user_id=c.user_id,
            )
        )
    return outgoing


def _private_chat(row: Any) -> Destination:
    """Their private chat with the bot; for someone known only from a group (a reminder set
    in a Discord server), the person, whose private chat the adapter opens."""
    if row.private_chat_id:
        return Destination(row.platform, row.private_chat_id)
    return Destination(row.platform, row.external_id, to_person=True)


def _nudges_sent(
    session: Session, candidates: list[_Candidate], now: datetime, postgres: bool
) -> Counter[tuple[int, date]]:
    """Reminder nudges already enqueued per (person, local day), for the daily cap.

    On PostgreSQL each person's advisory lock is taken first, in id order (so two workers
    never deadlock), and held to the end of the batch: a second worker with another of the
    same person's reminders waits here and then counts this batch's nudges too.
    """
    zones = {c.user_id: ZoneInfo(c.row.tz) for c in candidates}
    user_ids = sorted(zones)
    if postgres:
        session.connection().execute(
            text(
                "SELECT pg_advisory_xact_lock(CAST(:space AS integer), id) "
                "FROM unnest(CAST(:ids AS integer[])) AS id"
            ),
            {"space": NUDGE_LOCKS, "ids": user_ids},
        )
    since = min(c.fire for c in candidates) - timedelta(days=2)
    sent: Counter[tuple[int, date]] = Counter()
    for user_id, created in (
        session.connection()
        .execute(
            select(OutboxMessage.user_id, OutboxMessage.created_at).where(
                among(OutboxMessage.user_id, user_ids, postgres),
                OutboxMessage.created_at >= since,
                OutboxMessage.key.like("reminder:%"),
            )
        )
        .all()
    ):
        assert user_id is not None  # among(user_ids) above
        sent[(user_id, created.astimezone(zones[user_id]).date())] += 1
    return sent


def _lines(
    services: Services, session: Session, asks: list[NudgeAsk], now: datetime
) -> list[str | None]:
    """The rules engine's line for each nudge of the batch, in one call. A nudge without a
    line beats no nudge, so a failure is logged and the batch's nudges go out plain.

    On PostgreSQL a failed statement spoils the rest of its transaction, so the voice runs
    inside a savepoint there: a database error in it is undone alone and the batch goes on.
    (SQLite's driver mishandles savepoints opened before the transaction has written
    anything, but SQLite carries on after a failed statement anyway.)"""
    if not asks:
        return []
    try:
        with session.begin_nested() if bulk.is_postgres(session) else nullcontext():
            lines = services.voice.nudge_lines(session, asks, now)
        if len(lines) != len(asks):
            raise ValueError(f"{len(lines)} lines for {len(asks)} nudges")
        return lines
    except Exception:
        log.exception("the voice failed on a batch of %d nudges; they go out plain", len(asks))
        return [None] * len(asks)


def _pace_span(row: Any) -> tuple[tuple[int, int], int]:
    """The part of the day a water goal is spread over, and the step between nudges."""
    if row.every_minutes is not None:
        return (row.window_start, row.window_end), row.every_minutes
    start, end = row.quiet_start, row.quiet_end
    if start is not None and end is not None and end < start:
        return (end, start), 0  # awake between the end and the start of quiet hours
    return nudges.DEFAULT_WAKING_DAY, 0


def _load_facts(
    session: Session, candidates: list[_Candidate], postgres: bool
) -> dict[tuple[int, date], nudges.Facts]:
    """Totals for each person's day and week, their goals and last entries: three queries
    for the whole batch. People with none of these are left out (they get NO_FACTS)."""
    user_ids = sorted({c.user_id for c in candidates})
    first = min(week_start(c.day) for c in candidates)
    last = max(c.day for c in candidates)
    per_day: dict[int, list[tuple[Kind, date, KindTotals]]] = {}
    for user_id, kind, day, count, dist, dur, vol in (
        session.connection()
        .execute(
            select(
                Entry.user_id,
                Entry.kind,
                Entry.local_date,
                func.count(),
                sum_or_zero(Entry.distance_m),
                sum_or_zero(Entry.duration_s),
                sum_or_zero(Entry.volume_ml),
            )
            .where(
                among(Entry.user_id, user_ids, postgres),
                Entry.deleted_at.is_(None),
                Entry.local_date.between(first, last),
            )
            .group_by(Entry.user_id, Entry.kind, Entry.local_date)
        )
        .all()
    ):
        totals = KindTotals(count, dist, dur, vol)
        per_day.setdefault(user_id, []).append((KINDS[kind], day, totals))
    goals: dict[int, dict[Kind, Any]] = {}
    for goal in (
        session.connection()
        .execute(
            select(Goal.user_id, Goal.kind, Goal.period, Goal.amount, Goal.counts_sessions).where(
                among(Goal.user_id, user_ids, postgres)
            )
        )
        .all()
    ):
        goals.setdefault(goal.user_id, {})[KINDS[goal.kind]] = goal  # read like a Goal
    lasts = _last_entries(session, user_ids, postgres)
    facts: dict[tuple[int, date], nudges.Facts] = {}
    for c in candidates:
        uid = c.user_id
        if (uid, c.day) in facts or not (uid in per_day or uid in goals or uid in lasts):
            continue
        that_day, that_week = NO_FACTS.day, NO_FACTS.week
        if uid in per_day:
            that_day, that_week = Totals(), Totals()
            for kind, on, totals in per_day[uid]:
                if on == c.day:
                    _add(that_day, kind, totals)
                if week_start(c.day) <= on <= c.day:
                    _add(that_week, kind, totals)
        known = goals.get(uid, {})
        facts[(uid, c.day)] = nudges.Facts(that_day, that_week, known, lasts.get(uid, {}))
    return facts


def _add(totals: Totals, kind: Kind, more: KindTotals) -> None:
    have = totals[kind]
    have.sessions += more.sessions
    have.distance_m += more.distance_m
    have.duration_s += more.duration_s
    have.volume_ml += more.volume_ml


def _last_entries(
    session: Session, user_ids: list[int], postgres: bool
) -> dict[int, dict[Kind, nudges.LastEntry]]:
    """Each person's latest run and strength entry, for the "log it" button."""
    latest = (
        select(func.max(Entry.id))
        .where(
            among(Entry.user_id, user_ids, postgres),
            Entry.deleted_at.is_(None),
            Entry.kind.in_([Kind.RUN.value, Kind.STRENGTH.value]),
        )
        .group_by(Entry.user_id, Entry.kind)
    )
    found: dict[int, dict[Kind, nudges.LastEntry]] = {}
    for e in (
        session.connection()
        .execute(
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
        )
        .all()
    ):
        found.setdefault(e.user_id, {})[KINDS[e.kind]] = nudges.LastEntry(
            e.distance_m, e.exercise, e.sets, e.reps, e.weight_kg, e.duration_s
        )
    return found
