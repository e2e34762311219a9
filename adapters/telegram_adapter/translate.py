"""Telegram updates as `Incoming`: which person, which chat, and whether it is meant for us.

Pure functions over python-telegram-bot objects; downloading files and asking about admins
happen in the adapter (the latter for the worker, only when a command needs it).
"""

from __future__ import annotations

import re

from telegram import CallbackQuery, Message, User
from telegram.constants import ChatType

from bot.interface import Attachment, ChatKind, Incoming

PLATFORM = "telegram"


def chat_kind(chat_type: str) -> ChatKind | None:
    if chat_type == ChatType.PRIVATE:
        return ChatKind.PRIVATE
    if chat_type in (ChatType.GROUP, ChatType.SUPERGROUP):
        return ChatKind.GROUP
    return None  # channels: Steady does not work there


def command_target(text: str) -> str | None:
    """The bot a command names after '@' (`/water@steady_bot 500ml`), or None."""
    head = text.split(maxsplit=1)[0] if text.strip() else ""
    return head.partition("@")[2] or None


def from_message(
    message: Message,
    me: User,
    *,
    attachments: tuple[Attachment, ...] = (),
) -> Incoming | None:
    """The `Incoming` for a message, or None when it is not for this bot at all: a command
    for another bot, a channel post, or a message from a bot. An edited message keeps its
    id, so its key adds the edit's time: the same edit sent again is handled once, a later
    edit is new."""
    sender = message.from_user
    kind = chat_kind(message.chat.type)
    if sender is None or sender.is_bot or kind is None:
        return None
    text = message.text or message.caption or ""
    addressed = True
    if text.startswith("/"):
        target = command_target(text)
        if target is not None and target.lower() != (me.username or "").lower():
            return None
    elif kind is ChatKind.GROUP:
        text, mentioned = without_mention(text, me.username or "")
        replied = message.reply_to_message
        replied_to_me = bool(replied and replied.from_user and replied.from_user.id == me.id)
        addressed = mentioned or replied_to_me
    edited = None if message.edit_date is None else int(message.edit_date.timestamp())
    key = str(message.message_id) if edited is None else f"{message.message_id}:edited:{edited}"
    return Incoming(
        platform=PLATFORM,
        user_id=str(sender.id),
        display_name=sender.full_name,
        chat_id=str(message.chat.id),
        chat_kind=kind,
        text=text,
        message_id=key,
        addressed=addressed,
        attachments=attachments,
        language=sender.language_code,
        edits_message_id=None if edited is None else str(message.message_id),
    )


def without_mention(text: str, username: str) -> tuple[str, bool]:
    """The text with '@username' taken out, and whether it was there: "@steady_bot ran 5k"
    is "ran 5k", addressed to us."""
    if not username:
        return text, False
    pattern = re.compile(rf"(?<!\w)@{re.escape(username)}(?!\w)[,:]?", re.IGNORECASE)
    stripped, count = pattern.subn("", text)
    return " ".join(stripped.split()), count > 0


def from_callback(query: CallbackQuery) -> Incoming | None:
    """A button press: its payload runs like typed text; the callback query id is the
    message id, so a press that arrives twice acts once."""
    if query.data is None:
        return None
    message = query.message
    kind = chat_kind(message.chat.type) if message is not None else ChatKind.PRIVATE
    if kind is None:
        return None
    chat_id = message.chat.id if message is not None else query.from_user.id
    return Incoming(
        platform=PLATFORM,
        user_id=str(query.from_user.id),
        display_name=query.from_user.full_name,
        chat_id=str(chat_id),
        chat_kind=kind,
        payload=query.data,
        message_id=query.id,
        addressed=True,
        language=query.from_user.language_code,
    )
