"""The one seam between the core and the adapters.

An adapter turns a platform event into an `Incoming` (through the inbox and a worker, see
docs/intake.md; the console calls `Core.handle` directly), and renders each `Reply` it gets
back. Messages the core starts by itself (nudges, digests) reach an adapter's
`send(target, reply)` through the outbox with the same `Reply` type.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

# A JSON object as it crosses the seam (an event's payload, a stored reply).
JsonDict = dict[str, object]


class ChatKind(enum.StrEnum):
    PRIVATE = "private"
    GROUP = "group"


class Where(enum.StrEnum):
    """Where a command works: a chat of either kind, private chats only or groups only."""

    ANY = "any"
    PRIVATE = "private"
    GROUP = "group"


@dataclass(frozen=True)
class Choice:
    """One suggestion for an option as the person types it: what they see, and what goes in
    the option when they pick it (`Param.suggest`)."""

    label: str
    value: str


SUGGESTIONS_MAX = 25  # at most this many choices a time (Discord's limit)
CHOICE_TEXT_MAX = 100  # characters, for a choice's label and for its value (Discord's limit)


@dataclass(frozen=True)
class Param:
    """One typed option, so Discord can offer a form; the core still receives one text line.

    `suggest` is the core's provider of choices for it as the person types: called with a
    read-only `bot.context.Asking` and the text typed so far (`Core.suggest`). Adapters only
    read whether it is there, and ask the core through `CorePort.suggest_async`."""

    name: str
    description: str
    required: bool = True
    choices: tuple[str, ...] = ()
    kind: type = str  # str or int
    suggest: Callable[[Any, str], Sequence[Choice]] | None = field(
        default=None, compare=False, repr=False
    )


class CommandInfo(Protocol):
    """What an adapter reads of one registered command (`bot.commands.registry.Command`):
    enough for a menu, a slash command's form, or whether to answer privately."""

    @property
    def name(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def examples(self) -> tuple[str, ...]: ...
    @property
    def section(self) -> str: ...
    @property
    def details(self) -> str: ...
    @property
    def params(self) -> tuple[Param, ...]: ...
    @property
    def where(self) -> Where: ...
    @property
    def admin(self) -> bool: ...
    @property
    def ephemeral(self) -> bool: ...
    @property
    def usage(self) -> str: ...
    @property
    def needs_admin(self) -> bool: ...


class CommandList(Protocol):
    """The command registry as an adapter sees it (`bot.commands.registry.Registry`)."""

    def get(self, name: str) -> CommandInfo | None: ...
    def __iter__(self) -> Iterator[CommandInfo]: ...
    def names(self) -> list[str]: ...


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


class _Surrogates(dict[int, str]):
    """A `str.translate` table mapping every surrogate code point to U+FFFD."""

    def __missing__(self, point: int) -> int:
        if 0xD800 <= point <= 0xDFFF:
            return 0xFFFD
        raise LookupError(point)


_SURROGATES = _Surrogates()

# The fields of an Incoming that come from the platform as text.
_TEXT_FIELDS = (
    "user_id",
    "display_name",
    "chat_id",
    "text",
    "payload",
    "message_id",
    "server_id",
    "language",
    "edits_message_id",
)


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
    # The language the person's app reports (Telegram's language_code, a Discord
    # interaction's locale, the console's LANG), as the platform spells it; None when the
    # platform said nothing (a plain Discord message). The core reads it as a hint.
    language: str | None = None
    # An edit of an earlier message: that message's id (`message_id` is then the edit's own
    # key, the id with the edit's time, so the same edit sent again changes nothing while a
    # later edit is new). The core changes the entry the message logged (bot/commands/log.py).
    edits_message_id: str | None = None
    # The platform lets the bot open a private chat with the sender by itself (Discord: a
    # DM with anyone who shares a server with it). Where it can't (Telegram), the person
    # must open one first: the core offers a `Button` with `start` for that.
    opens_private: bool = False

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


@dataclass(frozen=True)
class Typing:
    """Someone filling in a command's option: what they typed into `param` so far and what
    the command's other options hold (`filled`, by param name). `who` says who and where,
    as an `Incoming` with no text and no message id: this is no message and is never kept."""

    who: Incoming
    command: str
    param: str
    typed: str
    filled: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "typed", clean_text(self.typed))
        object.__setattr__(self, "filled", {k: clean_text(v) for k, v in self.filled.items()})


class TargetKind(enum.StrEnum):
    SAME_CHAT = "same_chat"
    PRIVATE = "private"


@dataclass(frozen=True)
class Button:
    label: str
    payload: str  # short: Telegram allows 64 bytes of callback data
    # A token for the person's private chat with the bot: pressing the button opens that
    # chat, where `/start <token>` arrives from them (Telegram renders a t.me link with
    # `?start=`; elsewhere the button sends `payload`, which is that same command line).
    # At most 64 characters of [A-Za-z0-9_-], Telegram's limit for a start parameter.
    start: str | None = None

    @classmethod
    def to_private(cls, label: str, token: str) -> Button:
        return cls(label, f"/start {token}", start=token)


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
    # `chat_id` is then a person's platform id, and the adapter finds (or opens) their
    # private chat: on Discord a DM (`create_dm`), on Telegram the chat of the same id,
    # which exists once they have started the bot.
    to_person: bool = False


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


@dataclass(frozen=True)
class Rate:
    count: int
    per_s: float


def _never_a_group(chat_id: str) -> bool:
    return False


@dataclass(frozen=True)
class PlatformLimits:
    """A platform's sending limits, as its adapter declares them (`Adapter.pacing`); the
    outbox sender keeps to them (bot/delivery/pacing.py). None: no such limit."""

    overall: Rate | None = None
    per_chat: Rate | None = None
    per_group: Rate | None = None  # instead of per_chat, for group chats
    is_group: Callable[[str], bool] = field(default=_never_a_group)


@dataclass(frozen=True)
class Event:
    """One platform event as an adapter hands it over. `payload` is the adapter's own JSON
    (only that adapter reads it back); `chat_key` ("telegram:123") keeps a chat's events in
    order; `user_key` ("telegram:456") finds a person's events when they ask to be deleted."""

    platform: str
    event_id: str
    chat_key: str
    user_key: str | None
    payload: JsonDict


@dataclass(frozen=True)
class Taken:
    """An event a worker holds (its row is `working` until `lease_until`)."""

    id: int
    platform: str
    event_id: str
    chat_key: str
    payload: JsonDict
    tries: int

    @property
    def chat_id(self) -> str:
        return self.chat_key.partition(":")[2]


class Sender(Protocol):
    """What an adapter offers the outbox sender: its platform, its limits, and `send`, which
    raises `Unreachable` or `RetryLater`. `open_dms_hint` says how someone who closed their
    direct messages opens them again ("allow direct messages from this server's members"),
    where the platform has such a setting; None where it has not."""

    @property
    def platform(self) -> str: ...
    @property
    def pacing(self) -> PlatformLimits: ...
    @property
    def open_dms_hint(self) -> str | None: ...

    async def send(self, destination: Destination, reply: Reply) -> None: ...


class Adapter(Sender, Protocol):
    """A platform's adapter, as `steady run`, the inbox worker and the outbox sender use it.

    `run` receives until `stop_receiving` (each event stored through `CorePort.accept_async`
    before the platform is told); the worker then asks it to `rebuild` an event's payload
    into an `Incoming` (None: nothing for the core), `is_admin` for the commands that need
    it, and to `answer` with the core's replies (see docs/intake.md)."""

    async def run(self) -> None: ...
    async def stop_receiving(self) -> None: ...
    async def rebuild(self, payload: JsonDict) -> Incoming | None: ...
    async def is_admin(self, incoming: Incoming) -> bool: ...
    async def answer(self, incoming: Incoming, replies: list[Reply]) -> None: ...


class CorePort(Protocol):
    """The core as adapters and the inbox worker reach it (`bot.core.Core`, or the
    `RemoteCore` of bot/intake/core_process.py): the only way they reach the database."""

    @property
    def registry(self) -> CommandList: ...

    async def accept_async(self, events: Sequence[Event]) -> int: ...
    async def handle_async(self, incoming: Incoming) -> list[Reply]: ...
    async def handle_event_async(
        self, taken: Taken, incoming: Incoming | None, hold_s: float = ...
    ) -> list[Reply]: ...
    async def claim_async(
        self, platforms: Sequence[str], limit: int, lease_s: float
    ) -> list[Taken]: ...
    async def mark_sent_async(self, keys: list[str]) -> None: ...
    async def move_chat_async(self, platform: str, old_chat_id: str, new_chat_id: str) -> None: ...
    async def suggest_async(self, typing: Typing) -> list[Choice]: ...


def reply_to_dict(reply: Reply, *, with_attachments: bool = True) -> JsonDict:
    """A JSON-safe form, for the outbox and for the replies kept against redelivery."""
    import base64

    return {
        "text": reply.text,
        "buttons": [
            [b.label, b.payload] if b.start is None else [b.label, b.payload, b.start]
            for b in reply.buttons
        ],
        "attachments": [
            [a.filename, base64.b64encode(a.data).decode(), a.is_image]
            for a in (reply.attachments if with_attachments else ())
        ],
        "target": reply.target.value,
    }


def reply_from_dict(data: Mapping[str, Any]) -> Reply:
    import base64

    return Reply(
        text=data.get("text", ""),
        buttons=tuple(Button(*button) for button in data.get("buttons", [])),
        attachments=tuple(
            Attachment(name, base64.b64decode(blob), bool(is_image))
            for name, blob, is_image in data.get("attachments", [])
        ),
        target=TargetKind(data.get("target", TargetKind.SAME_CHAT.value)),
    )
