"""Which rows belong to a person, found from the schema rather than from a list of tables.

Every table that keeps someone's data points at `users.id` (or at `accounts.id`) with a
foreign key declared ON DELETE CASCADE. So deleting the `User` row deletes everything of
theirs, in tables written today and in tables added later, and /export can gather it all
the same way. The rule for new tables: a user's row has a `user_id` foreign key to
`users.id` with `ondelete="CASCADE"` (tests/test_data_commands.py checks every table).

A person also shows where no key points at them: in messages kept for their private chats,
and by name and figures in replies kept for other people (a group's /leaderboard, stored
against redelivery). `erase_user` runs every function in `ERASERS` on their `Traces` before
the cascade; a table keyed by platform ids rather than by `users.id` adds one there.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    CompoundSelect,
    Engine,
    Table,
    Text,
    cast,
    delete,
    false,
    or_,
    select,
    tuple_,
    union,
    update,
)
from sqlalchemy.orm import Session

from bot.interface import Reply, reply_to_dict
from bot.storage.models import (
    Account,
    Base,
    Challenge,
    ChallengeMember,
    Entry,
    Group,
    HandledMessage,
    InboxEvent,
    OutboxMessage,
    ReplyFile,
    RuleFiring,
    User,
)

log = logging.getLogger("steady.ownership")

# What a redelivered message gets when the replies it was given named someone since erased:
# the record still stops the message from running twice (a second log, a second /join).
HANDLED_BEFORE = "✓ I handled that message already."
REDACTED_REPLIES = [reply_to_dict(Reply(HANDLED_BEFORE))]


@dataclass(frozen=True)
class Link:
    """A column that points at a person: at users.id, or at accounts.id."""

    table: Table
    column: Column[Any]
    target: str  # "users" or "accounts"


def links() -> list[Link]:
    """Every foreign-key column in the schema that refers to users or accounts."""
    found = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            target = fk.column.table.name
            if target in (User.__tablename__, Account.__tablename__):
                found.append(Link(table, fk.parent, target))
    return found


def owned_rows(session: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table that points at the person (directly or through one of
    their accounts), keyed by table name; the users row itself is not included."""
    account_ids = list(session.scalars(select(Account.id).where(Account.user_id == user_id)))
    conditions: dict[str, list[Any]] = {}
    tables: dict[str, Table] = {}
    for link in links():
        ids = [user_id] if link.target == User.__tablename__ else account_ids
        if ids:
            conditions.setdefault(link.table.name, []).append(link.column.in_(ids))
            tables[link.table.name] = link.table
    rows: dict[str, list[dict[str, Any]]] = {}
    for name, table in tables.items():
        order = list(table.primary_key.columns)
        result = session.execute(select(table).where(or_(*conditions[name])).order_by(*order))
        rows[name] = [dict(row._mapping) for row in result]
    return rows


Chat = tuple[str, str]  # (platform, chat id)


@dataclass(frozen=True)
class Traces:
    """Where a person shows besides the rows that point at them, gathered before they are
    deleted: their names, their platform identities, their private chats, and the group
    chats where they took part (wrote, or joined or started a challenge)."""

    user_id: int
    names: frozenset[str]  # their name, and each account's name on its platform
    accounts: frozenset[tuple[str, str]]  # (platform, external id)
    private_chats: frozenset[Chat]
    group_chats: frozenset[Chat]  # chats of their groups, and any other chat they wrote in

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        names = sorted((n for n in self.names if n.strip()), key=len, reverse=True)
        if not names:
            return None
        return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, names)) + r")(?!\w)")

    def named_in(self, value: object) -> bool:
        """Whether any of their names stands as a word in the strings of a stored value
        (text, or JSON decoded: a reply's text, button labels and payloads)."""
        pattern = self._pattern
        return pattern is not None and any(pattern.search(s) for s in _strings(value))

    def maybe_named_in(self, column: Any) -> ColumnElement[bool]:
        """A cheap SQL pre-check for `named_in`, on a text or JSON column: true for every
        row whose text holds one of the names as JSON writes it (so never false for a row
        that names them; `named_in` then decides)."""
        as_text = cast(column, Text)
        escaped = {json.dumps(n)[1:-1] for n in self.names if n.strip()}
        escaped |= {n for n in self.names if n.strip()}  # plain text columns
        if not escaped:
            return false()
        return or_(*(as_text.contains(e, autoescape=True) for e in sorted(escaped)))


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def traces_of(session: Session, user_id: int) -> Traces:
    session.flush()
    user_name = session.scalar(select(User.display_name).where(User.id == user_id))
    accounts = session.execute(
        select(
            Account.platform, Account.external_id, Account.display_name, Account.private_chat_id
        ).where(Account.user_id == user_id)
    ).all()
    private = {(a.platform, a.private_chat_id) for a in accounts if a.private_chat_id}
    group_ids = set(
        session.scalars(
            union(
                select(Challenge.group_id)
                .join(ChallengeMember, ChallengeMember.challenge_id == Challenge.id)
                .where(ChallengeMember.user_id == user_id),
                select(Challenge.group_id).where(Challenge.creator_id == user_id),
            )
        )
    )
    chats: set[Chat] = set()
    for platform, key, digest_chat in session.execute(
        select(Group.platform, Group.external_id, Group.digest_chat_id).where(
            Group.id.in_(group_ids)
        )
    ):
        chats |= {(platform, key), (platform, digest_chat)}
    wrote_in: CompoundSelect[str | None, str | None] = union(
        select(HandledMessage.platform, HandledMessage.chat_id).where(
            HandledMessage.user_id == user_id
        ),
        select(Entry.source_platform, Entry.source_chat_id).where(
            Entry.user_id == user_id, Entry.source_chat_id.is_not(None)
        ),
    )
    chats |= {(p, c) for p, c in session.execute(wrote_in) if p is not None and c is not None}
    return Traces(
        user_id=user_id,
        names=frozenset(n for n in (user_name, *(a.display_name for a in accounts)) if n),
        accounts=frozenset((a.platform, a.external_id) for a in accounts),
        private_chats=frozenset(private),
        group_chats=frozenset(chats - private),
    )


def forget_private_chats(session: Session, traces: Traces) -> None:
    """Messages waiting in the outbox for, and messages remembered from, their private
    chats (keyed by the chat, whoever the row names)."""
    chats = list(traces.private_chats)
    if chats:
        for model in (OutboxMessage, HandledMessage):
            session.execute(delete(model).where(tuple_(model.platform, model.chat_id).in_(chats)))


def redact_stored_replies(session: Session, traces: Traces) -> None:
    """Other people's replies kept against redelivery that may show them.

    In their groups' chats every kept reply is blanked: a reply there may show them under a
    name they no longer have, and only a redelivery (seconds, minutes after the message)
    ever reads it. Anywhere else, a kept reply that names them is blanked. The record stays,
    answering HANDLED_BEFORE, so a redelivered /run or /join still doesn't run twice; the
    files kept with a blanked reply (a group's chart) are deleted. (Their own records, and
    their files, go with them by cascade.)"""
    others = or_(HandledMessage.user_id.is_(None), HandledMessage.user_id != traces.user_id)
    chats = list(traces.group_chats)
    if chats:
        in_chats = tuple_(HandledMessage.platform, HandledMessage.chat_id).in_(chats)
        session.execute(
            delete(ReplyFile).where(
                ReplyFile.handled_id.in_(select(HandledMessage.id).where(in_chats, others))
            )
        )
        session.execute(
            update(HandledMessage).where(in_chats, others).values(replies=REDACTED_REPLIES)
        )
    found = session.execute(
        select(HandledMessage.id, HandledMessage.replies).where(
            others, traces.maybe_named_in(HandledMessage.replies)
        )
    )
    ids = [row_id for row_id, replies in found if traces.named_in(replies)]
    for chunk in _chunks(ids):
        session.execute(delete(ReplyFile).where(ReplyFile.handled_id.in_(chunk)))
        session.execute(
            update(HandledMessage)
            .where(HandledMessage.id.in_(chunk))
            .values(replies=REDACTED_REPLIES)
        )


def forget_group_memory(session: Session, traces: Traces) -> None:
    """A group's voice remembers a rule that speaks once per value of a fact under that
    value: a digest rule kept once per leader would keep their name."""
    found = session.execute(
        select(RuleFiring.id, RuleFiring.once_key).where(
            RuleFiring.user_id.is_(None), traces.maybe_named_in(RuleFiring.once_key)
        )
    )
    ids = [row_id for row_id, key in found if traces.named_in(key)]
    for chunk in _chunks(ids):
        session.execute(delete(RuleFiring).where(RuleFiring.id.in_(chunk)))


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    return (ids[i : i + size] for i in range(0, len(ids), size))


Eraser = Callable[[Session, Traces], None]


# Run by erase_user before the person's row (and by cascade every row pointing at them) is
# deleted. A table that keeps their data keyed by platform ids instead of users.id (an inbox
# of raw platform events kept for redelivery, say) adds the function that deletes it here.
def forget_platform_events(session: Session, traces: Traces) -> None:
    """The raw events they sent, kept in the inbox (their text, their name), whatever
    state they are in: the message being handled now is done by the time this commits."""
    keys = [f"{platform}:{external_id}" for platform, external_id in traces.accounts]
    if keys:
        session.execute(delete(InboxEvent).where(InboxEvent.user_key.in_(keys)))


ERASERS: list[Eraser] = [
    forget_private_chats,
    redact_stored_replies,
    forget_group_memory,
    forget_platform_events,
]


def erase_user(session: Session, user_id: int) -> Traces:
    """Delete the person and, by cascade, every row that points at them, after each of
    `ERASERS` has removed what they left elsewhere. Returns their traces, for what the
    caller removes in turn (group messages not yet posted: bot/progress/erasure.py)."""
    traces = traces_of(session, user_id)
    for eraser in ERASERS:
        eraser(session, traces)
    session.execute(delete(User).where(User.id == user_id))
    return traces


def scrub_files(engine: Engine) -> None:
    """After an erasure has committed, on SQLite: copy the write-ahead log into the database
    and cut it to nothing. The deleted rows' pages are zeroed in the database itself
    (`secure_delete`, bot/storage/db.py), but their earlier versions stay in the log's old
    frames until they are overwritten, which may be never."""
    if engine.dialect.name != "sqlite":
        return
    try:
        with engine.connect() as connection:
            busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    except Exception:  # the erasure is committed: its reply must say so, not apologise
        log.exception("emptying the write-ahead log after an erasure failed")
        return
    if busy:
        log.warning("the write-ahead log could not be emptied after an erasure: readers held it")
