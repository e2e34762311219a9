"""The adapter's Bot API requests over aiohttp: what PTB expects of a request class."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web
from telegram import Bot, InputFile
from telegram.error import NetworkError, TimedOut

from adapters.telegram_adapter.http import AiohttpRequest
from tests.fakes.bot_api import TOKEN, FakeBotAPI


async def test_a_bot_sends_uploads_and_downloads_through_it(fake: FakeBotAPI) -> None:
    fake.files["doc-1"] = b"x" * 100_000
    async with Bot(
        TOKEN,
        base_url=fake.base_url,
        base_file_url=fake.base_url.removesuffix("bot") + "file/bot",
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    ) as bot:
        await bot.send_message(1001, "<b>Hi</b> & welcome", parse_mode="HTML")
        await bot.send_document(1001, InputFile(b"a,b\n1,2\n", filename="my log.csv"), caption="ok")
        file = await bot.get_file("doc-1")
        data = await file.download_as_bytearray()
    text, document = fake.sent
    assert (text.text, text.html) == ("Hi & welcome", "<b>Hi</b> & welcome")
    assert (document.filename, document.data, document.text) == ("my log.csv", b"a,b\n1,2\n", "ok")
    assert bytes(data) == fake.files["doc-1"]


async def test_a_server_that_does_not_answer_in_time_is_timed_out() -> None:
    answer = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        await answer.wait()
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    request = AiohttpRequest(read_timeout=0.1)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    finally:
        answer.set()
        await request.shutdown()
        await runner.cleanup()


async def test_a_server_that_is_not_there_is_a_network_error() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    finally:
        await request.shutdown()


def test_proxies_come_from_the_environment_as_httpx_reads_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://ana:secret@proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    request = AiohttpRequest()
    proxy, auth = request._proxy_for(f"https://api.telegram.org/bot{TOKEN}/getMe")
    assert proxy == "http://proxy.example:3128"
    assert auth is not None and (auth.login, auth.password) == ("ana", "secret")
    assert request._proxy_for(f"http://127.0.0.1:8081/bot{TOKEN}/getMe") == (None, None)
