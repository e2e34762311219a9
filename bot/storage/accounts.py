"""Finding the person behind an incoming message, creating them on first contact."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.interface import ChatKind, Incoming
from bot.storage.models import Account, User


def account_for(session: Session, incoming: Incoming, now: datetime) -> tuple[Account, User]:
    account = session.scalar(
        select(Account).where(
            Account.platform == incoming.platform, Account.external_id == incoming.user_id
        )
    )
    name = (incoming.display_name or "friend").strip()[:100] or "friend"
    if account is None:
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
        user = session.get(User, account.user_id)
        assert user is not None
        if account.display_name != name:
            account.display_name = name
    if incoming.chat_kind is ChatKind.PRIVATE:
        if account.private_chat_id != incoming.chat_id:
            account.private_chat_id = incoming.chat_id
        if account.unreachable:
            account.unreachable = False  # they wrote to us: we may write back
    return account, user
