"""Pauses: the history /pause writes and /resume closes, and the one check-in an open-ended
pause gets.

`NudgeState` holds what the tick asks (a timed pause's `paused_until`, or `paused_open`);
the `pauses` table keeps every pause with its local days, for the streak freeze
(bot/progress/freeze.py). Both are written together, in the command's transaction.

After CHECK_IN_AFTER of an open-ended pause, one kind message goes out through the outbox
with a /resume button. Its key, `pause-checkin:<pause id>`, and the pause's `checked_in_at`,
set in the same transaction, make it once per pause, across restarts and several workers.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from bot.context import Services
from bot.delivery.outbox import Outgoing, enqueue_many
from bot.i18n.catalogs import N_, translate
from bot.i18n.languages import DEFAULT, resolve
from bot.interface import Button, Destination, Reply
from bot.storage import bulk
from bot.storage.models import Account, Pause, User
from bot.storage.prepared import Db, Prepared

CHECK_IN_AFTER = timedelta(days=14)
BATCH = 1000
RESUME_LABEL = N_("I'm back")


def current_pause(session: Session, user_id: int, now: datetime) -> Pause | None:
    """The pause running now: open-ended, or timed and not yet over."""
    return session.scalar(
        select(Pause)
        .where(Pause.user_id == user_id, or_(Pause.ends_at.is_(None), Pause.ends_at > now))
        .order_by(Pause.id.desc())
        .limit(1)
    )


_RUNNING = Prepared(
    select(Pause.starts_on, Pause.ends_at)
    .where(
        Pause.user_id == bindparam("user_id"),
        or_(Pause.ends_at.is_(None), Pause.ends_at > bindparam("now")),
    )
    .order_by(Pause.id.desc())
    .limit(1)
)


def running_pause(db: Db, user_id: int, now: datetime) -> tuple[date, datetime | None] | None:
    """The running pause's first day and end (None: until /resume), read without the ORM:
    /streak asks it of everyone, and most people are not paused."""
    row = _RUNNING.first(db, {"user_id": user_id, "now": now})
    return None if row is None else (row[0], row[1])


def start_pause(
    session: Session,
    *,
    user_id: int,
    account_id: int,
    now: datetime,
    zone: ZoneInfo,
    until: datetime | None,
) -> Pause:
    """Pause from now until `until` (None: until /resume). A pause already running is
    changed rather than a second one begun, so it keeps its first day."""
    today = now.astimezone(zone).date()
    ends_on = None if until is None else until.astimezone(zone).date()
    pause = current_pause(session, user_id, now)
    if pause is None:
        pause = Pause(
            user_id=user_id,
            account_id=account_id,
            starts_on=today,
            started_at=now,
            created_at=now,
        )
        session.add(pause)
    pause.account_id = account_id
    pause.ends_on, pause.ends_at = ends_on, until
    return pause


def end_pause(session: Session, user_id: int, now: datetime, today: date) -> bool:
    """Close the running pause at today: the day of /resume is a normal day again."""
    pause = current_pause(session, user_id, now)
    if pause is None:
        return False
    pause.ends_at = now
    pause.ends_on = today if pause.ends_on is None else min(pause.ends_on, today)
    return True


def check_in_reply(name: str, lang: str = DEFAULT) -> Reply:
    """Patience, and no catching up to do: coming back whenever is fine."""
    text = translate(
        lang,
        "🌿 Hi {name}, just checking in. It has been two weeks since you paused, and "
        "that's fine: take the time you need, progress is patient work and nothing needs "
        "catching up. Whenever you feel like coming back, this week or much later, it's "
        "one tap. Until then I'll stay quiet.",
    )
    label = "▶️ " + translate(lang, RESUME_LABEL)
    return Reply(text.format(name=name), buttons=(Button(label, "/resume"),))


def check_in_key(pause_id: int) -> str:
    return f"pause-checkin:{pause_id}"


def run_due_checkins(services: Services, now: datetime) -> int:
    """Check in once on every open-ended pause that has lasted CHECK_IN_AFTER, a batch of
    up to BATCH a transaction, each in three statements. Returns how many were enqueued."""
    enqueued = 0
    while True:
        with services.db.unit_of_work() as session:
            taken, added = _batch(session, now)
        enqueued += added
        if taken < BATCH:
            return enqueued


def _batch(session: Session, now: datetime) -> tuple[int, int]:
    query = (
        select(
            Pause.id,
            Pause.user_id,
            User.display_name,
            User.language,
            User.app_language,
            Account.platform,
            Account.private_chat_id,
            Account.unreachable,
        )
        .join(User, User.id == Pause.user_id)
        .outerjoin(Account, Account.id == Pause.account_id)
        .where(
            Pause.ends_at.is_(None),
            Pause.checked_in_at.is_(None),
            Pause.started_at <= now - CHECK_IN_AFTER,
        )
        .order_by(Pause.started_at)
        .limit(BATCH)
    )
    if bulk.is_postgres(session):
        query = query.with_for_update(skip_locked=True, of=Pause)
    rows = session.connection().execute(query).all()
    outgoing = [
        Outgoing(
            key=check_in_key(row.id),
            destination=Destination(row.platform, row.private_chat_id),
            reply=check_in_reply(row.display_name, resolve(row.language, row.app_language)),
            user_id=row.user_id,
        )
        for row in rows
        if row.private_chat_id and not row.unreachable  # nowhere to say it: not said
    ]
    added = enqueue_many(session, outgoing, now)
    bulk.update_many(
        session, Pause.__table__, "id", ["checked_in_at"], [(row.id, now) for row in rows]
    )
    return len(rows), added
