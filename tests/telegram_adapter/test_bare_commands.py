"""A command sent bare on Telegram offers its likely values as inline buttons: /tz the zones
near the person's own, /remind off their reminders. A press runs the filled-in command."""

from __future__ import annotations

from sqlalchemy import select

from bot.storage.models import Reminder, User
from tests.telegram_adapter.conftest import Rig

ANA = 5001


def zone_of(rig: Rig) -> str:
    with rig.core.services.db.unit_of_work() as session:
        return session.scalars(select(User.tz)).one()


async def test_a_bare_tz_offers_zones_as_buttons_and_a_press_sets_one(rig: Rig) -> None:
    ana = rig.person(ANA)
    [offer] = await rig.say(ana, "/tz")
    assert "Your time zone is UTC" in offer.text
    assert len(offer.labels) == 8
    assert "/tz America/New_York" in offer.payloads
    assert all(len(p.encode()) <= 64 for p in offer.payloads)
    [done] = await rig.press(ana, offer, "/tz Europe/Berlin")
    assert "Time zone set to Europe/Berlin" in done.text
    assert zone_of(rig) == "Europe/Berlin"
    # now the offer is around Berlin, without it
    [offer] = await rig.say(ana, "/tz")
    assert offer.payloads[:3] == ["/tz Europe/London", "/tz Europe/Paris", "/tz Europe/Madrid"]
    assert "/tz Europe/Berlin" not in offer.payloads


async def test_a_bare_remind_off_offers_the_persons_reminders(rig: Rig) -> None:
    ana = rig.person(ANA)
    await rig.say(ana, "/remind run mon wed fri 07:00")
    await rig.say(ana, "/remind water every 2h 09:00-21:00")
    [offer] = await rig.say(ana, "/remind off")
    assert offer.labels == [
        "#1 run, Mon, Wed, Fri at 07:00",
        "#2 water, every 2 h, 09:00–21:00, every day",
    ]
    [done] = await rig.press(ana, offer, "/remind off 1")
    assert "Reminder #1 (run, Mon, Wed, Fri at 07:00) is off" in done.text
    with rig.core.services.db.unit_of_work() as session:
        assert list(session.scalars(select(Reminder.kind))) == ["water"]
