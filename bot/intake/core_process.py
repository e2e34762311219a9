"""The core's work in a process of its own, so that it uses a second CPU.

In one process the core's worker thread and the event loop share one interpreter lock:
the adapters, the HTTP clients and the core take turns, and a busy loop waits for the core
and the core for the loop. `RemoteCore` is a `Core` whose `handle_async` and
`move_chat_async` run in a child process instead of a thread; everything else (the tick,
the outbox senders, `Core.handle` called directly) stays in the main process, on the same
database. The child takes one message at a time, in the order they were sent, which is
what SQLite's one writer allows anyway; the main process keeps sending while it works, so
the two overlap. On PostgreSQL a message mostly waits on the server, so several children
(`processes`) work side by side, each piece of work going to the one with least in hand;
the watchdog and the one more try are each child's own.

The two talk over a socket pair: each frame is a 4-byte length and a pickle.

    main -> child   (method, id, args)                      a piece of work
    child -> main   ("ready",)                              the core is built
                    ("started", id, platform, chat, command)  it starts this message
                    ("done", id, result) | ("failed", id, text)
                    ("log", record)                         a log record, for the main's handlers

An `Incoming` arrives whole: whether its sender is an admin was asked of the platform
before it was sent (`Incoming.is_admin`). Log records cross over too, so the main
process's handlers (and their blanking of secrets) see everything. If the child dies, what
it held is tried once more on a new child (the core's record of handled messages makes that
harmless), then fails with `CoreGone`.

A watchdog backs up the checks on input: the main process starts a message's clock when the
child says it has started it (so waiting behind other messages does not count), and if the
child has not finished it within `Settings.handle_budget_s` the overrun is logged (platform,
chat and command, never the text) and counted, the child is killed (it ignores SIGTERM,
which belongs to the main process's orderly stop) and a new one started. The message is not
tried again: its `handle_async` raises `Overran` at once. Messages queued behind it had not
started, so they go to the new child, without using up their one more try.

Why a socket of our own rather than the standard library's pools: a `ProcessPoolExecutor`
or `multiprocessing.Pool` cannot replace the one worker that is stuck on one task (the
watchdog's whole point) without ending every task in flight, and neither says when a task
*starts*, which is when its budget must start; their queues also pickle through a feeder
thread in this process, the very interpreter lock this module exists to avoid. Log records
ride the same socket as frames for the same reason (a `QueueHandler` would need a queue and
its thread beside it). Whether the process pays is measured, not assumed: on SQLite, with
the inbox, `bench/intake.py --quick` gave 482–528 updates/s with it and 289–357 with the
core in threads (same minutes, a loaded two-CPU machine), so `steady run` keeps it on by
default there (`STEADY_CORE_PROCESS` overrides).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import multiprocessing
import pickle
import signal
import socket
import struct
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

from bot.clock import Clock
from bot.context import Services
from bot.core import HOLD_S, Core, Overran, report_overrun
from bot.interface import Incoming, Reply, Taken
from bot.settings import Settings

log = logging.getLogger("steady.core_process")
T = TypeVar("T")

_LENGTH = struct.Struct("!I")
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 10.0
KILL_AFTER_S = 1.0  # a child stopped for overrunning its budget gets this long to end

CoreFactory = Callable[[Services], Core]


class CoreGone(Exception):
    """The core's process ended while it held this piece of work."""


class RemoteCore(Core):
    """A `Core` whose asynchronous work (`handle_async`, `move_chat_async`: whatever goes
    through `_in_turn`, by method name) runs in a child process with its own `Core`, built by
    `factory` from the same settings and a copy of the clock: a clock moved here does not
    move there, so tests that move time use a plain `Core`. `start` starts the child (the
    first piece of work does it if nothing did); `close` stops it."""

    def __init__(
        self, services: Services, *, factory: CoreFactory = Core, processes: int = 1
    ) -> None:
        super().__init__(services)
        self._factory = factory
        self._links: list[_Link | None] = [None] * processes
        self._starting: asyncio.Lock | None = None
        self._replacing: asyncio.Task[None] | None = None
        self._closed = False

    async def start(self) -> None:
        """Starts the core's processes (again, those that ended) and waits until they are
        ready for work."""
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            self._closed = False
            for n, link in enumerate(self._links):
                if link is not None and not link.gone:
                    continue
                if link is not None:
                    await link.close()
                    log.warning("starting the core's process again")
                self._links[n] = await _Link.open(
                    self.services.settings, self.services.clock, self._factory
                )

    async def close(self) -> None:
        """Stops the processes; work that comes later fails with `CoreGone` until `start`."""
        if self._replacing is not None:  # a replacement under way, to be closed in turn
            await asyncio.wait({self._replacing})
        self._closed = True
        links, self._links = self._links, [None] * len(self._links)
        for link in links:
            if link is not None:
                await link.close()

    async def handle_async(self, incoming: Incoming) -> list[Reply]:
        """As `Core.handle_async`, in the core's process. A message whose handling there
        overruns the budget raises `Overran`: the process is replaced and the message is not
        tried again."""
        return await self._in_turn(self.handle, incoming)

    async def handle_event_async(
        self, taken: Taken, incoming: Incoming | None, hold_s: float = HOLD_S
    ) -> list[Reply]:
        """As `Core.handle_event_async`, in the core's process, under the same watchdog."""
        return await self._in_turn(self.handle_event, taken, incoming, hold_s)

    async def _in_turn(self, work: Callable[..., T], *args: object) -> T:
        """Once more on a new process if the process ended meanwhile: the core remembers
        each message it handled, so a message it had finished gets the same answer again
        and changes nothing. A process the watchdog replaced had not started this work, so
        that does not use up the one more try."""
        ended = 0
        while True:
            if self._closed:
                raise CoreGone("the core's process was closed")
            live = [link for link in self._links if link is not None and not link.gone]
            if len(live) < len(self._links):
                if not live:
                    await self.start()
                    continue
                self._replace()  # the others work on meanwhile
            link = min(live, key=lambda link: link.in_hand)
            try:
                # What `work` returned in the child, unpickled: pickle keeps no types.
                return cast(T, await link.call(work.__name__, *args))
            except Overran:
                self._replace()
                raise
            except CoreGone:
                if link.replaced:
                    continue
                ended += 1
                if ended == 2:
                    raise
                log.warning("the core's process ended during %s; trying once more", work.__name__)

    def _replace(self) -> None:
        """New processes now, rather than when the next message comes."""
        if self._replacing is None or self._replacing.done():
            self._replacing = asyncio.create_task(self._start_again(), name="steady-core-replace")

    async def _start_again(self) -> None:
        try:
            await self.start()
        except Exception:  # the next piece of work tries again
            log.exception("the core's process could not be started again")


class _Link:
    """The main process's end: sends work, routes answers to whoever waits for them."""

    def __init__(
        self,
        process: multiprocessing.process.BaseProcess,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        budget_s: float,
    ) -> None:
        self.process, self.reader, self.writer = process, reader, writer
        self.budget_s = budget_s
        self.gone = False
        self.replaced = False  # stopped by the watchdog
        self._clocks: dict[int, asyncio.TimerHandle] = {}
        self._ids = 0
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._listening: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, settings: Settings, clock: Clock, factory: CoreFactory) -> _Link:
        mine, theirs = socket.socketpair()
        context = multiprocessing.get_context("spawn")
        process = context.Process(
            target=_serve,
            args=(theirs, settings, clock, factory, _log_levels()),
            name="steady-core",
            daemon=True,
        )
        process.start()
        theirs.close()
        reader, writer = await asyncio.open_connection(sock=mine)
        link = cls(process, reader, writer, settings.handle_budget_s)
        try:
            first = await asyncio.wait_for(link._read(), START_TIMEOUT_S)
            while first[0] == "log":
                _relog(first[1])
                first = await asyncio.wait_for(link._read(), START_TIMEOUT_S)
            if first[0] != "ready":
                raise RuntimeError(f"the core's process could not start: {first[-1]}")
        except asyncio.IncompleteReadError:
            await link.close()
            raise RuntimeError(
                f"the core's process ended as it started (exit code {process.exitcode})"
            ) from None
        except BaseException:
            await link.close()
            raise
        link._listening = asyncio.create_task(link._listen(), name="steady-core-link")
        return link

    @property
    def in_hand(self) -> int:
        """Pieces of work sent and not yet answered: the least busy process gets the next."""
        return len(self._waiting)

    async def call(self, method: str, *args: Any) -> Any:
        self._ids += 1
        key = self._ids
        future = asyncio.get_running_loop().create_future()
        self._waiting[key] = future
        try:
            try:
                self._write((method, key, args))
                await self.writer.drain()
            except (ConnectionError, OSError) as exc:
                self._lost()
                raise CoreGone("the core's process ended") from exc
            return await future
        finally:
            self._waiting.pop(key, None)

    async def _listen(self) -> None:
        try:
            while True:
                frame = await self._read()
                kind = frame[0]
                if kind == "started":
                    self._start_clock(*frame[1:])
                elif kind == "done" or kind == "failed":
                    self._stop_clock(frame[1])
                    future = self._waiting.get(frame[1])
                    if future is not None and not future.done():
                        if kind == "done":
                            future.set_result(frame[2])
                        else:
                            future.set_exception(RuntimeError(frame[2]))
                elif kind == "log":
                    _relog(frame[1])
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            self._lost()

    def _start_clock(self, key: int, platform: str, chat_id: str, command: str) -> None:
        self._clocks[key] = asyncio.get_running_loop().call_later(
            self.budget_s, self._overran, key, platform, chat_id, command
        )

    def _stop_clock(self, key: int) -> None:
        clock = self._clocks.pop(key, None)
        if clock is not None:
            clock.cancel()

    def _overran(self, key: int, platform: str, chat_id: str, command: str) -> None:
        """The watchdog: this message fails with `Overran`, the others waiting fail with
        `CoreGone` (and are sent again to the new process), and this process is stopped."""
        self._clocks.pop(key, None)
        if self.gone:
            return
        what = "its process is replaced and the message is not tried again"
        report_overrun(platform, chat_id, command, self.budget_s, what)
        future = self._waiting.get(key)
        if future is not None and not future.done():
            future.set_exception(Overran(f"{command} overran its budget of {self.budget_s:g} s"))
        self.replaced = True
        self.process.kill()  # a stuck child may hold the interpreter lock; it ignores SIGTERM
        self._lost()

    def _lost(self) -> None:
        if not self.gone:
            self.gone = True
            if self._waiting and not self.replaced:
                log.error("the core's process ended with %d messages in hand", len(self._waiting))
        for clock in self._clocks.values():
            clock.cancel()
        self._clocks.clear()
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(CoreGone("the core's process ended"))

    async def _read(self) -> tuple[Any, ...]:
        head = await self.reader.readexactly(_LENGTH.size)
        # A frame is a tuple the other side pickled; pickle keeps no types.
        return cast(
            tuple[Any, ...], pickle.loads(await self.reader.readexactly(_LENGTH.unpack(head)[0]))
        )

    def _write(self, frame: tuple[Any, ...]) -> None:
        data = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
        self.writer.write(_LENGTH.pack(len(data)) + data)

    async def close(self) -> None:
        self.writer.close()  # the child sees the end of its input and stops
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()
        if self._listening is not None:
            self._listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listening
        self._lost()
        await asyncio.to_thread(
            self.process.join, KILL_AFTER_S if self.replaced else STOP_TIMEOUT_S
        )
        if self.process.is_alive():
            self.process.kill()
            await asyncio.to_thread(self.process.join)


def _log_levels() -> dict[str, int]:
    """The levels set in the main process, so the child sends only records that would show."""
    levels = {"": logging.getLogger().level}
    for name, logger in logging.Logger.manager.loggerDict.items():
        if isinstance(logger, logging.Logger) and logger.level != logging.NOTSET:
            levels[name] = logger.level
    return levels


def _relog(record: logging.LogRecord) -> None:
    logger = logging.getLogger(record.name)
    if logger.isEnabledFor(record.levelno):
        logger.handle(record)


# --------------------------------------------------------------------- the child


class _Child:
    """The child's end: one piece of work at a time, in order."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.stream = sock.makefile("rb")
        self.sending = threading.Lock()  # log records may come from any thread

    def send(self, frame: tuple[Any, ...]) -> None:
        data = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
        with self.sending:
            self.sock.sendall(_LENGTH.pack(len(data)) + data)

    def receive(self) -> tuple[Any, ...] | None:
        head = self.stream.read(_LENGTH.size)
        if len(head) < _LENGTH.size:
            return None
        return cast(tuple[Any, ...], pickle.loads(self.stream.read(_LENGTH.unpack(head)[0])))


class _Forward(logging.Handler):
    def __init__(self, child: _Child) -> None:
        super().__init__()
        self.child = child

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if record.exc_info:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.msg, record.args = record.getMessage(), None
            record.exc_info = None
            self.child.send(("log", record))
        except Exception:
            self.handleError(record)


def _serve(
    sock: socket.socket,
    settings: Settings,
    clock: Clock,
    factory: CoreFactory,
    levels: dict[str, int],
) -> None:
    # The main process says when to stop (a signal to the whole process group reaches
    # this one too, and what it holds must be finished or given back by the main one).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    child = _Child(sock)
    root = logging.getLogger()
    root.handlers[:] = [_Forward(child)]
    for name, level in levels.items():
        logging.getLogger(name or None).setLevel(level)
    try:
        from bot.reading.units import registry
        from bot.services import build_services

        core = factory(build_services(settings, clock, migrate=False))
        registry()  # preloaded: this process reads quantities, and pint takes ~0.4 s to load
        gc.freeze()  # what is loaded lives as long as the process: full collections skip it
    except Exception as exc:
        logging.getLogger("steady.core_process").exception("the core could not start")
        child.send(("failed", 0, repr(exc)))
        return
    child.send(("ready",))
    try:
        while (frame := child.receive()) is not None:
            method, key, args = frame
            try:
                incoming = {"handle": 0, "handle_event": 1}.get(method)
                if incoming is not None and args[incoming] is not None:
                    message = args[incoming]  # the clock runs while it is worked on
                    name = core.command_name(message)
                    child.send(("started", key, message.platform, message.chat_id, name))
                child.send(("done", key, getattr(core, method)(*args)))
            except (CoreGone, ConnectionError, OSError):
                break
            except Exception as exc:
                logging.getLogger("steady.core_process").exception("%s failed", method)
                child.send(("failed", key, repr(exc)))
    except (ConnectionError, OSError):
        pass
    finally:
        core.services.db.dispose()
