"""Plain words in German: each phrasing with the entry it logs, a reading to confirm,
nothing, or a refusal; read by the same reader as English, with words/de.toml."""

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
    ("bin 5 km in 28 Minuten gelaufen", run(5, 1680)),
    ("5 km gelaufen", run(5)),
    ("5km gelaufen", run(5)),
    ("Bin 10 km gelaufen!", run(10)),
    ("ich bin heute 5 km gelaufen", run(5, on=ago(0))),
    ("gestern 10 km gelaufen", run(10, on=ago(1))),
    ("bin gestern Abend 8 km gelaufen", run(8, on=ago(1))),
    ("vorgestern 6 km gejoggt", run(6, on=ago(2))),
    ("lief heute 7 km", run(7, on=ago(0))),
    ("10,5 km gelaufen", run(10.5)),
    ("2.000 m gelaufen", run(2)),
    ("10.5 km gelaufen", run(10.5)),
    ("10 km in 55:10 gelaufen", run(10, 3310)),
    ("5 km Lauf", run(5)),
    ("Bin heute 8 km im Wald gelaufen", run(8, on=ago(0))),
    ("10 km bei Regen gelaufen", run(10)),
    ("Heute Morgen 5 km am Fluss entlang gelaufen", run(5, on=ago(0))),
    ("Gerade vom Laufen zurück: 8,5 km in 45 Minuten", run(8.5, 2700)),
    ("Heute einen 10er gelaufen", run(10, on=ago(0))),
    ("Laufen 5 km", run(5)),
    ("einen 10 km Lauf gemacht", run(10)),
    ("war 6 km joggen", run(6)),
    ("fünf km gelaufen", run(5)),
    ("zehn Kilometer gelaufen in einer Stunde", run(10, 3600)),
    ("Halbmarathon in 1:58:20", run(21.0975, 7100)),
    ("Marathon gelaufen in 3:59:59", run(42.195, 14399)),
    ("parkrun in 24:10", run(5, 1450)),
    ("letzten Freitag 8 km gelaufen", run(8, on=ago(7))),
    ("am Montag 8 km gelaufen", run(8, on=ago(4))),
    ("8 km gerannt in 40 min", run(8, 2400)),
    ("5 km in 28:30 gelaufen 🏃", run(5, 1710)),
    ("heute früh 5 km gelaufen", run(5, on=ago(0))),
    # water
    ("500 ml Wasser getrunken", water(500)),
    ("500ml Wasser", water(500)),
    ("ein Glas Wasser", water(250)),
    ("ein Glas Wasser getrunken", water(250)),
    ("2 Gläser Wasser", water(500)),
    ("zwei Gläser Wasser getrunken", water(500)),
    ("eine Flasche Wasser getrunken", water(500)),
    ("einen halben Liter Wasser getrunken", water(500)),
    ("1,5 l Wasser", water(1500)),
    ("1,5 Liter Wasser getrunken", water(1500)),
    ("2 Liter Wasser", water(2000)),
    ("1.500 ml Wasser getrunken", water(1500)),
    ("gestern 1 l Wasser getrunken", water(1000, on=ago(1))),
    ("+500 ml", water(500)),
    # strength
    ("3x10 Kniebeugen 40 kg", lift("kniebeugen", 3, 10, 40)),
    ("3x10 Kniebeugen :D", lift("kniebeugen", 3, 10)),  # a smiley is no name
    ("Kniebeugen 3x10 mit 40 kg", lift("kniebeugen", 3, 10, 40)),
    ("3 Sätze à 12 Liegestütze", lift("liegestütze", 3, 12)),
    ("3 Sätze 10 Wiederholungen Bankdrücken 60 kg", lift("bankdrücken", 3, 10, 60)),
    ("3 mal 10 Klimmzüge", lift("klimmzüge", 3, 10)),
    ("20 Liegestütze", lift("liegestütze", 1, 20)),
    ("3x10 Liegestützen", lift("liegestütze", 3, 10)),
    ("hab grad nen Liter Wasser getrunken", water(1000)),
    ("3 Sätze Kniebeugen mit je 12 Wiederholungen", lift("kniebeugen", 3, 12)),
    ("Plank 3x60 Sekunden", lift("plank", 3, set_s=60)),
    ("eine halbe Stunde Krafttraining", lift(None, seconds=1800)),
    ("45 min Krafttraining", lift(None, seconds=2700)),
    ("gestern 5x5 Kreuzheben 100 kg", lift("kreuzheben", 5, 5, 100, on=ago(1))),
    # unsure: a figure without its unit
    ("5 in 30 gemacht", Unsure(run(5, 1800))),
    ("Kniebeugen 3x10 mit 40", Unsure(lift("kniebeugen", 3, 10, 40))),
    ("Wasser 500", Unsure(water(500))),
    # refused: a log out of bounds or a day to come
    ("500 km gelaufen", REFUSED),
    ("morgen 5 km gelaufen", REFUSED),
    # not a log
    ("mein Freund ist 10 km gelaufen", NOTHING),
    ("er lief 10 km", NOTHING),
    ("Gestern lief Anna 10 km", NOTHING),
    ("Heute ist Max 5 km gelaufen", NOTHING),
    ("5 km könnte ich laufen", NOTHING),
    ("hätte 10 km laufen sollen", NOTHING),
    ("habe vergessen, 2 Liter Wasser zu trinken", NOTHING),
    ("meine Frau hat 2 Liter Wasser getrunken", NOTHING),
    ("heute nicht gelaufen", NOTHING),
    ("bin keine 5 km gelaufen", NOTHING),
    ("fast 5 km gelaufen", NOTHING),
    ("werde morgen 5 km laufen", NOTHING),
    ("ich will heute 5 km laufen", NOTHING),
    ("ich gehe gleich 5 km laufen", NOTHING),
    ("nächste Woche einen Halbmarathon", NOTHING),
    ("wie weit bin ich gelaufen?", NOTHING),
    ("Bin ich gestern 5 km gelaufen", NOTHING),
    ("wie viel Wasser soll ich trinken", NOTHING),
    ("bin 5 km geradelt", NOTHING),
    ("bin 5 km spazieren gegangen", NOTHING),
    ("2 Liter Kaffee getrunken", NOTHING),
    ("ein Bier getrunken", NOTHING),
    ("Bin 5 km gelaufen, morgen wieder", NOTHING),
    ("ich laufe jeden Tag 5 km", NOTHING),
    ("diese Woche 20 km gelaufen", NOTHING),
    ("meine Bestzeit über 5 km ist 22:30", NOTHING),
    ("Guten Morgen", NOTHING),
    ("bin um 7 Uhr 5 km gelaufen", NOTHING),
    ("ich habe vor, 5 km zu laufen", NOTHING),
    ("gleich laufen gehen", NOTHING),
    ("danke!", NOTHING),
    # sets linked by "à" or "mal": sets of reps, or of a time each
    ("Kniebeugen 3 à 12", lift("kniebeugen", 3, 12)),
    ("Kniebeugen 3 mal 12", lift("kniebeugen", 3, 12)),
    ("Plank 3 à 60 Sekunden", lift("plank", 3, set_s=60)),
    ("Plank 3 mal 60 Sekunden", lift("plank", 3, set_s=60)),
    ("Plank 3 60 Sekunden", NOTHING),
    # "mit" before a count of the exercise named next; the dative's forms
    ("3 Sätze mit 12 Ausfallschritten", lift("ausfallschritte", 3, 12)),
    ("3 Sätze mit 10 Klimmzügen", lift("klimmzüge", 3, 10)),
    ("3 Sätze mit 12 Kniebeugen mit 40 kg", lift("kniebeugen", 3, 12, 40)),
    ("3 Sätze mit 12 gestern Kniebeugen", NOTHING),
    ("vor 2 Tagen 5 km gelaufen", run(5, on=ago(2))),
    ("Kniebeugen 3x12 vor 2 Tagen", lift("kniebeugen", 3, 12, on=ago(2))),
    ("3 à 12", NOTHING),
]


@pytest.mark.parametrize(("text", "want"), ROWS, ids=[t for t, _ in ROWS])
def test_phrasing(text, want):
    check(text, want, "de")


def test_the_table_is_long_enough():
    assert len(ROWS) >= 60


PIECES = [
    "gelaufen",
    "lief",
    "Wasser",
    "getrunken",
    "Kniebeugen",
    "Glas",
    "Gläser",
    "ein",
    "einen",
    "halben",
    "Liter",
    "in",
    "mit",
    "Sätze",
    "Wdh",
    "mal",
    "5km",
    "3x10",
    "40kg",
    "500ml",
    "28:30",
    "30",
    "5",
    "Minuten",
    "km",
    "gestern",
    "letzten",
    "Freitag",
    "am",
    "nicht",
    "werde",
    "Freund",
    "fünf",
    "zwei",
    "Marathon",
    ",",
    "x",
    "20",
    "nov",
    "morgen",
    "heute",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=8), st.text(max_size=12))
def test_any_words_read_as_an_entry_within_bounds_or_nothing(pieces, noise):
    any_words_hold(" ".join(pieces) + noise, "de")
