"""The Discord adapter: Discord events -> `Incoming` -> core -> `Reply` -> Discord API calls.

discord.py owns the connection (login, gateway, heartbeats, resumes, REST rate limits); this
module only translates. It keeps no state of its own that a reconnect or a restart could
lose: buttons are matched by their custom id, slash commands come from the registry at each
start, and everything a person did lives in the core's database.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord

from adapters.discord_adapter import render, slash
from adapters.discord_adapter.buttons import PayloadButton
from adapters.discord_adapter.translate import read_message
from bot.core import Core
from bot.interface import (
    Attachment,
    ChatKind,
    Destination,
    Incoming,
    Reply,
    RetryLater,
    TargetKind,
    Unreachable,
)
from bot.settings import Settings

log = logging.getLogger("steady.discord")

PLATFORM = "discord"
ATTACHMENT_MAX_BYTES = 8 * 1024 * 1024  # larger files are not fetched for the core
RATE_LIMIT_WAIT_S = 30.0  # longer rate limits are not slept through: the outbox retries later
CLOUDFLARE_RETRY_S = 600.0  # a 429 without Discord's body: Cloudflare's ban lasts minutes
# How someone opens their DMs to the bot; also for the "please open your DMs" ask.
OPEN_DMS_HINT = "allow direct messages from this server's members (server menu → Privacy Settings)"


class SteadyClient(discord.Client):
    """A discord.py client that hands its events to the adapter."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        # Steady has no voice: spare the log discord.py's warnings about voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(**options)
        self.adapter = adapter

    async def setup_hook(self) -> None:
        await self.adapter.setup()

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(message)


def intents_for(settings: Settings) -> discord.Intents:
    """Only what Steady reads: servers and their roles, messages in servers and DMs, and the
    privileged message content when the operator has enabled it in the developer portal."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = settings.discord_message_content
    return intents


class DiscordAdapter:
    platform = PLATFORM
    open_dms_hint = OPEN_DMS_HINT

    def __init__(self, core: Core, settings: Settings, *, guild_ready_timeout: float = 2.0) -> None:
        if settings.discord_token is None:
            raise ValueError("STEADY_DISCORD_TOKEN is not set")
        self.core, self.settings = core, settings
        self.client = SteadyClient(
            self,
            intents=intents_for(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            max_ratelimit_timeout=RATE_LIMIT_WAIT_S,
            guild_ready_timeout=guild_ready_timeout,
        )
        self.tree = slash.build_tree(self.client, core.registry, self.on_slash_command)
        self._logged_in = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Connect and serve until cancelled; the client closes cleanly on the way out."""
        self._loop = asyncio.get_running_loop()
        token = self.settings.discord_token.get_secret_value()  # type: ignore[union-attr]
        try:
            async with self.client:
                await self.client.start(token)
        except discord.LoginFailure:
            log.error(
                "Discord refused STEADY_DISCORD_TOKEN: copy the bot token again from the "
                "developer portal (Bot → Reset Token)."
            )
            raise
        except discord.PrivilegedIntentsRequired:
            log.error(
                "STEADY_DISCORD_MESSAGE_CONTENT is on, but the Message Content Intent is off in "
                "the developer portal (Bot → Privileged Gateway Intents). Turn it on there, or "
                "unset the setting to run with slash commands and mentions only."
            )
            raise

    async def setup(self) -> None:
        """After login, before the gateway: buttons and slash commands."""
        self.client.add_dynamic_items(PayloadButton)
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

    # -- incoming ----------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
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
        for_us = private or said.mentioned or said.text.startswith("/")
        attachments = await self._attachments(message) if for_us else ()
        if not said.text and not attachments:
            return  # nothing to read (in a server, without the message content intent)
        incoming = Incoming(
            platform=PLATFORM,
            user_id=str(message.author.id),
            display_name=message.author.display_name,
            chat_id=str(message.channel.id),
            chat_kind=ChatKind.PRIVATE if private else ChatKind.GROUP,
            server_id=str(message.guild.id) if message.guild else None,
            text=said.text,
            is_admin=None if private else _manages_guild(message),
            message_id=str(message.id),
            addressed=private or said.mentioned,
            attachments=attachments,
        )
        replies = await self.core.handle_async(incoming)
        try:
            await self._deliver(
                replies,
                message.channel,
                message.author,
                in_server=not private,
                reference=message.to_reference(fail_if_not_exists=False),
            )
        except discord.Forbidden:
            log.warning(
                "no permission to answer in channel %s: give the bot Send Messages, Embed "
                "Links and Attach Files there",
                message.channel.id,
            )

    async def on_slash_command(self, interaction: discord.Interaction, line: str) -> None:
        await self._answer(interaction, self._incoming(interaction, text=line))

    async def on_button(self, interaction: discord.Interaction, payload: str) -> None:
        await self._answer(interaction, self._incoming(interaction, payload=payload))

    def _incoming(
        self, interaction: discord.Interaction, *, text: str = "", payload: str | None = None
    ) -> Incoming:
        private = interaction.guild_id is None
        # The member's permissions come with the interaction: no request needed.
        manages = interaction.permissions.manage_guild
        return Incoming(
            platform=PLATFORM,
            user_id=str(interaction.user.id),
            display_name=interaction.user.display_name,
            chat_id=str(interaction.channel_id),
            chat_kind=ChatKind.PRIVATE if private else ChatKind.GROUP,
            server_id=str(interaction.guild_id) if interaction.guild_id else None,
            text=text,
            is_admin=None if private else manages,
            payload=payload,
            message_id=str(interaction.id),
        )

    async def _attachments(self, message: discord.Message) -> tuple[Attachment, ...]:
        found = []
        for item in message.attachments:
            if item.size > ATTACHMENT_MAX_BYTES:
                log.info("skipped a %d-byte attachment in message %s", item.size, message.id)
                continue
            is_image = (item.content_type or "").startswith("image/")
            found.append(Attachment(item.filename, await item.read(), is_image))
        return tuple(found)

    # -- answering interactions --------------------------------------------------------------

    async def _answer(self, interaction: discord.Interaction, incoming: Incoming) -> None:
        """Answer within Discord's 3 seconds: directly when the core is quick, otherwise
        defer ("Steady is thinking…") and follow up when it is done."""
        work = asyncio.ensure_future(self.core.handle_async(incoming))
        done, _ = await asyncio.wait({work}, timeout=self.settings.discord_defer_after)
        deferred = not done
        try:
            if deferred:
                await interaction.response.defer(thinking=True)
            await self._respond(interaction, await work, deferred=deferred)
        except discord.NotFound:
            replies = await work
            # The interaction ran out before we answered: say it in the channel instead, so
            # what the core did is never left unconfirmed.
            log.warning("interaction %s expired; answering in its channel", interaction.id)
            channel = self.client.get_partial_messageable(interaction.channel_id or 0)
            in_server = interaction.guild_id is not None
            await self._deliver(replies, channel, interaction.user, in_server=in_server)

    async def _respond(
        self, interaction: discord.Interaction, replies: list[Reply], *, deferred: bool
    ) -> None:
        in_server = interaction.guild_id is not None
        messages = [
            (out, in_server and reply.target is TargetKind.PRIVATE)
            for reply in replies
            for out in render.render(reply)
        ]
        if not messages:
            if not deferred:
                await interaction.response.defer(thinking=True)
            await interaction.delete_original_response()
            return
        for index, (out, ephemeral) in enumerate(messages):
            if index == 0 and not deferred:
                await interaction.response.send_message(**out.kwargs(), ephemeral=ephemeral)
                continue
            if index == 0 and ephemeral:
                # The first follow-up fills the public "thinking" message: a private answer
                # must not, so that message goes and the answer follows privately.
                await interaction.delete_original_response()
            await interaction.followup.send(**out.kwargs(), ephemeral=ephemeral)

    # -- sending -----------------------------------------------------------------------------

    async def _deliver(
        self,
        replies: list[Reply],
        channel: discord.abc.Messageable,
        person: discord.abc.User,
        *,
        in_server: bool,
        reference: discord.MessageReference | None = None,
    ) -> None:
        """Replies to something a person did in `channel`; private ones go to their DMs."""
        for reply in replies:
            if reply.target is TargetKind.PRIVATE and in_server:
                await self._send_privately(person, reply, fallback=channel)
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
        self, user: discord.abc.User, reply: Reply, *, fallback: discord.abc.Messageable
    ) -> None:
        try:
            await self._send(user, reply)
        except discord.Forbidden:
            await fallback.send(
                f"{user.display_name}: I couldn't send you a direct message, so I kept it "
                f"back. To get private replies, {OPEN_DMS_HINT}."
            )

    async def send(self, destination: Destination, reply: Reply) -> None:
        """For the outbox: a nudge to a DM channel, or a digest to a server channel.

        A 403 (DMs closed, bot blocked or removed) or a 404 (the channel is gone) will not
        change by retrying: `Unreachable`. A rate limit discord.py did not sleep through:
        `RetryLater`. Network and server trouble propagate, and the outbox backs off."""
        await self._logged_in.wait()
        channel = self.client.get_partial_messageable(int(destination.chat_id))
        try:
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


def _manages_guild(message: discord.Message) -> bool:
    """Manage Server: a server message carries its author's member record, whose roles the
    cached server resolves; without one (the server not cached yet) nobody is an admin."""
    author = message.author
    return isinstance(author, discord.Member) and author.guild_permissions.manage_guild
