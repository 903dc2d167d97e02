"""The report's charts with matplotlib: volume, deflection rate, time to resolution.

Figures are made with ``matplotlib.figure.Figure`` directly (no pyplot), so nothing
depends on a display or on global plotting state; rendering uses the Agg/SVG backends.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from bot.reports.data import DayCounts
from bot.reports.figures import Report

__all__ = ["Chart", "report_charts", "save_pngs", "svg_of"]

ROLLING_DAYS = 7
SIZE = (9.0, 3.6)
COLOURS = {"questions": "#9db4d0", "solved": "#2e8b57", "tickets": "#c8553d", "line": "#333333"}


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    figure: Figure


def report_charts(report: Report) -> list[Chart]:
    return [
        Chart("volume", "Volume per day", _volume(report.days)),
        Chart("deflection", "Deflection rate per day", _deflection(report.days)),
        Chart("resolution", "Time to resolution", _resolution(report.resolution.seconds)),
    ]


def svg_of(figure: Figure) -> str:
    """The figure as an inline ``<svg>`` element (no XML prologue)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def save_pngs(charts: Sequence[Chart], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for chart in charts:
        path = directory / f"{chart.name}.png"
        chart.figure.savefig(path, format="png", dpi=110, bbox_inches="tight")
        written.append(path)
    return written


def _axes(title: str) -> tuple[Figure, Axes]:
    figure = Figure(figsize=SIZE)
    axes = figure.add_subplot()
    axes.set_title(title, loc="left", fontsize=11)
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _by_day(axes: Axes) -> None:
    """Dates on the x axis, labelled without repeating the month and year on every tick."""
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]  # matplotlib.dates is untyped
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def _volume(days: Sequence[DayCounts]) -> Figure:
    figure, axes = _axes("Questions asked, solved by the bot, and tickets opened, per UTC day")
    _by_day(axes)
    when = np.array([day.day for day in days], dtype="datetime64[D]")
    axes.bar(when, [d.questions for d in days], color=COLOURS["questions"], label="questions")
    axes.plot(when, [d.solved for d in days], color=COLOURS["solved"], marker=".", label="solved")
    axes.plot(
        when, [d.tickets for d in days], color=COLOURS["tickets"], marker=".", label="tickets"
    )
    axes.set_ylabel("per day")
    axes.set_ylim(0, max((d.questions for d in days), default=0) * 1.25 + 1)  # room for the legend
    axes.legend(loc="upper left", frameon=False, ncols=3)
    return figure


def _deflection(days: Sequence[DayCounts]) -> Figure:
    """Each day's share of questions solved by the bot, and the last 7 days' share (which
    weighs days by their questions, so a quiet day does not swing it)."""
    figure, axes = _axes("Deflection rate: questions solved without a person")
    _by_day(axes)
    when = np.array([day.day for day in days], dtype="datetime64[D]")
    daily = [d.solved / d.questions if d.questions else np.nan for d in days]
    rolling = []
    for end in range(len(days)):
        recent = days[max(0, end - ROLLING_DAYS + 1) : end + 1]
        asked = sum(d.questions for d in recent)
        rolling.append(sum(d.solved for d in recent) / asked if asked else np.nan)
    axes.plot(
        when, daily, color=COLOURS["solved"], marker="o", linestyle="", alpha=0.5, label="day"
    )
    axes.plot(when, rolling, color=COLOURS["line"], label=f"last {ROLLING_DAYS} days")
    axes.set_ylim(0, 1)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    axes.legend(loc="upper left", frameon=False, ncols=2)
    return figure


def _resolution(seconds: Sequence[float]) -> Figure:
    figure, axes = _axes("Time from ticket opened to resolved (wall clock)")
    hours = np.asarray(seconds, dtype=float) / 3600
    if len(hours) == 0:
        axes.text(0.5, 0.5, "no ticket was resolved", ha="center", va="center")
        axes.set_axis_off()
        return figure
    axes.hist(hours, bins=min(30, max(5, len(hours) // 3)), color=COLOURS["questions"])
    for value, label in ((np.percentile(hours, 50), "median"), (np.percentile(hours, 90), "p90")):
        axes.axvline(value, color=COLOURS["line"], linestyle="--", linewidth=1)
        axes.annotate(
            f" {label} {value:.1f} h",
            (value, 1),
            xycoords=("data", "axes fraction"),
            va="top",
            fontsize=9,
        )
    axes.set_xlabel("hours")
    axes.set_ylabel("tickets")
    return figure
