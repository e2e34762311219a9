"""The Discord adapter: Discord events -> the inbox -> (a worker runs the core) -> replies.

discord.py owns the connection (login, gateway, heartbeats, resumes, REST rate limits); this
module only translates. Every message for Steady and every interaction is stored in the inbox
(`Core.accept_async`) as soon as it arrives, since the gateway keeps nothing for a bot that
dies. A worker then calls the hooks docs/intake.md names: `rebuild` (the stored payload back
to an `Incoming`, fetching attachments), `is_admin` and `answer`.

An interaction must be answered within 3 seconds. Its handler, once the event is stored,
waits up to `discord_defer_after` for `answer` in this process; if the answer is not there
by then it defers ("Steady is thinking…", private when the command answers privately) and
`answer` follows up. Whatever `answer` cannot deliver through the interaction (it came to
another process, or its 15-minute token has run out) goes to the channel, or by DM.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypedDict, cast

import aiohttp
import discord

from adapters.discord_adapter import render, slash
from adapters.discord_adapter.buttons import PayloadButton
from adapters.discord_adapter.suggest import core_suggestions
from adapters.discord_adapter.translate import read_message
from bot.context import apology
from bot.i18n.catalogs import N_, translate
from bot.i18n.languages import DEFAULT, supported
from bot.interface import (
    Attachment,
    ChatKind,
    CorePort,
    Destination,
    Event,
    Incoming,
    JsonDict,
    PlatformLimits,
    Rate,
    Reply,
    RetryLater,
    TargetKind,
    TokenRejected,
    Unreachable,
    clean_text,
)
from bot.reading.workout_files import file_size
from bot.settings import Settings

log = logging.getLogger("steady.discord")

PLATFORM = "discord"
ADMIN_CHECK_TIMEOUT_S = 10.0
RATE_LIMIT_WAIT_S = 30.0  # longer rate limits are not slept through: the outbox retries later
CLOUDFLARE_RETRY_S = 600.0  # a 429 without Discord's body: Cloudflare's ban lasts minutes
# An interaction's token works for 15 minutes from its creation; one with less than half a
# minute left is not worth a request that would fail halfway through a long answer.
TOKEN_LIFETIME = timedelta(minutes=15)
TOKEN_MARGIN = timedelta(seconds=30)
# How someone opens their DMs to the bot; also for the "please open your DMs" ask.
OPEN_DMS_HINT = N_(
    "allow direct messages from this server's members (server menu → Privacy Settings)"
)


class _Hooks:
    """What both clients (plain and sharded) hand to the adapter."""

    adapter: DiscordAdapter

    async def setup_hook(self) -> None:
        await self.adapter.setup()

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(message)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        # The raw event, since `on_message_edit` only fires for messages still in the cache.
        await self.adapter.on_message_edit(payload.message)


class SteadyClient(_Hooks, discord.Client):
    """A discord.py client that hands its events to the adapter."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        # Steady has no voice: spare the log discord.py's warnings about voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(**options)
        self.adapter = adapter


class ShardedSteadyClient(_Hooks, discord.AutoShardedClient):
    """The same, for some of the bot's shards (`STEADY_DISCORD_SHARDS`): Discord sends each
    shard the events of its own servers, so receivers with different shards never see the
    same message."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(**options)
        self.adapter = adapter


def intents_for(settings: Settings) -> discord.Intents:
    """Only what Steady reads: servers and their roles, messages in servers and DMs, and the
    privileged message content when the operator has enabled it in the developer portal."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = settings.discord_message_content
    return intents


@dataclass(frozen=True)
class DiscordIncoming(Incoming):
    """An `Incoming` with what `answer` and `is_admin` need from the stored event."""

    interaction: dict[str, Any] | None = None  # id, token, application id… of an interaction
    manages_server: bool | None = None  # Manage Server, when the event said (None: ask)


@dataclass
class _Waiting:
    """An interaction received here whose answer has not been sent yet. The lock keeps the
    handler's deferral and `answer`'s response from crossing."""

    interaction: discord.Interaction
    private: bool  # the command answers only the person (deferred privately too)
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Stored(TypedDict, total=False):
    """An event's payload as this adapter stores it in the inbox."""

    user_id: str
    display_name: str
    chat_id: str
    server_id: str | None
    message_id: str
    edits_message_id: str | None  # an edit: the edited message's id (`message_id` is the edit's)
    text: str
    addressed: bool
    manages_server: bool | None
    payload: str | None  # a button's command line
    language: str | None  # an interaction's locale ("es-ES"); a message has none
    interaction: dict[str, Any] | None
    attachments: list[dict[str, str]]


class DiscordAdapter:
    platform = PLATFORM
    open_dms_hint = OPEN_DMS_HINT
    pacing = PlatformLimits(per_chat=Rate(5, 5.0))  # Discord: 5 messages per 5 s per channel

    def __init__(
        self,
        core: CorePort,
        settings: Settings,
        *,
        guild_ready_timeout: float = 2.0,
        answers_here: bool = True,
        receive: bool = True,
    ) -> None:
        """`answers_here`: a worker in this process answers the events this adapter stores.
        A receive-only process defers every interaction at once instead of waiting.
        `receive`: join the gateway; False in a process that only works the inbox (REST only,
        see `login`)."""
        if settings.discord_token is None:
            raise ValueError("STEADY_DISCORD_TOKEN is not set")
        self._token = settings.discord_token
        self.core, self.settings = core, settings
        self.answers_here, self.receive = answers_here, receive
        options: dict[str, Any] = {
            "intents": intents_for(settings),
            "allowed_mentions": discord.AllowedMentions.none(),
            "max_ratelimit_timeout": RATE_LIMIT_WAIT_S,
            "guild_ready_timeout": guild_ready_timeout,
        }
        shard_ids = settings.discord_shard_ids()
        if shard_ids is None:
            self.client: discord.Client = SteadyClient(self, **options)
        else:
            self.client = ShardedSteadyClient(
                self, shard_ids=shard_ids, shard_count=settings.discord_shard_count, **options
            )
        self.tree = slash.build_tree(
            self.client, core.registry, self.on_slash_command, core_suggestions(core)
        )
        self.now = discord.utils.utcnow  # when an interaction's token runs out, against this
        self._logged_in = asyncio.Event()
        self._waiting: dict[str, _Waiting] = {}  # interaction id -> its handler, until answered
        self._files: aiohttp.ClientSession | None = None
        self._to_store: list[tuple[Event, asyncio.Future[None]]] = []
        self._storing: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Connect and serve until cancelled; the client closes cleanly on the way out."""
        token = self._token.get_secret_value()
        try:
            if not self.receive:
                try:
                    await self.login()
                    await asyncio.Event().wait()
                finally:
                    await self.close()
            async with self.client:
                await self.client.start(token)
        except discord.LoginFailure:
            raise TokenRejected(
                "Discord refused STEADY_DISCORD_TOKEN: copy the bot token again from the "
                "developer portal (Bot → Reset Token)."
            ) from None
        except discord.PrivilegedIntentsRequired:
            log.error(
                "STEADY_DISCORD_MESSAGE_CONTENT is on, but the Message Content Intent is off in "
                "the developer portal (Bot → Privileged Gateway Intents). Turn it on there, or "
                "unset the setting to run with slash commands and mentions only."
            )
            raise
        finally:
            if self._files is not None:
                await self._files.close()
                self._files = None

    async def login(self) -> None:
        """For a process that only works the inbox: Discord's REST API for `answer` and the
        outbox, without joining the gateway (receivers do that). `close` ends it."""
        await self.client.login(self._token.get_secret_value())

    async def stop_receiving(self) -> None:
        """Nothing to stop: Discord's gateway keeps nothing for a bot that is away, so what
        arrives until `close` is still stored (each event is in the inbox before Discord is
        answered), and what the worker leaves unfinished waits there for the next start."""

    async def close(self) -> None:
        await self.client.close()
        if self._files is not None:
            await self._files.close()
            self._files = None

    async def setup(self) -> None:
        """After login, before the gateway: buttons and slash commands (described in every
        language Steady speaks)."""
        self.client.add_dynamic_items(PayloadButton)
        await self.tree.set_translator(slash.CatalogTranslator())
        await self._sync_commands()
        self._logged_in.set()

    async def _sync_commands(self) -> None:
        guild_id = self.settings.discord_guild_id
        try:
            if guild_id is not None:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("synced %d slash commands to server %s", len(synced), guild_id)
            else:
                synced = await self.tree.sync()
                log.info("synced %d slash commands globally", len(synced))
        except discord.HTTPException as exc:
            # Prefix commands, mentions and buttons still work; say what to fix.
            log.error(
                "could not sync slash commands (HTTP %s: %s); is the bot invited with the "
                "applications.commands scope%s?",
                exc.status,
                exc.text,
                f" to server {guild_id}" if guild_id is not None else "",
            )

    # -- receiving: into the inbox -----------------------------------------------------------

    async def on_message_edit(self, message: discord.Message) -> None:
        """A person edited a message: stored as an event of its own, keyed by the message and
        the edit's time, so the same edit sent again is stored once and a later one is new.
        An update without an edit time (Discord adding a link's preview) is no edit."""
        if message.edited_at is None:
            return
        await self.on_message(message, edited_at=message.edited_at)

    async def on_message(
        self, message: discord.Message, *, edited_at: datetime | None = None
    ) -> None:
        if message.author.bot or self.client.user is None:
            return
        private = isinstance(message.channel, discord.DMChannel)
        said = read_message(
            message.content,
            bot_id=self.client.user.id,
            prefix=self.settings.discord_prefix,
            commands=self.core.registry.names(),
            private=private,
        )
        if not (private or said.mentioned or said.text.startswith("/")):
            return  # talk in a server that is not for Steady: nothing is stored
        files, max_kb = [], self._max_file_kb()
        for item in message.attachments:
            if item.size > max_kb * 1024:
                log.info("skipped a %d-byte attachment in message %s", item.size, message.id)
                # A plain message carries no language: the server's own, if it set one.
                server = message.guild
                lang = (
                    supported(str(server.preferred_locale.value)) if server else None
                ) or DEFAULT
                notice = translate(lang, "That file is larger than {size}, more than I read.")
                with contextlib.suppress(discord.HTTPException):
                    await message.channel.send(notice.format(size=file_size(lang, max_kb)))
                continue
            files.append({"filename": item.filename, "url": item.url, "type": item.content_type})
        if not said.text and not files:
            return  # nothing to read (in a server, without the message content intent)
        author = message.author
        # A server message carries its author's member record, whose roles the cached server
        # resolves; without one (the server not cached yet) `is_admin` asks Discord.
        manages = (
            author.guild_permissions.manage_guild if isinstance(author, discord.Member) else None
        )
        payload = self._payload(
            user=author,
            chat_id=message.channel.id,
            server_id=message.guild.id if message.guild else None,
            event_id=message.id,
            text=said.text,
            addressed=private or said.mentioned,
            manages=None if private else manages,
        )
        payload["attachments"] = files
        if edited_at is not None:  # files are never read again from an edit
            payload["attachments"] = []
            payload["edits_message_id"] = str(message.id)
            payload["message_id"] = f"{message.id}:edited:{edited_at.timestamp():.6f}"
        if not await self._accept(payload, message.channel.id, author.id):
            with contextlib.suppress(discord.HTTPException):
                # A plain message reports no language: the server's, where it names one.
                server = message.guild
                await message.channel.send(
                    apology(str(server.preferred_locale.value) if server else None)
                )

    def _max_file_kb(self) -> int:
        """The most the core reads of any file (a CSV to import, a watch's workout file)."""
        limits = self.settings.limits
        return max(limits.max_import_kb, limits.max_workout_kb)

    async def on_slash_command(self, interaction: discord.Interaction, line: str) -> None:
        await self._receive_interaction(interaction, text=line)

    async def on_button(self, interaction: discord.Interaction, payload: str) -> None:
        await self._receive_interaction(interaction, payload=payload)

    async def _receive_interaction(
        self, interaction: discord.Interaction, *, text: str = "", payload: str | None = None
    ) -> None:
        """Store it, then answer within Discord's 3 seconds: directly when the worker is quick,
        otherwise defer and let `answer` follow up."""
        loop = asyncio.get_running_loop()
        received = loop.time()
        in_server = interaction.guild_id is not None
        private = in_server and self._answers_privately(payload or text)
        data = self._payload(
            user=interaction.user,
            chat_id=interaction.channel_id or 0,
            server_id=interaction.guild_id,
            event_id=interaction.id,
            text=text,
            addressed=True,
            # The member's permissions come with the interaction: no request needed.
            manages=interaction.permissions.manage_guild if in_server else None,
        )
        data["payload"] = payload
        data["language"] = str(interaction.locale.value)
        data["interaction"] = {
            "id": str(interaction.id),
            "token": interaction.token,
            "application_id": str(interaction.application_id),
            "channel_id": str(interaction.channel_id),
            "guild_id": str(interaction.guild_id) if in_server else None,
            "private": private,
        }
        key = str(interaction.id)
        waiting = self._waiting[key] = _Waiting(interaction, private)
        # Forgotten when its token runs out, answered or not (another process may answer it).
        loop.call_later(TOKEN_LIFETIME.total_seconds(), self._waiting.pop, key, None)
        if not await self._accept(data, interaction.channel_id or 0, interaction.user.id):
            self._waiting.pop(key, None)
            with contextlib.suppress(discord.HTTPException):
                await interaction.response.send_message(apology(data["language"]), ephemeral=True)
            return
        wait = self.settings.discord_defer_after - (loop.time() - received)
        try:
            await asyncio.wait_for(waiting.answered.wait(), wait if self.answers_here else 0)
        except TimeoutError:
            async with waiting.lock:
                if not interaction.response.is_done():
                    with contextlib.suppress(discord.NotFound):  # expired: `answer` copes
                        await interaction.response.defer(thinking=True, ephemeral=private)

    def _answers_privately(self, line: str) -> bool:
        """Whether the registry marks the line's command as one that answers only the person."""
        words = line[1:].split(maxsplit=1) if line.startswith("/") else []
        if not words:
            return False
        command = self.core.registry.get(words[0].split("@", 1)[0])
        return command is not None and command.ephemeral

    def _payload(
        self,
        *,
        user: discord.abc.User,
        chat_id: int,
        server_id: int | None,
        event_id: int,
        text: str,
        addressed: bool,
        manages: bool | None,
    ) -> dict[str, Any]:
        """The stored event: the `Incoming`'s fields as JSON (`rebuild` reads them back),
        cleaned as an `Incoming` is, since PostgreSQL's JSON refuses NUL characters."""
        return {
            "user_id": str(user.id),
            "display_name": clean_text(user.display_name),
            "chat_id": str(chat_id),
            "server_id": str(server_id) if server_id is not None else None,
            "message_id": str(event_id),
            "text": clean_text(text),
            "addressed": addressed,
            "manages_server": manages,
        }

    async def _accept(self, payload: dict[str, Any], chat_id: int, user_id: int) -> bool:
        """Into the inbox now: the gateway will not send this event again. False: it could not
        be stored, and the person is told so (nothing was done).

        Events are stored in the order they arrived, a batch per transaction: whatever came
        while the last batch was being written goes in the next (per-chat order is the
        inbox's order, and handlers storing side by side could commit out of turn)."""
        event = Event(
            PLATFORM, payload["message_id"], f"discord:{chat_id}", f"discord:{user_id}", payload
        )
        stored = asyncio.get_running_loop().create_future()
        self._to_store.append((event, stored))
        if self._storing is None or self._storing.done():
            self._storing = asyncio.create_task(self._store())
        try:
            await stored
        except Exception:
            log.exception("could not store Discord event %s in the inbox", event.event_id)
            return False
        return True

    async def _store(self) -> None:
        while self._to_store:
            batch, self._to_store = self._to_store, []
            try:
                await self.core.accept_async([event for event, _ in batch])
            except Exception as exc:
                for _, stored in batch:
                    if not stored.done():
                        stored.set_exception(exc)
            else:
                for _, stored in batch:
                    if not stored.done():
                        stored.set_result(None)

    # -- the worker's hooks (docs/intake.md) -------------------------------------------------

    async def rebuild(self, payload: JsonDict) -> DiscordIncoming | None:
        """A stored event back as the core's `Incoming`, with its files fetched."""
        # Only this adapter writes these payloads (`_payload`, and interactions and files
        # added to it), so their shape is the one `Stored` names.
        stored = cast(Stored, payload)
        private = stored.get("server_id") is None
        manages = stored.get("manages_server")
        files = []
        for item in stored.get("attachments", ()):
            data = await self._download(item["url"])
            if data is not None:
                is_image = (item.get("type") or "").startswith("image/")
                files.append(Attachment(item["filename"], data, is_image))
        return DiscordIncoming(
            platform=PLATFORM,
            user_id=stored["user_id"],
            display_name=stored["display_name"],
            chat_id=stored["chat_id"],
            chat_kind=ChatKind.PRIVATE if private else ChatKind.GROUP,
            server_id=stored.get("server_id"),
            text=stored.get("text", ""),
            is_admin=None if private or manages is None else bool(manages),
            payload=stored.get("payload"),
            message_id=stored["message_id"],
            edits_message_id=stored.get("edits_message_id"),
            addressed=stored.get("addressed", True),
            attachments=tuple(files),
            interaction=stored.get("interaction"),
            manages_server=manages,
            language=stored.get("language"),
            opens_private=True,  # a DM with anyone who shares a server with the bot
        )

    async def _download(self, url: str) -> bytes | None:
        if self._files is None:
            self._files = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        try:
            async with self._files.get(url) as response:
                response.raise_for_status()
                limit, chunks, size = self._max_file_kb() * 1024, [], 0
                async for chunk in response.content.iter_chunked(1 << 16):
                    size += len(chunk)
                    if size > limit:  # more than the message said the file weighs
                        log.warning("an attachment was larger than it said; not read")
                        return None
                    chunks.append(chunk)
                return b"".join(chunks)
        except (aiohttp.ClientError, TimeoutError) as exc:
            # An attachment's link lasts a day; the core then says the file is missing.
            log.warning("could not fetch an attachment: %s", type(exc).__name__)
            return None

    async def is_admin(self, incoming: Incoming) -> bool:
        """Manage Server in the incoming's server: as the event said, or asked of Discord."""
        if incoming.server_id is None:
            return False
        known = getattr(incoming, "manages_server", None)
        if known is not None:
            return bool(known)
        try:
            async with asyncio.timeout(ADMIN_CHECK_TIMEOUT_S):
                guild_id, user_id = int(incoming.server_id), int(incoming.user_id)
                guild = self.client.get_guild(guild_id) or await self.client.fetch_guild(guild_id)
                member = guild.get_member(user_id) or await guild.fetch_member(user_id)
                return member.guild_permissions.manage_guild
        except (discord.HTTPException, TimeoutError) as exc:  # no answer: no admin rights
            log.warning("could not check Manage Server permission: %s", type(exc).__name__)
            return False

    async def answer(self, incoming: Incoming, replies: Sequence[Reply]) -> None:
        """Send the core's replies to what the person did, now. Raises when Discord could not
        be reached (the outbox tries again); a channel the bot may not write in is logged."""
        await self._logged_in.wait()
        replies = list(replies)
        info = getattr(incoming, "interaction", None)
        try:
            if info is None:
                reference = discord.MessageReference(
                    message_id=int(incoming.edits_message_id or incoming.message_id or 0),
                    channel_id=int(incoming.chat_id),
                    guild_id=int(incoming.server_id) if incoming.server_id else None,
                    fail_if_not_exists=False,
                )
                await self._deliver(replies, incoming, reference=reference)
            elif not await self._through_interaction(incoming, info, replies):
                await self._deliver(replies, incoming)
        except discord.Forbidden:
            log.warning(
                "no permission to answer in channel %s: give the bot Send Messages, Embed "
                "Links and Attach Files there",
                incoming.chat_id,
            )

    async def _through_interaction(
        self, incoming: Incoming, info: dict[str, Any], replies: list[Reply]
    ) -> bool:
        """Answer as the interaction's response or follow-ups, while its token lives. False:
        it can't be (expired or unknown), and the replies go to the channel instead."""
        key = info["id"]
        waiting = self._waiting.pop(key, None)
        if self._expired(key):
            log.warning("interaction %s expired; answering in its channel", key)
            return False
        try:
            if waiting is None:
                # Received by another process (or before a restart): its follow-up webhook
                # still takes messages when it was deferred; otherwise Discord refuses.
                await self._follow_up(incoming, info, replies)
                return True
            async with waiting.lock:
                waiting.answered.set()
                interaction = waiting.interaction
                await self._respond(
                    interaction,
                    replies,
                    deferred=interaction.response.is_done(),
                    private=waiting.private,
                )
            return True
        except discord.NotFound:
            log.warning("interaction %s ran out; answering in its channel", key)
            return False
        except discord.HTTPException as exc:
            if exc.status != 401:  # 401: the webhook token is no longer valid
                raise
            log.warning("interaction %s ran out; answering in its channel", key)
            return False

    def _expired(self, interaction_id: str) -> bool:
        created = discord.utils.snowflake_time(int(interaction_id))
        return self.now() >= created + TOKEN_LIFETIME - TOKEN_MARGIN

    async def _respond(
        self,
        interaction: discord.Interaction,
        replies: list[Reply],
        *,
        deferred: bool,
        private: bool,
    ) -> None:
        """`private`: the command answers only the person, and a deferral was made private."""
        in_server = interaction.guild_id is not None
        messages = [
            (out, in_server and (private or reply.target is TargetKind.PRIVATE))
            for reply in replies
            for out in render.render(reply)
        ]
        if not messages:
            if not deferred:
                await interaction.response.defer(thinking=True, ephemeral=private)
            await interaction.delete_original_response()
            return
        for index, (out, ephemeral) in enumerate(messages):
            if index == 0 and not deferred:
                await interaction.response.send_message(**out.kwargs(), ephemeral=ephemeral)
                continue
            if index == 0 and ephemeral != private:
                # The first follow-up fills the "thinking" message, public or private as the
                # deferral was: an answer of the other kind must not, so that message goes.
                await interaction.delete_original_response()
            await interaction.followup.send(**out.kwargs(), ephemeral=ephemeral)

    async def _follow_up(
        self, incoming: Incoming, info: dict[str, Any], replies: list[Reply]
    ) -> None:
        """Follow-ups on an interaction this process never saw; private replies go by DM."""
        webhook = discord.Webhook.partial(
            int(info["application_id"]), info["token"], client=self.client
        )
        in_server = incoming.chat_kind is ChatKind.GROUP
        public = [r for r in replies if not (in_server and r.target is TargetKind.PRIVATE)]
        for reply in public:
            for out in render.render(reply):
                await webhook.send(**out.kwargs())
        if len(public) < len(replies):
            await self._deliver([r for r in replies if r not in public], incoming)

    # -- sending -----------------------------------------------------------------------------

    async def _deliver(
        self,
        replies: list[Reply],
        incoming: Incoming,
        *,
        reference: discord.MessageReference | None = None,
    ) -> None:
        """Replies to something a person did in their channel; private ones go to their DMs."""
        channel = self.client.get_partial_messageable(
            int(incoming.chat_id),
            guild_id=int(incoming.server_id) if incoming.server_id else None,
        )
        in_server = incoming.chat_kind is ChatKind.GROUP
        for reply in replies:
            if reply.target is TargetKind.PRIVATE and in_server:
                await self._send_privately(
                    int(incoming.user_id), incoming.display_name, reply, fallback=channel
                )
            else:
                await self._send(channel, reply, reference=reference)
                reference = None  # only the first message answers visibly

    async def _send(
        self,
        channel: discord.abc.Messageable,
        reply: Reply,
        *,
        reference: discord.MessageReference | None = None,
    ) -> None:
        for out in render.render(reply):
            if reference is not None:
                await channel.send(**out.kwargs(), reference=reference)
                reference = None
            else:
                await channel.send(**out.kwargs())

    async def _send_privately(
        self,
        user_id: int,
        display_name: str,
        reply: Reply,
        *,
        fallback: discord.abc.Messageable | None,
    ) -> None:
        try:
            dm = await self.client.create_dm(discord.Object(id=user_id))
            await self._send(dm, reply)
        except discord.Forbidden:
            if fallback is None:
                raise
            await fallback.send(
                f"{display_name}: I couldn't send you a direct message, so I kept it "
                f"back. To get private replies, {OPEN_DMS_HINT}."
            )

    async def send(self, destination: Destination, reply: Reply) -> None:
        """For the outbox: a nudge to a DM channel (opened first for a person known only from
        a server: `to_person`), or a digest to a server channel.

        A 403 (DMs closed, bot blocked or removed) or a 404 (the channel is gone) will not
        change by retrying: `Unreachable`. A rate limit discord.py did not sleep through:
        `RetryLater`. Network and server trouble propagate, and the outbox backs off."""
        await self._logged_in.wait()
        try:
            channel: discord.abc.Messageable
            if destination.to_person:  # discord.py keeps the DM channel once opened
                channel = await self.client.create_dm(discord.Object(id=int(destination.chat_id)))
            else:
                channel = self.client.get_partial_messageable(int(destination.chat_id))
            await self._send(channel, reply)
        except (discord.Forbidden, discord.NotFound) as exc:
            raise Unreachable(f"Discord answered {exc.status} (code {exc.code})") from exc
        except discord.RateLimited as exc:
            raise RetryLater(exc.retry_after, "Discord rate limit") from exc
        except discord.HTTPException as exc:
            if exc.status == 429:
                raise RetryLater(_retry_after(exc), "Discord rate limit") from exc
            raise


def _retry_after(exc: discord.HTTPException) -> float:
    """Seconds to wait after a 429 that discord.py gave up on."""
    header = exc.response.headers.get("Retry-After") if exc.response is not None else None
    try:
        return float(header) if header is not None else CLOUDFLARE_RETRY_S
    except ValueError:
        return CLOUDFLARE_RETRY_S
