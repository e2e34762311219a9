"""Finding the person behind an incoming message, creating them on first contact.

Every message starts here, so the person is read as plain values (`Person`), not as ORM
objects: loading those cost more than the rest of a log's reply. The rare command that
changes the person says so through `Person.change`, which writes the change at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from bot.interface import ChatKind, Incoming
from bot.storage.models import Account, HandledMessage, User
from bot.storage.prepared import Db, Prepared


@dataclass(slots=True)
class Person:
    """A user row as a command sees it."""

    id: int
    display_name: str
    tz: str
    units: str
    encourage: bool
    created_at: datetime

    def change(self, db: Db, **values: object) -> None:
        """Set profile columns (tz, units, encourage) here and in the database."""
        db.execute(update(User).where(User.id == self.id).values(**values))
        for name, value in values.items():
            setattr(self, name, value)


def mark_tz_chosen(db: Db, user_id: int) -> None:
    """The person picked a zone with /tz (even UTC): Steady stops suggesting one."""
    db.execute(update(User).where(User.id == user_id).values(tz_chosen=True))


def tz_chosen(db: Db, user_id: int) -> bool:
    """Read only where a hint depends on it, not with every message's person."""
    return bool(db.execute(select(User.tz_chosen).where(User.id == user_id)).scalar())


@dataclass(frozen=True, slots=True)
class Who:
    """The account a message came from and its person; `answered` holds the replies the
    message got when it was handled before (a redelivery), else None."""

    account_id: int
    person: Person
    answered: list[dict[str, Any]] | None = None


# Whether the message was handled before comes with the account, in the same lookup: every
# message asks both. (Someone with no account has no handled messages: they go with the
# person, by cascade.)
_ANSWERED = (
    select(HandledMessage.replies)
    .where(
        HandledMessage.platform == bindparam("platform"),
        HandledMessage.chat_id == bindparam("chat_id"),
        HandledMessage.message_id == bindparam("message_id"),
    )
    .scalar_subquery()
)


_FIND = Prepared(
    select(
        Account.id,
        Account.display_name,
        Account.private_chat_id,
        Account.unreachable,
        User.id,
        User.display_name,
        User.tz,
        User.units,
        User.encourage,
        User.created_at,
        _ANSWERED,
    )
    .join(User, User.id == Account.user_id)
    .where(
        Account.platform == bindparam("platform"), Account.external_id == bindparam("external_id")
    )
)
_NEW_USER = Prepared(
    insert(User)
    .values(
        display_name=bindparam("name"),
        tz="UTC",
        tz_chosen=False,
        units="metric",
        encourage=True,
        created_at=bindparam("now", type_=User.created_at.type),
    )
    .returning(User.id)
)
_NEW_ACCOUNT = Prepared(
    insert(Account)
    .values(
        user_id=bindparam("user_id"),
        platform=bindparam("platform"),
        external_id=bindparam("external_id"),
        display_name=bindparam("name"),
        private_chat_id=bindparam("private_chat_id"),
        unreachable=False,
    )
    .returning(Account.id)
)
_SEEN = Prepared(
    update(Account)
    .where(Account.id == bindparam("account_id"))
    .values(
        display_name=bindparam("name"),
        private_chat_id=bindparam("private_chat_id"),
        unreachable=bindparam("unreachable"),
    )
)


_PERSON = Prepared(
    select(User.id, User.display_name, User.tz, User.units, User.encourage, User.created_at).where(
        User.id == bindparam("user_id")
    )
)


def person_of(db: Db, user_id: int) -> Person:
    """The person as stored now (after a change made other than through `Person.change`)."""
    row = _PERSON.first(db, {"user_id": user_id})
    if row is None:
        raise LookupError(f"no user {user_id}")
    return Person(*row)


def account_for(db: Db, incoming: Incoming, now: datetime) -> Who:
    name = (incoming.display_name or "friend").strip()[:100] or "friend"
    key = {"platform": incoming.platform, "external_id": incoming.user_id}
    message = {"chat_id": incoming.chat_id, "message_id": incoming.message_id}
    found = _FIND.first(db, key | message)
    private = incoming.chat_kind is ChatKind.PRIVATE
    if found is None:
        user_id = _NEW_USER.scalar(db, {"name": name, "now": now})
        chat_id = incoming.chat_id if private else None
        account_id = _NEW_ACCOUNT.scalar(
            db, {**key, "user_id": user_id, "name": name, "private_chat_id": chat_id}
        )
        return Who(account_id, Person(user_id, name, "UTC", "metric", True, now))
    account_id, account_name, chat_id, unreachable, *user, answered = found
    if answered is not None:
        return Who(account_id, Person(*user), answered)
    seen = {"name": name, "private_chat_id": chat_id, "unreachable": unreachable}
    if private:  # they wrote to us here: we may write back
        seen |= {"private_chat_id": incoming.chat_id, "unreachable": False}
    if seen != {"name": account_name, "private_chat_id": chat_id, "unreachable": unreachable}:
        _SEEN.execute(db, {"account_id": account_id, **seen})
    return Who(account_id, Person(*user))
