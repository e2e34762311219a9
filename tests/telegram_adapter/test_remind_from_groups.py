"""/remind in a Telegram group, end to end: the group gets a button that opens the private
chat (a t.me deep link, checked by the fake as Telegram checks it); Start there sets the
reminder for the person who asked, and only for them, once; its nudges then come there."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import run_tick
from bot.clock import FixedClock
from bot.reminders import invites
from bot.storage.models import Reminder
from tests.fakes.bot_api import BOT_USERNAME, Sent
from tests.telegram_adapter.conftest import ANA, BEN, GROUP, Rig


def reminders(rig: Rig) -> int:
    with rig.core.services.db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Reminder)) or 0


async def follow(rig: Rig, user: dict, url: str) -> Sent:
    """The person opens the link and presses Start; the bot's answer in their private chat."""
    before = len(rig.fake.sent_to(user["id"]))
    rig.fake.follow_link(user, url)
    found = await rig.fake.wait_for(
        lambda: rig.fake.sent_to(user["id"])[before:] or None, what="the answer to Start"
    )
    return found[0]


async def ask_in_group(rig: Rig, user: dict, line: str) -> str:
    [answer] = await rig.say(user, line, chat_id=GROUP)
    assert answer.chat_id == GROUP and answer.payloads == []  # a link, no callback button
    [(label, url)] = answer.links
    assert label == "⏰ Set it privately"
    assert url.startswith(f"https://t.me/{BOT_USERNAME}?start=")
    assert "private chat" in answer.text
    return url


async def test_start_from_the_groups_button_sets_the_reminder_and_its_nudges_come_privately(
    rig: Rig, clock: FixedClock
) -> None:
    ana = rig.person(ANA, "Ana")
    url = await ask_in_group(rig, ana, "/remind water 12:30")
    assert reminders(rig) == 0
    answer = await follow(rig, ana, url)
    assert answer.chat_id == ANA
    assert answer.text.startswith("⏰ Reminder #1: water, every day at 12:30.")
    assert reminders(rig) == 1

    clock.advance(minutes=30)
    await run_tick(rig.core.services)
    assert await rig.drain() == 1
    nudge = rig.fake.sent_to(ANA)[-1]
    assert nudge.text.startswith("💧 Time for some water · 12:30")
    assert rig.fake.sent_to(GROUP)[-1].links  # the group heard nothing more

    again = await follow(rig, ana, url)
    assert again.text == invites.GONE
    assert reminders(rig) == 1


async def test_someone_else_pressing_the_button_is_told_it_was_not_for_them(rig: Rig) -> None:
    ana, ben = rig.person(ANA, "Ana"), rig.person(BEN, "Ben")
    url = await ask_in_group(rig, ana, "/remind run mon wed fri 07:00")
    assert (await follow(rig, ben, url)).text == invites.NOT_YOURS
    assert reminders(rig) == 0
    mine = await follow(rig, ana, url)
    assert mine.text.startswith("⏰ Reminder #1: run, Mon, Wed, Fri at 07:00.")


async def test_an_expired_button_sets_nothing(rig: Rig, clock: FixedClock) -> None:
    ana = rig.person(ANA, "Ana")
    url = await ask_in_group(rig, ana, "/remind water 07:00")
    clock.advance(hours=2)
    assert (await follow(rig, ana, url)).text == invites.GONE
    assert reminders(rig) == 0


async def test_a_mistake_is_explained_in_the_group_with_no_button(rig: Rig) -> None:
    ana = rig.person(ANA, "Ana")
    [answer] = await rig.say(ana, "/remind swim 07:00", chat_id=GROUP)
    assert "run, strength or water" in answer.text
    assert answer.links == [] and answer.payloads == []
