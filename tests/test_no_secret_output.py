"""No secret reaches any output: not a log line, not stderr, not a traceback printed on the
way out. `steady run` with a token the platform refuses runs for real, in its own process,
against the fake Bot API and the fake Discord."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from bot.ops.logs import REDACTED, Redactor
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.discord_api import FakeDiscord

ROOT = Path(__file__).resolve().parent.parent
# Shaped like real tokens, and unknown to the fakes, which answer 401.
TELEGRAM_TOKEN = "42:fake-token"
DISCORD_TOKEN = "FAKE.discord-token.for-tests-only-0000000000000000000000"


async def run_steady(tmp_path: Path, code: str | None, **env: str) -> tuple[int, str]:
    """`steady run` (or `code`, a few lines ending in the same call) in a process of its
    own; its exit status and everything it wrote to stdout and stderr."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("STEADY_")}
    environment |= {"STEADY_DATABASE_URL": f"sqlite:///{tmp_path / 'steady.db'}", **env}
    args = ["-m", "bot.cli", "run"] if code is None else ["-c", code]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_a_refused_telegram_token_is_one_line_without_the_token(tmp_path: Path) -> None:
    fake = await FakeBotAPI().start()
    try:
        status, output = await run_steady(
            tmp_path,
            None,
            STEADY_TELEGRAM_TOKEN=TELEGRAM_TOKEN,
            STEADY_TELEGRAM_BASE_URL=fake.base_url,
        )
    finally:
        await fake.close()
    assert [call.method for call in fake.calls] == ["getMe"]  # refused (401) at the first call
    assert status == 2
    assert TELEGRAM_TOKEN not in output
    assert TELEGRAM_TOKEN.split(":")[1] not in output
    assert output.strip().splitlines() == [
        "The Telegram Bot API refused the token: check STEADY_TELEGRAM_TOKEN "
        "(the token @BotFather gave you)."
    ]


PATCHED_DISCORD = """
import sys, discord, yarl
discord.http.Route.BASE = sys.argv[1] + "/api/v10"
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sys.argv[2])
from bot.cli import main
sys.exit(main(["run"]))
"""


async def test_a_refused_discord_token_is_one_line_without_the_token(tmp_path: Path) -> None:
    fake = FakeDiscord()
    fake.token = "the-token-the-fake-knows"
    await fake.start()
    try:
        code = PATCHED_DISCORD.replace("sys.argv[1]", repr(fake.base_url)).replace(
            "sys.argv[2]", repr(fake.gateway_url)
        )
        status, output = await run_steady(tmp_path, code, STEADY_DISCORD_TOKEN=DISCORD_TOKEN)
    finally:
        await fake.stop()
    assert [call.path for call in fake.calls] == ["/users/@me"]  # refused there (401)
    assert status == 2
    assert DISCORD_TOKEN not in output
    assert "Traceback" not in output
    assert output.strip().splitlines()[-1] == (
        "Discord refused STEADY_DISCORD_TOKEN: copy the bot token again from the developer "
        "portal (Bot → Reset Token)."
    )  # after discord.py's own "logging in using static token"


UNCAUGHT = """
import asyncio, threading
from bot.ops.logs import configure_logging
from bot.settings import Settings
configure_logging(Settings())
token = Settings().telegram_token.get_secret_value()
url = f"https://api.telegram.org/bot{token}/getMe"

def in_thread():
    raise ConnectionError(f"thread: POST {url} failed")

thread = threading.Thread(target=in_thread, name="poller")
thread.start()
thread.join()

async def forgotten():
    raise RuntimeError(f"task: the token `{token}` was rejected")

async def main():
    asyncio.get_running_loop().create_task(forgotten())
    await asyncio.sleep(0.05)

asyncio.run(main())
import gc; gc.collect()
raise RuntimeError(f"main: the token `{token}` was rejected by the server")
"""


@pytest.mark.parametrize("token", [TELEGRAM_TOKEN, "123456:short-test-token"])
async def test_an_uncaught_error_with_the_token_prints_it_blanked(
    tmp_path: Path, token: str
) -> None:
    """In the main thread, another thread and an asyncio task no one awaited: each
    traceback is printed through the redacting log handler."""
    status, output = await run_steady(tmp_path, UNCAUGHT, STEADY_TELEGRAM_TOKEN=token)
    assert status == 1
    assert token not in output
    for where in ("thread:", "task:", "main:"):
        assert f"{where} " in output, output
    assert output.count(REDACTED) >= 3
    assert "Traceback" in output  # the tracebacks are kept, only blanked


def test_the_redactor_blanks_a_token_in_every_form_it_travels() -> None:
    redactor = Redactor([TELEGRAM_TOKEN, "hunter2pw"])
    quoted = TELEGRAM_TOKEN.replace(":", "%3A")
    for text in (
        f"InvalidToken: The token `{TELEGRAM_TOKEN}` was rejected by the server.",
        f"GET https://api.telegram.org/bot{quoted}/getUpdates?offset=3",
        "POST /bot55555:AAAnotTheConfiguredTokenButStillOne/sendMessage",  # any bot URL
        "connection to postgresql://steady:hunter2pw@db failed",
    ):
        blanked = redactor.redact(text)
        assert REDACTED in blanked, blanked
        for secret in (TELEGRAM_TOKEN, quoted, "AAAnotTheConfigured", "hunter2pw"):
            assert secret not in blanked, blanked
