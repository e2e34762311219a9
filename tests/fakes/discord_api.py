"""A fake Discord for end-to-end tests: the gateway websocket and the REST API that
discord.py uses, on 127.0.0.1 with a free port, in aiohttp.

It behaves like Discord where Steady depends on it: the login calls, HELLO / IDENTIFY /
READY / GUILD_CREATE, heartbeats, dispatches with sequence numbers, op 7 (reconnect) and
RESUME replaying what the bot missed, message content withheld from server messages when
the session lacks the Message Content intent (DMs and mentions keep it), command sync,
channel messages in a guild of two channels (#general, #challenges), DM channels,
interaction callbacks and follow-ups (refused before the interaction was acknowledged, and
once its token is 15 minutes old). Sharding as Discord does it: IDENTIFY with
`shard: [id, count]`, `GET /gateway/bot`, and each server's events sent only to the shard
`(guild_id >> 22) % count` (DMs to shard 0); `add_guild` makes more servers. Switches make
a DM answer 403 or a route answer 429.
Every REST call is recorded, and every message the bot shows is kept in `posted`, with
`Posted.seen` for its text as Discord's client shows the markdown, so tests assert what a
person would see.

Tests point discord.py at it with `patch_discord(monkeypatch, fake)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import yarl
from aiohttp import WSMsgType, web

BOT_ID = 900000000000000001  # the bot user; also its application's id
GUILD_ID = 900000000000000100
CHANNEL_ID = 900000000000000200  # #general in the guild
OTHER_CHANNEL_ID = 900000000000000201  # #challenges in the same guild
CHANNELS = {CHANNEL_ID: "general", OTHER_CHANNEL_ID: "challenges"}
OWNER_ID = 900000000000000300
ADMIN_ROLE_ID = 900000000000000400
MESSAGE_CONTENT = 1 << 15  # the privileged intent's bit
MANAGE_GUILD = 1 << 5
EVERYONE_PERMISSIONS = 0x63584C0  # view, send, read history, embed, attach, use commands…
EPHEMERAL = 1 << 6
TOKEN_LIFETIME = timedelta(minutes=15)  # an interaction's token, from its creation
AUTOCOMPLETE_WITHIN_S = 3.0  # Discord shows no choices that come later
TIMESTAMP = "2026-11-25T12:00:00.000000+00:00"


@dataclass
class Call:
    method: str
    path: str  # below /api/v10
    query: dict[str, str]
    json: Any = None
    files: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass
class Posted:
    """A message the bot showed: in a channel, as an interaction response or follow-up."""

    channel_id: int
    message: dict[str, Any]
    via: str  # "channel", "callback", "followup"
    files: list[tuple[str, bytes]] = field(default_factory=list)
    at: float = field(default_factory=time.monotonic)  # when it arrived, for benchmarks

    @property
    def content(self) -> str:
        return self.message.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.message.get("embeds") or []

    @property
    def ephemeral(self) -> bool:
        return bool(self.message.get("flags", 0) & EPHEMERAL)

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, custom id) of every button, row by row."""
        return [
            (b.get("label", ""), b["custom_id"])
            for row in self.message.get("components") or []
            for b in row.get("components", [])
            if b.get("type") == 2
        ]

    @property
    def text(self) -> str:
        """What a person reads: the content, or an embed's title and description."""
        parts = [self.content] if self.content else []
        for embed in self.embeds:
            parts += [embed.get("title", ""), embed.get("description", "")]
        return "\n".join(p for p in parts if p)

    @property
    def seen(self) -> str:
        """`text` as Discord's client shows it: markdown markers applied, escapes gone, and
        runs of numbered lines shown as a list, numbered on from its first line."""
        return shown_markdown(self.text)


_LIST_ITEM = re.compile(r"(\d+)\. (.*)")
ITALIC = re.compile(r"(?<![\\\w])_(.+?)(?<!\\)_(?!\w)")  # _words_, not escaped \_


def shown_markdown(text: str) -> str:
    """Discord markdown as a person reads it (the parts Steady's replies can contain)."""
    lines, number = [], None
    for line in text.split("\n"):
        item = _LIST_ITEM.fullmatch(line)
        if item is None:
            number = None
        else:
            number = int(item.group(1)) if number is None else number + 1
            line = f"{number}. {item.group(2)}"
        lines.append(line)
    shown = re.sub(r"(?<!\\)\*\*(.+?)(?<!\\)\*\*", r"\1", "\n".join(lines))
    shown = ITALIC.sub(r"\1", shown)
    return re.sub(r"\\(.)", r"\1", shown)


@dataclass
class Session:
    id: str
    intents: int
    ws: web.WebSocketResponse | None
    shard: tuple[int, int] = (0, 1)  # (id, count), as the bot identified
    seq: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)  # every dispatch, for RESUME


class FakeDiscord:
    def __init__(self, *, portal_message_content: bool = True) -> None:
        # Whether the Message Content intent is enabled in the (fake) developer portal.
        self.portal_message_content = portal_message_content
        self.token: str | None = None
        self.calls: list[Call] = []
        self.posted: list[Posted] = []
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.synced: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None: global)
        self.closed_dms: set[int] = set()  # users whose DMs answer 403
        self.rate_limited: dict[str, float] = {}  # path regex -> retry_after to answer 429
        self.interaction_callbacks: list[dict[str, Any]] = []
        self.expire_interactions = False  # answer callbacks as if the 3 seconds had passed
        self.sessions: dict[int, Session] = {}  # shard id -> its session
        self.guilds: dict[int, dict[int, str]] = {GUILD_ID: dict(CHANNELS)}  # -> its channels
        self.guild_locale = "en-US"  # a server's language, as its settings name it
        self.dispatched: list[tuple[int, str, dict[str, Any]]] = []  # (shard, event, data)
        self._users: dict[int, dict[str, Any]] = {}
        self._roles: dict[int, list[int]] = {}  # user -> role ids in the guild
        self._dm_channels: dict[int, int] = {}  # user -> DM channel
        self._dm_users: dict[int, int] = {}  # DM channel -> user
        self._interactions: dict[str, dict[str, Any]] = {}  # token -> interaction
        self._last_id = 0
        self._files: dict[str, bytes] = {}  # attachments people sent, by file name
        self._said: dict[int, dict[str, Any]] = {}  # people's messages by id, to edit
        self._runner: web.AppRunner | None = None
        self.port = 0

    def _new_id(self) -> int:
        """A snowflake of now, as Discord's are (the time an interaction's token counts from)."""
        self._last_id = max(self._last_id + 1, discord.utils.time_snowflake(datetime.now(UTC)))
        return self._last_id

    @property
    def session(self) -> Session | None:
        """Shard 0's session (the only one of a bot that does not shard)."""
        return self.sessions.get(0)

    def add_guild(self, guild_id: int, channels: dict[int, str]) -> None:
        """Another server the bot is in, with its text channels (before the bot connects)."""
        self.guilds[guild_id] = dict(channels)

    def guild_of(self, channel_id: int) -> int | None:
        return next((g for g, chans in self.guilds.items() if channel_id in chans), None)

    # -- server ------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{name}", self._attachment)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- people ------------------------------------------------------------------------------

    def user(self, user_id: int, name: str, *, manages_server: bool = False) -> dict[str, Any]:
        """A person in the guild; `manages_server` gives them a role with Manage Server."""
        data = {
            "id": str(user_id),
            "username": name.lower(),
            "global_name": name,
            "discriminator": "0",
            "avatar": None,
            "bot": False,
            "flags": 0,
            "public_flags": 0,
        }
        self._users[user_id] = data
        self._roles[user_id] = [ADMIN_ROLE_ID] if manages_server else []
        return data

    def member(self, user_id: int) -> dict[str, Any]:
        return {
            "user": self._users[user_id],
            "roles": [str(r) for r in self._roles[user_id]],
            "joined_at": TIMESTAMP,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
        }

    def dm_channel(self, user_id: int) -> int:
        """The DM channel between the bot and a person (made on first use, as Discord does)."""
        if user_id not in self._dm_channels:
            channel = self._new_id()
            self._dm_channels[user_id] = channel
            self._dm_users[channel] = user_id
        return self._dm_channels[user_id]

    def permissions_of(self, user_id: int) -> int:
        admin = ADMIN_ROLE_ID in self._roles.get(user_id, []) or user_id == OWNER_ID
        return EVERYONE_PERMISSIONS | (MANAGE_GUILD if admin else 0)

    # -- what the test does as people --------------------------------------------------------

    async def say(
        self,
        user_id: int,
        content: str,
        *,
        dm: bool = False,
        channel_id: int = CHANNEL_ID,
        attachments: tuple[tuple[str, bytes, str], ...] = (),
    ) -> int:
        """A person posts a message, in #general or in their DM with the bot. Returns its id."""
        message_id = self._new_id()
        mentions = [
            self._users[int(i)] for i in re.findall(r"<@!?(\d+)>", content) if int(i) in self._users
        ]
        if re.search(rf"<@!?{BOT_ID}>", content):
            mentions.append(self._bot_user())
        files = []
        for name, data, content_type in attachments:
            self._files[name] = data
            files.append(
                {
                    "id": str(self._new_id()),
                    "filename": name,
                    "size": len(data),
                    "url": f"{self.base_url}/attachments/{name}",
                    "proxy_url": f"{self.base_url}/attachments/{name}",
                    "content_type": content_type,
                }
            )
        message = {
            "id": str(message_id),
            "channel_id": str(self.dm_channel(user_id) if dm else channel_id),
            "author": self._users[user_id],
            "content": content,
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": mentions,
            "mention_roles": [],
            "attachments": files,
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "components": [],
        }
        if not dm:
            message["guild_id"] = str(self.guild_of(channel_id))
            message["member"] = {k: v for k, v in self.member(user_id).items() if k != "user"}
        self._said[message_id] = message
        await self.dispatch("MESSAGE_CREATE", message)
        return message_id

    async def edit(self, message_id: int, content: str, *, at: str) -> dict[str, Any]:
        """The person edits a message they posted to say `content`, at the ISO time `at`:
        Discord sends MESSAGE_UPDATE with the whole message and its `edited_timestamp`.
        Returns the event's data, to send again with `dispatch`."""
        message = self._said[message_id] = {
            **self._said[message_id],
            "content": content,
            "edited_timestamp": at,
        }
        await self.dispatch("MESSAGE_UPDATE", message)
        return message

    async def slash(
        self,
        user_id: int,
        name: str,
        options: dict[str, object] | None = None,
        *,
        dm: bool = False,
        channel_id: int = CHANNEL_ID,
        locale: str = "en-US",
    ) -> int:
        """A person runs a slash command, as Discord's client sends it: only commands the bot
        synced exist, and each option carries the type the bot declared. `locale` is the
        language the person's Discord app is set to."""
        command = self._synced_command(name)
        declared = {o["name"]: o for o in command.get("options", [])}
        given = []
        for key, value in (options or {}).items():
            if key not in declared:
                raise AssertionError(f"/{name} has no option {key!r}")
            given.append({"name": key, "type": declared[key]["type"], "value": value})
        data = {"id": command["id"], "name": name, "type": 1, "options": given}
        return await self._interaction(
            user_id, 2, data, dm=dm, channel_id=channel_id, locale=locale
        )

    async def slash_line(
        self,
        user_id: int,
        line: str,
        *,
        dm: bool = False,
        channel_id: int = CHANNEL_ID,
        locale: str = "en-US",
    ) -> int:
        """A person fills in a slash command's form from a line such as `/run 5k 28:30`:
        word by word into its options in order, the last option taking the rest."""
        name, _, rest = line.removeprefix("/").partition(" ")
        declared = self._synced_command(name).get("options", [])
        words = rest.split(maxsplit=max(len(declared) - 1, 0)) if declared else []
        if len(words) > len(declared):
            raise AssertionError(f"/{name} has no room for {rest!r}")
        options: dict[str, object] = {
            option["name"]: int(word) if option["type"] == 4 else word
            for option, word in zip(declared, words, strict=False)
        }
        return await self.slash(user_id, name, options, dm=dm, channel_id=channel_id, locale=locale)

    async def autocomplete(
        self,
        user_id: int,
        name: str,
        focused: str,
        typed: str,
        options: dict[str, object] | None = None,
        *,
        dm: bool = False,
        channel_id: int = CHANNEL_ID,
    ) -> list[tuple[str, object]]:
        """A person types `typed` into option `focused` of a slash command (the others as in
        `options`): Discord sends an autocomplete interaction (type 4), only for an option the
        bot declared with autocomplete, and shows the (name, value) choices the bot answers
        (callback type 8) if they come within its 3 seconds."""
        command = self._synced_command(name)
        declared = {o["name"]: o for o in command.get("options", [])}
        if not declared.get(focused, {}).get("autocomplete"):
            raise AssertionError(f"/{name} {focused} has no autocomplete")
        given: list[dict[str, Any]] = [
            {"name": key, "type": declared[key]["type"], "value": value}
            for key, value in (options or {}).items()
        ]
        given.append(
            {"name": focused, "type": declared[focused]["type"], "value": typed, "focused": True}
        )
        data = {"id": command["id"], "name": name, "type": 1, "options": given}
        started = asyncio.get_running_loop().time()
        interaction_id = str(
            await self._interaction(user_id, 4, data, dm=dm, channel_id=channel_id)
        )

        def answer() -> dict[str, Any] | None:
            return next(
                (c for c in self.interaction_callbacks if c["interaction"] == interaction_id), None
            )

        await self.until(answer, AUTOCOMPLETE_WITHIN_S)
        took = asyncio.get_running_loop().time() - started
        found = answer()
        assert found is not None and found["type"] == 8, found
        assert took < AUTOCOMPLETE_WITHIN_S, f"the choices took {took:.1f} s"
        return [(c["name"], c["value"]) for c in found["data"]["choices"]]

    async def click(self, user_id: int, posted: Posted, custom_id: str) -> int:
        """A person presses a button on a message the bot posted."""
        if custom_id not in [c for _, c in posted.buttons]:
            raise AssertionError(f"no button {custom_id!r} on that message")
        data = {"custom_id": custom_id, "component_type": 2}
        dm = posted.channel_id in self._dm_users
        return await self._interaction(
            user_id, 3, data, dm=dm, message=posted.message, channel_id=posted.channel_id
        )

    async def _interaction(
        self,
        user_id: int,
        kind: int,
        data: dict[str, Any],
        *,
        dm: bool,
        message: dict[str, Any] | None = None,
        channel_id: int = CHANNEL_ID,
        locale: str = "en-US",
    ) -> int:
        interaction_id = self._new_id()
        token = f"interaction-token-{interaction_id}"
        channel = self.dm_channel(user_id) if dm else channel_id
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(BOT_ID),
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "channel_id": str(channel),
            "locale": locale,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "context": 1 if dm else 0,
            "attachment_size_limit": 10 * 1024 * 1024,
            "app_permissions": str(EVERYONE_PERMISSIONS),
        }
        if dm:
            payload["user"] = self._users[user_id]
            payload["channel"] = {
                "id": str(channel),
                "type": 1,
                "recipients": [self._users[user_id]],
            }
        else:
            guild_id = self.guild_of(channel)
            payload["guild_id"] = str(guild_id)
            payload["guild_locale"] = "en-US"
            payload["channel"] = {**self._channel(channel), "guild_id": str(guild_id)}
            payload["member"] = {
                **self.member(user_id),
                "permissions": str(self.permissions_of(user_id)),
            }
        if message is not None:
            payload["message"] = message
        self._interactions[token] = payload
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction_id

    # -- gateway -----------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event to the bot's session. While the bot is away (between op 7 and its
        RESUME) the event waits in the session's log and is replayed on RESUME."""
        session = self._session_for(data)
        if session is None:
            raise AssertionError("the bot has not identified yet")
        self.dispatched.append((session.shard[0], event, data))
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.log.append(frame)
        await self._deliver(session, frame)

    def _session_for(self, data: dict[str, Any]) -> Session | None:
        """Discord's rule: a server's events go to shard (guild_id >> 22) % count; DMs to 0."""
        if not self.sessions:
            return None
        count = next(iter(self.sessions.values())).shard[1]
        guild = data.get("guild_id")
        return self.sessions.get((int(guild) >> 22) % count if guild else 0)

    async def request_reconnect(self) -> None:
        """op 7: Discord asks the bot to reconnect and resume."""
        assert self.session is not None and self.session.ws is not None
        await self.session.ws.send_str(json.dumps({"op": 7, "d": None}))

    async def _deliver(self, session: Session, frame: dict[str, Any]) -> None:
        ws = session.ws
        if ws is None or ws.closed:
            return
        # If the bot is going away the frame is lost here; RESUME replays it.
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_str(json.dumps(self._as_seen(session, frame)))

    def _as_seen(self, session: Session, frame: dict[str, Any]) -> dict[str, Any]:
        """Without the Message Content intent a server message arrives with its content
        emptied, unless it mentions the bot; DMs always carry theirs."""
        data = frame["d"]
        if (
            frame["t"] in ("MESSAGE_CREATE", "MESSAGE_UPDATE")
            and "guild_id" in data
            and not session.intents & MESSAGE_CONTENT
            and not any(m["id"] == str(BOT_ID) for m in data["mentions"])
        ):
            data = {**data, "content": "", "attachments": [], "embeds": [], "components": []}
        return {**frame, "d": data}

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            op, data = frame.get("op"), frame.get("d")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                await self._identify(ws, data)
            elif op == 6:
                await self._resume(ws, data)
        for session in self.sessions.values():
            if session.ws is ws:
                session.ws = None
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        self.identifies.append(data)
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        if intents & MESSAGE_CONTENT and not self.portal_message_content:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard_id, count = data.get("shard") or (0, 1)
        session = Session(uuid.uuid4().hex, intents, ws, (shard_id, count))
        self.sessions[shard_id] = session
        mine = [g for g in self.guilds if count == 1 or (g >> 22) % count == shard_id]
        await self._send_to(
            session,
            "READY",
            {
                "v": 10,
                "user": self._bot_user(),
                "guilds": [{"id": str(g), "unavailable": True} for g in mine],
                "session_id": session.id,
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(BOT_ID), "flags": 0},
                "shard": [shard_id, count],
            },
        )
        for guild_id in mine:
            await self._send_to(session, "GUILD_CREATE", self._guild(guild_id))

    async def _send_to(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.log.append(frame)
        await self._deliver(session, frame)

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        self.resumes.append(data)
        session = next((s for s in self.sessions.values() if s.id == data.get("session_id")), None)
        if (
            session is None
            or data.get("session_id") != session.id
            or data.get("token") != self.token
        ):
            await ws.send_str(json.dumps({"op": 9, "d": False}))
            return
        session.ws = ws
        for frame in session.log:
            if frame["s"] > (data.get("seq") or 0):
                await self._deliver(session, frame)
        await self._send_to(session, "RESUMED", {})

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": str(BOT_ID),
            "username": "Steady",
            "global_name": None,
            "discriminator": "0",
            "avatar": None,
            "bot": True,
            "flags": 0,
        }

    def _channel(self, channel_id: int) -> dict[str, Any]:
        """A text channel of its guild."""
        channels = self.guilds[self.guild_of(channel_id) or GUILD_ID]
        return {
            "id": str(channel_id),
            "type": 0,
            "name": channels[channel_id],
            "position": list(channels).index(channel_id),
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
        }

    def _guild(self, guild_id: int = GUILD_ID) -> dict[str, Any]:
        return {
            "id": str(guild_id),
            "name": "Runners",
            "owner_id": str(OWNER_ID),
            "roles": [
                {
                    "id": str(guild_id),
                    "name": "@everyone",
                    "permissions": str(EVERYONE_PERMISSIONS),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                },
                {
                    "id": str(ADMIN_ROLE_ID),
                    "name": "Organisers",
                    "permissions": str(MANAGE_GUILD),
                    "position": 1,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                },
            ],
            "channels": [self._channel(channel_id) for channel_id in self.guilds[guild_id]],
            "members": [
                {
                    "user": self._bot_user(),
                    "roles": [],
                    "joined_at": TIMESTAMP,
                    "deaf": False,
                    "mute": False,
                    "flags": 0,
                }
            ],
            "member_count": 2,
            "large": False,
            "unavailable": False,
            "features": [],
            "preferred_locale": self.guild_locale,
            "emojis": [],
            "stickers": [],
            "threads": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "joined_at": TIMESTAMP,
        }

    # -- REST --------------------------------------------------------------------------------

    async def _attachment(self, request: web.Request) -> web.Response:
        return web.Response(body=self._files[request.match_info["name"]])

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        call = Call(request.method, path, dict(request.query))
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    call.json = json.loads(await part.text())
                else:
                    call.files.append((part.filename or "", bytes(await part.read())))
        elif request.can_read_body:
            call.json = await request.json()
        self.calls.append(call)
        if (
            request.headers.get("Authorization") != f"Bot {self.token}"
            and "/webhooks/" not in path
            and "/interactions/" not in path
        ):
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        for pattern, retry_after in self.rate_limited.items():
            if re.fullmatch(pattern, path):
                return _json(
                    {
                        "message": "You are being rate limited.",
                        "retry_after": retry_after,
                        "global": False,
                    },
                    429,
                    {"Via": "1.1 google"},
                )
        for method, pattern, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if method == request.method and match:
                return handler(call, *match.groups())
        return _json({"message": "404: Not Found", "code": 0}, 404)

    def _routes(self) -> list[tuple[str, str, Callable[..., web.Response]]]:
        return [
            ("GET", r"/users/@me", lambda call: _json(self._bot_user())),
            ("GET", r"/oauth2/applications/@me", lambda call: _json(self._application())),
            ("GET", r"/gateway/bot", self._gateway_bot),
            ("GET", r"/guilds/(\d+)", lambda call, g: _json(self._guild(int(g)))),
            ("GET", r"/guilds/(\d+)/members/(\d+)", self._get_member),
            ("PUT", r"/applications/(\d+)/commands", self._sync),
            ("PUT", r"/applications/(\d+)/guilds/(\d+)/commands", self._sync),
            ("POST", r"/channels/(\d+)/messages", self._create_message),
            ("POST", r"/users/@me/channels", self._create_dm),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._callback),
            ("POST", r"/webhooks/(\d+)/([^/]+)", self._followup),
            ("DELETE", r"/webhooks/(\d+)/([^/]+)/messages/@original", self._delete_original),
        ]

    def _gateway_bot(self, call: Call) -> web.Response:
        return _json(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    def _get_member(self, call: Call, guild_id: str, user_id: str) -> web.Response:
        if int(user_id) not in self._users:
            return _json({"message": "Unknown Member", "code": 10007}, 404)
        return _json(self.member(int(user_id)))

    def _application(self) -> dict[str, Any]:
        return {
            "id": str(BOT_ID),
            "name": "Steady",
            "icon": None,
            "description": "",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": self._bot_user(),
            "team": None,
            "summary": "",
            "interactions_endpoint_url": None,
        }

    def _sync(self, call: Call, app_id: str, guild_id: str | None = None) -> web.Response:
        commands = []
        for spec in call.json:
            commands.append(
                {
                    **spec,
                    "id": str(self._new_id()),
                    "application_id": app_id,
                    "version": "1",
                    **({"guild_id": guild_id} if guild_id else {}),
                }
            )
        self.synced[int(guild_id) if guild_id else None] = commands
        return _json(commands)

    def _synced_command(self, name: str) -> dict[str, Any]:
        for commands in self.synced.values():
            for command in commands:
                if command["name"] == name:
                    return command
        raise AssertionError(f"/{name} was never synced")

    def _create_message(self, call: Call, channel_id: str) -> web.Response:
        recipient = self._dm_users.get(int(channel_id))
        if recipient in self.closed_dms:
            return _json({"message": "Cannot send messages to this user", "code": 50007}, 403)
        message = self._bot_message(int(channel_id), call)
        self.posted.append(Posted(int(channel_id), message, "channel", call.files))
        return _json(message)

    def _create_dm(self, call: Call) -> web.Response:
        user_id = int(call.json["recipient_id"])
        channel = self.dm_channel(user_id)
        return _json(
            {
                "id": str(channel),
                "type": 1,
                "recipients": [self._users[user_id]],
                "last_message_id": None,
            }
        )

    def _callback(self, call: Call, interaction_id: str, token: str) -> web.Response:
        interaction = self._interactions.get(token)
        if interaction is None or interaction["id"] != interaction_id or self.expire_interactions:
            return _json({"message": "Unknown interaction", "code": 10062}, 404)
        self.interaction_callbacks.append({"interaction": interaction_id, **call.json})
        kind, data = call.json["type"], call.json.get("data") or {}
        channel_id = int(interaction["channel_id"])
        response: dict[str, Any] = {
            "interaction": {
                "id": interaction_id,
                "type": interaction["type"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(data.get("flags", 0) & EPHEMERAL),
            },
            "resource": {"type": kind},
        }
        if kind == 4:
            message = self._bot_message(channel_id, Call("", "", {}, data, call.files))
            self.posted.append(Posted(channel_id, message, "callback", call.files))
            response["interaction"]["response_message_id"] = message["id"]
            response["resource"]["message"] = message
        return _json(response)

    def _followup(self, call: Call, app_id: str, token: str) -> web.Response:
        interaction = self._interactions.get(token)
        if interaction is None or self._expired(interaction):
            return _json({"message": "Invalid Webhook Token", "code": 50027}, 401)
        if not any(c["interaction"] == interaction["id"] for c in self.interaction_callbacks):
            return _json({"message": "Unknown Webhook", "code": 10015}, 404)
        channel_id = int(interaction["channel_id"])
        message = self._bot_message(channel_id, call)
        self.posted.append(Posted(channel_id, message, "followup", call.files))
        return _json(message)

    def _expired(self, interaction: dict[str, Any]) -> bool:
        created = discord.utils.snowflake_time(int(interaction["id"]))
        return datetime.now(UTC) > created + TOKEN_LIFETIME

    def _delete_original(self, call: Call, app_id: str, token: str) -> web.Response:
        return web.Response(status=204)

    def _bot_message(self, channel_id: int, call: Call) -> dict[str, Any]:
        body = call.json or {}
        message = {
            "id": str(self._new_id()),
            "channel_id": str(channel_id),
            "author": self._bot_user(),
            "content": body.get("content") or "",
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {
                    "id": str(self._new_id()),
                    "filename": name,
                    "size": len(data),
                    "url": f"{self.base_url}/attachments/{name}",
                    "proxy_url": f"{self.base_url}/attachments/{name}",
                }
                for name, data in call.files
            ],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": body.get("flags", 0),
        }
        if channel_id not in self._dm_users:
            message["guild_id"] = str(self.guild_of(channel_id))
        return message

    # -- for assertions ----------------------------------------------------------------------

    def posted_in(self, channel_id: int) -> list[Posted]:
        return [p for p in self.posted if p.channel_id == channel_id]

    def calls_to(self, method: str, pattern: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and re.fullmatch(pattern, c.path)]

    async def until(self, condition: Callable[[], object], timeout: float = 10.0) -> None:
        """Wait (briefly, polling) until the bot has done what the test expects."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for the bot")
            await asyncio.sleep(0.01)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": with a charset discord.py reads the body as text.
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def patch_discord(monkeypatch: Any, fake: FakeDiscord) -> None:
    """Point discord.py's REST base and gateway at the fake."""
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url)
    )
