"""The picture at the end of a challenge: each member's running total, day by day, or for
a group goal the members' totals stacked into the group's, against the one target.

Drawn with matplotlib's Agg canvas on a `Figure` of its own (no pyplot), so it needs no
display and holds no global state: the tick may draw from any thread.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.groups.wording import short_day
from bot.i18n.catalogs import translate, translate_plural
from bot.i18n.languages import DEFAULT

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SHORT_DAYS = 10  # up to this many days, each one gets its tick
MAX_LABELLED = 10  # more members than this: the rest are drawn thin and unlabelled


def progress_chart(
    title: str,
    days: Sequence[date],
    totals: Mapping[str, Sequence[float]],
    *,
    target: float | None,
    unit: str,
    whole: bool = False,
    lang: str = DEFAULT,
) -> bytes:
    """A PNG: one line per member (`totals[name][i]` is their running total on `days[i]`),
    highest first in the legend, and the target as a dashed line. `whole`: counts, so the
    axis shows whole numbers. `lang`: the language of the legend and the dates (the group's);
    `unit` comes already in it."""
    return _drawn(_lines, title, days, totals, target, unit, whole, lang)


def together_chart(
    title: str,
    days: Sequence[date],
    totals: Mapping[str, Sequence[float]],
    *,
    target: float | None,
    unit: str,
    whole: bool = False,
    lang: str = DEFAULT,
) -> bytes:
    """A PNG for a group goal: the members' running totals stacked (`totals` as in
    `progress_chart`), so the top edge is the group's total, drawn as its own line against
    the target. Past `MAX_LABELLED` members the rest share one grey band."""
    return _drawn(_stacked, title, days, totals, target, unit, whole, lang)


# What a chart draws of its members: (the highest figure drawn, whether it has a legend).
Ranked = list[tuple[str, Sequence[float]]]
Draw = Callable[["Axes", Sequence[date], Ranked, str], tuple[float, bool]]


def _drawn(
    draw: Draw,
    title: str,
    days: Sequence[date],
    totals: Mapping[str, Sequence[float]],
    target: float | None,
    unit: str,
    whole: bool,
    lang: str,
) -> bytes:
    # Imported on the first chart, not at start: see bot/progress/charts.py's render.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with warnings.catch_warnings():
        # Names may hold glyphs the font lacks (emoji); a one-day window has equal x limits.
        warnings.simplefilter("ignore", UserWarning)
        figure = Figure(figsize=(8, 4.5), dpi=100)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        ranked = sorted(totals.items(), key=lambda item: -(item[1][-1] if item[1] else 0.0))
        top, legend = draw(axes, days, ranked, lang)
        top = max(top, target or 0.0)
        return _finish(figure, axes, title, days, target, unit, whole, top, legend, lang)


def _lines(axes: Axes, days: Sequence[date], ranked: Ranked, lang: str) -> tuple[float, bool]:
    # matplotlib's stubs take numbers for x; its date converter takes the days themselves,
    # hence the arg-type ignores on the x axis below.
    for i, (name, values) in enumerate(ranked):
        if i < MAX_LABELLED:
            marker = "o" if len(days) <= 31 else None
            axes.plot(days, values, marker=marker, ms=3, lw=2, label=name)  # type: ignore[arg-type]
        else:
            axes.plot(days, values, lw=0.8, color="0.6")  # type: ignore[arg-type]
    return max((v for _, values in ranked for v in values), default=0.0), bool(ranked)


def _stacked(axes: Axes, days: Sequence[date], ranked: Ranked, lang: str) -> tuple[float, bool]:
    bands = [list(values) for _, values in ranked[:MAX_LABELLED]]
    labels = [name for name, _ in ranked[:MAX_LABELLED]]
    if rest := ranked[MAX_LABELLED:]:
        bands.append([sum(column) for column in zip(*(v for _, v in rest), strict=True)])
        labels.append(translate_plural(lang, "{n} more", "{n} more", len(rest)).format(n=len(rest)))
    group = [sum(column) for column in zip(*bands, strict=True)] if bands else [0.0] * len(days)
    if bands:
        axes.stackplot(days, *bands, labels=labels, alpha=0.75)  # type: ignore[arg-type]
    axes.plot(days, group, lw=2.5, color="black", label=translate(lang, "the group"))  # type: ignore[arg-type]
    return max(group, default=0.0), True


def _finish(
    figure: Figure,
    axes: Axes,
    title: str,
    days: Sequence[date],
    target: float | None,
    unit: str,
    whole: bool,
    top: float,
    legend: bool,
    lang: str,
) -> bytes:
    """The target, axes, ticks and legend both charts share; the PNG's bytes."""
    from matplotlib.dates import AutoDateLocator, DateFormatter, num2date
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from bot.progress.charts import release

    if target:
        axes.axhline(target, ls="--", lw=1.2, color="0.35", label=translate(lang, "target"))
    axes.set_title(title)
    axes.set_ylabel(unit)
    axes.set_ylim(0, max(top * 1.1, 1.0))
    if whole:
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    if len(days) == 1:  # one day: give it room on both sides
        axes.set_xlim(days[0] - timedelta(days=1), days[0] + timedelta(days=1))  # type: ignore[arg-type]
    axes.grid(alpha=0.3)
    if len(days) <= SHORT_DAYS:
        axes.set_xticks(list(days))  # type: ignore[arg-type]
    else:  # matplotlib.dates leaves these __init__s unannotated
        axes.xaxis.set_major_locator(AutoDateLocator(maxticks=8))  # type: ignore[no-untyped-call]
    if lang == DEFAULT:
        axes.xaxis.set_major_formatter(DateFormatter("%d %b"))  # type: ignore[no-untyped-call]
    else:  # strftime's month names are the C locale's: English; CLDR's are the group's
        axes.xaxis.set_major_formatter(
            FuncFormatter(lambda x, _pos: short_day(lang, num2date(x).date()))  # type: ignore[no-untyped-call]
        )
    if legend or target:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    figure.autofmt_xdate()
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    release(figure)
    return out.getvalue()
