"""A watch's workout file sent to the Telegram bot as a document logs the run: on its own in a
private chat, with /import as the caption or a mention in a group."""

from __future__ import annotations

from sqlalchemy import select

from bot.storage.models import Entry
from tests.fakes.bot_api import BOT_USERNAME
from tests.telegram_adapter.conftest import ANA, BEN, GROUP, Rig
from tests.workout_samples import START, gpx_run


def logged_runs(rig: Rig) -> list[tuple[str, float]]:
    with rig.core.services.db.unit_of_work() as s:
        rows = s.execute(select(Entry.local_date, Entry.distance_m).where(Entry.kind == "run"))
        return [(str(day), round(distance or 0)) for day, distance in rows]


async def test_a_gpx_sent_as_a_document_logs_the_run_once(rig: Rig) -> None:
    ana = rig.person(ANA)
    [logged] = await rig.say(ana, "", document=("Morning_Run.gpx", gpx_run()))
    assert "From Morning_Run.gpx (GPX), started 07:30" in logged.text
    assert "✅ Logged run 5.00 km in 27:30 (5:30 /km) for Fri 20 Nov." in logged.text
    assert len(rig.fake.calls_to("getFile")) == 1
    [again] = await rig.say(ana, "/import", document=("Morning_Run.gpx", gpx_run()))
    assert again.text.startswith("Already logged as #1: run 5.00 km in 27:30")
    assert logged_runs(rig) == [("2026-11-20", 5000)]


async def test_in_a_group_a_workout_file_with_import_or_a_mention_is_logged(rig: Rig) -> None:
    ana, ben = rig.person(ANA, "Ana"), rig.person(BEN, "Ben")
    [ana_run] = await rig.say(ana, "/import", chat_id=GROUP, document=("run.gpx", gpx_run()))
    assert "✅ Logged run 5.00 km" in ana_run.text and ana_run.chat_id == GROUP
    later = gpx_run(START.replace(hour=18))
    [ben_run] = await rig.say(ben, f"@{BOT_USERNAME}", chat_id=GROUP, document=("b.gpx", later))
    assert "✅ Logged run 5.00 km" in ben_run.text
    assert len(logged_runs(rig)) == 2


async def test_a_broken_file_is_explained_and_a_too_big_one_not_fetched(rig: Rig) -> None:
    ana = rig.person(ANA)
    [broken] = await rig.say(ana, "", document=("run.gpx", b"\x89PNG\r\n\x1a\n" + bytes(40)))
    assert broken.text.startswith("That isn't a GPX, TCX or FIT file I can read.")
    fetched = len(rig.fake.calls_to("getFile"))
    [big] = await rig.say(ana, "", document=("long.gpx", gpx_run()), document_size=11 << 20)
    assert big.text == "That file is larger than 10 MB, more than I read."
    assert len(rig.fake.calls_to("getFile")) == fetched
    assert logged_runs(rig) == []
