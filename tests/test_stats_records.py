"""/stats and /records against a history whose figures were worked out by hand.

Today is Wed 25 Nov 2026 (tests/conftest.py). The history, all in UTC:

    Fri 30 Oct  run 21.1 km in 2:05:00
    Mon 02 Nov  run 5 km in 25:00 (5:00 /km)
    Wed 04 Nov  run 10 km in 58:00 (5:48 /km)
    Thu 05 Nov  run 3 km, no time
    Sat 07 Nov  squats 3x5 60 kg
    Mon 09 Nov  water 2 l
    Tue 10 Nov  water 1.5 l; squats 3x5 60 kg (equals the record: the record keeps 07 Nov)
    Wed 11 Nov  squats 5x5 50 kg; lunges 3x12
    Wed 25 Nov  water 2.5 l; run 6.2 mi (9977.93 m) in 55:00 (5:31 /km)

Goals: water 2 l a day, run 15 km a week.
"""

from datetime import UTC, datetime

import pytest

from bot.progress.stats import Streak, streaks
from tests.support import Chat


def log_november(chat: Chat) -> None:
    for line in (
        "/run 21.1km 2:05:00 2026-10-30",
        "/run 5k 25:00 2026-11-02",
        "/run 10k 58:00 2026-11-04",
        "/run 3k 2026-11-05",
        "/strength squats 3x5 60kg 2026-11-07",
        "/water 2l 2026-11-09",
        "/water 1.5l 2026-11-10",
        "/strength squats 3x5 60kg 2026-11-10",
        "/strength squats 5x5 50kg 2026-11-11",
        "/strength lunges 3x12 2026-11-11",
        "/water 2.5l",
        "/run 6.2mi 55:00",
        "/goal water 2l/day",
        "/goal run 15km/week",
    ):
        reply = chat.say(line)
        assert reply.startswith(("✅", "🎯 Goal set")), reply


@pytest.fixture
def november(chat: Chat) -> Chat:
    log_november(chat)
    return chat


def test_month_stats_match_the_hand_worked_figures(november):
    stats = november.say("/stats")
    assert "**November 2026**" in stats
    # 5 + 10 + 3 + 9.978 km; time 25:00 + 58:00 + 55:00; pace over the timed 24.978 km only.
    assert "🏃 Runs: 4 runs · 27.98 km · 2:18:00 · average pace 5:31 /km" in stats
    assert "💪 Strength: 4 sessions" in stats
    # 6 l over the 25 days of November so far (the history began on 30 Oct).
    assert "💧 Water: 6 l · 240 ml a day on average over 25 days" in stats
    # 09 Nov and today (met already) of 25 days; 24 finished days + today.
    assert "🎯 water 2 l a day: met 2 of 25 days (8%)" in stats
    # Weeks touching November: 26 Oct (21.1 km) and 02 Nov (18 km) met; 09 and 16 Nov not;
    # this week is open and not met yet, so it does not count.
    assert "🎯 run 15.00 km a week: met 2 of 4 weeks (50%)" in stats
    assert "⭐ Best week: 02 Nov – 08 Nov 2026 · active 4 of 7 days · 18.00 km run" in stats
    assert "1 strength session" in stats
    assert "🔥 Streak: 1 day now · longest 5 days (07 Nov – 11 Nov 2026)" in stats


def test_week_and_all_time_stats(november):
    week = november.say("/stats week")
    assert "**This week (23 Nov – 29 Nov)**" in week
    assert "🏃 Runs: 1 run · 9.98 km · 55:00 · average pace 5:31 /km" in week
    assert "💪 Strength: none" in week
    assert "met 1 of 3 days (33%)" in week  # Mon and Tue missed; today met already
    assert "the first week is still open" in week
    assert "Best week" not in week  # a week's best week is itself
    every = november.say("/stats all")
    assert "**All time (since 30 Oct 2026)**" in every
    assert "🏃 Runs: 5 runs · 49.08 km · 4:23:00" in every
    # water goal since 30 Oct: 27 days, 26 finished + today
    assert "🎯 water 2 l a day: met 2 of 27 days (7%)" in every


def test_year_stats_and_imperial_units(november):
    november.say("/units imperial")
    year = november.say("/stats year")
    assert "**2026**" in year
    assert "30.50 mi" in year and "/mi" in year
    assert "fl oz a day on average" in year


def test_stats_errors_are_friendly(chat):
    assert "No entries yet" in chat.say("/stats")
    chat.say("/water 500ml")
    assert "Choose week, month, year or all, or the last days or weeks like 30d or 4w, " in (
        chat.say("/stats fortnight")
    )


def test_records_match_the_hand_worked_figures(november):
    records = november.say("/records")
    assert "Longest run: 21.10 km in 2:05:00 — Fri 30 Oct 2026" in records
    assert "Fastest pace over 5k: 5:00 /km (5.00 km in 25:00 — Mon 02 Nov 2026)" in records
    # 6.2 mi is 9977.9 m: runners call it a 10k, and so do the records.
    assert "Fastest pace over 10k: 5:31 /km (9.98 km in 55:00 — Wed 25 Nov 2026)" in records
    assert "Most water in a day: 2.5 l — Wed 25 Nov 2026" in records
    assert "• squats 3x5 @ 60 kg — Sat 07 Nov 2026" in records  # not 10 Nov, which only equalled it
    assert "lunges" not in records  # no weight, no heaviest set
    assert "Longest streak: 5 days (07 Nov – 11 Nov 2026)" in records


def test_records_in_imperial_and_with_gaps(chat):
    assert "No records yet" in chat.say("/records")
    chat.say("/units imperial")
    chat.say("/run 3k 20:00")
    records = chat.say("/records")
    assert "Longest run: 1.86 mi in 20:00" in records
    assert "Fastest pace over 5k: no timed run that long yet" in records
    assert "Most water" not in records


def test_undone_entries_count_nowhere(chat):
    chat.say("/run 30k 2:30:00")
    chat.say("/undo")
    chat.say("/run 5k 30:00")
    assert "Longest run: 5.00 km" in chat.say("/records")
    assert "1 run · 5.00 km" in chat.say("/stats")


def test_an_entry_at_23_30_local_belongs_to_that_local_day(chat, clock):
    chat.say("/tz America/Los_Angeles")
    clock.set(datetime(2026, 11, 25, 7, 30, tzinfo=UTC))  # Tue 24 Nov, 23:30 in Los Angeles
    chat.say("/water 3l")
    chat.say("/run 5k 30:00")
    clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))  # Wed 25 Nov, 04:00 there
    chat.say("/water 1l")
    records = chat.say("/records")
    assert "Most water in a day: 3 l — Tue 24 Nov 2026" in records
    assert "Longest run: 5.00 km in 30:00 — Tue 24 Nov 2026" in records
    week = chat.say("/stats week")
    assert "💧 Water: 4 l · 2 l a day on average over 2 days" in week
    assert "🔥 Streak: 2 days now" in week


def test_streak_rule_forgives_one_rest_day_in_seven():
    d = datetime(2026, 11, 1).date()
    days = [d.replace(day=n) for n in (2, 4, 5, 7, 9, 10, 11, 25)]
    current, longest = streaks(days, d.replace(day=25))
    assert current == Streak(1, d.replace(day=25), d.replace(day=25))
    assert longest == Streak(5, d.replace(day=7), d.replace(day=11))


def test_help_explains_the_stats(chat):
    text = chat.say("/help stats")
    assert "Monday to Sunday" in text and "/help streak" in text
    assert "/records" in chat.say("/help") and "/chart" in chat.say("/help")
