"""Plain words in Portuguese (Brazil's): each phrasing with the entry it logs, a reading
to confirm, nothing, or a refusal; read by the same reader as English, with words/pt.toml."""

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
    ("corri 5 km em 28 minutos", run(5, 1680)),
    ("corri 5 km", run(5)),
    ("Corri 5K!", run(5)),
    ("corri 7,5 km", run(7.5)),
    ("corri 10.000 metros", run(10)),
    ("bebi 1.500 ml de água", water(1500)),
    ("hoje corri 10 km", run(10, on=ago(0))),
    ("ontem corri 10 km", run(10, on=ago(1))),
    ("ontem à noite corri 6 km", run(6, on=ago(1))),
    ("anteontem corri 4 km", run(4, on=ago(2))),
    ("corri 10 km em 55:10", run(10, 3310)),
    ("corri cinco km em vinte e oito minutos", run(5, 1680)),
    ("corri uma meia maratona em duas horas", run(21.0975, 7200)),
    ("meia maratona em 1:58:20", run(21.0975, 7100)),
    ("maratona em 3:59:59", run(42.195, 14399)),
    ("fui correr 6 km", run(6)),
    ("corri 10 km na chuva", run(10)),
    ("Voltei agora da corrida: 8,5 km em 45 minutos", run(8.5, 2700)),
    ("Meia maratona concluída em 2:05:13", run(21.0975, 7513)),
    ("100 flexões feitas", lift("flexões", 1, 100)),
    ("acabei de correr 8 km", run(8)),
    ("fiz uma corrida de 8 km", run(8)),
    ("dei uma corridinha de 3 km", run(3)),
    ("corremos 12 km", run(12)),
    ("na sexta corri 8 km", run(8, on=ago(7))),
    ("corri 8 km hoje de manhã", run(8, on=ago(0))),
    ("corri 10 km em uma hora", run(10, 3600)),
    ("corri 5 km em 28:30 🏃", run(5, 1710)),
    ("5 km de corrida", run(5)),
    # water
    ("bebi 500 ml de água", water(500)),
    ("bebi 500ml de agua", water(500)),
    ("um copo d'água", water(250)),
    ("um copo de água", water(250)),
    ("tomei um copo de água", water(250)),
    ("dois copos de água", water(500)),
    ("3 copos de água", water(750)),
    ("uma garrafa de água", water(500)),
    ("meio litro de água", water(500)),
    ("tomei 2 litros de água", water(2000)),
    ("bebi 1,5 litro de água", water(1500)),
    ("ontem bebi 1 l de água", water(1000, on=ago(1))),
    ("+500 ml", water(500)),
    # strength
    ("agachamento 3x10", lift("agachamento", 3, 10)),
    ("agachamento 3x10 com 40 kg", lift("agachamento", 3, 10, 40)),
    ("3 séries de 12 flexões", lift("flexões", 3, 12)),
    ("3 séries de 12 flexões com 20 kg", lift("flexões", 3, 12, 20)),
    ("supino 4x8 60 kg", lift("supino", 4, 8, 60)),
    ("20 flexões", lift("flexões", 1, 20)),
    ("agachamentos 3x10", lift("agachamento", 3, 10)),
    ("fiz 15 abdominais", lift("abdominais", 1, 15)),
    ("prancha 3x60 segundos", lift("prancha", 3, set_s=60)),
    ("meia hora de musculação", lift(None, seconds=1800)),
    ("45 min de treino de força", lift(None, seconds=2700)),
    ("ontem 5x5 levantamento terra 100 kg", lift("levantamento terra", 5, 5, 100, on=ago(1))),
    # unsure
    ("fiz 5 em 30", Unsure(run(5, 1800))),
    ("agachamento 3x10 com 40", Unsure(lift("agachamento", 3, 10, 40))),
    ("água 500", Unsure(water(500))),
    # refused
    ("corri 500 km", REFUSED),
    ("amanhã corri 5 km", REFUSED),
    # not a log
    ("meu amigo correu 10 km", NOTHING),
    ("correu 10 km", NOTHING),
    ("ontem correu a Ana 10 km", NOTHING),
    ("ia correr 10 km", NOTHING),
    ("poderia correr 5 km", NOTHING),
    ("esqueci de beber água", NOTHING),
    ("ela bebeu 2 litros de água", NOTHING),
    ("minha namorada correu uma maratona", NOTHING),
    ("você correu 5 km?", NOTHING),
    ("hoje não corri", NOTHING),
    ("nao corri 5 km", NOTHING),
    ("quase corri 10 km", NOTHING),
    ("vou correr 5 km amanhã", NOTHING),
    ("quero correr 10 km", NOTHING),
    ("preciso beber 2 litros de água", NOTHING),
    ("semana que vem vou correr uma meia maratona", NOTHING),
    ("quanto eu corri ontem?", NOTHING),
    ("quanta água devo beber", NOTHING),
    ("caminhei 5 km", NOTHING),
    ("bebi 2 litros de cerveja", NOTHING),
    ("um café", NOTHING),
    ("corro 5 km todo dia", NOTHING),
    ("esta semana corri 20 km", NOTHING),
    ("meu melhor tempo nos 5 km é 22:30", NOTHING),
    ("bom dia", NOTHING),
    ("estou correndo 5 km", NOTHING),
    ("corri 5 km às 7", NOTHING),
    ("obrigado", NOTHING),
    # sets linked by "de": sets of reps, or of a time each
    ("agachamentos 3 de 12", lift("agachamento", 3, 12)),
    ("prancha 3 de 60 segundos", lift("prancha", 3, set_s=60)),
    ("prancha 3 séries de 60 segundos", lift("prancha", 3, set_s=60)),
    ("prancha 3 60 segundos", NOTHING),
    # "na segunda" is Monday; "segunda" alone is "second", never a name's word
    ("3x12 agachamentos na segunda", lift("agachamento", 3, 12, on=ago(4))),
    ("corri 5 km na segunda", run(5, on=ago(4))),
    ("corri 5 km há 2 dias", run(5, on=ago(2))),
    ("fiz a segunda série de agachamentos", NOTHING),
    ("3 de 12", NOTHING),
]


@pytest.mark.parametrize(("text", "want"), ROWS, ids=[t for t, _ in ROWS])
def test_phrasing(text, want):
    check(text, want, "pt")


def test_the_table_is_long_enough():
    assert len(ROWS) >= 60


PIECES = [
    "corri",
    "bebi",
    "água",
    "agachamento",
    "copo",
    "copos",
    "um",
    "uma",
    "meio",
    "litro",
    "em",
    "com",
    "séries",
    "de",
    "repetições",
    "5km",
    "3x10",
    "40kg",
    "500ml",
    "28:30",
    "30",
    "5",
    "minutos",
    "km",
    "ontem",
    "na",
    "sexta",
    "não",
    "vou",
    "amigo",
    "correu",
    "cinco",
    "dois",
    "maratona",
    ",",
    "x",
    "20",
    "amanhã",
    "hoje",
    "d'água",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=8), st.text(max_size=12))
def test_any_words_read_as_an_entry_within_bounds_or_nothing(pieces, noise):
    any_words_hold(" ".join(pieces) + noise, "pt")
