"""One process where one must run: a SQLite file takes one `steady`, and on PostgreSQL one
leader at a time holds an advisory lock that a standby takes over when the leader dies."""

import fcntl
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.ops.locks import Leadership

ROOT = Path(__file__).resolve().parent.parent


def env_for(tmp_path: Path, url: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "STEADY_CONFIG_DIR": str(ROOT / "config"),
        "STEADY_DATABASE_URL": url,
        "STEADY_CORE_PROCESS": "false",
    }


def steady(*args: str, env: dict[str, str], cwd: Path, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def wait_until_locked(lock: Path, process: subprocess.Popen) -> None:
    """Until another process holds the file's lock (as a second `steady` would find it)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        if lock.exists():
            with open(lock, "rb") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return
                fcntl.flock(handle, fcntl.LOCK_UN)
        time.sleep(0.05)
    raise AssertionError("the first steady never took the lock")


def test_a_second_steady_on_the_same_sqlite_file_is_refused(tmp_path):
    db_file = tmp_path / "steady.db"
    env = env_for(tmp_path, f"sqlite:///{db_file}")
    first = steady("chat", env=env, cwd=tmp_path)
    try:
        wait_until_locked(Path(f"{db_file}.lock"), first)
        for command in ("run", "chat"):
            second = steady(command, env=env, cwd=tmp_path)
            out, err = second.communicate("/today\n", timeout=120)
            assert second.returncode == 2
            assert "already running on" in err and str(db_file) in err
            assert "postgresql://" in err  # what to do instead
            assert out == ""  # it never got to chat
    finally:
        first.kill()
        first.communicate()
    # The holder died (SIGKILL): the OS let go of its lock, so the next one starts.
    again = steady("chat", env=env, cwd=tmp_path)
    out, err = again.communicate("/today\n", timeout=120)
    assert again.returncode == 0, err
    assert "today" in out.lower()


LEADER_SCRIPT = """
import asyncio, sys
from bot.ops.locks import Leadership

async def main():
    lead = Leadership(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
    if not await lead.try_acquire():
        print("standby", flush=True)
        await lead.acquire()
    print("leader" if lead.held else "not held", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


def read_line(process: subprocess.Popen, timeout_s: float = 60) -> str:
    ready, _, _ = select.select([process.stdout], [], [], timeout_s)
    assert ready, "no answer from the process"
    return process.stdout.readline().strip()


def leader(url: str, key: int, retry_s: float) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", LEADER_SCRIPT, url, str(key), str(retry_s)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )


def test_a_standby_takes_over_when_the_leader_is_killed(pg_url):
    key = 0x57EAD1
    first = leader(pg_url, key, 0.2)
    second = None
    try:
        assert read_line(first) == "leader"
        second = leader(pg_url, key, 0.2)
        assert read_line(second) == "standby"
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert read_line(second) == "leader"
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()


async def test_leadership_is_held_until_released_and_then_free_for_another(pg_url):
    one, two = Leadership(pg_url, 0x57EAD2, 0.1), Leadership(pg_url, 0x57EAD2, 0.1)
    try:
        assert await one.try_acquire() and one.held
        assert not await two.try_acquire() and not two.held
        await one.release()
        assert not one.held
        await two.acquire()
        assert two.held
    finally:
        await one.release()
        await two.release()


async def test_a_leader_whose_session_ends_knows_it_lost_the_lock(pg_url):
    import psycopg

    lead = Leadership(pg_url, 0x57EAD3, 0.1)
    try:
        await lead.acquire()
        assert await lead.confirm()
        pid = lead._connection.info.backend_pid
        with psycopg.connect(pg_url.replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        assert not await lead.confirm() and not lead.held
        assert await lead.try_acquire()  # free again: a new session takes it
    finally:
        await lead.release()


async def test_leadership_on_an_unreachable_database_is_not_held():
    lead = Leadership("postgresql+psycopg://steady@127.0.0.1:1/steady", 1, 0.1)
    assert not await lead.try_acquire() and not lead.held


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_needs_no_lock(url):
    from bot.ops.locks import sqlite_single_process

    assert sqlite_single_process(url) is None
