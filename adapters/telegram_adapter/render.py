"""A `Reply` as Telegram messages: neutral markup to HTML, long text split, buttons to an
inline keyboard.

Pure functions, so the rules Telegram enforces (4,096 characters a message, 1,024 a
caption, 64 bytes of callback data, only well-formed HTML) are checked here once and can
be tested without a network.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.interface import Attachment, Button, Reply

log = logging.getLogger("steady.telegram")

TEXT_LIMIT = 4096  # characters after entity parsing, counted in UTF-16 units
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes
BUTTONS_PER_ROW = 3

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<!\w)_(.+?)_(?!\w)")
_TAG = re.compile(r"<(/?)([bi])>")


def utf16_len(text: str) -> int:
    """Telegram measures text in UTF-16 code units: an emoji often counts twice."""
    return len(text.encode("utf-16-le")) // 2


def to_html(text: str) -> str:
    """**bold** and _italic_ to HTML; everything else, user text included, escaped.

    Markers that cross (`**a _b** c_`) would make HTML Telegram refuses: then the text goes
    out without markup rather than not at all.
    """
    escaped = html.escape(text, quote=False)
    rendered = _ITALIC.sub(r"<i>\1</i>", _BOLD.sub(r"<b>\1</b>", escaped))
    return rendered if _well_nested(rendered) else html.escape(to_plain(text), quote=False)


def to_plain(text: str) -> str:
    return _ITALIC.sub(r"\1", _BOLD.sub(r"\1", text))


def _well_nested(rendered: str) -> bool:
    open_tags: list[str] = []
    for closing, tag in _TAG.findall(rendered):
        if not closing:
            open_tags.append(tag)
        elif not open_tags or open_tags.pop() != tag:
            return False
    return not open_tags


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Chunks of at most `limit` UTF-16 units, cut at a line break where one fits, else at a
    space, else anywhere. The neutral text is never shorter on screen than in markup, so a
    chunk that fits here fits once rendered."""
    chunks: list[str] = []
    rest = text.strip()
    while utf16_len(rest) > limit:
        window = rest[: _fitting(rest, limit)]
        cut = window.rfind("\n")
        if cut <= 0:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = len(window)
        chunk = rest[:cut].rstrip()
        if chunk:
            chunks.append(chunk)
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def _fitting(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def keyboard(buttons: tuple[Button, ...], bot_username: str = "") -> InlineKeyboardMarkup | None:
    """Buttons in rows of three; a payload over 64 bytes cannot be sent, so it is left out
    (and logged) instead of losing the whole message. A button with a `start` token opens
    the private chat with the bot (`t.me/<bot>?start=<token>`): pressing Start there sends
    `/start <token>` from the person who pressed it."""
    usable = []
    for button in buttons:
        if button.start is not None and bot_username:
            url = f"https://t.me/{bot_username}?start={button.start}"
            usable.append(InlineKeyboardButton(button.label, url=url))
            continue
        if len(button.payload.encode()) > CALLBACK_DATA_LIMIT:
            log.error("button %r dropped: its payload is over 64 bytes", button.label)
            continue
        usable.append(InlineKeyboardButton(button.label, callback_data=button.payload))
    if not usable:
        return None
    rows = [usable[i : i + BUTTONS_PER_ROW] for i in range(0, len(usable), BUTTONS_PER_ROW)]
    return InlineKeyboardMarkup(rows)


@dataclass(frozen=True)
class Part:
    """One Bot API call: a text message, or a photo/document with an optional caption."""

    text: str = ""  # neutral markup; rendered to HTML when sent
    attachment: Attachment | None = None
    buttons: tuple[Button, ...] = ()

    @property
    def html(self) -> str:
        return to_html(self.text)

    @property
    def markup(self) -> InlineKeyboardMarkup | None:
        return keyboard(self.buttons)


def parts_of(reply: Reply) -> list[Part]:
    """The calls that show `reply`. One attachment with a short text goes as a captioned
    photo or file; otherwise the text first, then the files. Buttons sit on the last part,
    so they come under everything they belong to."""
    text = reply.text.strip()
    attachments = reply.attachments
    if len(attachments) == 1 and text and utf16_len(text) <= CAPTION_LIMIT:
        return [Part(text, attachments[0], reply.buttons)]
    parts = [Part(chunk) for chunk in split_text(text)]
    parts += [Part("", attachment) for attachment in attachments]
    if parts and reply.buttons:
        last = parts[-1]
        parts[-1] = Part(last.text, last.attachment, reply.buttons)
    return parts


def rest_of(reply: Reply, parts: list[Part]) -> Reply:
    """The part of `reply` still to send, when a send stopped partway through `parts`."""
    return Reply(
        text="\n".join(p.text for p in parts if p.text),
        buttons=reply.buttons,
        attachments=tuple(p.attachment for p in parts if p.attachment is not None),
        target=reply.target,
    )
