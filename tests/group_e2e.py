"""People in a group on Telegram and on Discord, through the real adapters and their fakes.

A `Side` is one platform as its people use it: a group chat (a Telegram group; a channel of a
Discord server) and each person's private chat with the bot. It says a line as that
person would (Telegram: a message; Discord: a slash command in the server, a typed message
in a DM), waits for the answer and gives back what a person reads. `deliver` is the outbox
sender's turn: what the tick enqueued goes out through the adapter to the fake, and comes
back as `Shown` messages. `open_sides` starts one or both platforms over ONE core and
database, as `steady run` does with both tokens set.
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Protocol

import pytest

from bot.clock import FixedClock
from bot.core import Core
from bot.delivery.outbox import OutboxSender
from bot.reminders.reaching import where_to_ask
from bot.services import build_core
from bot.settings import Settings
from tests.discord_rig import answers, fake_discord
from tests.discord_rig import running as discord_running
from tests.fakes.bot_api import TOKEN as TELEGRAM_TOKEN
from tests.fakes.bot_api import FakeBotAPI, Sent
from tests.fakes.discord_api import CHANNEL_ID, ITALIC, FakeDiscord, Posted
from tests.telegram_adapter.conftest import ANA, BEN, GROUP, Rig
from tests.telegram_adapter.conftest import running as telegram_running

NEW = '/challenge new "November 100k" run 100km until 2026-11-30'
# Ana organises the group (a Telegram admin; Manage Server on Discord); Ben and Cat are members.
PEOPLE = ("Ana", "Ben", "Cat")
ORGANISER = "Ana"
TELEGRAM_IDS = {"Ana": ANA, "Ben": BEN, "Cat": 1003}
DISCORD_IDS = {"Ana": 710000000000000001, "Ben": 710000000000000002, "Cat": 710000000000000003}


@dataclass(frozen=True)
class Shown:
    """A message the bot posted by itself, as a person sees it."""

    chat_id: str
    text: str
    emphasised: tuple[str, ...]  # the spans shown in italics (the voice's lines)
    images: tuple[tuple[str, bytes], ...]  # pictures shown with it: (file name, bytes)


class Side(Protocol):
    platform: str
    core: Core
    group_chat: str  # where the group's digests and summaries are expected

    async def group(self, who: str, line: str) -> str: ...

    async def private(self, who: str, line: str) -> str: ...

    async def deliver(self) -> list[Shown]: ...


class TelegramSide:
    platform = "telegram"

    def __init__(self, rig: Rig, group_id: int = GROUP) -> None:
        self.rig, self.core, self.group_id = rig, rig.core, group_id
        self.group_chat = str(group_id)
        rig.fake.set_member(group_id, TELEGRAM_IDS[ORGANISER], "administrator")

    def _user(self, who: str) -> dict:
        return self.rig.person(TELEGRAM_IDS[who], who)

    async def group(self, who: str, line: str) -> str:
        return _joined(await self.rig.say(self._user(who), line, chat_id=self.group_id))

    async def private(self, who: str, line: str) -> str:
        return _joined(await self.rig.say(self._user(who), line))

    async def deliver(self) -> list[Shown]:
        before = len(self.rig.fake.sent)
        await self.rig.drain()
        return [_telegram_shown(sent) for sent in self.rig.fake.sent[before:]]


class DiscordSide:
    platform = "discord"

    def __init__(self, fake: FakeDiscord, core: Core, sender: OutboxSender) -> None:
        self.fake, self.core, self.sender = fake, core, sender
        self.group_chat = str(CHANNEL_ID)
        for who in PEOPLE:
            fake.user(DISCORD_IDS[who], who, manages_server=who == ORGANISER)

    async def group(self, who: str, line: str, *, channel_id: int = CHANNEL_ID) -> str:
        """`line` as a slash command in a channel of the server."""
        before = len(self.fake.posted_in(channel_id))
        await self.fake.slash_line(DISCORD_IDS[who], line, channel_id=channel_id)
        return _seen((await answers(self.fake, channel_id, before + 1))[before:])

    async def typed(self, who: str, line: str, *, channel_id: int = CHANNEL_ID) -> str:
        """`line` typed as a message in a channel of the server (`!join`, a mention...)."""
        before = len(self.fake.posted_in(channel_id))
        await self.fake.say(DISCORD_IDS[who], line, channel_id=channel_id)
        return _seen((await answers(self.fake, channel_id, before + 1))[before:])

    async def private(self, who: str, line: str, *, slash: bool = False) -> str:
        """`line` typed in the person's DM with the bot, or run there as a slash command."""
        person = DISCORD_IDS[who]
        dm = self.fake.dm_channel(person)
        before = len(self.fake.posted_in(dm))
        if slash:
            await self.fake.slash_line(person, line, dm=True)
        else:
            await self.fake.say(person, line, dm=True)
        return _seen((await answers(self.fake, dm, before + 1))[before:])

    async def deliver(self) -> list[Shown]:
        before = len(self.fake.posted)
        while await self.sender.drain_once():
            pass
        return [_discord_shown(posted) for posted in self.fake.posted[before:]]


@contextlib.asynccontextmanager
async def open_sides(
    platforms: Iterable[str],
    url: str,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    **discord_settings: object,
) -> AsyncIterator[dict[str, Side]]:
    """Each platform's fake and adapter, all over one core (real commands, real voice) on
    the database at `url`, until the block ends. `discord_settings` are the Discord
    adapter's own (e.g. discord_message_content=True for typed commands in a server)."""
    platforms = list(platforms)
    async with contextlib.AsyncExitStack() as stack:
        settings: dict[str, object] = {}
        if "telegram" in platforms:
            telegram = await FakeBotAPI().start()
            stack.push_async_callback(telegram.close)
            settings.update(telegram_token=TELEGRAM_TOKEN, telegram_base_url=telegram.base_url)
        core = build_core(Settings(database_url=url, **settings), clock, migrate=False)
        stack.callback(core.services.db.dispose)
        sides: dict[str, Side] = {}
        if "telegram" in platforms:
            rig = await stack.enter_async_context(telegram_running(core, telegram, clock))
            sides["telegram"] = TelegramSide(rig)
        if "discord" in platforms:
            fake = await stack.enter_async_context(fake_discord(monkeypatch))
            adapter = await stack.enter_async_context(
                discord_running(core, fake, **discord_settings)
            )
            sender = OutboxSender(core.services.db, clock, adapter, reach_elsewhere=where_to_ask)
            sides["discord"] = DiscordSide(fake, core, sender)
        yield sides


# -- what a person sees ----------------------------------------------------------------------

_ITALIC_HTML = re.compile(r"<i>(.*?)</i>", re.DOTALL)


def _joined(sent: list[Sent]) -> str:
    return "\n".join(s.text for s in sent)


def _seen(posted: list[Posted]) -> str:
    return "\n".join(p.seen for p in posted)


def _telegram_shown(sent: Sent) -> Shown:
    """A photo is a picture; a document is a file to open, not a picture."""
    photo = ((sent.filename or "", sent.data or b""),) if sent.method == "sendPhoto" else ()
    italics = tuple(html.unescape(span) for span in _ITALIC_HTML.findall(sent.html))
    return Shown(str(sent.chat_id), sent.text, italics, photo)


def _discord_shown(posted: Posted) -> Shown:
    """A file is shown as a picture when an embed shows it (`attachment://name`)."""
    shown_urls = {e.get("image", {}).get("url") for e in posted.embeds}
    images = tuple((n, d) for n, d in posted.files if f"attachment://{n}" in shown_urls)
    italics = tuple(re.sub(r"\\(.)", r"\1", s) for s in ITALIC.findall(posted.text))
    return Shown(str(posted.channel_id), posted.seen, italics, images)
