"""A core `Reply` as Discord messages.

Text arrives in Steady's small neutral markup (**bold**, _italic_, everything else literal):
Discord reads both markers natively, so they are kept and every other markdown character is
escaped. A reply that opens with a bold heading line (stats, week, goals, leaderboards) reads
better as an embed titled by that line. Text longer than a message allows is split at line
breaks; attachments become files (an image also shows inside the embed); buttons become a
view of `PayloadButton`s, which any later press finds again, even after a restart.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.discord_adapter.buttons import PayloadButton
from bot.interface import Attachment, Button, Reply

MESSAGE_LIMIT = 2000  # characters of content in one message
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
BUTTON_LIMIT = 25  # five rows of five
EMBED_COLOUR = discord.Colour(0x3A8F6B)  # a calm green

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<!\w)_(.+?)_(?!\w)")
# Private-use characters stand in for the markers while the rest of the text is escaped.
_BOLD_MARK, _ITALIC_MARK = "\ue000", "\ue001"
# "2. Ana" at the start of a line would open a numbered list, which Discord numbers on from
# its first line: tied places in the standings ("2. Ana", "2. Cat") would read 2, 3.
_LIST_NUMBER = re.compile(r"^(\s*\d+)\.(?=\s)", re.MULTILINE)


@dataclass
class Outgoing:
    """One Discord message: the keyword arguments of `send`, built fresh for each send (a
    `discord.File` is read once)."""

    content: str | None = None
    embed: discord.Embed | None = None
    files: list[discord.File] = field(default_factory=list)
    view: discord.ui.View | None = None

    def kwargs(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self.content:
            found["content"] = self.content
        if self.embed is not None:
            found["embed"] = self.embed
        if self.files:
            found["files"] = self.files
        if self.view is not None:
            found["view"] = self.view
        return found


def markdown(text: str) -> str:
    """Neutral markup to Discord markdown: bold and italic kept, anything else made literal."""
    marked = _BOLD.sub(lambda m: f"{_BOLD_MARK}{m.group(1)}{_BOLD_MARK}", text)
    marked = _ITALIC.sub(lambda m: f"{_ITALIC_MARK}{m.group(1)}{_ITALIC_MARK}", marked)
    escaped = _LIST_NUMBER.sub(r"\1\\.", discord.utils.escape_markdown(marked))
    return escaped.replace(_BOLD_MARK, "**").replace(_ITALIC_MARK, "_")


def plain(text: str) -> str:
    """The markup's words without its markers, for places that show no markdown."""
    return _ITALIC.sub(r"\1", _BOLD.sub(r"\1", text))


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at line breaks (or spaces, in a very long line)."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:cut])
            line = line[cut:].lstrip(" ")
        joined = f"{current}\n{line}" if current else line
        if len(joined) > limit:
            chunks.append(current)
            current = line
        else:
            current = joined
    if current.strip():
        chunks.append(current)
    return chunks


def embed_for(text: str) -> discord.Embed | None:
    """An embed when the text opens with a bold heading line and has more below it."""
    head, _, body = text.partition("\n")
    if not _BOLD.search(head) or not body.strip():
        return None
    title = plain(head).strip()
    description = markdown(body.strip("\n"))
    if len(title) > EMBED_TITLE_LIMIT or len(description) > EMBED_DESCRIPTION_LIMIT:
        return None
    return discord.Embed(title=title, description=description, colour=EMBED_COLOUR)


def files_for(attachments: tuple[Attachment, ...]) -> list[discord.File]:
    return [discord.File(io.BytesIO(a.data), filename=a.filename) for a in attachments]


def view_for(buttons: tuple[Button, ...]) -> discord.ui.View | None:
    """Buttons as a view with no timeout; every button's custom id is its payload."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons[:BUTTON_LIMIT]:
        view.add_item(PayloadButton(button.payload, button.label))
    return view


def render(reply: Reply) -> Iterator[Outgoing]:
    """The messages that show one reply, in order; files and buttons ride on the last one.

    Needs a running event loop (discord.py's views do)."""
    files, view = files_for(reply.attachments), view_for(reply.buttons)
    embed = embed_for(reply.text) if reply.text else None
    if embed is not None:
        image = next((a for a in reply.attachments if a.is_image), None)
        if image is not None:
            embed.set_image(url=f"attachment://{image.filename}")
        yield Outgoing(embed=embed, files=files, view=view)
        return
    chunks = split_text(markdown(reply.text)) if reply.text.strip() else []
    for chunk in chunks[:-1]:
        yield Outgoing(content=chunk)
    if chunks or files or view is not None:
        yield Outgoing(content=chunks[-1] if chunks else None, files=files, view=view)
