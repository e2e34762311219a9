"""What a Discord message says to the core: mentions of the bot and prefix commands.

Pure functions, so the rules are read and tested in one place.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass


@dataclass(frozen=True)
class Said:
    text: str  # the line for the core
    mentioned: bool  # the message names the bot


def read_message(
    content: str, *, bot_id: int, prefix: str, commands: Container[str], private: bool
) -> Said:
    """`<@bot> ran 5k` -> "ran 5k", addressed; `!run 5k 28:30` -> "/run 5k 28:30".

    In a server a prefix word becomes a command only when it names one of Steady's commands,
    because other bots there may answer to the same prefix; in a DM, and when the bot is
    mentioned, any prefix word is meant for Steady (an unknown one gets the core's hint)."""
    mention = re.compile(rf"<@!?{bot_id}>")
    mentioned = bool(mention.search(content))
    text = mention.sub("", content).strip()
    if prefix and text.startswith(prefix):
        rest = text[len(prefix) :]
        name = rest.split(maxsplit=1)[0].lower() if rest[:1].isalpha() else ""
        if name and (private or mentioned or name in commands):
            text = "/" + rest
    return Said(text, mentioned)
