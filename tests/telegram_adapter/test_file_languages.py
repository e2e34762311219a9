"""Telegram end to end: what is said about a sent file (too big to fetch, not readable) is in
the language the person's app reports."""

from __future__ import annotations

from tests.telegram_adapter.conftest import ANA, Rig
from tests.workout_samples import gpx_run


async def test_file_notices_follow_the_apps_language(rig: Rig) -> None:
    ana = rig.fake.user(ANA, "Ana", language_code="ru")
    [big] = await rig.say(ana, "", document=("long.gpx", gpx_run()), document_size=11 << 20)
    assert big.text == "Этот файл больше 10\u00a0МБ — столько я не читаю."
    [huge] = await rig.say(ana, "", document=("huge.gpx", gpx_run()), document_size=21 << 20)
    assert (
        huge.text
        == "Этот файл слишком большой: Telegram позволяет ботам скачивать не больше 20\u00a0МБ."
    )
    [broken] = await rig.say(ana, "", document=("run.gpx", b"\x89PNG\r\n\x1a\n" + bytes(40)))
    assert broken.text.startswith("Это не файл GPX, TCX или FIT, который я могу прочитать.")
    [logged] = await rig.say(ana, "", document=("Morning_Run.gpx", gpx_run()))
    assert logged.text.startswith("⌚ Из Morning_Run.gpx (GPX), старт в 07:30:")
