"""`steady run --role receive|work` as real processes on PostgreSQL, against the fake Bot API:
receivers only fill the inbox, workers answer from it, and one receiver polls at a time.

The processes and the fake are the chaos tests' (tests/test_intake_chaos.py): each `steady
run` in a session of its own, killed as a container would be.
"""

from __future__ import annotations

import collections
import os
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.bot_api import FakeBotAPI
from tests.test_intake_chaos import (
    REPO,
    Steady,
    Store,
    assert_exactly_once,
    env_for,
    fake_api,
    free_port,
    until,
)

pytestmark = pytest.mark.chaos

CHATS, EACH = 20, 3
TAKEOVER_S = "2"  # STEADY_POLL_TAKEOVER_S: how often a standby poller tries for the lock


class Fleet:
    """Several `steady run` processes, each with its role, log file and metrics port."""

    def __init__(self, url: str, fake: FakeBotAPI, folder: Path) -> None:
        self.url, self.fake, self.folder = url, fake, folder
        self.running: dict[str, Steady] = {}
        self.ports: dict[str, int] = {}

    def start(self, name: str, role: str) -> Steady:
        port = free_port()
        env = env_for(
            self.url,
            self.fake,
            STEADY_ROLE=role,
            STEADY_POLL_TAKEOVER_S=TAKEOVER_S,
            STEADY_METRICS_PORT=str(port),
            STEADY_LOG_LEVEL="INFO",  # the lock's "standing by" and "took lock" lines
        )
        steady = Steady(env, self.folder / f"{name}.log")
        steady.start()
        self.running[name], self.ports[name] = steady, port
        return steady

    def said(self, name: str, words: str) -> bool:
        path = self.folder / f"{name}.log"
        return path.exists() and words in path.read_text()

    def handled(self, name: str) -> float:
        """`steady_events_handled` as the process's /metrics shows it (0 before it serves)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.ports[name]}/metrics") as got:
                body = got.read().decode()
        except OSError:
            return 0.0
        return sum(
            sample.value
            for family in text_string_to_metric_families(body)
            if family.name == "steady_events_handled"
            for sample in family.samples
            if sample.name == "steady_events_handled_total"
        )

    async def stop_all(self) -> None:
        for steady in self.running.values():
            if steady.process is not None and steady.process.poll() is None:
                await steady.kill(signal.SIGTERM)

    def logs(self) -> str:
        return "\n".join(
            f"--- {name}\n{(self.folder / f'{name}.log').read_text()[-3000:]}"
            for name in self.running
            if (self.folder / f"{name}.log").exists()
        )


@pytest.fixture
def fleet_folder(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    for log in sorted(tmp_path.glob("*.log")):  # shown when a test fails
        print(f"--- {log.name}\n{log.read_text()[-3000:]}")


def amounts(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"(\d+)\s*ml", text)]


def write(fake: FakeBotAPI, person: int, amount: int) -> str:
    user = fake.user(70_000 + person, f"Person {person}")
    update = fake.message_update(user, f"/water {amount}ml")
    fake.push(update)
    return str(update["message"]["message_id"])


async def test_one_receiver_and_two_workers_answer_every_message_once_in_order(
    pg_url: str, fleet_folder: Path
) -> None:
    store = Store(pg_url)
    async with fake_api() as fake:
        fleet = Fleet(pg_url, fake, fleet_folder)
        try:
            fleet.start("receiver", "receive")
            fleet.start("worker-1", "work")
            fleet.start("worker-2", "work")
            # Each person's amounts rise, so the replies' order is the messages' order.
            sent = [
                write(fake, person, 110 + 10 * n) for n in range(EACH) for person in range(CHATS)
            ]
            total = CHATS * EACH
            await until(lambda: len(fake.calls_to("sendMessage")) >= total, "every reply")
            await until(lambda: not store.open_events(), "the inbox worked through")
            handled = {name: fleet.handled(name) for name in fleet.running}
        finally:
            await fleet.stop_all()
    assert_exactly_once(store, sent)
    store.engine.dispose()
    # The receiver answered nothing itself; between them the workers handled each event once.
    assert handled["receiver"] == 0
    assert handled["worker-1"] + handled["worker-2"] == total
    replies = collections.Counter(s.chat_id for s in fake.sent)
    assert replies == {70_000 + person: EACH for person in range(CHATS)}
    for person in range(CHATS):
        said = [amounts(s.text)[0] for s in fake.sent_to(70_000 + person)]
        assert said == [110 + 10 * n for n in range(EACH)], f"person {person}: {said}"


async def test_a_standby_receiver_takes_over_polling_when_the_poller_dies(
    pg_url: str, fleet_folder: Path
) -> None:
    store = Store(pg_url)
    async with fake_api() as fake:
        fleet = Fleet(pg_url, fake, fleet_folder)
        try:
            first = fleet.start("receiver-1", "receive")
            await until(lambda: fleet.said("receiver-1", "took lock"), "the first poller")
            fleet.start("receiver-2", "receive")
            await until(lambda: fleet.said("receiver-2", "standing by"), "the standby")
            fleet.start("worker", "work")
            before = [write(fake, person, 200) for person in range(3)]
            await until(lambda: len(fake.sent) >= 3, "replies while the first one polls")
            assert not fleet.said("receiver-2", "took lock")  # one poller at a time

            await first.kill(signal.SIGKILL)
            after = [write(fake, person, 300) for person in range(3)]
            await until(lambda: fleet.said("receiver-2", "took lock"), "the takeover")
            await until(lambda: len(fake.sent) >= 6, "replies after the takeover")
            await until(lambda: not store.open_events(), "the inbox worked through")
        finally:
            await fleet.stop_all()
    assert_exactly_once(store, before + after)
    store.engine.dispose()
    for person in range(3):
        assert [amounts(s.text)[0] for s in fake.sent_to(70_000 + person)] == [200, 300]


def test_a_split_role_on_sqlite_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "steady.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEADY_")}
    env["STEADY_DATABASE_URL"] = f"sqlite:///{database}"
    env["STEADY_TELEGRAM_TOKEN"] = "123456:TEST-TOKEN"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--role", "work"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "`steady run --role work` needs PostgreSQL" in done.stderr
    assert "STEADY_DATABASE_URL=postgresql://" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not database.exists()  # nothing was started
