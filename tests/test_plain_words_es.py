"""Plain words in Spanish: each phrasing with the entry it logs, a reading to confirm,
nothing, or a refusal; read by the same reader as English, with words/es.toml."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.plain_words_table import (
    NOTHING,
    REFUSED,
    Unsure,
    ago,
    any_words_hold,
    check,
    lift,
    run,
    water,
)

ROWS = [
    # runs
    ("corrí 5 km en 28 minutos", run(5, 1680)),
    ("corrí 5 km", run(5)),
    ("Corrí 5K!", run(5)),
    ("corri 5km", run(5)),
    ("he corrido 7,5 km", run(7.5)),
    ("corrí 10.000 metros", run(10)),
    ("bebí 1.500 ml de agua", water(1500)),
    ("hoy corrí 10 km", run(10, on=ago(0))),
    ("ayer corrí 10 km", run(10, on=ago(1))),
    ("anoche corrí 6 km", run(6, on=ago(1))),
    ("anteayer troté 4 km", run(4, on=ago(2))),
    ("corrí 10 km en 55:10", run(10, 3310)),
    ("corrí cinco km en veintiocho minutos", run(5, 1680)),
    ("corrí una media maratón en dos horas", run(21.0975, 7200)),
    ("media maratón en 1:58:20", run(21.0975, 7100)),
    ("maratón en 3:59:59", run(42.195, 14399)),
    ("salí a correr 6 km", run(6)),
    ("corrí 5 km por el parque", run(5)),
    ("Acabo de volver de correr: 8,5 km en 45 minutos", run(8.5, 2700)),
    ("5 km suaves", run(5)),
    ("Media maratón terminada en 2:05:13", run(21.0975, 7513)),
    ("Hoy he bebido 3 litros de agua", water(3000, on=ago(0))),
    ("acabo de correr 8 km", run(8)),
    ("hice una carrera de 8 km", run(8)),
    ("corrimos 12 km", run(12)),
    ("el viernes corrí 8 km", run(8, on=ago(7))),
    ("el lunes corrí 8 km", run(8, on=ago(4))),
    ("corrí 8 km esta mañana", run(8, on=ago(0))),
    ("rodaje de 10 km en una hora", run(10, 3600)),
    ("corrí 5 km en 28:30 🏃", run(5, 1710)),
    # water
    ("bebí medio litro de agua", water(500)),
    ("bebí 500 ml de agua", water(500)),
    ("un vaso de agua", water(250)),
    ("me tomé un vaso de agua", water(250)),
    ("dos vasos de agua", water(500)),
    ("3 vasos de agua", water(750)),
    ("una botella de agua", water(500)),
    ("me tomé 2 litros de agua", water(2000)),
    ("bebí 1,5 litros de agua", water(1500)),
    ("ayer bebí 1 l de agua", water(1000, on=ago(1))),
    ("agua 750 ml", water(750)),
    ("+500 ml", water(500)),
    # strength
    ("sentadillas 3x10", lift("sentadillas", 3, 10)),
    ("sentadillas 3x10 con 40 kg", lift("sentadillas", 3, 10, 40)),
    ("3 series de 12 flexiones", lift("flexiones", 3, 12)),
    ("3 series de 12 flexiones con 20 kg", lift("flexiones", 3, 12, 20)),
    ("3 series de 10 repeticiones de peso muerto 100 kg", lift("peso muerto", 3, 10, 100)),
    ("20 flexiones", lift("flexiones", 1, 20)),
    ("sentadilla 3x10", lift("sentadillas", 3, 10)),
    ("hice 15 dominadas", lift("dominadas", 1, 15)),
    ("plancha 3x60 segundos", lift("plancha", 3, set_s=60)),
    ("media hora de pesas", lift(None, seconds=1800)),
    ("45 min de entrenamiento de fuerza", lift(None, seconds=2700)),
    ("ayer 5x5 press de banca 60 kg", lift("press de banca", 5, 5, 60, on=ago(1))),
    # unsure
    ("hice 5 en 30", Unsure(run(5, 1800))),
    ("sentadillas 3x10 con 40", Unsure(lift("sentadillas", 3, 10, 40))),
    ("agua 500", Unsure(water(500))),
    # refused
    ("corrí 500 km", REFUSED),
    ("mañana corrí 5 km", REFUSED),
    # not a log
    ("mi amigo corrió 10 km", NOTHING),
    ("corrió 10 km", NOTHING),
    ("ayer corrió Ana 10 km", NOTHING),
    ("iba a correr 10 km", NOTHING),
    ("podría correr 5 km", NOTHING),
    ("se me olvidó beber agua", NOTHING),
    ("ella bebió 2 litros de agua", NOTHING),
    ("mi novia corrió una maratón", NOTHING),
    ("¿corriste 5 km?", NOTHING),
    ("hoy no corrí", NOTHING),
    ("no corrí 5 km", NOTHING),
    ("casi corrí 10 km", NOTHING),
    ("voy a correr 5 km mañana", NOTHING),
    ("quiero correr 10 km", NOTHING),
    ("tengo que beber 2 litros de agua", NOTHING),
    ("la próxima semana correré una media maratón", NOTHING),
    ("¿cuánto corrí ayer?", NOTHING),
    ("cuánta agua debo beber", NOTHING),
    ("caminé 5 km", NOTHING),
    ("bebí 2 litros de cerveza", NOTHING),
    ("un café", NOTHING),
    ("corro 5 km cada día", NOTHING),
    ("esta semana corrí 20 km", NOTHING),
    ("mi mejor marca en 5 km es 22:30", NOTHING),
    ("buenos días", NOTHING),
    ("corrí 5 km a las 7", NOTHING),
    ("estoy corriendo 5 km", NOTHING),
    ("gracias", NOTHING),
    # sets linked by "de": sets of reps, or of a time each
    ("sentadillas 3 de 12", lift("sentadillas", 3, 12)),
    ("plancha 3 de 60 segundos", lift("plancha", 3, set_s=60)),
    ("plancha 3 series de 60 segundos", lift("plancha", 3, set_s=60)),
    ("plancha 3 60 segundos", NOTHING),
    ("bebí 2 de 500 ml", NOTHING),
    ("hace 2 días corrí 5 km", run(5, on=ago(2))),
    ("hace 2 km corrí", NOTHING),
    ("terminé 3 de 12", NOTHING),  # three of twelve: no exercise, no strength named
]


@pytest.mark.parametrize(("text", "want"), ROWS, ids=[t for t, _ in ROWS])
def test_phrasing(text, want):
    check(text, want, "es")


def test_the_table_is_long_enough():
    assert len(ROWS) >= 60


PIECES = [
    "corrí",
    "bebí",
    "agua",
    "sentadillas",
    "vaso",
    "vasos",
    "un",
    "una",
    "medio",
    "litro",
    "en",
    "con",
    "series",
    "de",
    "repeticiones",
    "5km",
    "3x10",
    "40kg",
    "500ml",
    "28:30",
    "30",
    "5",
    "minutos",
    "km",
    "ayer",
    "el",
    "viernes",
    "no",
    "voy",
    "amigo",
    "corrió",
    "cinco",
    "dos",
    "maratón",
    ",",
    "x",
    "20",
    "mañana",
    "hoy",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=8), st.text(max_size=12))
def test_any_words_read_as_an_entry_within_bounds_or_nothing(pieces, noise):
    any_words_hold(" ".join(pieces) + noise, "es")
