"""Telegram end to end: a person whose app reports Spanish logs a run and is answered in
Spanish unasked, with decimal commas; a separate second tap of an offer logs nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.storage.models import Entry
from tests.telegram_adapter.conftest import ANA, BEN, Rig


def entries(rig: Rig) -> int:
    with rig.core.services.db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Entry))


async def test_a_spanish_app_gets_the_log_reply_in_spanish(rig: Rig) -> None:
    ana = rig.fake.user(ANA, "Ana", language_code="es")
    [logged] = await rig.say(ana, "/run 5k 28:30")
    first, today = logged.text.splitlines()[:2]
    assert first == "✅ Registrado: carrera 5,00 km en 28:30 (5:42 /km)."
    assert today == "Hoy: 5,00 km · esta semana: 5,00 km"
    [wrong] = await rig.say(ana, "/run 5k 9**9")
    assert wrong.text.startswith("Leo números sencillos con su unidad")
    assert "Prueba: /run 5k 28:30" in wrong.text
    ben = rig.fake.user(BEN, "Ben")  # an app that says nothing: English, as ever
    [english] = await rig.say(ben, "/run 5k 28:30")
    assert english.text.startswith("✅ Logged run 5.00 km in 28:30 (5:42 /km).")
    assert entries(rig) == 2


async def test_a_second_tap_of_a_spanish_offer_logs_nothing(rig: Rig) -> None:
    ana = rig.fake.user(ANA, "Ana", language_code="es")
    [asked] = await rig.say(ana, "did 5 in 30")
    assert asked.text == "¿Quisiste decir: carrera 5,00 km en 30:00?"
    assert asked.labels == ["✅ Registrar carrera 5,00 km en 30:00", "✏️ No es eso"]
    [logged] = await rig.press(ana, asked, asked.payloads[0])
    assert logged.text.startswith("✅ Registrado: carrera 5,00 km en 30:00")
    [again] = await rig.press(ana, asked, asked.payloads[0])
    assert again.text == "Ya está registrado como #1."
    assert entries(rig) == 1
