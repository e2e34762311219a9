"""The core: `Core.handle(Incoming) -> list[Reply]`, platform-neutral.

Each message is one transaction: find or create the person, run the command, remember the
message id with its replies. A redelivered message finds that record and changes nothing;
a user error rolls the transaction back and says what was wrong; anything else is logged
with context and the user gets an apology, never a traceback.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Connection, bindparam, insert, text
from sqlalchemy.exc import IntegrityError

from bot.commands import plain_words
from bot.context import Asking, CommandSpec, Context, Result, Services, UserError, apology
from bot.groups.group import move_chat
from bot.i18n.catalogs import N_
from bot.i18n.told import Told
from bot.intake import inbox
from bot.interface import (
    CHOICE_TEXT_MAX,
    SUGGESTIONS_MAX,
    Attachment,
    ChatKind,
    Choice,
    Event,
    Incoming,
    Reply,
    Taken,
    TargetKind,
    Typing,
    Where,
    reply_to_dict,
)
from bot.ops.metrics import EVENTS_RECEIVED, HANDLE_OVERRUNS
from bot.progress import entries
from bot.reading.workout_files import looks_like_workout
from bot.storage import kept_files
from bot.storage.accounts import account_for, known_person
from bot.storage.models import HandledMessage
from bot.storage.ownership import scrub_files
from bot.storage.prepared import Prepared

log = logging.getLogger("steady.core")
T = TypeVar("T")
IMPORT = "import"  # the command a file sent on its own runs

HOLD_S = 60.0  # how long an event's replies are the worker's to send before the outbox's


_REMEMBER_WITH_FILES = Prepared(
    insert(HandledMessage)
    .values(
        {c: bindparam(c) for c in ("platform", "chat_id", "message_id", "user_id", "replies")}
        | {"handled_at": bindparam("now")}
    )
    .returning(HandledMessage.id)
)


def _record(
    incoming: Incoming, user_id: int, replies: list[Reply], now: datetime
) -> dict[str, object]:
    """The record of a handled message (see `inbox.remember`): its replies' text, so a
    redelivery gets the same answer."""
    return {
        "platform": incoming.platform,
        "chat_id": incoming.chat_id,
        "message_id": incoming.message_id,
        "user_id": user_id,
        "replies": [reply_to_dict(r, with_attachments=False) for r in replies],
        "now": now,
    }


def _remember_with_files(
    connection: Connection,
    record: dict[str, object],
    files: list[tuple[int, Attachment]],
    now: datetime,
) -> None:
    """The record of a message whose replies carry `files` (with their reply's position),
    and the files in `reply_files` (bot/storage/kept_files.py), so a redelivery gets both."""
    stored = record["replies"]
    assert isinstance(stored, list)
    for position, _ in files:
        count = stored[position].get(kept_files.FILES, 0)
        stored[position][kept_files.FILES] = (count if isinstance(count, int) else 0) + 1
    handled_id = _REMEMBER_WITH_FILES.scalar(connection, record)
    kept_files.keep(connection, handled_id, files, now)


class Overran(Exception):
    """The message's handling overran the time budget (`Settings.handle_budget_s`), so the
    core's process was stopped and replaced (bot/intake/core_process.py). The message is not tried
    again: whatever made it slow would only stop the next process too. Its one transaction
    commits at its end, so nothing of it was kept (unless the clock ran out in the instant
    between that commit and its answer). A caller that can set the event aside parks it; one
    that cannot gives the person the apology (`handle_or_apologise`)."""


class Refused(Exception):
    """A person's mistake (`Told`) put in their language while the person was known: raised
    out of the transaction, which rolls back, and answered with `text`."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def refusal(exc: Exception, incoming: Incoming) -> str:
    """What a `Refused` or `Told` raised in handling a message says: a `Told` raised before
    the person was known speaks their app's language."""
    if isinstance(exc, Refused):
        return exc.text
    assert isinstance(exc, Told)
    return exc.in_language(incoming.language or "en")


class Core:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.registry = services.registry
        # SQLite has one writer: messages handled side by side there only wait for its lock
        # in ever longer sleeps, so on SQLite they take turns instead (PostgreSQL copes).
        self._turns = None if services.db.is_postgres else asyncio.Lock()
        self._accepted: list[Callable[[], None]] = []
        self.role = "all"  # for the figures: which part of a split deployment this is

    def on_accept(self, callback: Callable[[], None]) -> None:
        """`callback` is called (on the event loop) after each batch of events is stored."""
        self._accepted.append(callback)

    async def accept_async(self, events: Sequence[Event]) -> int:
        """The adapters' port to the inbox: stores a batch of platform events in one
        transaction (redeliveries skipped) and returns how many were new. Only after it
        returns may the platform be told they arrived."""
        new = await self._in_turn(self.accept, list(events))
        for event in events:
            EVENTS_RECEIVED.labels(event.platform, self.role).inc()
        for callback in self._accepted:
            callback()
        return new

    async def handle_async(self, incoming: Incoming) -> list[Reply]:
        """For adapters on an event loop: the database work runs in a worker thread.

        A thread cannot be stopped from outside, so here a message that overruns the time
        budget runs to its end and is then logged and counted (`report_overrun`); only a
        `RemoteCore` can stop one, by replacing its process."""
        return await self._in_turn(self._handle_timed, incoming)

    def _handle_timed(self, incoming: Incoming) -> list[Reply]:
        return self._timed(incoming, self.handle, incoming)

    def _timed(self, incoming: Incoming | None, work: Callable[..., T], *args: object) -> T:
        """`work`, timed in the worker thread, so that waiting for a turn is not counted."""
        started = time.monotonic()
        try:
            return work(*args)
        finally:
            took = time.monotonic() - started
            budget = self.services.settings.handle_budget_s
            if incoming is not None and took > budget:
                report_overrun(
                    incoming.platform,
                    incoming.chat_id,
                    self.command_name(incoming),
                    budget,
                    f"it took {took:.1f} s (a thread cannot be stopped)",
                )

    # The inbox's statements take their turn with the messages' (`_in_turn`): on SQLite,
    # with its one writer, they then never wait on each other's locks.

    def accept(self, events: Sequence[Event]) -> int:
        return inbox.accept(self.services.db, events, self.services.clock.now())

    async def claim_async(
        self, platforms: Sequence[str], limit: int, lease_s: float, repair: bool = False
    ) -> list[Taken]:
        """Inbox events for a worker: `inbox.claim`, in turn."""
        return await self._in_turn(self.claim, platforms, limit, lease_s, repair)

    def claim(
        self, platforms: Sequence[str], limit: int, lease_s: float, repair: bool = False
    ) -> list[Taken]:
        now = self.services.clock.now()
        db = self.services.db
        return inbox.claim(db, now, platforms, limit=limit, lease_s=lease_s, repair=repair)

    async def mark_sent_async(self, keys: list[str]) -> None:
        """Replies a worker delivered itself: `inbox.mark_sent`, in turn."""
        await self._in_turn(self.mark_sent, keys)

    def mark_sent(self, keys: list[str]) -> None:
        inbox.mark_sent(self.services.db, keys, self.services.clock.now())

    async def move_chat_async(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        """For adapters: a group chat has a new id (Telegram turns a group into a supergroup).
        Its group, with its challenges and digest, and the messages waiting for it follow."""
        await self._in_turn(self.move_chat, platform, old_chat_id, new_chat_id)

    def move_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        with self.services.db.unit_of_work() as session:
            move_chat(session, platform, old_chat_id, new_chat_id)

    async def suggest_async(self, typing: Typing) -> list[Choice]:
        """`suggest`, in a thread of this process, outside the turns messages take.

        Deliberately not `_in_turn`: suggestions only read, and must come within a platform's
        few seconds (Discord's 3), so they neither wait for SQLite's writer nor queue behind
        messages in a `RemoteCore`'s child (which inherits this method unchanged, so its
        suggestions are read here, in the main process, from the same database)."""
        return await asyncio.to_thread(self.suggest, typing)

    def suggest(self, typing: Typing) -> list[Choice]:
        """Choices for an option as someone types it, from the provider its `Param` names.

        Not a message: nothing is logged, remembered or changed. The person is looked up,
        never created, in a transaction that is read-only where the database can say so
        (PostgreSQL) and rolled back in any case. A provider's failure is logged and gives no
        choices, as typing must never meet an error."""
        command = self.registry.get(typing.command)
        param = (
            next((p for p in command.params if p.name == typing.param), None) if command else None
        )
        if param is None or param.suggest is None:
            return []
        db = self.services.db
        try:
            with db.engine.connect() as connection:
                if db.is_postgres:
                    connection.execute(text("SET TRANSACTION READ ONLY"))
                who = typing.who
                asking = Asking(
                    connection,
                    who,
                    known_person(connection, who.platform, who.user_id),
                    self.services,
                    self.services.clock.now(),
                    dict(typing.filled),
                )
                # No choice is longer than CHOICE_TEXT_MAX, so neither need be what is matched.
                typed = typing.typed.strip()[:CHOICE_TEXT_MAX]
                found = list(param.suggest(asking, typed))
                connection.rollback()
        except Exception:
            log.exception("suggesting for /%s %s failed", typing.command, typing.param)
            return []
        return fit_choices(found)

    async def _in_turn(self, work: Callable[..., T], *args: object) -> T:
        if self._turns is None:
            return await asyncio.to_thread(work, *args)
        async with self._turns:
            return await asyncio.to_thread(work, *args)

    def needs_admin(self, incoming: Incoming) -> bool:
        """Whether the platform must be asked if the sender is an admin before `handle`:
        only for a group command whose registry entry says it needs to know."""
        if incoming.chat_kind is not ChatKind.GROUP:
            return False
        line = (incoming.payload or incoming.text or "").lstrip()
        if not line.startswith("/"):
            return False  # plain words are logs, which never ask
        route = self._route(incoming, line)
        return route is not None and route.command is not None and route.command.needs_admin

    async def handle_event_async(
        self, taken: Taken, incoming: Incoming | None, hold_s: float = HOLD_S
    ) -> list[Reply]:
        """`handle_event`, for the worker on its event loop; timed as `handle_async` is."""
        return await self._in_turn(self._handle_event_timed, taken, incoming, hold_s)

    def _handle_event_timed(
        self, taken: Taken, incoming: Incoming | None, hold_s: float
    ) -> list[Reply]:
        return self._timed(incoming, self.handle_event, taken, incoming, hold_s)

    def handle_event(
        self, taken: Taken, incoming: Incoming | None, hold_s: float = HOLD_S
    ) -> list[Reply]:
        """An inbox event: in one transaction its effects, the record of the message, the
        event marked done and its replies in the outbox, held by the worker for `hold_s`
        while it sends them itself. None: the adapter found nothing to do. A failure of the
        core itself is raised (nothing was kept): the worker counts a try."""
        now = self.services.clock.now()
        line = (incoming.payload or incoming.text or "").strip() if incoming else ""
        route = self._route(incoming, line) if incoming else None
        if incoming is None or route is None:
            inbox.finish_alone(self.services.db, taken, [], now=now, hold_s=hold_s)
            return []
        for attempt in (1, 2):
            try:
                return self._handle_once(incoming, route, taken, hold_s)
            except (Refused, Told) as exc:
                replies = [Reply(refusal(exc, incoming))]
                addressed = _addressed(incoming, replies)
                inbox.finish_alone(self.services.db, taken, addressed, now=now, hold_s=hold_s)
                return replies
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def handle(self, incoming: Incoming) -> list[Reply]:
        line = (incoming.payload or incoming.text or "").strip()
        route = self._route(incoming, line)
        if route is None:
            return []
        for attempt in (1, 2):
            try:
                return self._handle_once(incoming, route)
            except (Refused, Told) as exc:
                return [Reply(refusal(exc, incoming))]
            except IntegrityError:
                # A concurrent delivery of the same message, or a first contact racing
                # another: the second try sees the winner's rows.
                if attempt == 2:
                    log.exception("conflict handling %s", _describe(incoming, route))
                    return [Reply(apology(incoming.language))]
            except Exception:
                log.exception("error handling %s", _describe(incoming, route))
                return [Reply(apology(incoming.language))]
        return [Reply(apology(incoming.language))]

    def command_name(self, incoming: Incoming) -> str:
        """What a message asks for, fit for a log line: `/name` of a known command, else "an
        unknown command", "a file" or "plain text", never anything the person wrote. Cheap:
        plain text is not parsed (reading it may be what is slow)."""
        typed = _typed_command((incoming.payload or incoming.text or "").strip())
        if typed is None:
            return "a file" if incoming.attachments else "plain text"
        command = self.registry.get(typed[0])
        return f"/{command.name}" if command is not None else "an unknown command"

    def _route(self, incoming: Incoming, line: str) -> Route | None:
        """Which command a message is for; None when it is not for us at all. An edited
        message is routed as it reads now; `_run` runs it only if that is a log."""
        typed = _typed_command(line)
        if typed is not None:
            name, args = typed
            return Route(self.registry.get(name), args, name, _offer_key(incoming, line))
        if incoming.chat_kind is ChatKind.GROUP and not incoming.addressed:
            return None
        if _is_file_to_import(incoming, line):
            return Route(self.registry.get(IMPORT), "", IMPORT)
        if not line:
            return None
        return Route(None, line, None)  # plain words: read in the transaction, by today

    def _handle_once(
        self, incoming: Incoming, route: Route, taken: Taken | None = None, hold_s: float = 0
    ) -> list[Reply]:
        services = self.services
        now = services.clock.now()
        with services.db.engine.begin() as connection:
            who = account_for(connection, incoming, now)
            if who.answered is not None:
                replies = kept_files.replay(connection, incoming, who.answered, now)
                if taken is not None:  # the same message again under another event id
                    inbox.finish(
                        connection,
                        taken,
                        _addressed(incoming, replies),
                        user_id=None,
                        now=now,
                        hold_s=hold_s,
                    )
                return replies
            ctx = Context(connection, incoming, who.account_id, who.person, services, now)
            try:
                replies = _as_replies(self._run(ctx, route))
                connection = ctx.connection  # with the session's last changes
            except Told as told:
                raise Refused(told.in_language(ctx.lang)) from told
            finally:
                ctx.close()
            record = None
            if incoming.message_id is not None and not ctx.erased:
                record = _record(incoming, who.person.id, replies, now)
                if files := kept_files.keepable(replies):  # rare: the record's id keeps them
                    _remember_with_files(connection, record, files, now)
                    record = None
            if taken is not None:  # on PostgreSQL the record goes in the same statement
                inbox.finish(
                    connection,
                    taken,
                    _addressed(incoming, replies),
                    user_id=None if ctx.erased else who.person.id,
                    now=now,
                    hold_s=hold_s,
                    record=record,
                )
            elif record is not None:
                inbox.remember(connection, record)
        if ctx.erased:  # committed: now the files, where the deleted rows' old pages linger
            scrub_files(services.db.engine)
        return replies

    def _run(self, ctx: Context, route: Route) -> Result:
        command = route.command
        if route.name is None:
            return plain_words.answer(ctx, route.args)  # an edit of plain words too
        if ctx.incoming.edits_message_id is not None and not (command and command.follows_edits):
            return entries.edit_not_followed(ctx)
        if command is None:
            return self._unknown(ctx, route.name)
        if command.where is Where.GROUP and not ctx.in_group:
            raise UserError(
                N_("/{command} works in a group chat. Add me to one and try there."),
                command=command.name,
            )
        if command.where is Where.PRIVATE and ctx.in_group:
            raise UserError(N_("/{command} works in a private chat with me."), command=command.name)
        if command.admin and ctx.in_group and not ctx.is_admin:
            raise UserError(
                N_("Only this group's admins can use /{command}."), command=command.name
            )
        if route.offer is not None and command.follows_edits:
            return plain_words.confirmed(ctx, route.offer, lambda: command.handler(ctx, route.args))
        return command.handler(ctx, route.args)

    def _unknown(self, ctx: Context, name: str) -> Reply:
        close = difflib.get_close_matches(name, self.registry.names(), n=1)
        if close:
            return Reply(
                ctx._(
                    "I don't know /{typed}. Did you mean /{close}? Send /help to see what I can do."
                ).format(typed=name, close=close[0])
            )
        return Reply(
            ctx._("I don't know /{typed}. Send /help to see what I can do.").format(typed=name)
        )


@dataclass(frozen=True)
class Route:
    command: CommandSpec | None  # None: an unknown command, or text that is not a log
    args: str
    name: str | None  # the command name as typed; None for plain text
    offer: str | None = None  # a press of an offer's ✅ button: the offered message's key


def fit_choices(found: Sequence[Choice]) -> list[Choice]:
    """At most `SUGGESTIONS_MAX` distinct choices a platform can show: a label too long is
    shortened, a value too long (it would not be the same value) is left out."""
    fitted: list[Choice] = []
    seen: set[str] = set()
    for choice in found:
        value = choice.value.strip()
        if not value or len(value) > CHOICE_TEXT_MAX or value in seen:
            continue
        label = choice.label.strip() or value
        if len(label) > CHOICE_TEXT_MAX:
            label = label[: CHOICE_TEXT_MAX - 1] + "…"
        fitted.append(Choice(label, value))
        seen.add(value)
        if len(fitted) == SUGGESTIONS_MAX:
            break
    return fitted


def _as_replies(result: Result) -> list[Reply]:
    if result is None:
        return []
    if isinstance(result, str):
        return [Reply(result)]
    if isinstance(result, Reply):
        return [result]
    return list(result)


def _is_file_to_import(incoming: Incoming, line: str) -> bool:
    """A file sent to us with no command is imported: any file but a picture when the
    message says nothing else, and a watch's workout file whatever its caption says."""
    files = incoming.attachments
    if not line:
        return any(not f.is_image for f in files)
    return any(looks_like_workout(f.filename, f.data) for f in files)


def _typed_command(line: str) -> tuple[str, str] | None:
    """`/name@bot args` as (name, args); None when the line is not a command."""
    if not line.startswith("/") or len(line) == 1:
        return None
    head, _, args = line[1:].partition(" ")
    return head.split("@", 1)[0].lower(), args.strip()


def _offer_key(incoming: Incoming, line: str) -> str | None:
    """The key of a button payload `/run@~k9 5km` (`plain_words.offer_payload`): only a
    button's payload carries one; typed text never does."""
    if incoming.payload is None:
        return None
    head = line.split(" ", 1)[0]
    _, mark, key = head.partition(plain_words.OFFER_MARK)
    return key if mark else None


def report_overrun(platform: str, chat_id: str, command: str, budget_s: float, what: str) -> None:
    """Logs and counts a message whose handling overran the budget: its platform, chat and
    command, never its text, which may be private or the very input that made it slow."""
    log.error(
        "handling %s in %s chat %s overran its budget of %g s: %s",
        command,
        platform,
        chat_id,
        budget_s,
        what,
    )
    HANDLE_OVERRUNS.labels(platform=platform).inc()


async def handle_or_apologise(core: Core, incoming: Incoming) -> list[Reply]:
    """`core.handle_async` for a caller with nowhere to park a message: one that overran its
    budget (and is not tried again) is answered with the apology instead of nothing."""
    try:
        return await core.handle_async(incoming)
    except Overran:
        return [Reply(apology(incoming.language))]


def _addressed(incoming: Incoming, replies: list[Reply]) -> list[tuple[str, Reply]]:
    """Each reply with the chat it goes to: this chat, or the sender's private chat."""
    return [
        (incoming.user_id if r.target is TargetKind.PRIVATE else incoming.chat_id, r)
        for r in replies
    ]


def _describe(incoming: Incoming, route: Route) -> str:
    name = f"/{route.name}" if route.name else "plain text"
    return (
        f"{name} from {incoming.platform} user {incoming.user_id} "
        f"in chat {incoming.chat_id} (message {incoming.message_id})"
    )
