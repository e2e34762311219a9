from datetime import date

import pytest

from bot.domain import Kind, Period
from bot.reading.parsing import (
    ParseError,
    parse_goal,
    parse_run,
    parse_strength,
    parse_water,
    split_date,
)
from bot.settings import Limits

L = Limits()


@pytest.mark.parametrize(
    ("text", "metres", "seconds", "note"),
    [
        ("5k 28:30", 5000, 1710, None),
        ("3.1mi 31min easy", 4988.97, 1860, "easy"),
        ("10km 1:02:10", 10000, 3730, None),
        ("5 km 28 min", 5000, 1680, None),
        ("5,5km 30:00", 5500, 1800, None),
        ("800m 3:10 track", 800, 190, "track"),
        ("5k", 5000, None, None),
        ("1h5m 10km", 10000, 3900, None),
    ],
)
def test_runs_read_distance_time_and_note(text, metres, seconds, note):
    entry = parse_run(text, L)
    assert entry.kind is Kind.RUN
    assert entry.value.distance_m == pytest.approx(metres, rel=1e-3)
    assert entry.value.duration_s == (pytest.approx(seconds) if seconds else None)
    assert entry.note == note


@pytest.mark.parametrize(
    ("text", "exercise", "sets", "reps", "kg", "seconds"),
    [
        ("squats 3x10 40kg", "squats", 3, 10, 40, None),
        ("lunges 3x12", "lunges", 3, 12, None, None),
        ("30min", None, None, None, None, 1800),
        ("3 x 10 squats 90 lbs", "squats", 3, 10, 40.82, None),
        ("pushups 20", "pushups", 1, 20, None, None),
        ("goblet squats 4×8 16kg", "goblet squats", 4, 8, 16, None),
    ],
)
def test_strength_reads_sets_reps_weight(text, exercise, sets, reps, kg, seconds):
    value = parse_strength(text, L).value
    assert (value.exercise, value.sets, value.reps) == (exercise, sets, reps)
    assert value.weight_kg == (pytest.approx(kg, rel=1e-3) if kg else None)
    assert value.duration_s == seconds


@pytest.mark.parametrize(
    ("text", "ml"),
    [
        ("500ml", 500),
        ("16oz", 473.18),
        ("2 glasses", 500),
        ("half a litre", 500),
        ("0.5l", 500),
        ("a glass", 250),
        ("1.5 litres", 1500),
        ("33cl", 330),
    ],
)
def test_water_reads_volumes_and_glasses(text, ml):
    assert parse_water(text, L, 250).value.volume_ml == pytest.approx(ml, rel=1e-3)


def test_glass_size_is_a_setting():
    assert parse_water("2 glasses", L, 300).value.volume_ml == 600


@pytest.mark.parametrize(
    ("call", "text", "says"),
    [
        (parse_run, "banana", "couldn't find a distance"),
        (parse_run, "900km", "more than I can believe"),
        (parse_run, "5k 1:00", "world record"),
        (parse_run, "-5k", "more than zero"),
        (parse_run, "5k 28:30 " + "x" * 300, "up to 280"),
        (parse_strength, "", "Tell me what you did"),
        (parse_strength, "squats 3x10 9000kg", "weight"),
        (parse_strength, "squats 999x10", "doesn't look right"),
    ],
)
def test_bad_input_explains_with_an_example(call, text, says):
    with pytest.raises(ParseError, match=says):
        call(text, L)


@pytest.mark.parametrize("text", ["-3l", "40l", "banana", "5km"])
def test_bad_water_is_refused(text):
    with pytest.raises(ParseError, match="Try: /water"):
        parse_water(text, L, 250)


def test_trailing_dates():
    today = date(2026, 11, 25)
    assert split_date("5k 28:30 yesterday", today, L).on_date == date(2026, 11, 24)
    assert split_date("5k 28:30 2026-11-20", today, L).on_date == date(2026, 11, 20)
    assert split_date("5k 28:30", today, L).on_date is None
    with pytest.raises(ParseError, match="future"):
        split_date("5k 2026-12-01", today, L)
    with pytest.raises(ParseError, match="not a date"):
        split_date("5k 2026-02-30", today, L)


@pytest.mark.parametrize(
    ("text", "kind", "amount", "period", "sessions"),
    [
        ("run 15km/week", Kind.RUN, 15000, Period.WEEK, False),
        ("strength 3/week", Kind.STRENGTH, 3, Period.WEEK, True),
        ("water 2l/day", Kind.WATER, 2000, Period.DAY, False),
        ("run 3 runs/week", Kind.RUN, 3, Period.WEEK, True),
        ("water 64oz per day", Kind.WATER, 1892.7, Period.DAY, False),
    ],
)
def test_goals(text, kind, amount, period, sessions):
    goal = parse_goal(text, L)
    assert (goal.kind, goal.period, goal.counts_sessions) == (kind, period, sessions)
    assert goal.amount == pytest.approx(amount, rel=1e-3)
