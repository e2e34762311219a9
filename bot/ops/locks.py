"""Locks that keep one process where only one may run.

- SQLite takes one `steady` process per file: `sqlite_single_process` holds an OS lock on
  `<file>.lock` for the process's life (the OS drops it when the process ends, however it
  ends), and a second `steady run` or `steady chat` on the same file is refused.
- `Leadership` is "one of many at a time" on PostgreSQL (one Telegram poller among several
  receivers): a session-level advisory lock on a connection of its own. When its holder dies
  its session ends, the lock is free, and a standby that checks every `retry_s` takes it.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from pathlib import Path
from typing import IO

import psycopg
from sqlalchemy.engine import make_url

log = logging.getLogger("steady.locks")

# Advisory lock keys (PostgreSQL's one 64-bit key space, shared with anything else on the
# database): fixed, so that every Steady process on a database agrees on them.
TELEGRAM_POLLER = 0x5354_4541_4459_5447  # "STEADYTG": the one receiver polling getUpdates


class AlreadyRunning(Exception):
    """Another process has the SQLite file; the message says what to do."""


_held: list[IO[bytes]] = []  # open for the process's life: closing one would free its lock


def sqlite_single_process(database_url: str) -> Path | None:
    """Take the lock on a SQLite file's `<file>.lock`, or raise `AlreadyRunning`. Returns the
    lock file (None for PostgreSQL or an in-memory database, which need no lock)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    path = Path(f"{url.database}.lock").resolve()
    handle = open(path, "a+b")  # noqa: SIM115 - held open until the process ends
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise AlreadyRunning(
            f"Steady is already running on {url.database} (a `steady run` or `steady chat`). "
            "SQLite takes one process at a time: stop the other one first. To run several "
            "processes side by side, use PostgreSQL, e.g. "
            "STEADY_DATABASE_URL=postgresql://steady:pass@localhost/steady"
        ) from None
    handle.truncate(0)
    handle.write(f"{os.getpid()}\n".encode())
    handle.flush()
    _held.append(handle)
    return path


def _libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL as psycopg takes it (no "+psycopg" driver part)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class Leadership:
    """One holder of `key` among every process on the same PostgreSQL database.

    `await acquire()` returns once this process holds the advisory lock, trying every
    `retry_s`; the connection stays open for the process's life (or until `release`), since
    closing it gives the lock up. `held` says whether this process holds it as far as it
    knows; `confirm()` asks the database.
    """

    def __init__(self, db_url: str, key: int, retry_s: float) -> None:
        self.url, self.key, self.retry_s = _libpq_url(db_url), key, retry_s
        self._connection: psycopg.AsyncConnection | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None and not self._connection.closed

    async def try_acquire(self) -> bool:
        """One try: True when this process now holds the lock."""
        if self.held:
            return True
        try:
            connection = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
        except psycopg.OperationalError as exc:
            log.warning("leadership %d: the database did not answer: %s", self.key, exc)
            return False
        try:
            cursor = await connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))
            row = await cursor.fetchone()
        except psycopg.Error:
            await connection.close()
            raise
        if row is not None and row[0]:
            self._connection = connection
            return True
        await connection.close()
        return False

    async def acquire(self) -> None:
        """Wait until this process holds the lock."""
        announced = False
        while not await self.try_acquire():
            if not announced:
                log.info("standing by: another process holds lock %d", self.key)
                announced = True
            await asyncio.sleep(self.retry_s)
        log.info("took lock %d", self.key)

    async def confirm(self) -> bool:
        """Whether the lock is still ours, asked of the database (a restarted server or a
        dropped connection ended the session, and with it the lock)."""
        if self._connection is None:
            return False
        try:
            await self._connection.execute("SELECT 1")
        except psycopg.Error:
            log.warning("lost lock %d: its connection ended", self.key)
            await self._connection.close()
            self._connection = None
            return False
        return True

    async def release(self) -> None:
        """Give the lock up (closing the session frees it)."""
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
