"""Kill `steady run` while it works through a backlog, start it again, and count what was
stored: every update exactly once, whatever the moment of the kill (SIGKILL, as a crash or
`docker kill`; SIGTERM, as `docker stop`).

`steady run` is a real subprocess in a session of its own (killed with its core's process,
as a container would be), against the fake Bot API in this process, which outlives it:
like Telegram, the fake serves again whatever no getUpdates offset confirmed (polling), or
posts again whatever was not answered 200 (webhook).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from bot.storage.models import Entry, InboxEvent
from tests.fakes.bot_api import TOKEN, FakeBotAPI

pytestmark = pytest.mark.chaos

PEOPLE, EACH = 50, 6  # 300 updates from 50 private chats
SECRET = "chaos-secret-1234"
REPO = Path(__file__).resolve().parent.parent
STOP_WITHIN_S = 10  # Docker's wait between SIGTERM and SIGKILL


class Steady:
    """`steady run` as a process group, started and killed again and again."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    async def kill(self, sig: signal.Signals) -> int:
        """Send `sig` to the whole group; returns the exit code (after SIGKILL if it
        outlived the wait)."""
        process = self.process
        assert process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            return await asyncio.to_thread(process.wait, STOP_WITHIN_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            await asyncio.to_thread(process.wait)
            raise AssertionError(f"steady run outlived {sig.name} by {STOP_WITHIN_S} s") from None
        finally:
            with contextlib.suppress(ProcessLookupError):  # the core's process, if left
                os.killpg(process.pid, signal.SIGKILL)


class Store:
    """Reads the bot's database from outside."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)

    def stored(self) -> list[str]:
        with self.engine.connect() as connection:
            return list(connection.scalars(select(Entry.source_message_id)))

    def count(self) -> int:
        with self.engine.connect() as connection:
            try:
                return connection.scalar(select(func.count()).select_from(Entry)) or 0
            except Exception:  # the tables are not made yet
                return 0

    def open_events(self) -> int:
        with self.engine.connect() as connection:
            return (
                connection.scalar(
                    select(func.count())
                    .select_from(InboxEvent)
                    .where(InboxEvent.state.in_(("waiting", "working")))
                )
                or 0
            )

    def failed(self) -> int:
        with self.engine.connect() as connection:
            return connection.scalar(text("select count(*) from inbox where state = 'failed'"))


async def until(check: object, what: str, timeout: float = 60.0) -> None:
    assert callable(check)
    for _ in range(int(timeout / 0.05)):
        if await asyncio.to_thread(check):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def backlog(fake: FakeBotAPI) -> list[str]:
    """`/water` from many people, a few each, interleaved: their message ids."""
    ids = []
    for n in range(EACH):
        for person in range(PEOPLE):
            user = fake.user(50_000 + person, f"Person {person}")
            update = fake.message_update(user, f"/water {100 + n}ml")
            ids.append(str(update["message"]["message_id"]))
            fake.push(update)
    return ids


def env_for(url: str, fake: FakeBotAPI, **more: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("STEADY_") and key != "PYTEST_CURRENT_TEST"
    }
    env.update(
        STEADY_DATABASE_URL=url,
        STEADY_TELEGRAM_TOKEN=TOKEN,
        STEADY_TELEGRAM_BASE_URL=fake.base_url,
        STEADY_TELEGRAM_FLOOD_LIMITS="false",
        STEADY_LOG_LEVEL="WARNING",
    )
    env.update(more)  # which may say otherwise
    return env


@contextlib.asynccontextmanager
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    fake = await FakeBotAPI().start()
    try:
        yield fake
    finally:
        await fake.close()


async def crash_and_restart(steady: Steady, store: Store, total: int) -> None:
    """SIGKILL as soon as the first update is stored, and again in the middle; then
    SIGTERM; then a last run drains what is left."""
    for stored_at_least in (1, total // 2):
        steady.start()
        await until(lambda n=stored_at_least: store.count() >= n, f"{stored_at_least} stored")
        await steady.kill(signal.SIGKILL)
    steady.start()
    await until(lambda: store.count() >= total * 3 // 4, "three quarters stored")
    assert await steady.kill(signal.SIGTERM) == 0  # stopped in time, and cleanly
    steady.start()
    await until(lambda: store.count() >= total and not store.open_events(), "the rest")


def assert_exactly_once(store: Store, sent: list[str]) -> None:
    stored = collections.Counter(store.stored())
    lost = [m for m in sent if m not in stored]
    doubled = {m: n for m, n in stored.items() if n > 1}
    assert (len(lost), doubled) == (0, {}), f"lost {lost[:10]}, doubled {doubled}"
    assert sorted(stored) == sorted(sent)
    assert store.failed() == 0


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "steady.log"
    yield path
    if path.exists():  # shown when a test fails
        print(path.read_text()[-5000:])


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
async def test_polling_kills_and_restarts_store_every_update_exactly_once(
    database: str, request: pytest.FixtureRequest, tmp_path: Path, log_file: Path
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'chaos.db'}"
        if database == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    store = Store(url)
    async with fake_api() as fake:
        sent = backlog(fake)
        # A killed worker's events wait for their lease on PostgreSQL: a short one here.
        steady = Steady(env_for(url, fake, STEADY_INBOX_LEASE_S="3"), log_file)
        try:
            await crash_and_restart(steady, store, len(sent))
            await until(lambda: fake.undelivered == 0, "Telegram to have confirmed all")
        finally:
            await steady.kill(signal.SIGTERM)
    assert_exactly_once(store, sent)
    store.engine.dispose()


async def test_webhook_kills_and_restarts_store_every_update_exactly_once(
    tmp_path: Path, log_file: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'chaos.db'}"
    store = Store(url)
    port = free_port()
    async with fake_api() as fake:
        sent = backlog(fake)
        hook = f"http://127.0.0.1:{port}/telegram/hook"
        steady = Steady(
            env_for(
                url,
                fake,
                STEADY_TELEGRAM_WEBHOOK_URL=hook,
                STEADY_TELEGRAM_WEBHOOK_SECRET=SECRET,
                STEADY_TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
                STEADY_TELEGRAM_WEBHOOK_PORT=str(port),
            ),
            log_file,
        )
        delivering = asyncio.create_task(fake.deliver_by_webhook(hook, SECRET))
        try:
            await crash_and_restart(steady, store, len(sent))
            await until(lambda: fake.undelivered == 0, "Telegram to have delivered all")
        finally:
            delivering.cancel()
            await asyncio.gather(delivering, return_exceptions=True)
            await steady.kill(signal.SIGTERM)
    assert_exactly_once(store, sent)
    store.engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
