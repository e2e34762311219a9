"""Finding the person behind an incoming message, creating them on first contact."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.interface import ChatKind, Incoming
from bot.storage.models import Account, User

# Built once: this runs for every message, and building a statement costs more than running it.
_ACCOUNT_AND_USER = (
    select(Account, User)
    .join(User, User.id == Account.user_id)
    .where(
        Account.platform == bindparam("platform"), Account.external_id == bindparam("external_id")
    )
)


def account_for(session: Session, incoming: Incoming, now: datetime) -> tuple[Account, User]:
    found = session.execute(
        _ACCOUNT_AND_USER, {"platform": incoming.platform, "external_id": incoming.user_id}
    ).first()
    name = (incoming.display_name or "friend").strip()[:100] or "friend"
    if found is None:
        user = User(display_name=name, tz="UTC", units="metric", encourage=True, created_at=now)
        session.add(user)
        session.flush()
        account = Account(
            user_id=user.id,
            platform=incoming.platform,
            external_id=incoming.user_id,
            display_name=name,
            private_chat_id=None,
            unreachable=False,
        )
        session.add(account)
    else:
        account, user = found
        if account.display_name != name:
            account.display_name = name
    if incoming.chat_kind is ChatKind.PRIVATE:
        if account.private_chat_id != incoming.chat_id:
            account.private_chat_id = incoming.chat_id
        if account.unreachable:
            account.unreachable = False  # they wrote to us: we may write back
    return account, user
