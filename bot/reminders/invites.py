"""A /remind asked in a group where the bot may not write to the person first (Telegram:
only someone who has pressed Start in a private chat with the bot can get its messages).

The group gets a button that opens the private chat (`Button.to_private`, a t.me link with
`?start=<token>` on Telegram); the person presses Start there, `/start <token>` arrives from
them, and the reminder is set in that chat. The token is 32 characters of [A-Za-z0-9_-]
(Telegram allows 64), random, kept only as its SHA-256, single use, good for `LIFETIME`, and
for the person who asked alone: the whole group sees the button, and anyone else who presses
it is told it isn't theirs (it stays theirs). A person has one invite at a time: a new one
replaces the last. Expired invites are pruned by bot/ops/retention.py.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select

from bot.context import Context
from bot.i18n.catalogs import N_
from bot.storage.models import ReminderInvite

LIFETIME = timedelta(hours=1)
TOKEN_BYTES = 24  # 32 characters of base64url
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def offer(ctx: Context, args: str) -> str:
    """A new invite for this person to set `/remind <args>` privately; returns its token."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    ctx.session.execute(delete(ReminderInvite).where(ReminderInvite.user_id == ctx.user.id))
    ctx.session.add(
        ReminderInvite(
            token_hash=_hash(token),
            user_id=ctx.user.id,
            platform=ctx.incoming.platform,
            args=args[:500],
            created_at=ctx.now,
            expires_at=ctx.now + LIFETIME,
        )
    )
    return token


@dataclass(frozen=True)
class Redeemed:
    """What `/start <token>` found: the /remind arguments to run (`args`), or why not."""

    args: str | None = None
    refusal: str | None = None


# In English as written; /start shows them in the person's language (`ctx._`).
GONE = N_(
    "That reminder link has expired or was already used. Set it here instead, e.g. "
    "/remind water 07:00, or ask again in the group."
)
NOT_YOURS = N_(
    "That reminder link was for someone else, so I left it for them. Set your own here, "
    "e.g. /remind run mon wed fri 07:00."
)


def looks_like_token(text: str) -> bool:
    return TOKEN.fullmatch(text) is not None


def redeem(ctx: Context, token: str) -> Redeemed:
    """Use up the invite, when it is this person's and still good."""
    invite = ctx.session.scalar(
        select(ReminderInvite).where(ReminderInvite.token_hash == _hash(token))
    )
    if invite is None:
        return Redeemed(refusal=GONE)
    if invite.user_id != ctx.user.id:
        return Redeemed(refusal=NOT_YOURS)
    ctx.session.delete(invite)
    if invite.expires_at <= ctx.now:
        return Redeemed(refusal=GONE)
    return Redeemed(args=invite.args)
