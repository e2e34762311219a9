"""A fake Telegram Bot API: a real aiohttp server on 127.0.0.1, port 0.

It speaks the Bot API the way python-telegram-bot uses it (form or multipart posts with
JSON-encoded non-string values), keeps the updates a test pushes until a getUpdates call
with a higher offset confirms them, and records every call with its arrival time, so tests
can assert what a user would have seen and how fast it was sent. Switches make it answer
429 (flood control), 403 (blocked by the user) or 502 (an outage) on demand, and `migrate`
turns a basic group into a supergroup with a new id, as Telegram does. It checks what
Telegram checks and Steady could get wrong: HTML that Telegram would refuse, texts over
4,096 characters, captions over 1,024, callback data over 64 bytes.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-TOKEN"
BOT_ID = 123456
BOT_USERNAME = "steady_test_bot"
SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})

# Form fields PTB sends JSON-encoded, and those that are numbers.
_JSON_FIELDS = {"reply_markup", "commands", "scope", "allowed_updates", "entities"}
_INT_FIELDS = {"chat_id", "user_id", "message_id", "offset", "limit", "timeout"}
_MAX_TEXT, _MAX_CAPTION, _MAX_CALLBACK_DATA = 4096, 1024, 64
_HTML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a"}


@dataclass
class Call:
    """One request as the fake saw it."""

    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() on arrival
    status: int = 200


@dataclass
class Sent:
    """A message the bot managed to send (or edit): what the person would see."""

    method: str
    chat_id: int
    message_id: int
    text: str  # the visible text (HTML parsed), or the caption
    html: str  # the text exactly as posted
    buttons: list[list[tuple[str, str]]]  # rows of (label, callback data)
    at: float
    filename: str | None = None
    data: bytes | None = None
    links: list[tuple[str, str]] = field(default_factory=list)  # URL buttons: (label, url)

    @property
    def payloads(self) -> list[str]:
        return [data for row in self.buttons for _, data in row]

    @property
    def labels(self) -> list[str]:
        return [label for row in self.buttons for label, _ in row]


class ApiError(Exception):
    def __init__(self, status: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


@dataclass
class _Throttle:
    remaining: int
    retry_after: int
    chat_id: int | None
    methods: frozenset[str]


@dataclass
class FakeBotAPI:
    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # scope -> menu
    # (scope, language_code or "") -> menu: each language's own menus too
    menus: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)
    members: dict[tuple[int, int], str] = field(default_factory=dict)  # (chat, user) -> status
    files: dict[str, bytes] = field(default_factory=dict)
    answered_callbacks: list[str] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    down: bool = False  # every method answers 502, as during a Bot API outage
    failing: set[str] = field(default_factory=set)  # these methods answer 502
    latency_s: float = 0.0  # added to every send, as the trip to Telegram's servers would
    slow: dict[str, float] = field(default_factory=dict)  # method -> seconds it takes
    basic_groups: set[int] = field(default_factory=set)  # these are "group", not "supergroup"
    migrated: dict[int, int] = field(default_factory=dict)  # a basic group -> its supergroup

    def __post_init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._callback_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._throttles: list[_Throttle] = []
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.port = 0
        # Telegram forgets an update once a getUpdates call's offset passes it, and until
        # then serves it again, to whichever process asks next.
        self.confirmed_offset = 0
        self.webhook_deliveries = 0

    # ------------------------------------------------------------------ server

    async def start(self) -> FakeBotAPI:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        self._closing = True
        self._new_update.set()  # ends long polls still waiting
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # ------------------------------------------------------------- switches

    def throttle(
        self,
        count: int,
        retry_after: int = 1,
        *,
        chat_id: int | None = None,
        methods: Iterable[str] = SEND_METHODS,
    ) -> None:
        """Answer the next `count` matching calls with 429 and this retry_after."""
        self._throttles.append(_Throttle(count, retry_after, chat_id, frozenset(methods)))

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        self.members[(chat_id, user_id)] = status

    def migrate(self, old_chat_id: int, new_chat_id: int, user: dict, *, tell: bool = True) -> None:
        """A basic group becomes a supergroup with a new id, as Telegram does when a group
        grows or an admin changes certain settings. The bot hears of it by a service message
        in each chat (`tell=False`: it never does, as when it was offline for longer than
        Telegram keeps updates); sends to the old id answer 400 with the new one."""
        self.migrated[old_chat_id] = new_chat_id
        self.basic_groups.discard(new_chat_id)
        if not tell:
            return
        for chat_id, key, value in (
            (old_chat_id, "migrate_to_chat_id", new_chat_id),
            (new_chat_id, "migrate_from_chat_id", old_chat_id),
        ):
            update = self.message_update(user, chat_id=chat_id)
            update["message"][key] = value
            self.push(update)

    # --------------------------------------------------------------- updates

    def user(
        self,
        user_id: int,
        first_name: str = "Ana",
        last_name: str | None = None,
        language_code: str | None = None,
    ) -> dict:
        found = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            found["last_name"] = last_name
        if language_code:
            found["language_code"] = language_code
        return found

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates; gives it the next update_id unless it has one."""
        update.setdefault("update_id", next(self._update_ids))
        self._updates.append(update)
        self._new_update.set()
        return update

    def message_update(
        self,
        user: dict,
        text: str = "",
        *,
        chat_id: int | None = None,
        chat_title: str = "Runners",
        document: tuple[str, bytes] | None = None,
        document_size: int | None = None,  # what Telegram says the file weighs
        reply_to: Sent | None = None,
    ) -> dict[str, Any]:
        """An update (not queued) for a message from `user`; a negative chat_id is a group."""
        chat_id = user["id"] if chat_id is None else chat_id
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id, user, chat_title),
            "from": user,
        }
        if document is not None:
            name, data = document
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = data
            message["document"] = {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_name": name,
                "file_size": len(data) if document_size is None else document_size,
            }
            if text:
                message["caption"] = text
                message["caption_entities"] = _entities(text)
        elif text:
            message["text"] = text
            if entities := _entities(text):
                message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = self._as_message(reply_to)
        return {"update_id": next(self._update_ids), "message": message}

    def edited(self, update: dict[str, Any], text: str, *, edit_date: int) -> dict[str, Any]:
        """An update (not queued) for the person editing the message of `update` to `text`:
        the same message id, the edit's time in `edit_date`."""
        message = {**update["message"], "edit_date": edit_date}
        for key in ("text", "entities", "caption", "caption_entities"):
            message.pop(key, None)
        message["text"] = text
        if entities := _entities(text):
            message["entities"] = entities
        return {"update_id": next(self._update_ids), "edited_message": message}

    def send_text(self, user: dict, text: str, **kw: Any) -> dict[str, Any]:
        """A person writes to the bot: the update is queued for getUpdates."""
        return self.push(self.message_update(user, text, **kw))

    def follow_link(self, user: dict, url: str) -> dict[str, Any]:
        """A person opens a `t.me/<bot>?start=<parameter>` link and presses Start: Telegram
        opens their private chat with the bot and sends `/start <parameter>` from them."""
        match = re.fullmatch(r"https://t\.me/(\w+)\?start=([A-Za-z0-9_-]{1,64})", url)
        assert match is not None, f"not a deep link Telegram would follow: {url}"
        assert match.group(1) == BOT_USERNAME, f"a link to another bot: {url}"
        return self.send_text(user, f"/start {match.group(2)}")

    def press(self, user: dict, message: Sent, data: str) -> dict[str, Any]:
        """A person presses an inline button under one of the bot's messages."""
        query_id = f"cbq-{next(self._callback_ids)}"
        return self.push(
            {
                "update_id": next(self._update_ids),
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "chat_instance": f"ci{message.chat_id}",
                    "message": self._as_message(message),
                    "data": data,
                },
            }
        )

    async def deliver_by_webhook(self, url: str, secret: str, *, parallel: int = 8) -> None:
        """What Telegram does with a webhook set: posts each queued update (several at
        once) until it is answered 200, trying again after a failure or a refused
        connection. Runs until cancelled; `undelivered` says what is left."""
        import aiohttp

        headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
        in_flight: set[int] = set()

        async def deliver(session: aiohttp.ClientSession, update: dict[str, Any]) -> None:
            try:
                async with session.post(url, json=update, headers=headers) as response:
                    if response.status == 200:
                        self._updates = [u for u in self._updates if u is not update]
                        self.webhook_deliveries += 1
            except (aiohttp.ClientError, OSError, TimeoutError):
                await asyncio.sleep(0.1)  # Telegram waits before trying again
            finally:
                in_flight.discard(update["update_id"])

        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            tasks: set[asyncio.Task[None]] = set()
            try:
                while True:
                    waiting = [u for u in self._updates if u["update_id"] not in in_flight]
                    for update in waiting[: parallel - len(in_flight)]:
                        in_flight.add(update["update_id"])
                        task = asyncio.create_task(deliver(session, update))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                    await asyncio.sleep(0.01)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    @property
    def undelivered(self) -> int:
        """Updates Telegram still holds: not confirmed by an offset, or not answered 200."""
        return len(self._updates)

    # ------------------------------------------------------------ assertions

    def sent_to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id]

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(
        self, check: Callable[[], Any], timeout: float = 10.0, what: str = "the bot"
    ) -> Any:
        """Wait until `check()` is truthy and return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.01)

    # ------------------------------------------------------------- handlers

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        call = Call(method, params, time.monotonic())
        self.calls.append(call)
        if request.match_info["token"] != self.token:
            call.status = 401
            return _error(401, "Unauthorized")
        try:
            self._check_switches(method, params)
            if self.latency_s and method in SEND_METHODS:
                await asyncio.sleep(self.latency_s)
            if method in self.slow:
                await asyncio.sleep(self.slow[method])
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = handler(params)
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as exc:
            call.status = exc.status
            return _error(exc.status, exc.description, **exc.parameters)
        return web.json_response({"ok": True, "result": result})

    def _check_switches(self, method: str, params: dict[str, Any]) -> None:
        if self.down or method in self.failing:
            raise ApiError(502, "Bad Gateway")
        chat_id = params.get("chat_id")
        for throttle in self._throttles:
            if throttle.remaining <= 0 or method not in throttle.methods:
                continue
            if throttle.chat_id is not None and throttle.chat_id != chat_id:
                continue
            throttle.remaining -= 1
            raise ApiError(
                429,
                f"Too Many Requests: retry after {throttle.retry_after}",
                retry_after=throttle.retry_after,
            )
        if method in SEND_METHODS and chat_id in self.migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=self.migrated[chat_id],
            )
        if method in SEND_METHODS and chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    async def _download(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["path"])
        if request.match_info["token"] != self.token or data is None:
            return web.Response(status=404)
        return web.Response(body=data)

    def _api_getMe(self, params: dict) -> dict:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Steady",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getUpdates(self, params: dict) -> list[dict]:
        offset = params.get("offset")
        if offset and offset > self.confirmed_offset:
            self.confirmed_offset = offset
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = params.get("limit") or 100
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while not self._updates and not self._closing and time.monotonic() < deadline:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), deadline - time.monotonic())
            except TimeoutError:
                break
        if self.down:  # the outage began during the long poll
            raise ApiError(502, "Bad Gateway")
        if allowed := params.get("allowed_updates"):  # Telegram never sends the other kinds
            self._updates = [u for u in self._updates if any(k in u for k in allowed)]
        return self._updates[:limit]

    def _api_deleteWebhook(self, params: dict) -> bool:
        self.webhook = {}
        return True

    def _api_setWebhook(self, params: dict) -> bool:
        self.webhook = params
        return True

    def _api_setMyCommands(self, params: dict) -> bool:
        scope = (params.get("scope") or {}).get("type", "default")
        language = params.get("language_code") or ""
        self.menus[(scope, language)] = params["commands"]
        if not language:  # the menu for everyone without a menu in their language
            self.commands[scope] = params["commands"]
        return True

    def _api_getChatMember(self, params: dict) -> dict:
        chat_id, user_id = params["chat_id"], params["user_id"]
        status = self.members.get((chat_id, user_id), "member")
        member: dict[str, Any] = {"status": status, "user": self.user(user_id)}
        if status == "creator":
            member["is_anonymous"] = False
        if status == "administrator":
            member.update(dict.fromkeys(_ADMIN_RIGHTS, True), is_anonymous=False)
            member["can_be_edited"] = False
        return member

    def _api_answerCallbackQuery(self, params: dict) -> bool:
        self.answered_callbacks.append(params["callback_query_id"])
        return True

    def _api_getFile(self, params: dict) -> dict:
        file_id = params["file_id"]
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(self.files[file_id]),
            "file_path": file_id,
        }

    def _api_sendMessage(self, params: dict) -> dict:
        text = _visible(params.get("text", ""), params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > _MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return self._record("sendMessage", params, text)

    def _api_sendPhoto(self, params: dict) -> dict:
        return self._send_file("sendPhoto", "photo", params)

    def _api_sendDocument(self, params: dict) -> dict:
        return self._send_file("sendDocument", "document", params)

    def _api_editMessageText(self, params: dict) -> dict:
        text = _visible(params.get("text", ""), params.get("parse_mode"))
        chat_id, message_id = params["chat_id"], params["message_id"]
        for index, old in enumerate(self.sent):
            if old.chat_id == chat_id and old.message_id == message_id:
                new = Sent(
                    "editMessageText",
                    chat_id,
                    message_id,
                    text,
                    params.get("text", ""),
                    _buttons(params.get("reply_markup")),
                    time.monotonic(),
                )
                self.sent[index] = new
                return self._as_message(new)
        raise ApiError(400, "Bad Request: message to edit not found")

    # -------------------------------------------------------------- helpers

    def _send_file(self, method: str, field_name: str, params: dict) -> dict:
        upload = params.get(field_name)
        if isinstance(upload, str) and upload.startswith("attach://"):
            upload = params.get(upload.removeprefix("attach://"))
        if not isinstance(upload, tuple):
            raise ApiError(400, f"Bad Request: there is no {field_name} in the request")
        caption = _visible(params.get("caption", ""), params.get("parse_mode"))
        if _utf16_len(caption) > _MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        filename, data = upload
        return self._record(method, params, caption, filename=filename, data=data)

    def _record(self, method: str, params: dict, text: str, **file: Any) -> dict:
        buttons = _buttons(params.get("reply_markup"))
        sent = Sent(
            method,
            params["chat_id"],
            next(self._message_ids),
            text,
            params.get("text", params.get("caption", "")),
            buttons,
            time.monotonic(),
            **file,
            links=_links(params.get("reply_markup")),
        )
        self.sent.append(sent)
        return self._as_message(sent)

    def _chat(self, chat_id: int, user: dict | None = None, title: str = "Runners") -> dict:
        if chat_id > 0:
            chat = {"id": chat_id, "type": "private", "first_name": "Ana"}
            if user is not None:
                chat["first_name"] = user["first_name"]
            return chat
        kind = "group" if chat_id in self.basic_groups else "supergroup"
        return {"id": chat_id, "type": kind, "title": title}

    def _as_message(self, sent: Sent) -> dict:
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": self._chat(sent.chat_id),
            "from": self._api_getMe({}),
        }
        if sent.method == "sendPhoto":
            message["photo"] = [
                {"file_id": "p1", "file_unique_id": "up1", "width": 640, "height": 480}
            ]
        elif sent.method == "sendDocument":
            message["document"] = {"file_id": "d1", "file_unique_id": "ud1"}
        if sent.text:
            message["caption" if sent.filename else "text"] = sent.text
        if sent.buttons:
            message["reply_markup"] = {
                "inline_keyboard": [
                    [{"text": label, "callback_data": data} for label, data in row]
                    for row in sent.buttons
                ]
            }
        return message


_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)


async def _params(request: web.Request) -> dict[str, Any]:
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            params[key] = (value.filename, value.file.read())
        elif key in _JSON_FIELDS:
            params[key] = json.loads(value)
        elif key in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
            params[key] = int(value)
        else:
            params[key] = value
    return params


def _error(status: int, description: str, **parameters: Any) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


def _buttons(markup: dict | None) -> list[list[tuple[str, str]]]:
    rows = (markup or {}).get("inline_keyboard", [])
    for row in rows:
        for button in row:
            if ("url" in button) == ("callback_data" in button):
                raise ApiError(400, "Bad Request: a button needs one of url or callback_data")
            if len(button.get("callback_data", "").encode()) > _MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            url = button.get("url", "")
            start = re.search(r"[?&]start=([^&]*)", url)
            if start is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", start.group(1)):
                raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")  # Telegram ignores it
    return [[(b["text"], b["callback_data"]) for b in row if "url" not in b] for row in rows]


def _links(markup: dict | None) -> list[tuple[str, str]]:
    rows = (markup or {}).get("inline_keyboard", [])
    return [(b["text"], b["url"]) for row in rows for b in row if "url" in b]


def _entities(text: str) -> list[dict]:
    """What Telegram adds to a text: a bot_command at the start, and @mentions."""
    found = []
    if text.startswith("/"):
        head = text.split(maxsplit=1)[0]
        found.append({"type": "bot_command", "offset": 0, "length": _utf16_len(head)})
    for match in re.finditer(r"@\w{3,}", text):
        if match.start() == 0 or not text[match.start() - 1].isalnum():
            if text.startswith("/") and match.start() < len(text.split(maxsplit=1)[0]):
                continue  # the @botname of a /command is part of the command
            offset = _utf16_len(text[: match.start()])
            found.append({"type": "mention", "offset": offset, "length": len(match.group())})
    return found


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _TelegramHTML(HTMLParser):
    """Parses HTML the way Telegram's parse_mode=HTML does, refusing what Telegram refuses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in _HTML_TAGS:
            raise ApiError(400, f"Bad Request: can't parse entities: unsupported start tag {tag}")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ApiError(400, f"Bad Request: can't parse entities: unexpected end tag {tag}")
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            raise ApiError(400, "Bad Request: can't parse entities: unescaped < or >")
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in _HTML_ENTITIES:
            raise ApiError(400, f"Bad Request: can't parse entities: unknown entity &{name};")
        self.text.append(_HTML_ENTITIES[name])

    def handle_charref(self, name: str) -> None:
        self.text.append(chr(int(name[1:], 16) if name[:1] in "xX" else int(name)))


def _visible(text: str, parse_mode: str | None) -> str:
    if parse_mode != "HTML":
        return text
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise ApiError(400, f"Bad Request: can't parse entities: unclosed {parser.stack[-1]}")
    return "".join(parser.text)
