"""The Telegram adapter: python-telegram-bot 22 on Steady's own event loop.

Steady runs the Application's lifecycle itself (`initialize`, `start`, polling or its own
webhook server), so Telegram, Discord and the outbox senders share one loop; work that PTB
would do in `post_init` (the command menu) is done explicitly in `run`. Every request goes
through PTB's AIORateLimiter, which keeps within Telegram's limits and waits out a 429, and
over aiohttp's client (http.py), which stays cheap with many connections open.

The adapter only translates. A reply that cannot be sent because the Bot API is down goes
into the outbox instead, so nothing a person was told is lost: the outbox sender delivers
it when Telegram is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
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
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBDeprecationWarning

from adapters.telegram_adapter import render, translate
from adapters.telegram_adapter.http import AiohttpRequest
from adapters.telegram_adapter.webhook import WebhookServer
from bot.commands.registry import Registry, Where
from bot.core import Core, handle_or_apologise
from bot.interface import (
    Attachment,
    ChatKind,
    Destination,
    Incoming,
    Reply,
    RetryLater,
    TargetKind,
    TokenRejected,
    Unreachable,
)
from bot.outbox import enqueue
from bot.settings import Settings

log = logging.getLogger("steady.telegram")

PLATFORM = translate.PLATFORM
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # the Bot API's getFile limit
ADMIN_CHECK_TIMEOUT_S = 15.0
POLL_TIMEOUT_S = 30
CONCURRENT_UPDATES = 8  # different chats side by side; each chat's updates in order
# PTB's own bound on updates in hand, waiting ones included; Steady bounds the working ones.
UPDATES_IN_HAND = 10_000
_COMMAND_NAME = r"[a-z0-9_]{1,32}"

T = TypeVar("T")


@dataclass(frozen=True)
class SendLimits:
    """Telegram's flood limits (about 30 messages a second overall, 20 a minute in one
    group) and how many 429s the rate limiter waits out before giving up on a message.
    Other values are for tests and benchmarks."""

    per_second: float = 30
    per_group: float = 20
    group_period_s: float = 60
    retries_on_429: int = 3

    def limiter(self) -> AIORateLimiter:
        return AIORateLimiter(
            overall_max_rate=self.per_second,
            overall_time_period=1,
            group_max_rate=self.per_group,
            group_time_period=self.group_period_s,
            max_retries=self.retries_on_429,
        )


class Undelivered(Exception):
    """A reply stopped partway: `rest` is what was not sent; the cause is chained."""

    def __init__(self, rest: Reply) -> None:
        super().__init__("reply not delivered")
        self.rest = rest


class TelegramAdapter:
    platform = PLATFORM

    def __init__(self, core: Core, settings: Settings, *, limits: SendLimits | None = None):
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
        self.ready = asyncio.Event()  # set once updates are being received
        self.webhook: WebhookServer | None = None
        self._flood = _FloodGate()
        self._requests = (AiohttpRequest(), AiohttpRequest(connection_pool_size=1))
        builder = (
            ApplicationBuilder()
            .token(settings.telegram_token.get_secret_value())
            .base_url(base_url)
            .base_file_url(base_url.removesuffix("bot") + "file/bot")
            .request(self._requests[0])
            .get_updates_request(self._requests[1])
            .rate_limiter((limits or SendLimits()).limiter())
            .concurrent_updates(ChatTurns(CONCURRENT_UPDATES))
            .job_queue(None)  # reminders live in Steady's database, not in PTB's JobQueue
        )
        if settings.telegram_webhook_url:
            builder = builder.updater(None)  # Steady serves the webhook itself
        self.app: Application = builder.build()
        kinds = filters.TEXT | filters.CAPTION | filters.Document.ALL
        self.app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & kinds, self._on_message))
        self.app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migrate))
        self.app.add_handler(CallbackQueryHandler(self._on_button))
        self.app.add_error_handler(self._on_error)

    # ----------------------------------------------------------------- lifecycle

    async def run(self) -> None:
        """Receive updates until cancelled, then stop cleanly."""
        app = self.app
        try:
            await _retrying("reach the Telegram Bot API", app.initialize)
            await app.start()
            await _retrying("publish the command menu", self._publish_commands)
            if self.settings.telegram_webhook_url:
                await self._start_webhook(self.settings.telegram_webhook_url)
            else:
                assert app.updater is not None
                await app.updater.start_polling(
                    timeout=POLL_TIMEOUT_S,
                    allowed_updates=ALLOWED_UPDATES,
                    bootstrap_retries=-1,
                    error_callback=_polling_failed,
                )
            self.ready.set()
            log.info("Telegram adapter running as @%s", app.bot.username)
            await asyncio.Event().wait()
        finally:
            self.ready.clear()
            await self._stop()

    async def _stop(self) -> None:
        app = self.app
        if self.webhook is not None:
            await self.webhook.stop()
            self.webhook = None
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        for request in self._requests:  # PTB leaves them open if initialize never finished
            await request.shutdown()

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
            lambda: self.app.bot.set_webhook(
                url, secret_token=secret.get_secret_value(), allowed_updates=ALLOWED_UPDATES
            ),
        )

    async def _from_webhook(self, data: dict[str, Any]) -> None:
        """Handle one update Telegram posted. One that python-telegram-bot cannot read (a
        `message` that is not an object, a field missing) is set aside with a log line that
        names only its id, since its fields are people's text."""
        try:
            update = Update.de_json(data, self.app.bot)
        except Exception as exc:
            log.warning(
                "webhook update %s could not be read (%s); set aside",
                data.get("update_id"),
                type(exc).__name__,
            )
            return
        app = self.app
        await app.update_processor.process_update(update, app.process_update(update))

    async def _publish_commands(self) -> None:
        """The command menu from the core registry: private chats see what works there,
        groups what works in groups, and group admins the admin commands too."""
        registry = self.core.registry
        bot = self.app.bot
        await bot.set_my_commands(
            menu(registry, Where.PRIVATE), scope=BotCommandScopeAllPrivateChats()
        )
        await bot.set_my_commands(
            menu(registry, Where.GROUP, admin=False), scope=BotCommandScopeAllGroupChats()
        )
        await bot.set_my_commands(
            menu(registry, Where.GROUP, admin=True), scope=BotCommandScopeAllChatAdministrators()
        )

    # ------------------------------------------------------------------ incoming

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None:
            return
        sender = message.from_user
        incoming = translate.from_message(
            message,
            self.app.bot.bot,
            admin_check=self._admin_check(message.chat.id, sender.id) if sender else None,
        )
        if incoming is None:
            return
        # Fetched only for a message that will run something: a caption addressed to us.
        if message.document is not None and incoming.addressed and incoming.text.strip():
            attachments = await self._download(message)
            if attachments is None:
                return
            incoming = dataclasses.replace(incoming, attachments=attachments)
        replies = await handle_or_apologise(self.core, incoming)
        await self._answer(incoming, replies)

    async def _on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup, with a new id. Telegram says so in both chats; the
        first word moves the group, the second finds nothing left to move."""
        message = update.message
        if message is None:
            return
        if message.migrate_to_chat_id:
            old, new = message.chat.id, message.migrate_to_chat_id
        elif message.migrate_from_chat_id:
            old, new = message.migrate_from_chat_id, message.chat.id
        else:
            return
        await self._moved(old, new)

    async def _moved(self, old_chat_id: int, new_chat_id: int) -> None:
        log.info("Telegram chat %s is now supergroup %s", old_chat_id, new_chat_id)
        try:
            await self.core.move_chat_async(PLATFORM, str(old_chat_id), str(new_chat_id))
        except Exception:  # what was being sent has gone out: it must not be sent again
            log.exception("could not move chat %s to %s", old_chat_id, new_chat_id)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        try:
            incoming = translate.from_callback(
                query, admin_check=self._admin_check(chat_id, query.from_user.id)
            )
            if incoming is not None:
                await self._answer(incoming, await handle_or_apologise(self.core, incoming))
        finally:
            try:
                await query.answer()  # stops the spinner on the button, whatever happened
            except TelegramError as exc:
                log.info("callback query %s not answered: %s", query.id, exc)

    async def _download(self, message: Message) -> tuple[Attachment, ...] | None:
        """The document sent with a message; None, after telling the person, when it is too
        big for the Bot API to hand over or could not be fetched."""
        document = message.document
        assert document is not None
        problem = None
        if (document.file_size or 0) > MAX_DOWNLOAD_BYTES:
            problem = "That file is too big for me: Telegram lets bots fetch 20 MB at most."
        else:
            try:
                file = await document.get_file()
                data = bytes(await file.download_as_bytearray())
            except TelegramError as exc:
                log.warning("file from chat %s not fetched: %s", message.chat.id, exc)
                problem = "I couldn't fetch that file from Telegram just now. Please send it again."
        if problem is not None:
            with contextlib.suppress(Undelivered):
                await self._deliver(message.chat.id, Reply(problem))
            return None
        return (Attachment(document.file_name or "file", data),)

    def _admin_check(self, chat_id: int, user_id: int) -> Callable[[], bool]:
        """For the core's worker thread: asks getChatMember on the adapter's loop and waits."""
        loop = asyncio.get_running_loop()

        def is_admin() -> bool:
            future = asyncio.run_coroutine_threadsafe(self._is_admin(chat_id, user_id), loop)
            try:
                return future.result(timeout=ADMIN_CHECK_TIMEOUT_S)
            except TimeoutError:
                future.cancel()
                log.warning(
                    "getChatMember for chat %s took too long; treating as not admin", chat_id
                )
                return False

        return is_admin

    async def _is_admin(self, chat_id: int, user_id: int) -> bool:
        try:
            member = await self.app.bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:
            log.warning(
                "getChatMember for chat %s failed (%s); treating as not admin", chat_id, exc
            )
            return False
        return member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)

    # ------------------------------------------------------------------ outgoing

    async def _answer(self, incoming: Incoming, replies: list[Reply]) -> None:
        """Send the core's replies. A person who never opened a private chat with the bot
        is told so in the group; a reply the Bot API cannot take now waits in the outbox."""
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
                    await self._defer(incoming, index, chat_id, failed.rest, cause)

    async def _tell_to_start(self, incoming: Incoming) -> None:
        note = Reply(
            f"{incoming.display_name}, I can't write to you privately yet: open a chat with "
            f"@{self.app.bot.username}, press Start, then try again."
        )
        try:
            await self._deliver(int(incoming.chat_id), note)
        except Undelivered as failed:
            log.warning("could not reach chat %s: %s", incoming.chat_id, failed.__cause__)

    async def _defer(
        self, incoming: Incoming, index: int, chat_id: str, rest: Reply, cause: BaseException | None
    ) -> None:
        log.warning(
            "reply to chat %s not sent (%s); it waits in the outbox", chat_id, type(cause).__name__
        )
        key = f"telegram-reply:{incoming.chat_id}:{incoming.message_id}:{index}"
        services = self.core.services

        def store() -> None:
            with services.db.unit_of_work() as session:
                enqueue(
                    session,
                    key=key,
                    destination=Destination(PLATFORM, chat_id),
                    reply=rest,
                    now=services.clock.now(),
                )

        await asyncio.to_thread(store)

    async def send(self, destination: Destination, reply: Reply) -> None:
        """For the outbox sender: Unreachable when the person blocked the bot (or the chat is
        gone), RetryLater when Telegram's flood control outlasted the rate limiter; network
        errors propagate and the outbox retries with backoff."""
        await self.ready.wait()  # the outbox sender may start before the bot has connected
        try:
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
        bot = self.app.bot
        attachment = part.attachment
        if attachment is None:
            await bot.send_message(
                chat_id, part.html, parse_mode=ParseMode.HTML, reply_markup=part.markup
            )
            return
        upload = InputFile(attachment.data, filename=attachment.filename)
        caption = part.html or None
        send = bot.send_photo if attachment.is_image else bot.send_document
        await send(
            chat_id, upload, caption=caption, parse_mode=ParseMode.HTML, reply_markup=part.markup
        )

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling a Telegram update", exc_info=context.error)


def menu(registry: Registry, where: Where, *, admin: bool = True) -> list[BotCommand]:
    """The commands for one kind of chat, as Telegram's menu wants them."""
    return [
        BotCommand(cmd.name, cmd.summary[:256])
        for cmd in registry
        if cmd.where in (Where.ANY, where)
        and (admin or not cmd.admin)
        and re.fullmatch(_COMMAND_NAME, cmd.name)
    ]


class ChatTurns(BaseUpdateProcessor):
    """Updates from different chats side by side, each chat's one at a time in the order
    they came, for polling and the webhook alike. An update waiting for its chat's turn
    takes none of the working places: a group whose answers wait out its 20-a-minute limit
    keeps only itself waiting, not every chat behind it."""

    def __init__(self, working: int) -> None:
        super().__init__(max_concurrent_updates=UPDATES_IN_HAND)
        self._working = asyncio.BoundedSemaphore(working)
        self._chats = _ChatQueue()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        async with self._chats.turn(_chat_of(update)), self._working:
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up: the locks are made as chats come."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _chat_of(update: object) -> int | None:
    """The chat whose order an update keeps: a button press belongs to its message's chat,
    or to the presser's private chat under an inline message."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


class _ChatQueue:
    """One turn at a time per chat: a chat's updates are handled in the order they came,
    while different chats run side by side."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    @contextlib.asynccontextmanager
    async def turn(self, chat_id: int | None) -> AsyncIterator[None]:
        if chat_id is None:  # not a chat's update: no order to keep
            yield
            return
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._waiting[chat_id] = self._waiting.get(chat_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[chat_id] -= 1
            if not self._waiting[chat_id]:
                del self._waiting[chat_id], self._locks[chat_id]


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


def _polling_failed(exc: TelegramError) -> None:
    log.warning("polling the Telegram Bot API failed (%s); PTB retries with backoff", exc)


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
