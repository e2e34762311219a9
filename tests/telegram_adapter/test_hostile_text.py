"""Text Telegram delivers that no database can store (a lone surrogate in a name, a NUL in
a note) is cleaned at the adapter's edge, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.context import APOLOGY
from bot.core import Core
from bot.storage.models import Account, Entry
from tests.fakes.bot_api import FakeBotAPI
from tests.telegram_adapter.conftest import ANA, build_telegram_core, running


@pytest.fixture
def any_telegram_core(any_db_url: str, fake: FakeBotAPI, clock: FixedClock) -> Iterator[Core]:
    core = build_telegram_core(any_db_url, fake, clock)
    yield core
    core.services.db.dispose()


async def test_a_lone_surrogate_name_and_a_nul_note_get_answers_not_the_apology(
    any_telegram_core: Core, fake: FakeBotAPI, clock: FixedClock
) -> None:
    async with running(any_telegram_core, fake, clock) as rig:
        broken = rig.person(ANA, "Ana\udc80")
        [logged] = await rig.say(broken, "/run 5k 28:30 felt\x00 great")
        assert "5.00 km" in logged.text
        [today] = await rig.say(broken, "/today")
        [asked] = await rig.say(broken, "/deleteme")
        assert APOLOGY not in logged.text + today.text + asked.text
        assert "deletes everything" in asked.text
        with any_telegram_core.services.db.unit_of_work() as session:
            assert session.scalar(select(Account.display_name)) == "Ana\ufffd"
            note = session.scalar(select(Entry.note))
            assert note is not None and "\x00" not in note
