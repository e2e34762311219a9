"""Plain words as people write them: each phrasing with the entry it logs, a reading to
confirm ("unsure"), nothing, or a refusal that says what was wrong. Every reading's command
line (the ✅ button's payload) logs the same entry through the command's own parser."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import Kind, NewEntry, RunValue, StrengthValue, Units, WaterValue
from bot.reading import parsing
from bot.reading.plain_words import Reading, read
from bot.settings import Limits

TODAY = date(2026, 12, 4)  # a Friday
L = Limits()
MI = 1609.344
OZ = 29.5735295625
LB = 0.45359237


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def run(km: float, seconds: float | None = None, note: str | None = None, on: date | None = None):
    return NewEntry(Kind.RUN, RunValue(km * 1000, seconds), note, on)


def lift(exercise, sets=None, reps=None, kg=None, seconds=None, set_s=None, on=None):
    return NewEntry(
        Kind.STRENGTH, StrengthValue(exercise, sets, reps, kg, seconds, set_s), None, on
    )


def water(ml: float, on: date | None = None):
    return NewEntry(Kind.WATER, WaterValue(ml), None, on)


class Unsure:
    def __init__(self, entry: NewEntry) -> None:
        self.entry = entry


NOTHING = "nothing"
REFUSED = "refused"  # a log with a figure out of bounds or a day to come: told why

RUNS = [
    ("ran 5k", run(5)),
    ("Ran 5K!", run(5)),
    ("ran 5 km", run(5)),
    ("ran 5 k", run(5)),
    ("ran 5 kms", run(5)),
    ("I ran 5km this morning", run(5, on=TODAY)),
    ("ran 5k in 28:30", run(5, 1710)),
    ("ran 5k in 28 min", run(5, 1680)),
    ("ran 5k in 28 mins", run(5, 1680)),
    ("ran 5k in 28 minutes", run(5, 1680)),
    ("ran 5k 28'30", run(5, 1710)),
    ("ran 5k in 28'30\"", run(5, 1710)),
    ("5k 28:30", run(5, 1710)),
    ("28:30 5k", run(5, 1710)),
    ("ran 10k in 55:10", run(10, 3310)),
    ("ran 10 miles", run(10 * MI / 1000)),
    ("ran 3.1 mi in 31 min", run(3.1 * MI / 1000, 1860)),
    ("ran 3.1mi in 31min", run(3.1 * MI / 1000, 1860)),
    ("jogged 4km", run(4)),
    ("jogged 4 kilometres", run(4)),
    ("i jogged 4 kilometers today", run(4, on=TODAY)),
    ("did a 5k", run(5)),
    ("did a 10k in 52 minutes", run(10, 3120)),
    ("did a parkrun in 26:45", run(5, 1605)),
    ("parkrun 24:10", run(5, 1450)),
    ("marathon in 3:59:59", run(42.195, 14399)),
    ("ran a marathon", run(42.195)),
    ("ran the half marathon in 1:58:20", run(21.0975, 7100)),
    ("half marathon in 1:58:20", run(21.0975, 7100)),
    ("half-marathon 2:05:00", run(21.0975, 7500)),
    ("5k run", run(5)),
    ("5k run 30 min", run(5, 1800)),
    ("10k run in 1 hour", run(10, 3600)),
    ("ran 8k in an hour", run(8, 3600)),
    ("ran 5k in half an hour", run(5, 1800)),
    ("ran 12k in 1h05", run(12, 3900)),
    ("ran 12 km in 1 hr 5 min", run(12, 3900)),
    ("went for a run, 6k", run(6)),
    ("went for a 6k run", run(6)),
    ("went for a 5k jog", run(5)),
    ("just ran 7.5 km", run(7.5)),
    ("Morning run: 7km, 40 min", run(7, 2400)),
    ("7km morning run 40min", run(7, 2400)),
    ("easy run 8k", run(8)),
    ("long run 18km 1:45:00", run(18, 6300)),
    ("🏃 5k 27:00", run(5, 1620)),
    ("🏃‍♀️ 10k", run(10)),
    ("🏃🏽 6k", run(6)),
    ("ran 5k yesterday", run(5, on=ago(1))),
    ("ran 5k last night", run(5, on=ago(1))),
    ("yesterday I ran 8k", run(8, on=ago(1))),
    ("Yesterday: 8k run, 45 min", run(8, 2700, on=ago(1))),
    ("ran 6k on monday", run(6, on=ago(4))),
    ("ran 6k last monday", run(6, on=ago(4))),
    ("ran 6k on tuesday", run(6, on=ago(3))),
    ("ran 10k last friday", run(10, on=ago(7))),
    ("ran 6 km 2 days ago", run(6, on=ago(2))),
    ("ran 5k the day before yesterday", run(5, on=ago(2))),
    ("ran 5k a week ago", run(5, on=ago(7))),
    ("ran 5k on nov 20", run(5, on=date(2026, 11, 20))),
    ("ran 5k on 20 november", run(5, on=date(2026, 11, 20))),
    ("ran 5k on 2026-11-20", run(5, on=date(2026, 11, 20))),
    ("ran 400m", run(0.4)),
    ("ran 800 m in 2:40", run(0.8, 160)),
    ("ran 1 mile in 7:30", run(MI / 1000, 450)),
    ("ran a mile", run(MI / 1000)),
    ("ran one mile", run(MI / 1000)),
    ("ran five k", run(5)),
    ("ran five k in thirty minutes", run(5, 1800)),
    ("ran ten miles", run(10 * MI / 1000)),
    ("ran twenty one k", run(21)),
    ("ran 21.1k in 1:58:20", run(21.1, 7100)),
    ("ran 7,5 km", run(7.5)),
    ("ran 7,5km in 45 min", run(7.5, 2700)),
    ("ran 5k, felt great", run(5)),
    ("ran 5k, easy", run(5)),
    ("ran 5k!!! 🎉", run(5)),
    ("RAN 5K IN 25:00", run(5, 1500)),
    ("ran 5k hills", run(5, note="hills")),
    ("we ran 5k", run(5)),
    ("run 5k", run(5)),
    ("5k", run(5)),
    ("10km", run(10)),
    ("ran 5k in 25:30 min", run(5, 1530)),
    ("ran 5k in 25m30s", run(5, 1530)),
    ("Just finished a 5k run in 27:45", run(5, 1665)),
    ("Finished a 10k in 58 minutes!", run(10, 3480)),
    ("Did my 5k today", run(5, on=TODAY)),
    ("Morning jog 3 miles", run(3 * MI / 1000)),
    ("5k done in 29:12", run(5, 1752)),
    ("10k: 52:30", run(10, 3150)),
    ("ran 13.1 miles", run(13.1 * MI / 1000)),
    ("completed a marathon in 4:12:33", run(42.195, 15153)),
    ("ran 8k (45 min)", run(8, 2700)),
    ("treadmill run 5k 30min", run(5, 1800)),
    ("Saturday: ran 12k", run(12, on=ago(6))),
    ("ran 6.2 miles in an hour", run(6.2 * MI / 1000, 3600)),
    ("ran 2 miles to the store", run(2 * MI / 1000, note="store")),
    ("ran 10 miles in 1:20", Unsure(run(10 * MI / 1000, 4800))),
    ("marathon in 3:45", Unsure(run(42.195, 13500))),
    ("completed my first half marathon 2:14:05", run(21.0975, 8045)),
    ("Marathon done! 4:05:12", run(42.195, 14712)),
    ("Went running, 7km", run(7)),
    ("went jogging for 4 km", run(4)),
    ("5k ✅", run(5)),
    ("ran 5k two days ago", run(5, on=ago(2))),
    ("Jogged 5K this AM", run(5)),
    ("ran 5km/28min", run(5, 1680)),
    ("Run done: 8.2 km in 47:10", run(8.2, 2830)),
    ("ran a 5 mile run", run(5 * MI / 1000)),
    ("went for a 3 mile jog", run(3 * MI / 1000)),
    ("ran 10k on sun", run(10, on=ago(5))),
    ("parkrun 5k 26:02", run(5, 1562)),
    ("just back from a 6km run", run(6)),
    ("10k trail run in 1:10:00", run(10, 4200)),
    ("did 5 in 30", Unsure(run(5, 1800))),
    ("5 in 30", Unsure(run(5, 1800))),
    ("ran 5 in 30", Unsure(run(5, 1800))),
    ("ran 5", Unsure(run(5))),
    ("ran 6 today", Unsure(run(6, on=TODAY))),
    ("ran 5k 30", Unsure(run(5, 1800))),
    ("ran 10 in 55", Unsure(run(10, 3300))),
    ("ran 5k tomorrow", REFUSED),
    ("ran 500k", REFUSED),
    ("ran 5k in 5 min", REFUSED),
    ("ran 5k on 2027-01-05", REFUSED),
    ("ran 5 in 5", NOTHING),  # unsure and beyond the world record: never offered
]

STRENGTH = [
    ("3x10 squats", lift("squats", 3, 10)),
    ("3x10 squats 40kg", lift("squats", 3, 10, 40)),
    ("3x10 squats @ 40kg", lift("squats", 3, 10, 40)),
    ("3 x 10 squats at 40 kg", lift("squats", 3, 10, 40)),
    ("squats 3x10 40kg", lift("squats", 3, 10, 40)),
    ("squats 3x10 @40kg", lift("squats", 3, 10, 40)),
    ("Squats 3×10 40 kg", lift("squats", 3, 10, 40)),
    ("squats 3 sets of 10", lift("squats", 3, 10)),
    ("squats 3 sets 10 reps 60kg", lift("squats", 3, 10, 60)),
    ("did 3 sets of 10 squats", lift("squats", 3, 10)),
    ("3 sets of 10 squats at 50kg", lift("squats", 3, 10, 50)),
    ("did 3 sets of 12 lunges", lift("lunges", 3, 12)),
    ("did three sets of twelve lunges", lift("lunges", 3, 12)),
    ("lunges 3x12", lift("lunges", 3, 12)),
    ("bench press 5x5 80kg", lift("bench press", 5, 5, 80)),
    ("bench press 5x5 at 176 lbs", lift("bench press", 5, 5, 176 * LB)),
    ("squats 5x5 225lb", lift("squats", 5, 5, 225 * LB)),
    ("deadlift 5x3 120kg", lift("deadlift", 5, 3, 120)),
    ("deadlifts 1x5 140 kg", lift("deadlifts", 1, 5, 140)),
    ("lifted 3x8 100kg", lift(None, 3, 8, 100)),
    ("3x12 bicep curls 12kg", lift("bicep curls", 3, 12, 12)),
    ("bicep curls 3x12 12.5kg", lift("bicep curls", 3, 12, 12.5)),
    ("bicep curls 3x12 12,5kg", lift("bicep curls", 3, 12, 12.5)),
    ("overhead press 4x6 40 kilos", lift("overhead press", 4, 6, 40)),
    ("did 20 pushups", lift("pushups", 1, 20)),
    ("20 push-ups", lift("push-ups", 1, 20)),
    ("did 50 sit-ups", lift("sit-ups", 1, 50)),
    ("10 pull ups", lift("pull ups", 1, 10)),
    ("did 30 burpees", lift("burpees", 1, 30)),
    ("did twenty pushups", lift("pushups", 1, 20)),
    ("100 pushups today", lift("pushups", 1, 100, on=TODAY)),
    ("curls 10 reps", lift("curls", 1, 10)),
    ("squats 10 reps 3 sets", lift("squats", 3, 10)),
    ("squats 3x10 yesterday", lift("squats", 3, 10, on=ago(1))),
    ("did squats 3x10 on monday", lift("squats", 3, 10, on=ago(4))),
    ("trained 45 min", lift(None, seconds=2700)),
    ("30 min workout", lift(None, seconds=1800)),
    ("45 minute workout", lift(None, seconds=2700)),
    ("did a 30 minute workout", lift(None, seconds=1800)),
    ("gym session 1 hour", lift(None, seconds=3600)),
    ("💪 40 min", lift(None, seconds=2400)),
    ("plank 3x60s", lift("plank", 3, set_s=60)),
    ("plank 3x1min", lift("plank", 3, set_s=60)),
    ("planks 3 x 45 sec", lift("planks", 3, set_s=45)),
    ("plank 60s", lift("plank", seconds=60)),
    ("held a plank for 2 minutes", lift("plank", seconds=120)),
    ("wall sit 4x30s", lift("wall sit", 4, set_s=30)),
    ("4 sets of 8 bench press at 60kg", lift("bench press", 4, 8, 60)),
    ("5x5 squat @ 100kg", lift("squat", 5, 5, 100)),
    ("did 3 rounds of 20 burpees", lift("burpees", 3, 20)),
    ("hit the gym for an hour", lift(None, seconds=3600)),
    ("side plank 2x45s", lift("side plank", 2, set_s=45)),
    ("plank 3 sets of 60 seconds", lift("plank", 3, set_s=60)),
    # a count and a time with nothing between: 3 sets of a minute, or 3 in a minute?
    ("plank 3 of 60 seconds", NOTHING),
    ("pushups 3 60 sec", NOTHING),
    ("200 jumping jacks", lift("jumping jacks", 1, 200)),
    ("squats 3x10 40kg felt heavy", lift("squats", 3, 10, 40)),
    ("lifted 20 boxes", Unsure(lift("boxes", 1, 20))),
    ("3 sets of plank 60 sec", lift("plank", 3, set_s=60)),
    ("squats - 3 x 10 - 40kg", lift("squats", 3, 10, 40)),
    ("5 sets of 5 deadlift 100kg", lift("deadlift", 5, 5, 100)),
    ("lifted weights for 45 minutes", lift(None, seconds=2700)),
    ("back squats 3x10 60kg", lift("back squats", 3, 10, 60)),
    ("3 x 1 minute planks", lift("planks", 3, set_s=60)),
    ("bench 5x5 @ 60", Unsure(lift("bench", 5, 5, 60))),
    ("squats 3x10 40", Unsure(lift("squats", 3, 10, 40))),
    ("squats 3x10 at 40", Unsure(lift("squats", 3, 10, 40))),
    ("did 20 zercher lifts", Unsure(lift("zercher lifts", 1, 20))),
    ("3x10 squats and 3x12 lunges", NOTHING),
    ("squats", NOTHING),
    ("did some squats", NOTHING),
    ("did squats", NOTHING),
    ("30 min yoga", NOTHING),
    ("did yoga", NOTHING),
    ("squats 3x10 40kg tomorrow", REFUSED),
    ("squats 100x10", REFUSED),
    ("squats 3x10 900kg", REFUSED),
]

WATER = [
    ("drank 500ml", water(500)),
    ("drank 500 ml of water", water(500)),
    ("500ml water", water(500)),
    ("water 500ml", water(500)),
    ("water: 500 ml", water(500)),
    ("1.5l water", water(1500)),
    ("1,5 l water", water(1500)),
    ("1.5L of water", water(1500)),
    ("drank 1.5 litres", water(1500)),
    ("drank a litre of water", water(1000)),
    ("half a litre", water(500)),
    ("drank half a litre of water", water(500)),
    ("a glass of water", water(250)),
    ("glass of water", water(250)),
    ("had a glass", water(250)),
    ("2 glasses", water(500)),
    ("2 glasses of water", water(500)),
    ("had 2 glasses of water", water(500)),
    ("drank two glasses of water", water(500)),
    ("drank a bottle of water", water(500)),
    ("a bottle of water", water(500)),
    ("1 bottle", water(500)),
    ("drank 2 cups of water", water(500)),
    ("a cup of water", water(250)),
    ("a mug of water", water(300)),
    ("drank a pint of water", water(568)),
    ("hydrated 750ml", water(750)),
    ("Hydrated: 750 ml 💧", water(750)),
    ("+500ml", water(500)),
    ("+ 500 ml", water(500)),
    ("+1 glass", water(250)),
    ("+2 glasses", water(500)),
    ("💧500ml", water(500)),
    ("💧 1l", water(1000)),
    ("drank 16oz", water(16 * OZ)),
    ("drank 16 oz of water", water(16 * OZ)),
    ("16 fl oz water", water(16 * OZ)),
    ("drank 250ml yesterday", water(250, on=ago(1))),
    ("drank 3 litres today", water(3000, on=TODAY)),
    ("sipped 330 ml", water(330)),
    ("had a 500ml bottle of water", water(500)),
    ("drank 33cl", water(330)),
    ("had 3 glasses today", water(750, on=TODAY)),
    ("i drank 1l of water yesterday", water(1000, on=ago(1))),
    ("+250", Unsure(water(250))),
    ("drank a 1l bottle", water(1000)),
    ("+1l", water(1000)),
    ("two bottles of water", water(1000)),
    ("3 cups", water(750)),
    ("drank 500cc", water(500)),
    ("drank 2 pints of water", water(1136)),
    ("💧+500ml", water(500)),
    ("drank 500", Unsure(water(500))),
    ("water 500", Unsure(water(500))),
    ("💧 500", Unsure(water(500))),
    ("💧", NOTHING),
    ("water", NOTHING),
    ("drank water", NOTHING),
    ("had some water", NOTHING),
    ("+500", Unsure(water(500))),
    ("drank 20l", REFUSED),
    ("drank 0ml", REFUSED),
]

NOT_MINE = [
    ("my friend ran 10k", NOTHING),
    ("my friend ran a marathon in 3:30:00", NOTHING),
    ("Sarah ran 10k", NOTHING),
    ("my wife ran a half marathon", NOTHING),
    ("he did 3x10 squats", NOTHING),
    ("she drank 2 litres", NOTHING),
    ("they ran 5k", NOTHING),
    ("my brother did 50 pushups", NOTHING),
    ("going to run 5k tomorrow", NOTHING),
    ("gonna run 10k", NOTHING),
    ("I will run 10k on saturday", NOTHING),
    ("I'll run 5k later", NOTHING),
    ("planning a 10k run", NOTHING),
    ("want to run 5k", NOTHING),
    ("need to drink 2l", NOTHING),
    ("should run 5k", NOTHING),
    ("next week: 3x10 squats", NOTHING),
    ("I'll drink water later", NOTHING),
    ("drink more water", NOTHING),
    ("should I run 5k?", NOTHING),
    ("should I drink 2l?", NOTHING),
    ("how far is a 5k", NOTHING),
    ("how do I log 3x10 squats", NOTHING),
    ("can you log 5k", NOTHING),
    ("is 5k in 30 min good?", NOTHING),
    ("ran 5k?", NOTHING),
    ("what's a good 10k time", NOTHING),
    ("didn't run today", NOTHING),
    ("didnt run 5k", NOTHING),
    ("did not run", NOTHING),
    ("no run today", NOTHING),
    ("never ran 10k", NOTHING),
    ("skipped my run", NOTHING),
    ("missed my 5k", NOTHING),
    ("couldn't finish the 10k", NOTHING),
    ("haven't drunk 500ml yet", NOTHING),
    ("not drinking water", NOTHING),
    ("ran out of milk", NOTHING),
    ("ran late", NOTHING),
    ("ran errands", NOTHING),
    ("ran into sarah", NOTHING),
    ("ran the bath", NOTHING),
    ("I went for a run", NOTHING),
    ("had a coffee", NOTHING),
    ("drank a glass of wine", NOTHING),
    ("had 2 beers", NOTHING),
    ("ate 3 eggs", NOTHING),
    ("3 eggs", NOTHING),
    ("walked the dog", NOTHING),
    ("walked 5k", NOTHING),
    ("cycled 20km", NOTHING),
    ("swam 1km", NOTHING),
    ("10000 steps", NOTHING),
    ("my 5k time is 25:00", NOTHING),
    ("my 5k pb is 22:30", NOTHING),
    ("ran a 5k PB 24:59", NOTHING),
    ("5k followers", NOTHING),
    ("earned 5k", NOTHING),
    ("ran 20k this week", NOTHING),
    ("I run 5k every day", NOTHING),
    ("100 squats a day challenge", NOTHING),
    ("ran 5k in november", NOTHING),
    ("ran 3 laps", NOTHING),
    ("lost 2kg", NOTHING),
    ("pressed 5 buttons", NOTHING),
    ("did 10 squats 3 times", NOTHING),
    ("slept 8 hours", NOTHING),
    ("meditated 20 min", NOTHING),
    ("watched a 5k race", NOTHING),
    ("signed up for a 10k", NOTHING),
    ("ran for 30 min", NOTHING),
    ("drank 2 beers and 1l of water", NOTHING),
    ("week 3 of couch to 5k", NOTHING),
    ("5 km run in 31 min at 6:12 pace", NOTHING),
    ("ran 5k 999999999 days ago", NOTHING),
    ("ran 5k on 999999999 nov", NOTHING),
    ("ran 5k on 31 feb", NOTHING),
    ("ran 99999999999999999999 km", NOTHING),
    ("ran 5k in 99:99", NOTHING),
    ("ran 5k on the weekend", NOTHING),
    ("drank 2 x 500ml", NOTHING),
    ("squats 3x10x40kg", NOTHING),
    ("ran 5k on monday and on tuesday", NOTHING),
    ("one hundred thousand " * 9, NOTHING),
    ("ran almost 10k", NOTHING),
    ("nearly ran a half marathon", NOTHING),
    ("tried to run 5k", NOTHING),
    ("Tom ran 5k", NOTHING),
    ("our 5k", NOTHING),
    ("mum did 20 squats", NOTHING),
    ("the kids drank 2 glasses", NOTHING),
    ("drinking 2l today", NOTHING),
    ("marathon DNF at 30k", NOTHING),
    ("good morning!", NOTHING),
    ("hello", NOTHING),
    ("thanks", NOTHING),
    ("ok", NOTHING),
    ("lol", NOTHING),
    ("👍", NOTHING),
    ("", NOTHING),
    ("5", NOTHING),
    ("2 + 2", NOTHING),
    ("9**9**9 km", NOTHING),
    ("1e309 km", NOTHING),
    ("ran 5k and 10k", NOTHING),
    ("ran 5k, drank 500ml", NOTHING),
    ("ran 5k yesterday and today", NOTHING),
    ("at 7:30 ran", NOTHING),
    ("ran 5k at 7:30", NOTHING),
]

ROWS = RUNS + STRENGTH + WATER + NOT_MINE


def test_the_corpus_is_large():
    assert len(ROWS) >= 200
    assert len({text for text, _ in ROWS}) == len(ROWS), "a phrasing is in the table twice"


def _read(text: str, units: Units = Units.METRIC) -> Reading | None:
    return read(text, today=TODAY, limits=L, glass_ml=250, units=units)


def _same(got: NewEntry, want: NewEntry) -> bool:
    def flat(e: NewEntry) -> tuple[object, ...]:
        values = tuple(round(v, 3) if isinstance(v, float) else v for v in vars(e.value).values())
        return (e.kind, values, e.note, e.on_date)

    return flat(got) == flat(want)


@pytest.mark.parametrize(("text", "want"), ROWS, ids=[t or "(empty)" for t, _ in ROWS])
def test_phrasing(text, want):
    if want == REFUSED:
        with pytest.raises(parsing.ParseError) as caught:
            _read(text)
        assert "Try" in str(caught.value) or "/" in str(caught.value)
        return
    reading = _read(text)
    if want == NOTHING:
        assert reading is None, f"{text!r} read as {reading}"
        return
    assert reading is not None, f"{text!r} was not read"
    entry = want.entry if isinstance(want, Unsure) else want
    assert reading.sure is not isinstance(want, Unsure)
    assert _same(reading.entry, entry), f"{reading.entry} != {entry}"
    _command_logs_the_same(reading)


def _command_logs_the_same(reading: Reading) -> None:
    """The ✅ button's payload is a command line that fits a button and logs this entry."""
    assert len(reading.command.encode()) <= 64 or reading.sure
    name, _, args = reading.command.removeprefix("/").partition(" ")
    dated = parsing.split_date(args, TODAY, L)
    parse = {
        "run": lambda t: parsing.parse_run(t, L),
        "strength": lambda t: parsing.parse_strength(t, L),
        "water": lambda t: parsing.parse_water(t, L, 250),
    }[name]
    new = parse(dated.text)
    got = NewEntry(new.kind, new.value, new.note, dated.on_date)
    want = reading.entry
    if want.kind is Kind.RUN:  # a command line's clock keeps whole seconds, its km metres
        assert isinstance(got.value, RunValue) and isinstance(want.value, RunValue)
        assert got.value.distance_m == pytest.approx(want.value.distance_m, abs=0.5)
        assert (got.value.duration_s is None) == (want.value.duration_s is None)
        assert (got.note, got.on_date) == (want.note, want.on_date)
    else:
        assert _same(got, want), f"{reading.command} logs {got}, not {want}"


def test_bare_figures_are_read_in_the_persons_units():
    reading = _read("ran 3 in 30", Units.IMPERIAL)
    assert reading is not None and not reading.sure
    assert reading.entry.value == RunValue(3 * MI, 1800)
    assert reading.command == "/run 4.828km 30:00"
    drink = _read("drank 16", Units.IMPERIAL)
    assert drink is not None and not drink.sure
    assert drink.entry.value == WaterValue(pytest.approx(16 * OZ))


def test_a_glass_is_the_settings_glass():
    reading = read("2 glasses", today=TODAY, limits=L, glass_ml=300)
    assert reading is not None and reading.entry.value == WaterValue(600)


def test_long_messages_are_not_read():
    assert _read("ran 5k " + "and it was lovely " * 20) is None


def test_another_language_is_a_vocabulary_not_code():
    """The same lexer, grammar and sums read German once its words are given."""
    import tomllib
    from importlib import resources

    from bot.reading.vocabulary import build

    data = tomllib.loads(resources.files("bot.reading").joinpath("words/en.toml").read_text())
    data["language"] = data["date_language"] = "de"
    data["number_words"] = ["eins", "zwei", "drei", "vier", "fünf", "zehn", "zwanzig"]
    data["words"] = {
        "run_verb": ["gelaufen", "lief", "gejoggt"],
        "run_noun": ["lauf"],
        "water_verb": ["getrunken", "trank"],
        "water_noun": ["wasser"],
        "did_verb": ["gemacht"],
        "negation": ["nicht", "kein", "keinen"],
        "plan": ["werde", "morgen", "will"],
        "question": ["?"],
        "others": ["freund", "freundin", "er", "sie"],
        "filler": ["ich", "bin", "habe", "heute", "ein", "einen", "eine", "mein"],
        "article": [],
        "sets_word": ["sätze", "sätzen"],
        "reps_word": ["wiederholungen"],
        "in_word": ["in"],
        "at_word": ["mit"],
        "plus": ["+"],
        "half": ["halben", "halbe"],
    }
    data["dates"] = {"heute": 0, "gestern": 1, "vorgestern": 2}
    data["races"] = {"marathon": 42195, "halbmarathon": 21097.5}
    data["containers"] = {"glas": "glass", "gläser": "glass", "flasche": 500}
    data["exercises"] = {"names": ["kniebeugen", "liegestütze"]}
    data["units"]["volume"] |= {"liter": "l"}
    de = build(data)

    def de_read(text):
        return read(text, today=TODAY, limits=L, glass_ml=250, words=de)

    assert de_read("ich bin gestern 5 km gelaufen").entry == run(5, on=ago(1))
    assert de_read("10 km in 55:10 gelaufen").entry == run(10, 3310)
    assert de_read("fünf km gelaufen").entry == run(5)
    assert de_read("Halbmarathon in 1:58:20").entry == run(21.0975, 7100)
    assert de_read("2 Gläser Wasser getrunken").entry == water(500)
    assert de_read("eine Flasche Wasser").entry == water(500)
    assert de_read("3 Sätze 10 Kniebeugen mit 40 kg").entry == lift("kniebeugen", 3, 10, 40)
    assert not de_read("5 in 30 gemacht").sure
    for nothing in ("mein Freund lief 10 km", "heute nicht gelaufen", "werde 5 km laufen"):
        assert de_read(nothing) is None, nothing


PIECES = [
    "ran",
    "drank",
    "did",
    "squats",
    "plank",
    "water",
    "glass",
    "a",
    "half",
    "in",
    "at",
    "of",
    "sets",
    "reps",
    "5k",
    "3x10",
    "3x60s",
    "40kg",
    "500ml",
    "28:30",
    "1:58:20",
    "30",
    "5",
    "min",
    "km",
    "miles",
    "yesterday",
    "last",
    "friday",
    "on",
    "monday",
    "ago",
    "days",
    "+",
    "💧",
    "?",
    "not",
    "my",
    "friend",
    "five",
    "marathon",
    "1e309",
    "9**9",
    "99999999999",
    "-5",
    "0",
    "2026-02-30",
    ",",
    "'",
    "x",
    "×",
    "nov",
    "20",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=8), st.text(max_size=12))
def test_any_words_read_as_an_entry_within_bounds_or_nothing(pieces, noise):
    text = " ".join(pieces) + noise
    try:
        reading = _read(text)
    except parsing.ParseError:
        return
    if reading is None:
        return
    value, example = reading.entry.value, ""
    if isinstance(value, RunValue):
        parsing.check_run(value.distance_m, value.duration_s, L, example)
    elif isinstance(value, StrengthValue):
        parsing.check_strength(value, L, example)
    else:
        parsing.check_water(value.volume_ml, L, example)
    on = reading.entry.on_date
    assert on is None or TODAY - timedelta(days=L.max_days_back) <= on <= TODAY
    assert len(reading.command.encode()) <= 64 or reading.sure
