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
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from bot.context import APOLOGY, CommandSpec, Context, Result, Services, UserError
from bot.groups.group import move_chat
from bot.intake import inbox
from bot.interface import (
    ChatKind,
    Event,
    Incoming,
    Reply,
    Taken,
    TargetKind,
    Where,
    reply_from_dict,
    reply_to_dict,
)
from bot.ops.metrics import EVENTS_RECEIVED, HANDLE_OVERRUNS
from bot.reading import parsing
from bot.storage.accounts import account_for
from bot.storage.ownership import scrub_files

log = logging.getLogger("steady.core")
T = TypeVar("T")

HOLD_S = 60.0  # how long an event's replies are the worker's to send before the outbox's


class Overran(Exception):
    """The message's handling overran the time budget (`Settings.handle_budget_s`), so the
    core's process was stopped and replaced (bot/intake/core_process.py). The message is not tried
    again: whatever made it slow would only stop the next process too. Its one transaction
    commits at its end, so nothing of it was kept (unless the clock ran out in the instant
    between that commit and its answer). A caller that can set the event aside parks it; one
    that cannot gives the person the apology (`handle_or_apologise`)."""


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
        self, platforms: Sequence[str], limit: int, lease_s: float
    ) -> list[Taken]:
        """Inbox events for a worker: `inbox.claim`, in turn."""
        return await self._in_turn(self.claim, platforms, limit, lease_s)

    def claim(self, platforms: Sequence[str], limit: int, lease_s: float) -> list[Taken]:
        now = self.services.clock.now()
        return inbox.claim(self.services.db, now, platforms, limit=limit, lease_s=lease_s)

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
            except (UserError, parsing.ParseError) as exc:
                replies = [Reply(str(exc))]
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
            except UserError as exc:
                return [Reply(str(exc))]
            except parsing.ParseError as exc:
                return [Reply(str(exc))]
            except IntegrityError:
                # A concurrent delivery of the same message, or a first contact racing
                # another: the second try sees the winner's rows.
                if attempt == 2:
                    log.exception("conflict handling %s", _describe(incoming, route))
                    return [Reply(APOLOGY)]
            except Exception:
                log.exception("error handling %s", _describe(incoming, route))
                return [Reply(APOLOGY)]
        return [Reply(APOLOGY)]

    def command_name(self, incoming: Incoming) -> str:
        """What a message asks for, fit for a log line: `/name` of a known command, else "an
        unknown command" or "plain text", never anything the person wrote. Cheap: plain text
        is not parsed (reading it may be what is slow)."""
        typed = _typed_command((incoming.payload or incoming.text or "").strip())
        if typed is None:
            return "plain text"
        command = self.registry.get(typed[0])
        return f"/{command.name}" if command is not None else "an unknown command"

    def _route(self, incoming: Incoming, line: str) -> Route | None:
        """Which command a message is for; None when it is not for us at all."""
        typed = _typed_command(line)
        if typed is not None:
            name, args = typed
            return Route(self.registry.get(name), args, name)
        if not line or (incoming.chat_kind is ChatKind.GROUP and not incoming.addressed):
            return None
        found = parsing.intent(line)
        if found is None:
            return Route(None, line, None)
        kind, args = found
        return Route(self.registry.get(kind.value), args, kind.value)

    def _handle_once(
        self, incoming: Incoming, route: Route, taken: Taken | None = None, hold_s: float = 0
    ) -> list[Reply]:
        services = self.services
        now = services.clock.now()
        with services.db.engine.begin() as connection:
            who = account_for(connection, incoming, now)
            if who.answered is not None:
                replies = [reply_from_dict(r) for r in who.answered]
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
            finally:
                ctx.close()
            record = None
            if incoming.message_id is not None and not ctx.erased:
                record = {
                    "platform": incoming.platform,
                    "chat_id": incoming.chat_id,
                    "message_id": incoming.message_id,
                    "user_id": who.person.id,
                    "replies": [reply_to_dict(r, with_attachments=False) for r in replies],
                    "now": now,
                }
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
        if command is None:
            return self._unknown(route.name) if route.name else _not_understood(ctx)
        if command.where is Where.GROUP and not ctx.in_group:
            raise UserError(f"/{command.name} works in a group chat. Add me to one and try there.")
        if command.where is Where.PRIVATE and ctx.in_group:
            raise UserError(f"/{command.name} works in a private chat with me.")
        if command.admin and ctx.in_group and not ctx.is_admin:
            raise UserError(f"Only this group's admins can use /{command.name}.")
        return command.handler(ctx, route.args)

    def _unknown(self, name: str) -> Reply:
        close = difflib.get_close_matches(name, self.registry.names(), n=1)
        hint = f" Did you mean /{close[0]}?" if close else ""
        return Reply(f"I don't know /{name}.{hint} Send /help to see what I can do.")


@dataclass(frozen=True)
class Route:
    command: CommandSpec | None  # None: an unknown command, or text that is not a log
    args: str
    name: str | None  # the command name as typed; None for plain text


def _not_understood(ctx: Context) -> Reply:
    return Reply(
        'I didn\'t catch that. Tell me things like "ran 5k in 28 min", '
        '"3x10 squats 40kg" or "drank 500ml", or send /help.'
    )


def _as_replies(result: Result) -> list[Reply]:
    if result is None:
        return []
    if isinstance(result, str):
        return [Reply(result)]
    if isinstance(result, Reply):
        return [result]
    return list(result)


def _typed_command(line: str) -> tuple[str, str] | None:
    """`/name@bot args` as (name, args); None when the line is not a command."""
    if not line.startswith("/") or len(line) == 1:
        return None
    head, _, args = line[1:].partition(" ")
    return head.split("@", 1)[0].lower(), args.strip()


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
        return [Reply(APOLOGY)]


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
