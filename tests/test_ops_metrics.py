"""The operator's view: /metrics and /healthz of a running server, and JSON log lines."""

import json
import logging
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import run_tick
from bot.delivery.outbox import OutboxSender, enqueue
from bot.intake import inbox
from bot.interface import Destination, PlatformLimits, Reply, RetryLater
from bot.ops.metrics_server import MetricsServer, serve_metrics
from bot.settings import Settings
from bot.storage.db import Database
from tests.support import Chat

ROOT = Path(__file__).resolve().parent.parent
CLOSED_PORT_URL = "postgresql+psycopg://steady@127.0.0.1:1/steady"


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def scrape(server: MetricsServer) -> dict[tuple[str, tuple], float]:
    status, body = await get(f"http://127.0.0.1:{server.port}/metrics")
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


class Throttled:
    """A platform that answers the first send with 429."""

    platform = "metrics-test"
    pacing = PlatformLimits()  # unpaced
    open_dms_hint = None

    def __init__(self) -> None:
        self.refusals = [RetryLater(5)]
        self.sent: list[Reply] = []

    async def send(self, destination: Destination, reply: Reply) -> None:
        if self.refusals:
            raise self.refusals.pop(0)
        self.sent.append(reply)


def put(core, key: str) -> None:
    with core.services.db.unit_of_work() as session:
        enqueue(
            session,
            key=key,
            destination=Destination("metrics-test", "chat-1"),
            reply=Reply("hello"),
            now=core.services.clock.now(),
        )


async def test_metrics_show_the_inbox_the_outbox_and_what_was_sent(make_core, any_db_url, clock):
    core = make_core(any_db_url)
    db = core.services.db
    events = [
        inbox.Event("telegram", f"u{i}", f"telegram:{i % 2}", "telegram:7", {"text": "hi"})
        for i in range(3)
    ]
    inbox.accept(db, events, clock.now())
    put(core, "m1")
    put(core, "m2")
    clock.advance(seconds=90)
    async with MetricsServer(db, role="work", clock=clock) as server:
        assert await get(f"http://127.0.0.1:{server.port}/healthz") == (200, "ok\n")
        before = await scrape(server)
        assert before[("steady_inbox_depth", ())] == 3
        assert before[("steady_inbox_oldest_waiting_seconds", ())] == 90
        assert before[("steady_outbox_depth", ())] == 2
        assert before[("steady_role", (("role", "work"),))] == 1

        platform = (("platform", "metrics-test"),)
        adapter = Throttled()
        sender = OutboxSender(db, clock, adapter)
        assert await sender.drain_once() == 1  # the first got a 429, the second went out
        clock.advance(seconds=10)
        assert await sender.drain_once() == 1
        after = await scrape(server)

    def grew(name: str) -> float:
        return after.get((name, platform), 0) - before.get((name, platform), 0)

    assert grew("steady_outbox_sent_total") == 2
    assert grew("steady_outbox_rate_limited_total") == 1
    assert grew("steady_outbox_retries_total") == 1
    assert after[("steady_outbox_depth", ())] == 0
    assert all(name.startswith("steady_") for name, _ in after if "steady" in name)


async def test_the_tick_counts_its_runs_and_the_nudges_it_enqueued(make_core, sqlite_url, clock):
    core = make_core(sqlite_url)
    Chat(core).say("/remind run 12:30")
    clock.advance(minutes=30)
    async with MetricsServer(core.services.db, role="all", clock=clock) as server:
        before = await scrape(server)
        await run_tick(core.services)
        after = await scrape(server)
    assert after[("steady_tick_seconds_count", ())] == before[("steady_tick_seconds_count", ())] + 1
    nudges = ("steady_nudges_enqueued_total", ())
    assert after[nudges] == before[nudges] + 1


async def test_healthz_is_503_when_the_database_does_not_answer():
    db = Database(CLOSED_PORT_URL)
    try:
        async with MetricsServer(db, role="all") as server:
            status, body = await get(f"http://127.0.0.1:{server.port}/healthz")
            assert status == 503 and "database" in body
            figures = await scrape(server)  # the counters still show; the gauges can't
            assert ("steady_inbox_depth", ()) not in figures
            assert ("steady_role", (("role", "all"),)) in figures
    finally:
        db.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_serve_metrics_listens_where_the_settings_say_until_cancelled(sqlite_url):
    import asyncio

    port = free_port()
    settings = Settings(database_url=sqlite_url, metrics_port=port)
    db = Database(sqlite_url)
    task = asyncio.ensure_future(serve_metrics(settings, db, "receive"))
    try:
        for _ in range(200):  # until it listens
            try:
                status, _ = await get(f"http://127.0.0.1:{port}/healthz")
                break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
        assert status == 200
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        db.dispose()
    with pytest.raises(aiohttp.ClientConnectionError):
        await get(f"http://127.0.0.1:{port}/healthz")


async def test_without_a_metrics_port_nothing_listens_and_the_task_waits_to_be_cancelled(
    sqlite_url,
):
    """`steady run` reads a task that ends as the bot stopping: this one never ends alone."""
    import asyncio

    port = free_port()
    db = Database(sqlite_url)
    task = asyncio.ensure_future(serve_metrics(Settings(database_url=sqlite_url), db, "all"))
    try:
        for _ in range(20):
            await asyncio.sleep(0)
        assert not task.done()
        with pytest.raises(aiohttp.ClientConnectionError):
            await get(f"http://127.0.0.1:{port}/healthz")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        db.dispose()
    assert task.cancelled()


async def test_a_metrics_port_in_use_is_logged_and_the_task_runs_on(sqlite_url, caplog):
    import asyncio

    db = Database(sqlite_url)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings = Settings(database_url=sqlite_url, metrics_port=taken.getsockname()[1])
        task = asyncio.ensure_future(serve_metrics(settings, db, "all"))
        try:
            for _ in range(200):
                if "can't listen" in caplog.text:
                    break
                await asyncio.sleep(0.01)
            assert "STEADY_METRICS_PORT" in caplog.text
            assert not task.done()
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            db.dispose()


TOKEN = "123456:JSON-TOKEN-abcdefghijklmnopqrstuvwxyz"
LOGGING_SCRIPT = """
import logging
from bot.ops.logs import configure_logging
from bot.settings import Settings
configure_logging(Settings())
log = logging.getLogger("steady.test")
log.info("polling https://api.telegram.org/bot%s/getUpdates", TOKEN)
try:
    raise RuntimeError("POST https://api.telegram.org/bot" + TOKEN + '/getMe "quoted"')
except RuntimeError:
    log.exception("request failed\\non two lines")
"""


def test_json_log_lines_parse_and_never_hold_the_token(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "STEADY_CONFIG_DIR": str(ROOT / "config"),
        "STEADY_LOG_FORMAT": "json",
        "STEADY_TELEGRAM_TOKEN": TOKEN,
    }
    script = f"TOKEN = {TOKEN!r}\n" + LOGGING_SCRIPT
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 2  # a traceback and a two-line message stay on their record's line
    info, error = (json.loads(line) for line in lines)
    assert TOKEN not in out.stderr and TOKEN.split(":")[1] not in out.stderr
    assert info["level"] == "INFO" and info["logger"] == "steady.test"
    assert "[redacted]" in info["message"] and "time" in info
    assert error["message"] == "request failed\non two lines"
    assert "RuntimeError" in error["exc_info"] and "[redacted]" in error["exc_info"]
    assert logging.getLevelName(error["level"]) == logging.ERROR
