"""Webhook mode: only Telegram (who knows the secret) can post updates; an update is
answered 200 once it is in the inbox, and one Telegram delivers twice is acted on once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from adapters.telegram_adapter import TelegramAdapter
from bot.clock import FixedClock
from bot.core import Core
from bot.storage.models import Entry, HandledMessage, InboxEvent
from tests.fakes.bot_api import FakeBotAPI
from tests.telegram_adapter import extra_commands
from tests.telegram_adapter.conftest import ANA, Rig, build_telegram_core, running

SECRET = "not-the-real-secret-42"
PUBLIC_URL = "https://steady.example/telegram/hook"


@pytest.fixture
def webhook_core(sqlite_url: str, fake: FakeBotAPI, clock: FixedClock) -> Iterator[Core]:
    core = build_telegram_core(
        sqlite_url,
        fake,
        clock,
        telegram_webhook_url=PUBLIC_URL,
        telegram_webhook_secret=SECRET,
        telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=0,
    )
    yield core
    core.services.db.dispose()


@pytest.fixture
async def hooked(webhook_core: Core, fake: FakeBotAPI, clock: FixedClock) -> AsyncIterator[Rig]:
    async with running(webhook_core, fake, clock) as rig:
        yield rig


async def post(rig: Rig, update: dict[str, Any], secret: str | None) -> int:
    """Post an update as Telegram would, to the adapter's own webhook server."""
    assert rig.adapter.webhook is not None
    url = f"http://127.0.0.1:{rig.adapter.webhook.port}/telegram/hook"
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=update, headers=headers) as response,
    ):
        return response.status


def count(rig: Rig, model: type) -> int:
    with rig.core.services.db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


async def test_the_webhook_is_registered_with_its_secret_instead_of_polling(hooked: Rig) -> None:
    assert hooked.fake.webhook["url"] == PUBLIC_URL
    assert hooked.fake.webhook["secret_token"] == SECRET
    assert hooked.fake.calls_to("getUpdates") == []


async def test_a_wrong_or_missing_secret_gets_403_and_changes_nothing(hooked: Rig) -> None:
    update = hooked.fake.message_update(hooked.person(ANA), "/water 500ml")
    assert await post(hooked, update, "guessing") == 403
    assert await post(hooked, update, None) == 403
    assert await post(hooked, update, SECRET[:-1]) == 403
    assert hooked.fake.sent == []
    assert count(hooked, Entry) == 0
    assert count(hooked, HandledMessage) == 0
    assert count(hooked, InboxEvent) == 0

    assert await post(hooked, update, SECRET) == 200
    [reply] = await hooked.fake.wait_for(lambda: hooked.fake.sent, what="the reply")
    assert "Logged water 500 ml" in reply.text


async def test_an_update_is_answered_200_once_stored_before_the_core_runs(
    hooked: Rig,
) -> None:
    extra_commands.GATE.clear()
    try:
        update = hooked.fake.message_update(hooked.person(ANA), "/gate")
        assert await post(hooked, update, SECRET) == 200  # while the core waits at the gate
        assert count(hooked, InboxEvent) == 1
        assert hooked.fake.sent == []
    finally:
        extra_commands.GATE.set()
    [reply] = await hooked.fake.wait_for(lambda: hooked.fake.sent, what="the reply")
    assert reply.text == "Through the gate."


async def test_what_is_not_a_telegram_update_gets_400_and_is_not_stored(hooked: Rig) -> None:
    assert await post(hooked, {"update_id": "7"}, SECRET) == 400
    assert await post(hooked, {"message": {}}, SECRET) == 400
    assert count(hooked, InboxEvent) == 0


async def test_a_redelivered_update_is_stored_logged_and_answered_once(hooked: Rig) -> None:
    update = hooked.fake.message_update(hooked.person(ANA), "/run 5k 28:30")
    assert await post(hooked, update, SECRET) == 200
    # Telegram did not hear our answer and tries again, twice at once for good measure.
    statuses = await asyncio.gather(post(hooked, update, SECRET), post(hooked, update, SECRET))
    assert statuses == [200, 200]
    [reply] = await hooked.fake.wait_for(lambda: hooked.fake.sent, what="the reply")
    assert "Today: 5.00 km" in reply.text
    assert count(hooked, InboxEvent) == 1
    assert count(hooked, Entry) == 1
    today = hooked.fake.message_update(hooked.person(ANA), "/today")
    assert await post(hooked, today, SECRET) == 200
    await hooked.fake.wait_for(lambda: hooked.fake.sent[1:], what="the answer to /today")
    assert len(hooked.fake.sent) == 2


async def test_a_button_press_arrives_by_webhook_too(hooked: Rig) -> None:
    ana = hooked.person(ANA)
    assert await post(hooked, hooked.fake.message_update(ana, "/water 500ml"), SECRET) == 200
    [logged] = await hooked.fake.wait_for(lambda: hooked.fake.sent, what="the reply")
    press = hooked.fake.press(ana, logged, "/water 250ml")
    assert await post(hooked, press, SECRET) == 200
    await hooked.fake.wait_for(lambda: hooked.fake.answered_callbacks, what="the press answered")
    assert "Today: 750 ml" in hooked.fake.sent[-1].text
    assert hooked.fake.answered_callbacks == [press["callback_query"]["id"]]


def test_webhook_mode_refuses_to_start_without_a_secret(
    sqlite_url: str, fake: FakeBotAPI, clock: FixedClock
) -> None:
    core = build_telegram_core(sqlite_url, fake, clock, telegram_webhook_url=PUBLIC_URL)
    try:
        with pytest.raises(ValueError, match="STEADY_TELEGRAM_WEBHOOK_SECRET must be set"):
            TelegramAdapter(core, core.services.settings)
    finally:
        core.services.db.dispose()


async def post_body(rig: Rig, body: bytes, content_type: str = "application/json") -> int:
    """Post raw bytes with the right secret, as a broken or hostile sender might."""
    assert rig.adapter.webhook is not None
    url = f"http://127.0.0.1:{rig.adapter.webhook.port}/telegram/hook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": content_type}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        return response.status


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b'"update"',
        b'{"message": {"text": "hi"}}',
        b'{"update_id": "7"}',
        b'{"update_id": 7.5}',
        b'{"update_id": true}',
        b'{"update_id": null}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=[
        "empty",
        "text",
        "not-utf8",
        "list",
        "string",
        "no-update-id",
        "id-as-text",
        "id-fraction",
        "id-bool",
        "id-null",
        "deeply-nested",
    ],
)
async def test_a_body_that_is_not_an_update_gets_400(hooked: Rig, body: bytes) -> None:
    assert await post_body(hooked, body) == 400
    assert hooked.fake.sent == []
    assert count(hooked, HandledMessage) == 0


MALFORMED_MESSAGES: list[Any] = [
    "a string",
    5,
    [1, 2],
    {},
    {"message_id": 1, "date": 1, "chat": "not a chat"},
    {"message_id": 1, "date": "yesterday", "chat": {"id": ANA, "type": "private"}},
    {"message_id": 1, "date": 1, "chat": {"id": ANA, "type": "private"}, "from": "me"},
    {"message_id": 1, "date": 1, "chat": {"id": ANA, "type": "private"}, "text": 5},
]


async def test_a_malformed_update_from_telegram_gets_200_and_is_set_aside(
    hooked: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram retries anything but a 2xx: a 400 or 500 here would bring the same broken
    update back for ever. It is answered 200, logged by its id, and the bot goes on."""
    for index, message in enumerate(MALFORMED_MESSAGES):
        update = {"update_id": 9000 + index, "message": message}
        assert await post_body(hooked, json.dumps(update).encode()) == 200, message
    callback = {"update_id": 9100, "callback_query": {"id": "q1", "data": "/water 1l"}}
    assert await post_body(hooked, json.dumps(callback).encode()) == 200
    assert await post_body(hooked, b'{"update_id": 9101, "edited_channel_post": 3}') == 200
    assert await post_body(hooked, b'{"update_id": 9102}') == 200
    assert count(hooked, Entry) == 0
    assert "update 9000 could not be read" in caplog.text
    assert "a string" not in caplog.text  # the update's content stays out of the log

    update = hooked.fake.message_update(hooked.person(ANA), "/water 500ml")
    assert await post(hooked, update, SECRET) == 200
    [reply] = await hooked.fake.wait_for(lambda: hooked.fake.sent, what="the reply")
    assert "Logged water 500 ml" in reply.text


async def test_an_update_that_could_not_be_stored_gets_503_so_telegram_sends_it_again(
    hooked: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    assert hooked.adapter.webhook is not None

    async def broken(data: dict[str, Any]) -> None:
        raise RuntimeError("the database is down")

    hooked.adapter.webhook.handle = broken
    update = hooked.fake.message_update(hooked.person(ANA), "/water 500ml")
    assert await post(hooked, update, SECRET) == 503
    assert f"webhook update {update['update_id']} not stored" in caplog.text
