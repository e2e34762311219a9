"""The Telegram adapter: python-telegram-bot 22's Bot on Steady's own event loop.

Receiving is Steady's own: a polling loop on `Bot.get_updates` (or the webhook server)
stores each batch of updates in the inbox (`Core.accept_async`) before Telegram is told it
arrived, so the offset confirmed to Telegram never passes an update that is not stored. The
worker (bot/intake/worker.py) then asks this adapter to `rebuild` an update's `Incoming`, asks
`is_admin` when the command needs it, and hands it the core's replies to `answer`.
Everything else is PTB's: the Bot, its AIORateLimiter (Telegram's limits, waiting out a
429), the request over aiohttp's client (http.py), and `Update.de_json`.

The adapter only translates. A reply that cannot be sent now stays in the outbox, so
nothing a person was told is lost: the outbox sender delivers it when Telegram is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import AIORateLimiter, ExtBot
from telegram.warnings import PTBDeprecationWarning

from adapters.telegram_adapter import render, translate
from adapters.telegram_adapter.http import AiohttpRequest
from adapters.telegram_adapter.webhook import WebhookServer
from bot.i18n import catalogs
from bot.i18n.languages import DEFAULT, LANGUAGES, supported
from bot.interface import (
    Attachment,
    ChatKind,
    CommandList,
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
    Where,
)
from bot.reading.workout_files import file_size
from bot.settings import Settings

log = logging.getLogger("steady.telegram")

PLATFORM = translate.PLATFORM
# An edited message is read again: it changes the entry the message logged.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # the Bot API's getFile limit
ADMIN_CHECK_TIMEOUT_S = 15.0
POLL_TIMEOUT_S = 30
_COMMAND_NAME = r"[a-z0-9_]{1,32}"

T = TypeVar("T")


def telegram_group(chat_id: str) -> bool:
    """Telegram gives groups, supergroups and channels negative ids."""
    return chat_id.startswith("-")


# Telegram's published limits, written once: about 30 messages a second overall, 1 a second
# to one chat, 20 a minute to one group. The outbox sender keeps to them (`pacing`) before
# PTB's rate limiter (`SendLimits`, the same figures by default) has to wait.
OVERALL, PER_CHAT, PER_GROUP = Rate(30, 1.0), Rate(1, 1.0), Rate(20, 60.0)
PACING = PlatformLimits(
    overall=OVERALL, per_chat=PER_CHAT, per_group=PER_GROUP, is_group=telegram_group
)


@dataclass(frozen=True)
class SendLimits:
    """PTB's rate limiter: Telegram's limits (`PACING`) and how many 429s it waits out
    before giving up on a message. Other values are for tests and benchmarks."""

    per_second: float = OVERALL.count
    per_group: float = PER_GROUP.count
    group_period_s: float = PER_GROUP.per_s
    retries_on_429: int = 3

    def limiter(self) -> AIORateLimiter | None:
        if not self.per_second:
            return None
        return AIORateLimiter(
            overall_max_rate=self.per_second,
            overall_time_period=1,
            group_max_rate=self.per_group,
            group_time_period=self.group_period_s,
            max_retries=self.retries_on_429,
        )


NO_LIMITS = SendLimits(per_second=0)  # against a local fake Bot API only


class NotDelivered(Exception):
    """`answer` stopped at reply `delivered` (those before it went out); the cause is
    chained. The worker leaves the rest to the outbox."""

    def __init__(self, delivered: int) -> None:
        super().__init__(f"replies from {delivered} on not delivered")
        self.delivered = delivered


class Undelivered(Exception):
    """A reply stopped partway: `rest` is what was not sent; the cause is chained."""

    def __init__(self, rest: Reply) -> None:
        super().__init__("reply not delivered")
        self.rest = rest


class TelegramAdapter:
    platform = PLATFORM
    open_dms_hint = None  # a private chat opens with /start, which the bot can't ask for
    pacing = PACING

    def __init__(
        self,
        core: CorePort,
        settings: Settings,
        *,
        limits: SendLimits | None = None,
        receive: bool = True,
        poll_turn: Callable[[], Awaitable[None]] | None = None,
    ):
        """`receive`: poll or serve the webhook into the inbox; False in a process that only
        works the inbox (it sends, and rebuilds stored updates). `poll_turn`: awaited before
        each getUpdates, returning once this process may poll (Telegram takes one poller per
        token; the caller keeps the others standing by)."""
        if settings.telegram_token is None:
            raise ValueError("STEADY_TELEGRAM_TOKEN is not set")
        base_url = settings.telegram_base_url.rstrip("/")
        if not base_url.endswith("/bot"):
            raise ValueError(
                "STEADY_TELEGRAM_BASE_URL must end in /bot, e.g. http://localhost:8081/bot"
            )
        if settings.telegram_webhook_url and settings.telegram_webhook_secret is None:
            raise ValueError(
                "STEADY_TELEGRAM_WEBHOOK_SECRET must be set with STEADY_TELEGRAM_WEBHOOK_URL, "
                "so that only Telegram can post updates"
            )
        self.core, self.settings = core, settings
        self.receive, self.poll_turn = receive, poll_turn
        # Set once the adapter can send and rebuild, and receives (or stands by) if it does.
        self.ready = asyncio.Event()
        self.webhook: WebhookServer | None = None
        self._flood = _FloodGate()
        self._polling: asyncio.Task[None] | None = None
        if limits is None:
            limits = SendLimits() if settings.telegram_flood_limits else NO_LIMITS
        self.bot = ExtBot(
            settings.telegram_token.get_secret_value(),
            base_url=base_url,
            base_file_url=base_url.removesuffix("bot") + "file/bot",
            request=AiohttpRequest(),
            get_updates_request=AiohttpRequest(connection_pool_size=1),
            rate_limiter=limits.limiter(),
        )

    # ----------------------------------------------------------------- lifecycle

    async def run(self) -> None:
        """Receive updates into the inbox until cancelled (or until `stop_receiving`, after
        which replies can still be sent until cancelled), then shut down cleanly."""
        try:
            await _retrying("reach the Telegram Bot API", self.bot.initialize)
            if not self.receive:
                pass  # receivers publish the menu and own the webhook
            elif self.settings.telegram_webhook_url:
                await _retrying("publish the command menu", self._publish_commands)
                await self._start_webhook(self.settings.telegram_webhook_url)
            else:
                await _retrying("publish the command menu", self._publish_commands)
                self._polling = asyncio.create_task(self._poll(), name="steady-telegram-poll")
            self.ready.set()
            how = "" if self.receive else " (sending only)"
            log.info("Telegram adapter running as @%s%s", self.bot.username, how)
            if self._polling is not None:
                await asyncio.wait({self._polling})
                if not self._polling.cancelled():
                    self._polling.result()  # a refused token ends the adapter
            await asyncio.Event().wait()
        finally:
            self.ready.clear()
            await self.stop_receiving()
            await self.bot.shutdown()

    async def stop_receiving(self) -> None:
        """Take no more updates: the poll in flight is dropped unconfirmed (Telegram sends
        its updates again to the next run), the webhook stops answering."""
        if self._polling is not None and not self._polling.done():
            self._polling.cancel()
            await asyncio.gather(self._polling, return_exceptions=True)
        if self.webhook is not None:
            await self.webhook.stop()
            self.webhook = None

    async def _poll(self) -> None:
        """getUpdates in a loop. Each batch is stored in one transaction before the next
        call, whose offset confirms it; a failed store stops the offset where it was."""
        offset: int | None = None
        delay = 1.0
        turn_taken = False
        while True:
            try:
                if self.poll_turn is not None:
                    await self.poll_turn()
                if not turn_taken:  # a webhook would keep getUpdates from answering
                    await self.bot.delete_webhook()
                    turn_taken = True
                data = await self._get_updates(offset)
                updates = [u for u in data if isinstance(u.get("update_id"), int)]
                if updates:
                    events = [e for e in map(event_of, updates) if e is not None]
                    await self.core.accept_async(events)
                    offset = max(u["update_id"] for u in updates) + 1
                delay = 1.0
            except InvalidToken:
                # PTB's message holds the token in full: none of it goes further.
                raise RuntimeError(
                    "The Telegram Bot API refused the token: check STEADY_TELEGRAM_TOKEN"
                ) from None
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc))
            except (TelegramError, OSError) as exc:
                _polling_failed(exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
            except Exception:
                log.exception("storing Telegram updates failed; asking for them again")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def _get_updates(self, offset: int | None) -> list[dict[str, Any]]:
        """The updates as Telegram's JSON: stored as they are, read by `rebuild` later."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PTB would rather hand back Update objects
            found = await self.bot.do_api_request(
                "getUpdates",
                api_kwargs={
                    "offset": offset,
                    "timeout": POLL_TIMEOUT_S,
                    "allowed_updates": ALLOWED_UPDATES,
                },
                read_timeout=POLL_TIMEOUT_S + 10,
            )
        if not isinstance(found, list):
            return []
        return [u for u in found if isinstance(u, dict)]

    async def _start_webhook(self, url: str) -> None:
        secret = self.settings.telegram_webhook_secret
        assert secret is not None  # checked in __init__
        self.webhook = WebhookServer(
            self._from_webhook,
            path=urlsplit(url).path,
            secret=secret.get_secret_value(),
            host=self.settings.telegram_webhook_listen,
            port=self.settings.telegram_webhook_port,
        )
        await self.webhook.start()
        await _retrying(
            "set the webhook",
            lambda: self.bot.set_webhook(
                url, secret_token=secret.get_secret_value(), allowed_updates=ALLOWED_UPDATES
            ),
        )

    async def _from_webhook(self, data: dict[str, Any]) -> None:
        """Stored before Telegram gets its 200; an update that is not for us is dropped."""
        event = event_of(data)
        if event is not None:
            await self.core.accept_async([event])

    async def _publish_commands(self) -> None:
        """The command menu from the core registry: private chats see what works there,
        groups what works in groups, and group admins the admin commands too."""
        registry = self.core.registry
        bot = self.bot
        # English for everyone, then each other language for the people whose app uses it
        # (Telegram picks the menu by the person's language_code; names stay English).
        for lang in LANGUAGES:
            code = None if lang == DEFAULT else lang
            await bot.set_my_commands(
                menu(registry, Where.PRIVATE, lang=lang),
                scope=BotCommandScopeAllPrivateChats(),
                language_code=code,
            )
            await bot.set_my_commands(
                menu(registry, Where.GROUP, admin=False, lang=lang),
                scope=BotCommandScopeAllGroupChats(),
                language_code=code,
            )
            await bot.set_my_commands(
                menu(registry, Where.GROUP, admin=True, lang=lang),
                scope=BotCommandScopeAllChatAdministrators(),
                language_code=code,
            )

    # ------------------------------------------------------------ for the worker

    async def rebuild(self, payload: JsonDict) -> Incoming | None:
        """A stored update's `Incoming`; None when there is nothing for the core (a message
        for another bot, a group's move to a supergroup, a file that could not be fetched)."""
        await self.ready.wait()  # the inbox may hold work from before this start
        try:
            update = Update.de_json(payload, self.bot)
        except Exception as exc:  # a field of the wrong shape: PTB raises many kinds
            log.warning(
                "Telegram update %s could not be read (%s); set aside",
                payload.get("update_id"),
                type(exc).__name__,
            )
            return None
        if update.callback_query is not None:
            return translate.from_callback(update.callback_query)
        message = update.message or update.edited_message
        if message is None:
            return None
        if message.migrate_to_chat_id or message.migrate_from_chat_id:
            await self._on_migrate(message)
            return None
        incoming = translate.from_message(message, self.bot.bot)
        if incoming is None:
            return None
        # Fetched only for a message meant for us: in a private chat any document (a watch's
        # file sent on its own is imported), in a group one whose caption addresses us.
        if (
            message.document is not None
            and incoming.addressed
            and incoming.edits_message_id is None  # an edit's files are never read again
        ):
            attachments = await self._download(message, incoming.language)
            if attachments is None:
                return None
            incoming = dataclasses.replace(incoming, attachments=attachments)
        return incoming

    async def is_admin(self, incoming: Incoming) -> bool:
        """getChatMember; no answer in time, or an error, means not an admin."""
        try:
            return await asyncio.wait_for(
                self._is_admin(int(incoming.chat_id), int(incoming.user_id)),
                ADMIN_CHECK_TIMEOUT_S,
            )
        except TimeoutError:
            log.warning(
                "getChatMember for chat %s took too long; treating as not admin",
                incoming.chat_id,
            )
            return False

    async def _on_migrate(self, message: Message) -> None:
        """A group became a supergroup, with a new id. Telegram says so in both chats; the
        first word moves the group, the second finds nothing left to move."""
        if message.migrate_to_chat_id:
            old, new = message.chat.id, message.migrate_to_chat_id
        else:
            assert message.migrate_from_chat_id is not None
            old, new = message.migrate_from_chat_id, message.chat.id
        await self._moved(old, new)

    async def _moved(self, old_chat_id: int, new_chat_id: int) -> None:
        log.info("Telegram chat %s is now supergroup %s", old_chat_id, new_chat_id)
        try:
            await self.core.move_chat_async(PLATFORM, str(old_chat_id), str(new_chat_id))
        except Exception:  # what was being sent has gone out: it must not be sent again
            log.exception("could not move chat %s to %s", old_chat_id, new_chat_id)

    async def _download(
        self, message: Message, language: str | None
    ) -> tuple[Attachment, ...] | None:
        """The document sent with a message; None, after telling the person (in their app's
        language), when it is too big for the Bot API to hand over or could not be fetched."""
        document = message.document
        assert document is not None
        problem = None
        lang = supported(language) or DEFAULT
        limits = self.settings.limits
        max_kb = max(limits.max_import_kb, limits.max_workout_kb)  # the most the core reads
        if (document.file_size or 0) > MAX_DOWNLOAD_BYTES:
            problem = catalogs.translate(
                lang, "That file is too big for me: Telegram lets bots fetch {size} at most."
            ).format(size=file_size(lang, MAX_DOWNLOAD_BYTES // 1024))
        elif (document.file_size or 0) > max_kb * 1024:
            problem = catalogs.translate(
                lang, "That file is larger than {size}, more than I read."
            ).format(size=file_size(lang, max_kb))
        else:
            try:
                file = await document.get_file()
                data = bytes(await file.download_as_bytearray())
            except TelegramError as exc:
                log.warning("file from chat %s not fetched: %s", message.chat.id, exc)
                problem = catalogs.translate(
                    lang, "I couldn't fetch that file from Telegram just now. Please send it again."
                )
        if problem is not None:
            with contextlib.suppress(Undelivered):
                await self._deliver(message.chat.id, Reply(problem))
            return None
        return (Attachment(document.file_name or "file", data),)

    async def _is_admin(self, chat_id: int, user_id: int) -> bool:
        try:
            member = await self.bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:
            log.warning(
                "getChatMember for chat %s failed (%s); treating as not admin", chat_id, exc
            )
            return False
        return member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)

    # ------------------------------------------------------------------ outgoing

    async def answer(self, incoming: Incoming, replies: list[Reply]) -> None:
        """Send the core's replies now. A person who never opened a private chat with the
        bot is told so in the group; a reply Telegram refuses for good is logged and left.
        Anything else raises `NotDelivered`: the outbox sends what is left, later."""
        try:
            for index, reply in enumerate(replies):
                private = reply.target is TargetKind.PRIVATE
                chat_id = incoming.user_id if private else incoming.chat_id
                try:
                    await self._deliver(int(chat_id), reply)
                except Undelivered as failed:
                    cause = failed.__cause__
                    if (
                        isinstance(cause, Forbidden)
                        and private
                        and incoming.chat_kind is ChatKind.GROUP
                    ):
                        await self._tell_to_start(incoming)
                    elif isinstance(cause, Forbidden | BadRequest):
                        log.warning("reply to chat %s refused: %s", chat_id, cause)
                    else:
                        if isinstance(cause, RetryAfter):
                            self._flood.close_for(_seconds(cause))
                        raise NotDelivered(index) from cause
        finally:
            if incoming.payload is not None and incoming.message_id is not None:
                await self._answer_button(incoming.message_id)

    async def _answer_button(self, query_id: str) -> None:
        """Stops the spinner on the pressed button, whatever happened."""
        try:
            await self.bot.answer_callback_query(query_id)
        except TelegramError as exc:
            log.info("callback query %s not answered: %s", query_id, exc)

    async def _tell_to_start(self, incoming: Incoming) -> None:
        note = Reply(
            f"{incoming.display_name}, I can't write to you privately yet: open a chat with "
            f"@{self.bot.username}, press Start, then try again."
        )
        try:
            await self._deliver(int(incoming.chat_id), note)
        except Undelivered as failed:
            log.warning("could not reach chat %s: %s", incoming.chat_id, failed.__cause__)

    async def send(self, destination: Destination, reply: Reply) -> None:
        """For the outbox sender: Unreachable when the person blocked the bot (or the chat is
        gone), RetryLater when Telegram's flood control outlasted the rate limiter; network
        errors propagate and the outbox retries with backoff."""
        await self.ready.wait()  # the outbox sender may start before the bot has connected
        try:
            # A person's private chat has their id (`to_person`): it exists once they have
            # pressed Start, and otherwise Telegram answers 403, which is `Unreachable`.
            await self._deliver(int(destination.chat_id), reply)
        except Undelivered as failed:
            cause = failed.__cause__
            if isinstance(cause, Forbidden):
                raise Unreachable(str(cause)) from cause
            if isinstance(cause, BadRequest) and "chat not found" in str(cause).lower():
                raise Unreachable(str(cause)) from cause
            if isinstance(cause, RetryAfter):
                self._flood.close_for(_seconds(cause))
                raise RetryLater(_seconds(cause), str(cause)) from cause
            assert cause is not None
            raise cause from None

    async def _deliver(self, chat_id: int, reply: Reply) -> None:
        """Every part of a reply, in order; a group that became a supergroup is followed,
        and the core told, in case the bot never heard of the move."""
        parts = render.parts_of(reply)
        for index, part in enumerate(parts):
            try:
                try:
                    await self._send_part(chat_id, part)
                except ChatMigrated as moved:
                    old_chat_id, chat_id = chat_id, int(moved.new_chat_id)
                    await self._send_part(chat_id, part)
                    await self._moved(old_chat_id, chat_id)
            except TelegramError as exc:
                raise Undelivered(render.rest_of(reply, parts[index:])) from exc

    async def _send_part(self, chat_id: int, part: render.Part) -> None:
        await self._flood.wait()
        bot = self.bot
        attachment = part.attachment
        # A Start link needs the bot's username (from getMe, at initialize); others don't.
        starts = any(b.start is not None for b in part.buttons)
        markup = render.keyboard(part.buttons, bot.username if starts else "")
        if attachment is None:
            await bot.send_message(
                chat_id, part.html, parse_mode=ParseMode.HTML, reply_markup=markup
            )
            return
        upload = InputFile(attachment.data, filename=attachment.filename)
        caption = part.html or None
        send = bot.send_photo if attachment.is_image else bot.send_document
        await send(chat_id, upload, caption=caption, parse_mode=ParseMode.HTML, reply_markup=markup)


def menu(
    registry: CommandList, where: Where, *, admin: bool = True, lang: str = DEFAULT
) -> list[BotCommand]:
    """The commands for one kind of chat, as Telegram's menu wants them, described in
    `lang` (from the catalogs, where the registry's summaries are msgids)."""
    return [
        BotCommand(cmd.name, catalogs.translate(lang, cmd.summary)[:256])
        for cmd in registry
        if cmd.where in (Where.ANY, where)
        and (admin or not cmd.admin)
        and re.fullmatch(_COMMAND_NAME, cmd.name)
    ]


def event_of(data: dict[str, Any]) -> Event | None:
    """An update as the inbox keeps it, keyed by its chat so a chat's updates keep their
    order; None for a kind Steady does not read, or one whose chat cannot be read (logged by
    its id only, since its fields are people's text, and set aside: Telegram would only send
    it again if it were refused)."""
    update_id = data.get("update_id")
    if not isinstance(update_id, int):
        return None
    if not any(kind in data for kind in ALLOWED_UPDATES):
        return None
    user: dict[str, Any] = {}
    chat_id = None
    if isinstance(message := data.get("message") or data.get("edited_message"), dict):
        user = _object(message.get("from"))
        chat_id = _object(message.get("chat")).get("id")
    elif isinstance(query := data.get("callback_query"), dict):
        user = _object(query.get("from"))
        # A press belongs to its message's chat, or to the presser's private chat under an
        # inline message.
        chat_id = _object(_object(query.get("message")).get("chat")).get("id") or user.get("id")
    if not isinstance(chat_id, int | str) or isinstance(chat_id, bool):
        log.warning("Telegram update %s could not be read; set aside", update_id)
        return None
    user_id = user.get("id")
    return Event(
        platform=PLATFORM,
        event_id=str(update_id),
        chat_key=f"{PLATFORM}:{chat_id}",
        user_key=f"{PLATFORM}:{user_id}" if isinstance(user_id, int | str) else None,
        payload=data,
    )


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class _FloodGate:
    """Holds every send back while Telegram's flood control is on. The rate limiter waits
    out a 429 it retries, but not the last one it gives up on: without this, the next
    message would go out at once and meet the same 429."""

    def __init__(self) -> None:
        self._open_at = 0.0

    def close_for(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._open_at = max(self._open_at, loop.time() + seconds)

    async def wait(self) -> None:
        delay = self._open_at - asyncio.get_running_loop().time()
        if delay > 0:
            await asyncio.sleep(delay)


async def _retrying(what: str, action: Callable[[], Awaitable[T]]) -> T:
    """Start-up calls wait out an outage: 1 s, 2 s, 4 s ... 30 s between tries. A refused
    token is not an outage and stops the adapter."""
    delay = 1.0
    while True:
        try:
            return await action()
        except InvalidToken:
            # PTB's message holds the token in full: none of it goes further.
            raise TokenRejected(
                "The Telegram Bot API refused the token: check STEADY_TELEGRAM_TOKEN "
                "(the token @BotFather gave you)."
            ) from None
        except (NetworkError, RetryAfter) as exc:
            if isinstance(exc, BadRequest):
                raise
            log.warning("could not %s (%s); trying again in %.0f s", what, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)


def _polling_failed(exc: TelegramError | OSError) -> None:
    log.warning("polling the Telegram Bot API failed (%s); PTB retries with backoff", exc)


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
