"""Rolling spans beside the calendar ones: /stats 4w, /chart 90d..., each ending today, and the
bare /chart as the last 30 days. Figures worked out by hand from the histories of
tests/test_stats_records.py (November) and tests/test_charts.py (a week); today is Wed 25 Nov
2026."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.domain import Units
from bot.progress.charts import chart_data
from bot.storage.models import User
from tests.support import Chat
from tests.test_stats_records import log_november

TODAY = date(2026, 11, 25)


@pytest.fixture
def november(chat: Chat) -> Chat:
    log_november(chat)
    return chat


def test_stats_over_the_last_four_weeks(november):
    stats = november.say("/stats 4w")
    assert "**Last 4 weeks (29 Oct – 25 Nov)**" in stats
    # Every run since 30 Oct: 21.1 + 5 + 10 + 3 + 9.978 km.
    assert "🏃 Runs: 5 runs · 49.08 km · 4:23:00" in stats
    assert "💪 Strength: 4 sessions" in stats
    # Days counted from the first entry (30 Oct): 27; 09 Nov and today met.
    assert "🎯 water 2 l a day: met 2 of 27 days (7%)" in stats
    assert november.say("/stats 4 weeks") == stats
    by_days = november.say("/stats 28d")
    assert "**Last 28 days (29 Oct – 25 Nov)**" in by_days
    assert by_days.splitlines()[1:] == stats.splitlines()[1:]


def test_stats_over_the_last_seven_days(november):
    stats = november.say("/stats 7d")
    assert "**Last 7 days (19 Nov – 25 Nov)**" in stats
    assert "🏃 Runs: 1 run · 9.98 km · 55:00 · average pace 5:31 /km" in stats
    assert "💪 Strength: none" in stats
    assert "met 1 of 7 days (14%)" in stats  # 19–24 Nov missed, today met
    assert "over 7 days" in stats


def test_a_rolling_span_across_new_year_names_both_years(chat, clock):
    chat.say("/water 1l")
    stats = chat.say("/stats 52w")
    assert "**Last 52 weeks (27 Nov 2025 – 25 Nov 2026)**" in stats


@pytest.fixture
def week_history(chat: Chat) -> Chat:
    for line in ("/run 7k 2026-11-17", "/run 4k 2026-11-23", "/run 6k 2026-11-24"):
        chat.say(line)
    chat.say("/water 1.5l")
    return chat


def data_for(chat: Chat, span: str, today: date = TODAY):
    with chat.core.services.db.unit_of_work() as session:
        user_id = session.scalar(select(User.id))
        return chart_data(session, user_id, span, today, units=Units.METRIC, tz="UTC", name="Ana")


def test_the_bare_chart_is_the_last_thirty_days_with_a_bar_each(week_history):
    data = data_for(week_history, "30d")
    assert [b.start for b in data.buckets] == [
        date(2026, 10, 27) + timedelta(days=i) for i in range(30)
    ]
    runs = {b.start.day: b.run for b in data.buckets if b.run}
    assert runs == {17: 7, 23: 4, 24: 6}
    assert not any(b.ahead for b in data.buckets)
    assert data.trend_label == "7-day average"
    [reply] = week_history.replies("/chart")
    assert reply.attachments[0].filename == "steady-chart-30d-2026-11-25.png"


def test_on_the_fourth_of_a_month_the_bare_chart_still_shows_thirty_days(week_history, clock):
    data = data_for(week_history, "30d", today=date(2026, 12, 4))
    assert len(data.buckets) == 30 and not any(b.ahead for b in data.buckets)
    assert data.buckets[0].start == date(2026, 11, 5)
    assert sum(b.run for b in data.buckets) == 17
    month = data_for(week_history, "month", today=date(2026, 12, 4))
    assert sum(not b.ahead for b in month.buckets) == 4  # what /chart used to show


@pytest.mark.parametrize(
    ("span", "bars", "by_week"),
    [
        ("7d", 7, False),
        ("90d", 90, False),
        ("12w", 84, False),
        ("120d", 18, True),
        ("52w", 53, True),
    ],
)
def test_long_rolling_charts_get_a_bar_a_week(week_history, span, bars, by_week):
    data = data_for(week_history, span)
    assert len(data.buckets) == bars
    assert data.by_week is by_week
    assert data.trend_label == ("4-week average" if by_week else "7-day average")
    assert sum(b.run for b in data.buckets) == (10 if span == "7d" else 17)  # 17 Nov: 8 days
    [reply] = week_history.replies(f"/chart {span}")
    assert reply.attachments[0].filename == f"steady-chart-{span}-2026-11-25.png"


@pytest.mark.parametrize("command", ["/chart", "/stats"])
@pytest.mark.parametrize("span", ["0d", "367d", "53w", "0w", "9999d"])
def test_a_rolling_span_out_of_bounds_is_refused_with_an_example(chat, command, span):
    chat.say("/water 500ml")
    reply = chat.say(f"{command} {span}")
    assert reply == (
        f"A rolling span runs from 1 to 366 days or 1 to 52 weeks, e.g. {command} 90d or "
        f"{command} 12w."
    )


@pytest.mark.parametrize("span", ["30", "d30", "3m", "30 dayz", "-4w", "4.5w"])
def test_a_span_that_is_not_one_says_what_is(chat, span):
    chat.say("/water 500ml")
    assert "or the last days or weeks like 30d or 4w, e.g. /chart month or /chart 30d." in (
        chat.say(f"/chart {span}")
    )


def test_help_shows_the_rolling_spans(chat):
    assert "/chart 90d" in chat.say("/help chart") and "/stats 4w" in chat.say("/help stats")
