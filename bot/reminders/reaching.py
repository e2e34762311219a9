"""Where to tell someone that their direct messages are closed: the outbox sender's
`reach_elsewhere` (bot.delivery.outbox.ChatFinder)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.groups.challenges import challenge_chat_of
from bot.storage.models import Account, HandledMessage


def where_to_ask(session: Session, user_id: int, platform: str, now: datetime) -> str | None:
    """Their running challenge's chat; else the group chat they last wrote to the bot in (a
    reminder set with /remind in a Discord channel, say), while its record is kept."""
    found = challenge_chat_of(session, user_id, platform, now)
    if found is not None:
        return found
    private = select(Account.private_chat_id).where(
        Account.user_id == user_id,
        Account.platform == platform,
        Account.private_chat_id.is_not(None),
    )
    return session.scalar(
        select(HandledMessage.chat_id)
        .where(
            HandledMessage.user_id == user_id,
            HandledMessage.platform == platform,
            HandledMessage.chat_id.not_in(private),
        )
        .order_by(HandledMessage.handled_at.desc(), HandledMessage.id.desc())
        .limit(1)
    )
