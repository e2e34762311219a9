"""One person on two platforms: one-time link codes, and merging two users into one.

A code is shown once and stored only as a hash. Redeeming it from the other platform moves
everything of the code's owner onto the redeeming user (the one whose message is being
handled, so the core's record of that message stays valid), copies the owner's settings
over, and removes the emptied user.

The move is generic: every column in the schema that refers to `users.id` is re-pointed,
so tables added later (reminders, rules state, ...) follow without changes here. Where a
unique constraint would collide (both had a run goal, both joined the same challenge), the
row of the person who asked for the code wins.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Index,
    Table,
    UniqueConstraint,
    and_,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from bot.storage.models import Account, Base, ChallengeMember, Entry, LinkGuess, User

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
# 32^12 = 2^60 codes: with wrong guesses limited (below), a million accounts guessing for a
# year would expect to hit a live code once in tens of thousands of years (NOTES.md).
CODE_LENGTH = 12
GROUP = 4  # shown in groups of four
EXAMPLE = "K7P4-QXMA-R2D9"

GUESS_WINDOW = timedelta(hours=1)  # a person's wrong guesses count for an hour
BRAKE_WINDOW = timedelta(minutes=1)  # the bot-wide count is over the last minute


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def shown(code: str) -> str:
    """'K7P4QXMAR2D9' -> 'K7P4-QXMA-R2D9', easier to copy by eye."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


@dataclass(frozen=True)
class Guessing:
    """Where one person stands with wrong /link codes at a moment.

    `wait_until` is set when they have used their wrong codes for the hour: no code of theirs
    is checked until then, right or wrong (otherwise the limit would bound nothing).
    `braked` says that many wrong codes are being tried bot-wide just now; then a person gets
    one wrong code an hour instead of `per_hour`. A right code is still honoured for anyone
    not waiting, so a stranger's guessing can slow other guessers but never stop an owner."""

    wrong: int  # their wrong codes in the last hour
    wait_until: datetime | None
    braked: bool

    @property
    def may_check(self) -> bool:
        return self.wait_until is None and not (self.braked and self.wrong > 0)


def guessing(
    session: Session, user_id: int, now: datetime, *, per_hour: int, brake_per_minute: int
) -> Guessing:
    recent = list(
        session.scalars(
            select(LinkGuess.guessed_at)
            .where(LinkGuess.user_id == user_id, LinkGuess.guessed_at > now - GUESS_WINDOW)
            .order_by(LinkGuess.guessed_at.desc())
            .limit(per_hour)
        )
    )
    if len(recent) >= per_hour:
        # Free again an hour after the oldest of their last `per_hour` wrong codes.
        return Guessing(len(recent), recent[per_hour - 1] + GUESS_WINDOW, braked=False)
    bot_wide = session.scalar(
        select(func.count()).select_from(LinkGuess).where(LinkGuess.guessed_at > now - BRAKE_WINDOW)
    )
    return Guessing(len(recent), None, braked=(bot_wide or 0) >= brake_per_minute)


def record_wrong(session: Session, user_id: int, now: datetime) -> None:
    """Keep a wrong code's moment (never the code), and forget those older than an hour."""
    session.execute(delete(LinkGuess).where(LinkGuess.guessed_at <= now - GUESS_WINDOW))
    session.execute(insert(LinkGuess).values(user_id=user_id, guessed_at=now))


def normalise_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def platforms_of(session: Session, user_id: int) -> set[str]:
    return set(session.scalars(select(Account.platform).where(Account.user_id == user_id)))


def _user_columns() -> list[tuple[Table, Column[Any]]]:
    """Every (table, column) with a foreign key to users.id."""
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name == User.__tablename__:
            continue
        for column in table.columns:
            if any(fk.column.table.name == User.__tablename__ for fk in column.foreign_keys):
                found.append((table, column))
    return found


def _drop_collisions(
    session: Session, table: Table, column: Column[Any], keep: int, gone: int
) -> None:
    """Delete `keep`'s rows that would collide with `gone`'s on a unique constraint holding
    `column`: the row moving in (from the person who asked for the code) wins."""
    uniques: list[list[Column[Any]]] = [
        list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)
    ]
    uniques += [list(i.columns) for i in table.indexes if isinstance(i, Index) and i.unique]
    for cols in uniques:
        if column not in cols:
            continue
        other = table.alias("other")
        same = [other.c[c.name] == c for c in cols if c is not column]
        session.execute(
            delete(table).where(
                column == keep,
                exists().where(and_(other.c[column.name] == gone, *same)),
            )
        )


@dataclass(frozen=True)
class Renumbered:
    """The entries of one side that took new numbers when two histories became one."""

    user_id: int  # the side they came from (`keep` or `gone`, before the merge)
    first: int
    last: int


def merge_users(session: Session, *, keep: int, gone: int) -> Renumbered | None:
    """Move everything of user `gone` onto user `keep`, take `gone`'s settings (the side that
    asked for the code), and delete `gone`. Returns which entries were given new numbers
    (`_number_as_one`), if any."""
    renumbered = _number_as_one(session, keep, gone)
    _merge_memberships(session, keep, gone)
    for table, column in _user_columns():
        _drop_collisions(session, table, column, keep, gone)
        session.execute(update(table).where(column == gone).values({column.name: keep}))
    source = session.get(User, gone)
    target = session.get(User, keep)
    assert source is not None and target is not None
    target.tz, target.units, target.encourage = source.tz, source.units, source.encourage
    target.tz_chosen = source.tz_chosen
    target.display_name = source.display_name
    session.flush()
    session.expunge(source)
    session.execute(delete(User).where(User.id == gone))
    session.expire_all()
    return renumbered


def _number_as_one(session: Session, keep: int, gone: int) -> Renumbered | None:
    """Entry numbers are per person, and both sides have counted from 1. The longer history
    (more numbers given; on a tie, `keep`'s) keeps every number it has; the other side's
    entries are numbered on from its highest, in their own order. So no entry ever shares a
    number, no number is given twice, and the side most used keeps the numbers its person
    knows. The reply to /link says which numbers the other side's entries took."""
    highest = {
        user: session.scalar(
            select(func.coalesce(func.max(Entry.number), 0)).where(Entry.user_id == user)
        )
        or 0
        for user in (keep, gone)
    }
    kept, moved = (keep, gone) if highest[keep] >= highest[gone] else (gone, keep)
    if highest[moved] == 0:
        return None
    first = session.scalar(select(func.min(Entry.number)).where(Entry.user_id == moved)) or 1
    # Every new number is above every old one of either side: no row meets another on the way.
    offset = highest[kept]
    session.execute(
        update(Entry).where(Entry.user_id == moved).values(number=Entry.number + offset)
    )
    return Renumbered(moved, first + offset, highest[moved] + offset)


def _merge_memberships(session: Session, keep: int, gone: int) -> None:
    """Where both were in the same challenge, one membership stays: the earliest join, still
    current if either side was."""
    mine = {
        m.challenge_id: m
        for m in session.scalars(select(ChallengeMember).where(ChallengeMember.user_id == keep))
    }
    for theirs in session.scalars(select(ChallengeMember).where(ChallengeMember.user_id == gone)):
        ours = mine.get(theirs.challenge_id)
        if ours is None:
            continue
        ours.joined_at = min(ours.joined_at, theirs.joined_at)
        if theirs.left_at is None:
            ours.left_at = None
        session.delete(theirs)
    session.flush()
