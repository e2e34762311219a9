"""The core's work in a process of its own, so that it uses a second CPU.

In one process the core's worker thread and the event loop share one interpreter lock:
the adapters, the HTTP clients and the core take turns, and a busy loop waits for the core
and the core for the loop. `RemoteCore` is a `Core` whose `handle_async` and
`move_chat_async` run in a child process instead of a thread; everything else (the tick,
the outbox senders, `Core.handle` called directly) stays in the main process, on the same
database. The child takes one message at a time, in the order they were sent, which is
what SQLite's one writer allows anyway; the main process keeps sending while it works, so
the two overlap.

The two talk over a socket pair: each frame is a 4-byte length and a pickle.

    main -> child   (method, id, args)                      a piece of work
    child -> main   ("ready",)                              the core is built
                    ("done", id, result) | ("failed", id, text)
                    ("log", record)                         a log record, for the main's handlers

An `Incoming` arrives whole: whether its sender is an admin was asked of the platform
before it was sent (`Incoming.is_admin`). Log records cross over too, so the main
process's handlers (and their blanking of secrets) see everything. If the child dies, what
it held is tried once more on a new child (the core's record of handled messages makes that
harmless), then fails with `CoreGone`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import pickle
import signal
import socket
import struct
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from bot.clock import Clock
from bot.core import Core, Services
from bot.settings import Settings

log = logging.getLogger("steady.core_process")
T = TypeVar("T")

_LENGTH = struct.Struct("!I")
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 10.0

CoreFactory = Callable[[Services], Core]


class CoreGone(Exception):
    """The core's process ended while it held this piece of work."""


class RemoteCore(Core):
    """A `Core` whose asynchronous work (`handle_async`, `move_chat_async`: whatever goes
    through `_in_turn`, by method name) runs in a child process with its own `Core`, built by
    `factory` from the same settings and a copy of the clock: a clock moved here does not
    move there, so tests that move time use a plain `Core`. `start` starts the child (the
    first piece of work does it if nothing did); `close` stops it."""

    def __init__(self, services: Services, *, factory: CoreFactory = Core) -> None:
        super().__init__(services)
        self._factory = factory
        self._link: _Link | None = None
        self._starting: asyncio.Lock | None = None
        self._closed = False

    async def start(self) -> None:
        """Starts the core's process (again, if the last one ended) and waits until it is
        ready for work."""
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            self._closed = False
            if self._link is not None and not self._link.gone:
                return
            if self._link is not None:
                await self._link.close()
                log.warning("starting the core's process again")
            self._link = await _Link.open(
                self.services.settings, self.services.clock, self._factory
            )

    async def close(self) -> None:
        """Stops the process; work that comes later fails with `CoreGone` until `start`."""
        self._closed = True
        link, self._link = self._link, None
        if link is not None:
            await link.close()

    async def _in_turn(self, work: Callable[..., T], *args: object) -> T:
        """Once more on a new process if the process ended meanwhile: the core remembers
        each message it handled, so a message it had finished gets the same answer again
        and changes nothing."""
        for attempt in (1, 2):
            if self._closed:
                raise CoreGone("the core's process was closed")
            if self._link is None or self._link.gone:
                await self.start()
            assert self._link is not None
            try:
                return await self._link.call(work.__name__, *args)
            except CoreGone:
                if attempt == 2:
                    raise
                log.warning("the core's process ended during %s; trying once more", work.__name__)
        raise AssertionError("unreachable")


class _Link:
    """The main process's end: sends work, routes answers to whoever waits for them."""

    def __init__(
        self,
        process: multiprocessing.process.BaseProcess,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.process, self.reader, self.writer = process, reader, writer
        self.gone = False
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
        link = cls(process, reader, writer)
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
                if kind == "done" or kind == "failed":
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

    def _lost(self) -> None:
        if not self.gone:
            self.gone = True
            if self._waiting:
                log.error("the core's process ended with %d messages in hand", len(self._waiting))
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(CoreGone("the core's process ended"))

    async def _read(self) -> tuple[Any, ...]:
        head = await self.reader.readexactly(_LENGTH.size)
        return pickle.loads(await self.reader.readexactly(_LENGTH.unpack(head)[0]))

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
        await asyncio.to_thread(self.process.join, STOP_TIMEOUT_S)
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
        return pickle.loads(self.stream.read(_LENGTH.unpack(head)[0]))


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
        from bot.app import build_services

        core = factory(build_services(settings, clock, migrate=False))
    except Exception as exc:
        logging.getLogger("steady.core_process").exception("the core could not start")
        child.send(("failed", 0, repr(exc)))
        return
    child.send(("ready",))
    try:
        while (frame := child.receive()) is not None:
            method, key, args = frame
            try:
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
