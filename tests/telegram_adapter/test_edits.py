"""Editing the message you logged with, on Telegram: an `edited_message` update changes the
entry, and the same edit delivered again changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from bot.storage.models import Entry
from tests.telegram_adapter.conftest import ANA, GROUP, Rig


def runs(rig: Rig) -> list[tuple[int, float | None, str | None]]:
    with rig.core.services.db.unit_of_work() as session:
        rows = session.execute(
            select(Entry.number, Entry.duration_s, Entry.source_message_id).order_by(Entry.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def answer_to(rig: Rig, update: dict, chat_id: int) -> str:
    before = len(rig.fake.sent_to(chat_id))
    rig.fake.push(update)
    [reply] = await rig.fake.wait_for(
        lambda: rig.fake.sent_to(chat_id)[before:] or None, what="the answer to an edit"
    )
    return reply.text


async def test_editing_the_logged_message_changes_its_entry(rig: Rig) -> None:
    ana = rig.person(ANA)
    logged = rig.fake.message_update(ana, "/run 5k 28:30")
    assert "Logged run 5.00 km in 28:30" in await answer_to(rig, logged, ANA)
    message_id = str(logged["message"]["message_id"])

    first = rig.fake.edited(logged, "/run 5k 27:30", edit_date=1_800_000_000)
    updated = await answer_to(rig, first, ANA)
    assert updated.startswith("✏️ Updated #1: run 5.00 km in 27:30 (5:30 /km) (was run 5.00")
    second = rig.fake.edited(logged, "/run 5k 26:00", edit_date=1_800_000_060)
    assert "✏️ Updated #1: run 5.00 km in 26:00" in await answer_to(rig, second, ANA)

    # The first edit again, as another update (Telegram resending it): its stored answer
    # comes back and the entry keeps the later edit.
    again = {key: value for key, value in first.items() if key != "update_id"}
    assert await answer_to(rig, again, ANA) == updated
    # The very same update again is not even stored twice: no answer, no change.
    sent = len(rig.fake.sent_to(ANA))
    rig.fake.push(dict(second))
    [history] = await rig.say(ana, "/history")
    assert "#1 · Wed 25 Nov · run 5.00 km in 26:00" in history.text
    assert len(rig.fake.sent_to(ANA)) == sent + 1
    assert runs(rig) == [(1, 1560.0, message_id)]


async def test_an_edit_in_a_group_that_changes_the_kind_says_so(rig: Rig) -> None:
    ana = rig.person(ANA)
    logged = rig.fake.message_update(ana, "/run 500m", chat_id=GROUP)
    assert "Logged run" in await answer_to(rig, logged, GROUP)
    edit = rig.fake.edited(logged, "/water 500ml", edit_date=1_800_000_000)
    changed = await answer_to(rig, edit, GROUP)
    assert "✏️ Updated #1: it is now water 500 ml" in changed
    assert "from run to water" in changed
