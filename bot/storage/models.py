"""SQLAlchemy 2 models: every table Steady keeps.

Times are stored in UTC; `Entry.local_date` is the user's local day at the time of logging
(or the day they named), so a day's totals never move when a user changes time zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
    literal_column,
    select,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# An outbox message's status, and an inbox event's state.
PENDING, SENT, DEAD = "pending", "sent", "dead"
QUEUED, WAITING, WORKING, DONE, FAILED = "queued", "waiting", "working", "done", "failed"

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every database (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[type, Any]] = {datetime: UTCDateTime}
    # Every model here is mapped to a Table (SQLAlchemy types it as any FromClause).
    __table__: ClassVar[Table]


Base.metadata.naming_convention = NAMING

# The largest finite double. `x >= 0 AND x <= FLOAT_MAX` refuses negatives, both infinities
# and NaN on SQLite and PostgreSQL alike (PostgreSQL sorts NaN above every number; SQLite
# stores NaN as NULL, which the kind checks below refuse where a figure is needed). The
# plausible bounds (config/steady.toml) stay in code: a CHECK can't follow a setting.
FLOAT_MAX = "1.7976931348623157e308"


def finite(column: str) -> CheckConstraint:
    """A CHECK that `column` is finite and not negative (NULL passes, as in any CHECK)."""
    return CheckConstraint(f"{column} >= 0 AND {column} <= {FLOAT_MAX}", name=f"{column}_finite")


class User(Base):
    """A person. Their platform identities are `Account`s; `/link` joins two under one user."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100))
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    # A zone picked with /tz (even UTC), so Steady stops suggesting one.
    tz_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    units: Mapped[str] = mapped_column(String(10), default="metric")
    encourage: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column()
    # The language they chose with /lang (None: not chosen), and the one their app last
    # reported, which speaks for them until they choose (and in nudges, with no message).
    language: Mapped[str | None] = mapped_column(String(8))
    app_language: Mapped[str | None] = mapped_column(String(8))


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(100))
    private_chat_id: Mapped[str | None] = mapped_column(String(64))
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)


ENTRY_FIGURES = ("distance_m", "duration_s", "sets", "reps", "weight_kg", "volume_ml")


class Entry(Base):
    __tablename__ = "entries"
    __table_args__ = (
        UniqueConstraint("source_platform", "source_chat_id", "source_message_id"),
        # One number per entry of a person: `/edit 12`, `/delete 12` (bot/progress/entries.py).
        UniqueConstraint("user_id", "number"),
        Index("ix_entries_user_day", "user_id", "local_date"),
        *(finite(c) for c in ENTRY_FIGURES),
        finite("set_s"),
        CheckConstraint("kind <> 'run' OR distance_m IS NOT NULL", name="run_has_distance"),
        CheckConstraint("kind <> 'water' OR volume_ml IS NOT NULL", name="water_has_volume"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    local_date: Mapped[date] = mapped_column(Date)
    logged_at: Mapped[datetime] = mapped_column()
    distance_m: Mapped[float | None] = mapped_column(Float)
    duration_s: Mapped[float | None] = mapped_column(Float)
    exercise: Mapped[str | None] = mapped_column(String(40))
    sets: Mapped[int | None] = mapped_column(Integer)
    reps: Mapped[int | None] = mapped_column(Integer)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    volume_ml: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    source_platform: Mapped[str | None] = mapped_column(String(20))
    source_chat_id: Mapped[str | None] = mapped_column(String(64))
    source_message_id: Mapped[str | None] = mapped_column(String(128))
    # /undo hides an entry rather than deleting it, so a redelivered message stays deduplicated.
    deleted_at: Mapped[datetime | None] = mapped_column()
    # The person's own count of their entries (1, 2, 3...), given once and never changed; a
    # log's plain INSERT gives it itself (bot/commands/log.py), other inserts get `_next_number`.
    number: Mapped[int] = mapped_column(Integer, default=lambda c: _next_number(c))
    # What the entry was read from, when that can come again in another message: a workout
    # file's start (`workout:2026-11-20T07:30:00Z`), so the same workout is logged once.
    source_key: Mapped[str | None] = mapped_column(String(64))
    # Timed sets ("plank 3x60s"): each set's seconds, with `sets` and no `reps`.
    set_s: Mapped[float | None] = mapped_column(Float)


def _next_number(context: DefaultExecutionContext) -> int:
    """The next number of the entry's person, for an insert that gives none (an import, a
    benchmark's rows). Rows of one statement count on from each other, since none of them is
    in the table yet when the others' numbers are chosen."""
    user_id = context.get_current_parameters()["user_id"]  # type: ignore[no-untyped-call]  # SQLAlchemy leaves it unannotated
    counted: dict[int, int] = context.__dict__.setdefault("steady_entry_numbers", {})
    if user_id not in counted:
        table = Entry.__table__
        highest = select(func.coalesce(func.max(table.c.number), 0)).where(
            table.c.user_id == user_id
        )
        counted[user_id] = int(context.connection.execute(highest).scalar_one())
    counted[user_id] += 1
    return counted[user_id]


class Goal(Base):
    __tablename__ = "goals"
    __table_args__ = (UniqueConstraint("user_id", "kind"), finite("amount"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    period: Mapped[str] = mapped_column(String(10))
    amount: Mapped[float] = mapped_column(Float)
    counts_sessions: Mapped[bool] = mapped_column(Boolean, default=False)


class HandledMessage(Base):
    """Every incoming message with a platform id, and the replies it got.

    Written in the same transaction as the message's effects: a redelivered update finds
    its row, changes nothing and gets the same replies again.
    """

    __tablename__ = "handled_messages"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    replies: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    handled_at: Mapped[datetime] = mapped_column()


class ReplyFile(Base):
    """A file a kept reply carried (a chart, an export), so a redelivered message gets its
    files as well as its text. Kept 48 hours (bot/ops/retention.py); goes with its record."""

    __tablename__ = "reply_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    handled_id: Mapped[int] = mapped_column(
        ForeignKey("handled_messages.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)  # which of the message's replies
    filename: Mapped[str] = mapped_column(String(255))
    is_image: Mapped[bool] = mapped_column(Boolean)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(index=True)


class InboxEvent(Base):
    """A platform event (a Telegram update, a Discord message or interaction), stored before
    the platform is told it arrived: the offset confirmed, the webhook answered, the gateway
    event returned from. Workers claim events and run the core on them; the core marks an
    event done in the same transaction as its effects and its replies.

    `payload` is the adapter's own JSON for the event (what it needs to rebuild the
    `Incoming`), `chat_key` ("telegram:123") orders a chat's events, `user_key`
    ("telegram:456") finds a person's events for /deleteme. `state`: queued (behind an
    older open event of its chat), waiting (its chat's next: a worker may take it), working
    (a worker holds it until `lease_until`), done, failed (parked after its tries, or
    stopped by the time budget; `steady inbox` lists them). Only the open events of the
    first three states are in `ix_inbox_ready` and `ix_inbox_open_chat` (below).
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("platform", "event_id"),
        Index("ix_inbox_work", "state", "chat_key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(128))
    chat_key: Mapped[str] = mapped_column(String(100))
    user_key: Mapped[str | None] = mapped_column(String(100), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column()
    state: Mapped[str] = mapped_column(String(10), default="waiting")
    lease_until: Mapped[datetime | None] = mapped_column()
    tries: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(300))
    done_at: Mapped[datetime | None] = mapped_column()


class OutboxMessage(Base):
    """A message the core starts by itself (nudge, digest), waiting for an adapter to send it.

    `key` is unique (e.g. "reminder:12:2026-11-25T07:00Z"), so a producer that runs twice
    enqueues once. A sender claims rows by setting `claimed_until` (a lease); a worker that
    dies leaves the row to be claimed again when the lease runs out.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    reply: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending/sent/dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column()
    claimed_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(300))
    # `chat_id` is a person's platform id, for the adapter to find their private chat.
    to_person: Mapped[bool] = mapped_column(Boolean, server_default=false())


class Group(Base):
    """A group chat (Telegram) or a server (Discord) where challenges run.

    `external_id` is the platform's key for the group: the chat id, or a Discord server's id
    when the adapter gives one, so every channel of a server shares its challenges.
    `digest_chat_id` is where digests and end summaries are posted. The digest time is a
    local "HH:MM" in `tz`; `digest_next_at` is its next moment in UTC (indexed: the tick
    asks only for what is due).
    """

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(64))
    digest_chat_id: Mapped[str] = mapped_column(String(64))
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    digest_time: Mapped[str | None] = mapped_column(String(5))
    digest_next_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column()
    # Who may start challenges here: "everyone" or "admins" (/challenge who).
    challenge_starters: Mapped[str] = mapped_column(
        String(10), default="everyone", server_default="everyone"
    )
    # Chosen by an admin with /lang; None: the language most of its members speak.
    language: Mapped[str | None] = mapped_column(String(8))


class Challenge(Base):
    """A challenge in a group: a metric, a target for each member ("each") or one shared by
    all of them ("together"), a window of local days (the group's time zone). `ends_at` is
    the UTC moment the window closes (or when it was ended early); the summary is posted
    once, after it."""

    __tablename__ = "challenges"
    __table_args__ = (
        UniqueConstraint("group_id", "name_key"),
        Index("ix_challenges_summary_due", "summary_posted", "ends_at"),
        finite("target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    name_key: Mapped[str] = mapped_column(String(60))  # casefolded name: unique per group
    metric: Mapped[str] = mapped_column(String(20))
    target: Mapped[float] = mapped_column(Float)  # metres, runs, sessions or days
    units: Mapped[str] = mapped_column(String(10), default="metric")  # how distances read
    mode: Mapped[str] = mapped_column(String(10), default="each", server_default="each")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    ends_at: Mapped[datetime] = mapped_column()
    creator_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    summary_posted: Mapped[bool] = mapped_column(Boolean, default=False)


class ChallengeMember(Base):
    """Who joined a challenge. Leaving sets `left_at`: their entries stay, their line in the
    standings goes; joining again clears it."""

    __tablename__ = "challenge_members"
    __table_args__ = (UniqueConstraint("challenge_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column()
    left_at: Mapped[datetime | None] = mapped_column()


class LinkCode(Base):
    """A one-time code from /link, kept as a hash, to be sent from the other platform."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class ReminderInvite(Base):
    """A /remind asked in a group where the bot may not write to the person first: it waits
    for them to press Start in their private chat, through a link carrying a token that is
    kept here hashed, single use, for this person only, until `expires_at`."""

    __tablename__ = "reminder_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    args: Mapped[str] = mapped_column(String(500))  # what followed /remind
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LinkGuess(Base):
    """A wrong code sent to /link, kept an hour: at most a few per person an hour, and a
    bot-wide brake when many are tried at once (bot/groups/linking.py)."""

    __tablename__ = "link_guesses"
    __table_args__ = (Index("ix_link_guesses_user_id_guessed_at", "user_id", "guessed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    guessed_at: Mapped[datetime] = mapped_column(index=True)


# --- The voice's memory (bot/voice/steady_voice.py) ------------------------------------
# An "audience" is who hears a line: "user:<id>" for a person, "group:<key>" for a group's
# digest. `user_id` is set for a person, so deleting them deletes their memory too.


class RuleFiring(Base):
    """When a rule last spoke to an audience: for cooldowns, and for rules that speak once
    (ever, or once for each value of a fact such as a streak milestone or a goal period)."""

    __tablename__ = "rule_firings"
    __table_args__ = (UniqueConstraint("audience", "rule", "once_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audience: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    rule: Mapped[str] = mapped_column(String(60))
    once_key: Mapped[str] = mapped_column(String(100), default="")  # "" for cooldown-only rules
    fired_at: Mapped[datetime] = mapped_column()


class ShownMessages(Base):
    """What an audience saw lately in one category, newest last, so that no line comes back
    within a week and generic lines keep to their daily cap: `[id, unix seconds, local day]`
    each (bot/voice/memory.py; older rows hold bare ids). One small row per audience and
    category."""

    __tablename__ = "shown_messages"
    __table_args__ = (UniqueConstraint("audience", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audience: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(40))
    recent: Mapped[list[list[str | int] | str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column()


def partial_index(name: str, *columns: Any, where: Any, unique: bool = False) -> Index:
    """An index of only the rows for which `where` holds, on both databases."""
    return Index(name, *columns, unique=unique, sqlite_where=where, postgresql_where=where)


def in_states(state: Any, *states: str) -> Any:
    """`state IN ('waiting', ...)` with the states written into the statement, not bound:
    PostgreSQL matches a partial index's condition only to literals."""
    return state.in_([literal_column(f"'{name}'") for name in states])


# A chat's events wait queued behind its oldest open one, so a worker's claim walks only
# the events that may be taken (one a chat, and those in hand) and checks each one's chat
# for an older open event: both through these partial indexes, whatever the backlog, and
# never through the done events the retention has still to remove.
READY = (WAITING, WORKING)
OPEN = (QUEUED, WAITING, WORKING)
partial_index(
    "ix_inbox_ready",
    InboxEvent.platform,
    InboxEvent.id,
    where=in_states(InboxEvent.state, *READY),
)
partial_index(
    "ix_inbox_open_chat",
    InboxEvent.chat_key,
    InboxEvent.id,
    where=in_states(InboxEvent.state, *OPEN),
)


# The facts after a log ask for a person's latest entry of each kind, and their recent active
# days (for the streak). On live entries only, these indexes answer both from the index
# alone, however long the history.
partial_index(
    "ix_entries_live_user_kind_day",
    Entry.user_id,
    Entry.kind,
    Entry.local_date,
    where=Entry.deleted_at.is_(None),
)
partial_index(
    "ix_entries_live_user_day",
    Entry.user_id,
    Entry.local_date,
    where=Entry.deleted_at.is_(None),
)
# One live entry per workout file: the same workout sent twice is logged once, and may be
# sent again after /undo.
partial_index(
    "ux_entries_live_user_source_key",
    Entry.user_id,
    Entry.source_key,
    unique=True,
    where=Entry.deleted_at.is_(None) & Entry.source_key.is_not(None),
)


class Reminder(Base):
    """A person's own reminder: one kind, on some days, at a time or every so often in a
    window. `next_fire_at` (UTC, indexed) is the only thing the tick looks at, so a tick costs
    what is due, not how many reminders exist."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_next_fire_at", "next_fire_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The account it was set from: nudges go to that account's private chat.
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    days: Mapped[str] = mapped_column(String(27))  # "mon,wed,fri"; all seven for every day
    at_minute: Mapped[int | None] = mapped_column(Integer)  # local minutes after midnight
    every_minutes: Mapped[int | None] = mapped_column(Integer)
    window_start: Mapped[int | None] = mapped_column(Integer)  # local minutes, with every_
    window_end: Mapped[int | None] = mapped_column(Integer)
    next_fire_at: Mapped[datetime] = mapped_column()
    skipped_on: Mapped[date | None] = mapped_column(Date)  # "skip today": the local day
    created_at: Mapped[datetime] = mapped_column()


# A reminder's schedule as `Schedule.from_row` takes it (bot/reminders/scheduling.py).
REMINDER_SCHEDULE = (
    Reminder.days,
    Reminder.at_minute,
    Reminder.every_minutes,
    Reminder.window_start,
    Reminder.window_end,
)


class NudgeState(Base):
    """Per person: quiet hours, snooze and pause. A row appears when someone first sets one
    of them; no row means none."""

    __tablename__ = "nudge_state"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    quiet_start: Mapped[int | None] = mapped_column(Integer)  # local minutes after midnight
    quiet_end: Mapped[int | None] = mapped_column(Integer)
    snoozed_until: Mapped[datetime | None] = mapped_column()
    paused_until: Mapped[datetime | None] = mapped_column()  # a timed pause (/pause 7d)
    # An open-ended pause (/pause alone) lasts until /resume: a state of its own, since an
    # empty paused_until means "not paused".
    paused_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Pause(Base):
    """One pause, kept after it ends: the streak freezes the local days it covered.

    The paused days run from `starts_on` (the local day /pause was sent) up to, not
    including, `ends_on` (the local day it ended or /resume came); `ends_on` is NULL while an
    open-ended pause lasts. Local days are fixed when written, as an entry's are, so a later
    time-zone change moves nothing. `checked_in_at` marks the one check-in an open-ended
    pause gets after two weeks; `account_id` is where it goes."""

    __tablename__ = "pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column()  # NULL: until /resume
    checked_in_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()


# The check-in job looks only at open pauses not yet checked in on: a quiet minute reads an
# empty index, whatever the history holds.
partial_index(
    "ix_pauses_open_unchecked",
    Pause.started_at,
    where=Pause.ends_at.is_(None) & Pause.checked_in_at.is_(None),
)


# The daily cap counts a person's recent nudges in the outbox.
Index("ix_outbox_user_created", OutboxMessage.user_id, OutboxMessage.created_at)
