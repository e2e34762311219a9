"""/chart: the figures behind the picture, worked out by hand, and the PNG itself.

Today is Wed 25 Nov 2026. The history: Tue 17 Nov run 7 km; Mon 23 run 4 km; Tue 24 run
6 km and two strength sessions; Wed 25 water 1.5 l. Water goal: 2 l a day.
"""

import io
import warnings
from datetime import UTC, date, datetime

import pytest
from PIL import Image
from sqlalchemy import select

from bot.domain import Units
from bot.progress.charts import HEIGHT_PX, RUN_COLOUR, WATER_COLOUR, WIDTH_PX, chart_data
from bot.storage.models import User
from tests.support import Chat

TODAY = date(2026, 11, 25)


@pytest.fixture
def week_history(chat: Chat) -> Chat:
    for line in (
        "/run 7k 2026-11-17",
        "/run 4k 2026-11-23",
        "/run 6k 2026-11-24",
        "/strength squats 3x10 2026-11-24",
        "/strength 20min 2026-11-24",
        "/water 1.5l",
        "/goal water 2l/day",
    ):
        chat.say(line)
    return chat


def data_for(chat: Chat, span: str, units: Units = Units.METRIC, today: date = TODAY):
    with chat.core.services.db.unit_of_work() as session:
        user_id = session.scalar(select(User.id))
        return chart_data(session, user_id, span, today, units=units, tz="UTC", name="Ana")


def test_week_chart_figures(week_history):
    data = data_for(week_history, "week")
    assert [b.start.day for b in data.buckets] == [23, 24, 25, 26, 27, 28, 29]
    assert [b.run for b in data.buckets] == [4, 6, 0, 0, 0, 0, 0]
    assert [b.strength for b in data.buckets] == [2 * (d == 24) for d in range(23, 30)]
    assert [b.water for b in data.buckets] == [0, 0, 1.5, 0, 0, 0, 0]
    assert [b.ahead for b in data.buckets] == [False] * 3 + [True] * 4
    # 7-day average of run distance, reaching back into the week before for Monday.
    assert data.buckets[0].trend == pytest.approx((7 + 4) / 7)  # 17..23 Nov
    assert data.buckets[1].trend == pytest.approx((4 + 6) / 7)  # 18..24 Nov (17 Nov left)
    assert data.buckets[2].trend == pytest.approx((4 + 6) / 7)
    assert [b.trend for b in data.buckets[3:]] == [None] * 4
    assert data.water_goal == 2.0
    assert data.trend_label == "7-day average"


def test_year_chart_has_a_bar_per_week_and_water_as_a_daily_average(week_history):
    data = data_for(week_history, "year")
    assert data.by_week and len(data.buckets) == 53  # Mon 29 Dec 2025 .. Mon 28 Dec 2026
    assert data.buckets[0].start == date(2025, 12, 29)
    this_week = next(b for b in data.buckets if b.start == date(2026, 11, 23))
    assert this_week.run == 10 and this_week.strength == 2
    assert this_week.water == pytest.approx(1.5 / 3)  # three days of the week so far
    # 4-week average: weeks of 02, 09, 16 (7 km) and 23 Nov (10 km).
    assert this_week.trend == pytest.approx((7 + 10) / 4)
    assert sum(b.run for b in data.buckets) == 17


def test_chart_figures_follow_the_users_units(week_history):
    data = data_for(week_history, "week", Units.IMPERIAL)
    assert data.buckets[0].run == pytest.approx(2.4855, abs=1e-4)  # 4 km in miles
    assert data.water_goal == pytest.approx(67.628, abs=1e-3)  # 2 l in US fl oz
    assert (data.distance_unit, data.water_unit) == ("mi", "fl oz")


def test_a_weekly_water_goal_becomes_a_daily_line(week_history):
    week_history.say("/goal water 14l/week")
    assert data_for(week_history, "month").water_goal == pytest.approx(2.0)


def test_a_late_evening_entry_is_drawn_on_its_local_day(chat, clock):
    chat.say("/tz America/Los_Angeles")
    clock.set(datetime(2026, 11, 25, 7, 30, tzinfo=UTC))  # 23:30 on Tue 24 Nov there
    chat.say("/water 3l")
    data = data_for(chat, "week", today=date(2026, 11, 24))
    assert [b.water for b in data.buckets[:3]] == [0, 3.0, 0]
    assert [b.ahead for b in data.buckets[:3]] == [False, False, True]


def colours(image: Image.Image) -> dict[tuple[int, int, int], int]:
    return {rgb: n for n, rgb in image.convert("RGB").getcolors(maxcolors=1 << 20)}


def colour_share(image: Image.Image, hex_colour: str) -> float:
    target = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return colours(image).get(target, 0) / (image.width * image.height)


@pytest.mark.parametrize("span", ["week", "month", "year"])
def test_the_chart_is_a_png_of_the_expected_size_with_bars_on_it(week_history, span):
    [reply] = week_history.replies(f"/chart {span}")
    [image] = reply.attachments
    assert image.is_image and image.filename == f"steady-chart-{span}-2026-11-25.png"
    picture = Image.open(io.BytesIO(image.data))
    assert picture.format == "PNG"
    assert picture.size == (WIDTH_PX, HEIGHT_PX)
    assert colour_share(picture, RUN_COLOUR) > 0.002  # the run bars are there
    assert colour_share(picture, WATER_COLOUR) > 0.0005  # and the water bar
    assert len(colours(picture)) > 50  # text and lines, not a flat picture


def test_chart_caption_and_default_span(week_history):
    [reply] = week_history.replies("/chart")  # the last 30 days, not the calendar month
    assert reply.text == (
        "📈 Last 30 days (27 Oct – 25 Nov): 17.00 km run · 2 strength sessions · 1.5 l water"
    )
    assert reply.attachments[0].filename == "steady-chart-30d-2026-11-25.png"
    [month] = week_history.replies("/chart month")
    assert month.text == "📈 November 2026: 17.00 km run · 2 strength sessions · 1.5 l water"


def test_chart_errors_are_friendly(chat):
    assert "nothing to draw yet" in chat.say("/chart week")
    assert (
        "Choose week, month or year, or the last days or weeks like 30d or 4w, "
        "e.g. /chart month or /chart 30d."
    ) in chat.say("/chart decade")


def test_a_name_with_emoji_draws_without_missing_glyphs(core):
    chat = Chat(core, "ana", name="Ana 🏃‍♀️")
    chat.say("/run 5k 28:30")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a warning: make it fail the chart
        [reply] = chat.replies("/chart week")
    assert reply.attachments and reply.attachments[0].is_image
