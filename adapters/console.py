"""A terminal chat with the bot: one person, one private chat. Reads standard input line by
line, so it works typed by hand or piped (`printf '/run 5k 28:30\n' | steady chat`).

Files go both ways through the current folder: attachments in a reply (a chart, an export)
are saved there and their paths printed; `/import path/to/file.csv` (or `run.gpx`) sends that
file with the command, as a Telegram document or a Discord attachment would arrive.

Whoever types here names paths on this machine, so files are handled with care: an import
reads only a regular file, never through a symbolic link, and only up to the import limit
(checked on the opened file, so nothing can be swapped in between the check and the read);
a saved file never replaces an existing one or writes through a link (it gets a new name).
Errors name the path and never show what the file holds."""

from __future__ import annotations

import asyncio
import errno
import getpass
import os
import re
import stat
import sys
import threading
from pathlib import Path
from typing import TextIO

from bot.core import Core
from bot.i18n.catalogs import translate
from bot.i18n.languages import DEFAULT, supported
from bot.interface import Attachment, ChatKind, Destination, Incoming, PlatformLimits, Reply
from bot.reading.workout_files import EXTENSIONS as WORKOUT_EXTENSIONS

PLATFORM = "console"
CHAT_ID = "console"
FILE_COMMANDS = ("/import",)  # commands whose argument is a file to attach


O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
MAX_NAME_TRIES = 1000


class CannotAttach(Exception):
    """A file named in a command could not be read; the message says which and why."""


def console_language() -> str | None:
    """The terminal's language, as a platform's hint: LC_ALL, then LC_MESSAGES, then LANG
    (the order POSIX gives them); the core reads "de_DE.UTF-8" as German."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return value
    return None


def read_upload(path: Path, max_kb: int, example: str, lang: str = DEFAULT) -> bytes:
    """The bytes of the regular file at `path`, at most `max_kb` KB.

    Opened with O_NOFOLLOW (a symbolic link is refused, not followed) and O_NONBLOCK (a
    FIFO can't hold the console up); the type and size are then read from the open file,
    so what is checked is what is read. A file whose length doesn't match what it said
    (/proc's, or one being written) is refused: only a plain, settled file is imported."""

    def _(message: str) -> str:
        return translate(lang, message)

    redo = _("Give the path of a workout file (GPX, TCX, FIT) or an /export CSV, e.g. {example}")
    redo = redo.format(example=example)
    is_link = _("{path} is a link, so I won't read it.").format(path=path) + f" {redo}"
    not_plain = _("{path} isn't a plain file, so I won't read it.").format(path=path) + f" {redo}"
    cannot = _("I can't read {path}: {problem}.")
    try:
        mode = os.lstat(path).st_mode  # a first look: a device or a link is not even opened
        if stat.S_ISLNK(mode) or not stat.S_ISREG(mode):
            raise CannotAttach(is_link if stat.S_ISLNK(mode) else not_plain)
        fd = os.open(path, os.O_RDONLY | O_NOFOLLOW | O_CLOEXEC | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # swapped for a link since the first look
            raise CannotAttach(is_link) from None
        said = cannot.format(path=path, problem=exc.strerror or exc)
        raise CannotAttach(f"{said} {redo}") from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # swapped since the first look
            raise CannotAttach(not_plain)
        limit = max_kb * 1024
        if info.st_size > limit:
            raise CannotAttach(
                _("{name} is larger than {max_kb} KB. Split it and import the parts.").format(
                    name=path, max_kb=max_kb
                )
            )
        try:
            data = file.read(limit + 1)
        except OSError as exc:
            said = cannot.format(path=path, problem=exc.strerror or exc)
            raise CannotAttach(f"{said} {redo}") from None
    if len(data) != info.st_size:
        raise CannotAttach(
            _(
                "{path} changed while I read it, or isn't a plain file. Try again once it's "
                "written, or copy it first."
            ).format(path=path)
        )
    return data


def save_new(folder: Path, filename: str, data: bytes) -> Path:
    """Write `data` to a file in `folder` that didn't exist: O_EXCL refuses any existing
    name, a symbolic link (even a dangling one) included, so nothing is overwritten and
    nothing is written through a link; a taken name becomes `name (2).ext`, and so on.
    Readable by this user only: an export holds someone's data."""
    name = Path(filename).name or "attachment"
    stem, suffix = Path(name).stem, Path(name).suffix
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_NOFOLLOW | O_CLOEXEC
    for n in range(1, MAX_NAME_TRIES + 1):
        path = folder / (name if n == 1 else f"{stem} ({n}){suffix}")
        try:
            fd = os.open(path, flags, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        return path
    raise FileExistsError(errno.EEXIST, f"{MAX_NAME_TRIES} files by that name already", name)


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
    pacing = PlatformLimits()  # a terminal takes what it is given
    open_dms_hint = None

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
        self._lines: asyncio.Queue[str] | None = None
        self._stopping = False

    def incoming(self, text: str) -> Incoming:
        """The typed line as a message; `/import FILE` becomes `/import` with FILE attached
        (relative paths are taken from the folder the console saves into)."""
        head, _, rest = text.strip().partition(" ")
        attachments: tuple[Attachment, ...] = ()
        if head.lower() in FILE_COMMANDS and rest.strip():
            # Not resolved: a link as the last step must be seen, and refused, by the open.
            path = Path(
                os.path.normpath(self.folder / Path(rest.strip().strip("'\"")).expanduser())
            )
            limits = self.core.services.settings.limits
            workout = path.name.lower().endswith(WORKOUT_EXTENSIONS)
            max_kb = limits.max_workout_kb if workout else limits.max_import_kb
            lang = supported(console_language()) or DEFAULT
            data = read_upload(path, max_kb, f"{head} steady-export-2026-11-25.csv", lang)
            attachments = (Attachment(path.name, data),)
            text = head
        return Incoming(
            platform=PLATFORM,
            user_id=self.user,
            display_name=self.user,
            chat_id=CHAT_ID,
            chat_kind=ChatKind.PRIVATE,
            text=text,
            attachments=attachments,
            language=console_language(),
        )

    def show(self, reply: Reply) -> None:
        parts = [render(reply, color=self.color)] if reply.text or reply.buttons else []
        for attachment in reply.attachments:
            try:
                parts.append(
                    f"(saved {save_new(self.folder, attachment.filename, attachment.data)})"
                )
            except OSError as exc:
                parts.append(f"(couldn't save {attachment.filename}: {exc.strerror or exc})")
        self.out.write("\n".join(parts) + "\n\n")
        self.out.flush()

    async def send(self, destination: Destination, reply: Reply) -> None:
        """Nudges and digests from the outbox appear in the terminal as they fire."""
        self.show(reply)

    def stop(self) -> None:
        """Leave the chat as at the end of input (Ctrl-C, SIGTERM); a message in hand is
        answered first. Called on the chat's event loop."""
        self._stopping = True
        if self._lines is not None:
            self._lines.put_nowait("")

    async def chat(self, source: TextIO = sys.stdin) -> None:
        interactive = source.isatty()
        if interactive:
            self.out.write("Steady is listening. Type /help, or Ctrl-D to leave.\n\n")
        lines: asyncio.Queue[str] = asyncio.Queue()
        self._lines = lines
        _read_lines_into(source, lines, asyncio.get_running_loop())
        while not self._stopping:
            if interactive:
                self.out.write("> ")
                self.out.flush()
            line = await lines.get()
            if not line or self._stopping:
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


def _read_lines_into(
    source: TextIO, lines: asyncio.Queue[str], loop: asyncio.AbstractEventLoop
) -> None:
    """Read `source` in a daemon thread of its own, each line onto `lines`, then "" at its
    end. Not the loop's executor: a read waiting on a terminal would hold the process open
    after Ctrl-C until the next Enter, as the executor's threads are joined at exit."""

    def put(line: str) -> bool:
        try:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        except RuntimeError:  # the chat has ended and its loop is closed
            return False
        return True

    def read() -> None:
        try:
            while (line := source.readline()) and put(line):
                pass
        except (OSError, ValueError):  # the input was closed under us
            pass
        put("")

    threading.Thread(target=read, name="console-input", daemon=True).start()
