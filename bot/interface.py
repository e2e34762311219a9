"""The one seam between the core and the adapters.

An adapter turns a platform event into an `Incoming` (through the inbox and a worker, see
docs/intake.md; the console calls `Core.handle` directly), and renders each `Reply` it gets
back. Messages the core starts by itself (nudges, digests) reach an adapter's
`send(target, reply)` through the outbox with the same `Reply` type.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Protocol


class ChatKind(enum.StrEnum):
    PRIVATE = "private"
    GROUP = "group"


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    is_image: bool = False


# What no text from a platform may carry into the core: NUL (PostgreSQL refuses it in text)
# and lone surrogates (half of a UTF-16 pair, which no database or log can encode).
_UNSAFE = re.compile("[\x00\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` without NUL bytes, and with each lone surrogate as U+FFFD (the replacement
    character), so the core only ever meets text it can store, log and send back."""
    if text.isascii():
        return text.replace("\x00", "") if "\x00" in text else text
    if _UNSAFE.search(text) is None:
        return text
    return text.replace("\x00", "").translate(_SURROGATES)


class _Surrogates(dict):
    """A `str.translate` table mapping every surrogate code point to U+FFFD."""

    def __missing__(self, point: int) -> int:
        if 0xD800 <= point <= 0xDFFF:
            return 0xFFFD
        raise LookupError(point)


_SURROGATES = _Surrogates()

# The fields of an Incoming that come from the platform as text.
_TEXT_FIELDS = ("user_id", "display_name", "chat_id", "text", "payload", "message_id", "server_id")


@dataclass(frozen=True)
class Incoming:
    platform: str  # "telegram", "discord", "console"
    user_id: str  # the platform's id for the person
    display_name: str
    chat_id: str
    chat_kind: ChatKind = ChatKind.PRIVATE
    text: str = ""
    # Whether the sender administers this group (Telegram: getChatMember; Discord: Manage
    # Server). Asked of the platform before the core's transaction, and only when the
    # command needs it (`Command.needs_admin`); None when nobody asked.
    is_admin: bool | None = None
    payload: str | None = None  # a button's payload instead of text
    message_id: str | None = None  # the platform's id for this message/update: dedup key
    addressed: bool = True  # in a group: a command, or text that mentions the bot
    attachments: tuple[Attachment, ...] = ()  # files sent with the message (e.g. a CSV)
    # Discord: the server (guild) a channel belongs to, so all its channels share one group's
    # challenges; None elsewhere, where a group is its chat.
    server_id: str | None = None

    def __post_init__(self) -> None:
        """Every adapter builds an Incoming, so cleaning here cleans every platform's text at
        the edge, display names and file names included."""
        for name in _TEXT_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str):
                cleaned = clean_text(value)
                if cleaned is not value:
                    object.__setattr__(self, name, cleaned)
        if any(clean_text(a.filename) != a.filename for a in self.attachments):
            attachments = tuple(
                Attachment(clean_text(a.filename), a.data, a.is_image) for a in self.attachments
            )
            object.__setattr__(self, "attachments", attachments)


class TargetKind(enum.StrEnum):
    SAME_CHAT = "same_chat"
    PRIVATE = "private"


@dataclass(frozen=True)
class Button:
    label: str
    payload: str  # short: Telegram allows 64 bytes of callback data


@dataclass(frozen=True)
class Reply:
    """Text in a small neutral markup: **bold** and _italic_ only; everything else is literal."""

    text: str = ""
    buttons: tuple[Button, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    target: TargetKind = TargetKind.SAME_CHAT


@dataclass(frozen=True)
class Destination:
    """Where an outbox message goes: a platform chat (a user's private chat or a group)."""

    platform: str
    chat_id: str


class TokenRejected(Exception):
    """The platform refused the bot's token at start. The message names the setting to fix
    and never the token (the platform library's own error may hold it in full), so `steady
    run` can print it as one line and stop."""


class DeliveryError(Exception):
    """Base for the outcomes an adapter's `send` reports to the outbox sender."""


class Unreachable(DeliveryError):
    """The person blocked the bot or closed their DMs: stop nudging them until they write."""


class RetryLater(DeliveryError):
    def __init__(self, after_s: float, reason: str = "") -> None:
        super().__init__(reason or f"retry after {after_s}s")
        self.after_s = after_s


class Sender(Protocol):
    """What an adapter offers the outbox sender."""

    platform: str

    async def send(self, destination: Destination, reply: Reply) -> None: ...


def reply_to_dict(reply: Reply, *, with_attachments: bool = True) -> dict:
    """A JSON-safe form, for the outbox and for the replies kept against redelivery."""
    import base64

    return {
        "text": reply.text,
        "buttons": [[b.label, b.payload] for b in reply.buttons],
        "attachments": [
            [a.filename, base64.b64encode(a.data).decode(), a.is_image]
            for a in (reply.attachments if with_attachments else ())
        ],
        "target": reply.target.value,
    }


def reply_from_dict(data: dict) -> Reply:
    import base64

    return Reply(
        text=data.get("text", ""),
        buttons=tuple(Button(label, payload) for label, payload in data.get("buttons", [])),
        attachments=tuple(
            Attachment(name, base64.b64decode(blob), bool(is_image))
            for name, blob, is_image in data.get("attachments", [])
        ),
        target=TargetKind(data.get("target", TargetKind.SAME_CHAT.value)),
    )
