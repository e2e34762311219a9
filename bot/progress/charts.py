"""The /chart picture: run distance as bars, strength sessions marked, water against the
goal line, and the trend, for this week, month or year, as a PNG of 1200x800 pixels.

Two steps, so each can be tested and timed alone: `chart_data` reads the figures from the
database (local days, the user's units), `render` draws them with matplotlib's Agg canvas.
The Figure API is used directly (no pyplot): no global state, safe in the core's threads.
Fonts are large because most people look at this on a phone.
"""

from __future__ import annotations

import gc
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from babel.units import get_unit_name
from sqlalchemy.orm import Session

from bot.domain import Kind, Period, Units
from bot.i18n.catalogs import translate
from bot.i18n.figures import FL_OZ, KM, LITRE, MILE
from bot.i18n.languages import DEFAULT, locale, supported
from bot.progress.days import month_abbreviation, weekday_abbreviation
from bot.progress.stats import (
    Span,
    daily_totals,
    goals_of,
    rolling_days,
    span_for,
    week_start,
)
from bot.reading import units as u

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CHART_SPANS = ("week", "month", "year")
DAY_BARS_MAX = 92  # a rolling span longer than this gets a bar a week
WIDTH_PX, HEIGHT_PX, DPI = 1200, 800, 100

RUN_COLOUR = "#f28e2b"
TREND_COLOUR = "#4e2a84"
STRENGTH_COLOUR = "#b3379b"
WATER_COLOUR = "#4e9fd8"
WATER_MET_COLOUR = "#2c7a4b"
GOAL_COLOUR = "#c0392b"
AHEAD_COLOUR = "#f2f2f2"


@dataclass(frozen=True)
class Bucket:
    """One bar: a local day (week and month charts) or a Monday-to-Sunday week (year)."""

    start: date
    end: date
    run: float  # distance in the user's unit (km or mi)
    strength: int  # sessions
    water: float  # per day, in the user's unit (l or fl oz); a week's bar is its daily average
    trend: float | None  # average run distance per bucket over the trend window; None ahead
    ahead: bool  # after today: drawn empty


@dataclass(frozen=True)
class ChartData:
    span: Span
    by_week: bool
    buckets: list[Bucket]
    water_goal: float | None  # per day, in the user's unit
    units: Units
    tz: str
    name: str
    lang: str = DEFAULT

    def _(self, message: str) -> str:
        return translate(self.lang, message)

    @property
    def trend_label(self) -> str:
        return self._("4-week average") if self.by_week else self._("7-day average")

    @property
    def distance_unit(self) -> str:
        """'km', 'mi', 'км'."""
        if self.lang == DEFAULT:
            return u.distance_unit(self.units)
        unit = KM if self.units is Units.METRIC else MILE
        return str(get_unit_name(unit, length="short", locale=locale(self.lang)))

    @property
    def water_unit(self) -> str:
        """'litres', 'fl oz', 'Liter', 'литры'."""
        if self.lang == DEFAULT:
            return u.volume_unit(self.units)
        if self.units is Units.IMPERIAL:
            return str(get_unit_name(FL_OZ, length="short", locale=locale(self.lang)))
        return str(get_unit_name(LITRE, length="long", locale=locale(self.lang)))

    @property
    def has_data(self) -> bool:
        return any(b.run or b.strength or b.water for b in self.buckets)


def chart_data(
    session: Session,
    user_id: int,
    span_name: str,
    today: date,
    *,
    units: Units,
    tz: str,
    name: str,
    lang: str = DEFAULT,
) -> ChartData:
    """The figures behind one chart: a bar per local day (week, month) or per week (year),
    labelled in `lang`."""
    span = span_for(span_name, today, lang=lang)
    by_week = span.name == "year" or (rolling_days(span.name) or 0) > DAY_BARS_MAX
    step = 7 if by_week else 1
    first = week_start(span.start) if by_week else span.start
    starts = [first + timedelta(days=i) for i in range(0, (span.end - first).days + 1, step)]
    window = 4 if by_week else 7
    # Reach back before the span so the trend is whole from the first bar.
    days = daily_totals(session, user_id, first - timedelta(days=step * (window - 1)), today)
    per_km = u.distance_amount(1000.0, units)
    per_litre = u.volume_amount(1000.0, units)

    def bucket_sums(start: date) -> tuple[float, int, float, int]:
        dist = water = 0.0
        strength = elapsed = 0
        for i in range(step):
            day = start + timedelta(days=i)
            if day > today:
                break
            elapsed += 1
            if (totals := days.get(day)) is not None:
                dist += totals[Kind.RUN].distance_m
                strength += totals[Kind.STRENGTH].sessions
                water += totals[Kind.WATER].volume_ml
        return dist / 1000 * per_km, strength, water / 1000 * per_litre, elapsed

    history = [first - timedelta(days=step * i) for i in range(window - 1, 0, -1)]
    runs_before = [bucket_sums(s)[0] for s in history]
    buckets: list[Bucket] = []
    for start in starts:
        run, strength, water, elapsed = bucket_sums(start)
        ahead = start > today
        recent = [*runs_before, *(b.run for b in buckets), run][-window:]
        buckets.append(
            Bucket(
                start=start,
                end=start + timedelta(days=step - 1),
                run=run,
                strength=strength,
                water=water / elapsed if elapsed else 0.0,
                trend=None if ahead else sum(recent) / window,
                ahead=ahead,
            )
        )
    goal = goals_of(session, user_id).get(Kind.WATER)
    water_goal = None
    if goal is not None and not goal.counts_sessions:
        per_day_ml = goal.amount if goal.period == Period.DAY else goal.amount / 7
        water_goal = per_day_ml / 1000 * per_litre
    return ChartData(
        span, by_week, buckets, water_goal, units, tz, name, supported(lang) or DEFAULT
    )


def render(data: ChartData) -> bytes:
    """The chart as PNG bytes, WIDTH_PX x HEIGHT_PX.

    matplotlib (with numpy's plotting half and Pillow) is imported here, on the first chart,
    not at start: it is about 30 MB of every process that imports it, and most never draw."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    runs_ax, water_ax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    fig.subplots_adjust(left=0.085, right=0.985, top=0.815, bottom=0.095, hspace=0.3)
    xs = list(range(len(data.buckets)))
    _shade_ahead(data, runs_ax, water_ax)
    _draw_runs(data, runs_ax, xs)
    _draw_water(data, water_ax, xs)
    _label_x(data, water_ax, xs)
    title = f"{_drawable(data.name)}: {data.span.label}".lstrip(": ")
    fig.suptitle(title, fontsize=26, fontweight="bold", y=0.98)
    if data.by_week:
        line = data._("Run {distance} per week · water {water} per day · days in {tz}")
    else:
        line = data._("Run {distance} per day · water {water} per day · days in {tz}")
    fig.text(
        0.5,
        0.9,
        line.format(distance=data.distance_unit, water=data.water_unit, tz=data.tz),
        ha="center",
        fontsize=16,
        color="#555555",
    )
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, facecolor="white")
    release(fig)
    return out.getvalue()


def release(figure: Figure) -> None:
    """Free a drawn figure now. A Figure and its axes, artists and canvas refer to each other,
    so only a full pass of the cycle collector frees them; in a process holding the core's
    objects that pass comes after a dozen charts or so, which by then have grown the heap for
    good: 40 charts left the core's process ~50 MB larger than one did. Collecting after each
    chart keeps it to one chart's worth. In the core's process, which freezes what it loaded
    at start (`gc.freeze`), the pass costs under 10 ms; in a process that doesn't, 50-100 ms."""
    figure.clear()
    gc.collect()


def _drawable(text: str) -> str:
    """Display names often carry emoji, which the chart's font cannot draw."""
    return "".join(c for c in text if ord(c) < 0x1F000 and c not in "\ufe0f\u200d").strip()


def _shade_ahead(data: ChartData, *axes: Axes) -> None:
    ahead = [i for i, b in enumerate(data.buckets) if b.ahead]
    if ahead:
        for ax in axes:
            ax.axvspan(ahead[0] - 0.5, len(data.buckets) - 0.5, color=AHEAD_COLOUR, zorder=0)


def _draw_runs(data: ChartData, ax: Axes, xs: list[int]) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    runs = [b.run for b in data.buckets]
    drawn = [(x, r) for x, r in zip(xs, runs, strict=True) if r > 0]  # empty bars cost time
    ax.bar([x for x, _ in drawn], [r for _, r in drawn], width=0.72, color=RUN_COLOUR, zorder=2)
    done = [(x, b.trend) for x, b in zip(xs, data.buckets, strict=True) if b.trend is not None]
    if done and max(runs, default=0) > 0:
        ax.plot(
            [x for x, _ in done],
            [t for _, t in done],
            color=TREND_COLOUR,
            linewidth=3.5,
            zorder=3,
        )
    top = max([*runs, *(t or 0 for _, t in done)], default=0)
    ax.set_ylim(0, top * 1.25 if top > 0 else 1)  # headroom for the strength marks
    ax.set_ylabel(data.distance_unit, fontsize=18)
    marks = [(x, b.strength) for x, b in zip(xs, data.buckets, strict=True) if b.strength]
    if marks:
        # As wide as a bar allows (a year has 53), with the count inside when above one.
        diameter_pt = min(24.0, 0.8 * (WIDTH_PX * 0.9 / len(xs)) * 72 / DPI)
        transform = ax.get_xaxis_transform()  # x in data, y in axes fraction
        ax.scatter(
            [x for x, _ in marks],
            [0.91] * len(marks),
            marker="D",
            s=diameter_pt**2,
            color=STRENGTH_COLOUR,
            transform=transform,
            zorder=4,
            clip_on=False,
        )
        for x, count in marks:
            if count > 1:
                ax.text(
                    x,
                    0.91,
                    str(count),
                    transform=transform,
                    ha="center",
                    va="center",
                    color="white",
                    fontweight="bold",
                    fontsize=max(9.0, diameter_pt * 0.55),
                    zorder=5,
                )
    if max(runs, default=0) == 0:
        ax.text(0.5, 0.45, data._("No runs yet"), transform=ax.transAxes, ha="center", fontsize=20)
    ax.legend(
        handles=[
            Patch(color=RUN_COLOUR, label=data._("run")),
            Line2D([], [], color=TREND_COLOUR, linewidth=3.5, label=data.trend_label),
            Line2D(
                [],
                [],
                marker="D",
                linestyle="",
                markersize=11,
                color=STRENGTH_COLOUR,
                label=data._("strength session"),
            ),
        ],
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=3,
        fontsize=15,
        frameon=False,
        borderaxespad=0.2,
    )
    _style(ax)


def _draw_water(data: ChartData, ax: Axes, xs: list[int]) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    water = [b.water for b in data.buckets]
    goal = data.water_goal
    drawn = [(x, w) for x, w in zip(xs, water, strict=True) if w > 0]
    colours = [
        WATER_MET_COLOUR if goal is not None and w >= goal > 0 else WATER_COLOUR for _, w in drawn
    ]
    ax.bar([x for x, _ in drawn], [w for _, w in drawn], width=0.72, color=colours, zorder=2)
    handles: list[Artist] = [Patch(color=WATER_COLOUR, label=data._("water a day"))]
    if goal is not None:
        ax.axhline(goal, color=GOAL_COLOUR, linestyle="--", linewidth=3, zorder=3)
        handles += [
            Line2D([], [], color=GOAL_COLOUR, linestyle="--", linewidth=3, label=data._("goal")),
            Patch(color=WATER_MET_COLOUR, label=data._("goal met")),
        ]
    top = max([*water, goal or 0], default=0)
    ax.set_ylim(0, top * 1.15 if top > 0 else 1)
    ax.set_ylabel(data.water_unit, fontsize=18)
    if max(water, default=0) == 0:
        ax.text(
            0.5,
            0.4,
            data._("No water logged yet"),
            transform=ax.transAxes,
            ha="center",
            fontsize=20,
        )
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=3,
        fontsize=15,
        frameon=False,
        borderaxespad=0.2,
    )
    _style(ax)


def _label_x(data: ChartData, ax: Axes, xs: list[int]) -> None:
    buckets = data.buckets
    if data.by_week:
        # A month's name under the week that holds its first day (in a calendar year, not
        # the next year's January under its last week; a rolling span may cross years).
        rolling = rolling_days(data.span.name) is not None
        ticks = [
            (x, month_abbreviation(b.end, data.lang))
            for x, b in zip(xs, buckets, strict=True)
            if b.end.day <= 7 and (rolling or b.end.year == data.span.start.year)
        ]
    elif len(buckets) <= 7:
        ticks = [
            (x, f"{weekday_abbreviation(b.start, data.lang)}\n{b.start.day}")
            for x, b in zip(xs, buckets, strict=True)
        ]
    else:
        ticks = [
            (x, str(b.start.day))
            for x, b in zip(xs, buckets, strict=True)
            if b.start.day == 1 or b.start.day % 5 == 0
        ]
    ax.set_xticks([x for x, _ in ticks], [label for _, label in ticks])
    ax.set_xlim(-0.6, len(buckets) - 0.4)
    ax.tick_params(axis="x", labelsize=16, length=0)


def _style(ax: Axes) -> None:
    ax.tick_params(axis="y", labelsize=15)
    ax.grid(axis="y", color="#dddddd", zorder=1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
