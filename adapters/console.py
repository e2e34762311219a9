"""A terminal chat with the bot: one person, one private chat. Reads standard input line by
line, so it works typed by hand or piped (`printf '/run 5k 28:30\n' | steady chat`).

Files go both ways through the current folder: attachments in a reply (a chart, an export)
are saved there and their paths printed; `/import path/to/file.csv` sends that file with the
command, as a Telegram document or a Discord attachment would arrive."""

from __future__ import annotations

import asyncio
import getpass
import re
import sys
from pathlib import Path
from typing import TextIO

from bot.core import Core
from bot.interface import Attachment, ChatKind, Destination, Incoming, Reply

PLATFORM = "console"
CHAT_ID = "console"
FILE_COMMANDS = ("/import",)  # commands whose argument is a file to attach


class CannotAttach(Exception):
    """A file named in a command could not be read; the message says which and why."""


def render(reply: Reply, *, color: bool) -> str:
    """Neutral markup to plain text (bold in a colour terminal); buttons as commands to type."""
    bold = r"\033[1m\1\033[0m" if color else r"\1"
    text = re.sub(r"\*\*(.+?)\*\*", bold, reply.text)
    text = re.sub(r"(?<!\w)_(.+?)_(?!\w)", r"\1", text)
    if reply.buttons:
        text += "\n" + "  ".join(f"[{b.label}: {b.payload}]" for b in reply.buttons)
    return text


class ConsoleAdapter:
    platform = PLATFORM

    def __init__(
        self,
        core: Core,
        *,
        user: str | None = None,
        out: TextIO = sys.stdout,
        folder: Path | None = None,
    ) -> None:
        self.core = core
        self.user = user or getpass.getuser()
        self.out = out
        self.folder = folder or Path.cwd()
        self.color = out.isatty()

    def incoming(self, text: str) -> Incoming:
        """The typed line as a message; `/import FILE` becomes `/import` with FILE attached
        (relative paths are taken from the folder the console saves into)."""
        head, _, rest = text.strip().partition(" ")
        attachments: tuple[Attachment, ...] = ()
        if head.lower() in FILE_COMMANDS and rest.strip():
            path = (self.folder / Path(rest.strip().strip("'\"")).expanduser()).resolve()
            try:
                attachments = (Attachment(path.name, path.read_bytes()),)
            except OSError as exc:
                raise CannotAttach(
                    f"I can't read {path}: {exc.strerror or exc}. "
                    f"Give the path of a CSV from /export, e.g. {head} steady-export-2026-11-25.csv"
                ) from None
            text = head
        return Incoming(
            platform=PLATFORM,
            user_id=self.user,
            display_name=self.user,
            chat_id=CHAT_ID,
            chat_kind=ChatKind.PRIVATE,
            text=text,
            attachments=attachments,
        )

    def show(self, reply: Reply) -> None:
        parts = [render(reply, color=self.color)] if reply.text or reply.buttons else []
        for attachment in reply.attachments:
            path = self.folder / attachment.filename
            path.write_bytes(attachment.data)
            parts.append(f"(saved {path})")
        self.out.write("\n".join(parts) + "\n\n")
        self.out.flush()

    async def send(self, destination: Destination, reply: Reply) -> None:
        """Nudges and digests from the outbox appear in the terminal as they fire."""
        self.show(reply)

    async def chat(self, source: TextIO = sys.stdin) -> None:
        interactive = source.isatty()
        if interactive:
            self.out.write("Steady is listening. Type /help, or Ctrl-D to leave.\n\n")
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                self.out.write("> ")
                self.out.flush()
            line = await loop.run_in_executor(None, source.readline)
            if not line:
                break
            if not line.strip():
                continue
            try:
                incoming = self.incoming(line.strip())
            except CannotAttach as exc:
                self.show(Reply(str(exc)))
                continue
            for reply in await self.core.handle_async(incoming):
                self.show(reply)
