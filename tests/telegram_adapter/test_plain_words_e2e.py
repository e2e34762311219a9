"""An unsure plain-words reading on Telegram: asked with two inline buttons; ✅ logs once,
even when Telegram delivers the press again; ✏️ explains how to log."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.storage.models import Entry
from tests.telegram_adapter.conftest import ANA, Rig


def runs(rig: Rig) -> int:
    with rig.core.services.db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "run"))


async def test_an_unsure_reading_is_asked_and_a_press_logs_it_once(rig: Rig) -> None:
    ana = rig.person(ANA)
    [asked] = await rig.say(ana, "did 5 in 30")
    assert asked.text == "Did you mean: run 5.00 km in 30:00?"
    assert asked.labels == ["✅ Log run 5.00 km in 30:00", "✏️ Not that"]
    confirm, not_that = asked.payloads
    assert confirm.startswith("/run@~") and confirm.endswith(" 5km 30:00") and not_that == "/howto"
    assert runs(rig) == 0

    before = len(rig.fake.sent)
    press = rig.fake.press(ana, asked, confirm)
    query = press["callback_query"]["id"]
    await rig.fake.wait_for(lambda: query in rig.fake.answered_callbacks, what="the press")
    [logged] = await rig.fake.wait_for(lambda: rig.fake.sent[before:] or None, what="the log")
    assert "Logged run 5.00 km in 30:00 (6:00 /km)" in logged.text

    # Telegram delivers the same press again, under a new update id.
    rig.fake.push({**press, "update_id": press["update_id"] + 1000})
    await rig.fake.wait_for(
        lambda: rig.fake.answered_callbacks.count(query) == 2, what="the press again"
    )
    assert runs(rig) == 1

    # A second tap is a new press (a new callback query): answered, and nothing logged.
    [again] = await rig.press(ana, asked, confirm)
    assert again.text == "Already logged as #1."
    assert runs(rig) == 1


async def test_not_that_answers_with_how_to_log(rig: Rig) -> None:
    ana = rig.person(ANA)
    [asked] = await rig.say(ana, "drank 500")
    assert asked.payloads[0].endswith(" 500ml") and asked.payloads[1] == "/howto"
    [how] = await rig.press(ana, asked, "/howto")
    assert "ran 5k in 28:30" in how.text
    with rig.core.services.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Entry)) == 0
