"""Webhook mode: only Telegram (who knows the secret) can post updates; an update is
answered 200 once it is in the inbox, and one Telegram delivers twice is acted on once."""

from __future__ import annotations

import asyncio
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
