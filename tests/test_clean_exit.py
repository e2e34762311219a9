"""Leaving prints nothing but what was asked for: `steady chat` at the end of its input or on
Ctrl-C/SIGTERM, and `steady run` (Telegram and Discord at once, against the fakes) on SIGTERM
or SIGINT, with the minute tick running, never show a traceback (a tick cancelled as the
process stops used to print a CancelledError)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.fakes.bot_api import TOKEN, FakeBotAPI
from tests.fakes.discord_api import FakeDiscord

ROOT = Path(__file__).resolve().parent.parent
DISCORD_TOKEN = "FAKE.discord-token.for-tests-only-0000000000000000000000"
WITH_FAKE_DISCORD = """
import sys, discord, yarl
discord.http.Route.BASE = {base!r} + "/api/v10"
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL({gateway!r})
from bot.cli import main
sys.exit(main(["run"]))
"""


def environment(tmp_path: Path, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEADY_")}
    env |= {"STEADY_DATABASE_URL": f"sqlite:///{tmp_path / 'steady.db'}", **more}
    return env


async def chat(tmp_path: Path, text: bytes) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "chat",
        "--user",
        "ana",
        cwd=tmp_path,
        env=environment(tmp_path) | {"PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(text), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("attempt", range(4))
async def test_piped_chat_ends_with_its_input_and_prints_no_traceback(
    tmp_path: Path, attempt: int
) -> None:
    status, out, err = await chat(tmp_path, b"/start\n")
    assert "I'm Steady" in out
    assert err == ""
    assert status == 0


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
async def test_chat_left_with_a_signal_while_waiting_for_input_exits_quietly(
    tmp_path: Path, sig: signal.Signals
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "chat",
        "--user",
        "ana",
        cwd=tmp_path,
        env=environment(tmp_path) | {"PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.PIPE,  # kept open: the chat waits for a line
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(b"/water 250ml\n")
    await process.stdin.drain()
    first = await asyncio.wait_for(process.stdout.readline(), timeout=60)
    assert "250" in first.decode()
    await asyncio.sleep(0.5)  # the minute tick's first run is under way by now
    process.send_signal(sig)
    _, err = await asyncio.wait_for(process.communicate(), timeout=20)
    assert err.decode() == ""
    assert process.returncode == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_steady_run_with_both_adapters_stops_on_a_signal_without_a_traceback(
    tmp_path: Path, sig: signal.Signals
) -> None:
    telegram = await FakeBotAPI().start()
    discord = FakeDiscord()
    discord.token = DISCORD_TOKEN
    await discord.start()
    try:
        code = WITH_FAKE_DISCORD.format(base=discord.base_url, gateway=discord.gateway_url)
        env = environment(
            tmp_path,
            STEADY_TELEGRAM_TOKEN=TOKEN,
            STEADY_TELEGRAM_BASE_URL=telegram.base_url,
            STEADY_DISCORD_TOKEN=DISCORD_TOKEN,
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            code,
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while not (telegram.calls_to("getUpdates") and discord.session is not None):
            assert time.monotonic() < deadline, "steady run never reached both platforms"
            assert process.returncode is None
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        process.send_signal(sig)
        out, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        await discord.stop()
        await telegram.close()
    output = out.decode()
    assert "Traceback" not in output
    assert "CancelledError" not in output
    assert "ERROR" not in output
    assert process.returncode == 0


@pytest.mark.parametrize("turns", range(4))
async def test_stopping_the_scheduler_as_its_tick_starts_logs_no_failure(
    core, caplog: pytest.LogCaptureFixture, turns: int
) -> None:
    """The race behind the exit traceback, made certain: the tick's task is made on the
    scheduler's first turn and stopped before, or just after, its first step."""
    from bot.app import start_scheduler, stop_scheduler

    caplog.set_level(logging.INFO)
    scheduler = start_scheduler(core.services)
    for _ in range(turns):
        await asyncio.sleep(0)
    await stop_scheduler(scheduler)
    await asyncio.sleep(0.2)
    failures = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert failures == []
    assert "raised an exception" not in caplog.text
