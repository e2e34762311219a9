"""Commands that exist only in these tests: the core has no admin command, no file reader
and no tiny picture, and the adapter must carry all of them. `Registry.collect` takes this
module beside the real ones."""

from __future__ import annotations

import threading
import time

from bot.commands.registry import command
from bot.context import Context
from bot.interface import Attachment, Button, Reply, TargetKind

# The smallest valid PNG: one transparent pixel.
PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082"
)


@command(
    "clear_board",
    "Clear the group's board (admins only)",
    examples=("/clear_board",),
    section="Test",
    admin=True,
)
def clear_board(ctx: Context, args: str) -> str:
    return "The board is clear."


@command("peek", "Say what file came with the message", examples=("/peek",), section="Test")
def peek(ctx: Context, args: str) -> Reply:
    if not ctx.incoming.attachments:
        return Reply("No file came with that.")
    file = ctx.incoming.attachments[0]
    copy = Attachment(f"copy-{file.filename}", file.data)
    return Reply(f"Got **{file.filename}** ({len(file.data)} bytes).", attachments=(copy,))


@command("snapshot", "A picture of the week", examples=("/snapshot",), section="Test")
def snapshot(ctx: Context, args: str) -> Reply:
    return Reply("Your week", attachments=(Attachment("week.png", PIXEL_PNG, is_image=True),))


@command("long", "A very long answer", examples=("/long",), section="Test")
def long(ctx: Context, args: str) -> Reply:
    lines = [f"Line {n}: " + " ".join(["steady"] * 20) for n in range(1, 81)]
    return Reply("\n".join(lines), buttons=(Button("More", "/long"),))


@command("whisper", "Answer in a private chat", examples=("/whisper",), section="Test")
def whisper(ctx: Context, args: str) -> Reply:
    return Reply("Just between us: well done.", target=TargetKind.PRIVATE)


@command("ponder", "Think for a moment, then answer", examples=("/ponder",), section="Test")
def ponder(ctx: Context, args: str) -> str:
    time.sleep(0.3)  # a slow answer (a big export, say), in the core's worker thread
    return "Done pondering."


GATE = threading.Event()  # /gate waits for a test to open it


@command("gate", "Wait until the test opens the gate", examples=("/gate",), section="Test")
def gate(ctx: Context, args: str) -> str:
    GATE.wait(timeout=10)
    return "Through the gate."


@command("crash", "Fail inside the core, every time", examples=("/crash",), section="Test")
def crash(ctx: Context, args: str) -> str:
    raise RuntimeError("the core broke on this one")
