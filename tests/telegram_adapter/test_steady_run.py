"""`steady run` with a Telegram token: the adapter and its outbox sender, as deployed."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from pathlib import Path

from bot.app import run_forever
from bot.delivery.outbox import enqueue
from bot.interface import Destination, Reply
from bot.settings import Settings
from bot.storage.db import Database
from tests.fakes.bot_api import TOKEN, FakeBotAPI
from tests.telegram_adapter.conftest import ANA


async def test_steady_run_answers_on_telegram_and_delivers_the_outbox(
    tmp_path: Path, fake: FakeBotAPI
) -> None:
    url = f"sqlite:///{tmp_path / 'steady.db'}"
    settings = Settings(database_url=url, telegram_token=TOKEN, telegram_base_url=fake.base_url)
    running = asyncio.create_task(run_forever(settings))
    db = Database(url)
    try:
        await fake.wait_for(lambda: fake.calls_to("getUpdates"), what="polling to begin")
        fake.send_text(fake.user(ANA), "/water 500ml")
        [reply] = await fake.wait_for(lambda: fake.sent_to(ANA), what="the reply")
        assert "Logged water 500 ml" in reply.text

        with db.unit_of_work() as session:
            enqueue(
                session,
                key="reminder:ana:evening",
                destination=Destination("telegram", str(ANA)),
                reply=Reply("Time for a glass of water?"),
                now=datetime.now(UTC),
            )
        nudge = await fake.wait_for(lambda: fake.sent_to(ANA)[1:], what="the nudge")
        assert [n.text for n in nudge] == ["Time for a glass of water?"]
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        db.dispose()
