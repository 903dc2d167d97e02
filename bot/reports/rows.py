"""The report's tables as plain rows of text, shown by the terminal (``tables``) and the
HTML page (``page``) alike, so both always say the same."""

from __future__ import annotations

from dataclasses import dataclass

from bot.reports.data import ReportWindow
from bot.reports.durations import Durations, describe_duration
from bot.reports.figures import Report

__all__ = ["ReportTable", "describe_window", "percent", "report_tables"]


@dataclass(frozen=True)
class ReportTable:
    """A titled table; its first column names things, the others hold figures."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str = ""
    """Said instead of the table when it has no rows."""


def report_tables(report: Report) -> list[ReportTable]:
    """Summary, CSAT distribution, articles (worst first), agents."""
    csat = report.csat
    return [
        ReportTable("Summary", ("Figure", "Value"), tuple(_summary(report))),
        ReportTable(
            "CSAT distribution",
            ("Rating", "Count", "Share"),
            tuple(
                (str(rating), str(count), percent(count / csat.count if csat.count else None))
                for rating, count in csat.distribution
            ),
        ),
        ReportTable(
            "Articles, worst first",
            ("Article", "Shown", "Solved", "Still need help", "No feedback", "Still need help %"),
            tuple(
                (
                    a.article_id,
                    str(a.shown),
                    str(a.solved),
                    str(a.still_need_help),
                    str(a.no_feedback),
                    percent(a.still_need_help_rate),
                )
                for a in report.articles
            ),
            empty="No article was sent.",
        ),
        ReportTable(
            "Agents: tickets opened in the period that each holds now",
            ("Agent", "Tickets", "Active", "Resolved", "First response", "Resolution"),
            tuple(
                (
                    a.agent,
                    str(a.tickets),
                    str(a.active),
                    str(a.resolved),
                    _times(a.first_response),
                    _times(a.resolution),
                )
                for a in report.agents
            ),
            empty="No ticket was claimed.",
        ),
    ]


def describe_window(window: ReportWindow) -> str:
    where = window.platform or "all platforms"
    return f"{window.since:%Y-%m-%d %H:%M} to {window.until:%Y-%m-%d %H:%M} UTC, {where}"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _times(durations: Durations) -> str:
    return f"median {describe_duration(durations.median)}, p90 {describe_duration(durations.p90)}"


def _summary(report: Report) -> list[tuple[str, str]]:
    sla = report.sla
    csat = report.csat
    return [
        ("Questions asked", str(report.questions)),
        ("Answered by the bot", f"{report.answered} ({percent(report.answer_rate)})"),
        (
            "Solved without a person (deflection)",
            f"{report.solved} ({percent(report.deflection_rate)})",
        ),
        ("Still need help / none of these", f"{report.still_need_help} / {report.none_of_these}"),
        ("Tickets opened", f"{report.tickets_opened} ({report.tickets_active} still active)"),
        (
            "First response",
            f"{_times(report.first_response)} ({report.first_response.count} tickets)",
        ),
        ("Resolution", f"{_times(report.resolution)} ({report.resolution.count} tickets)"),
        (
            "SLA: first response in time",
            f"{sla.first_response_met} of {sla.first_response_met + sla.first_response_missed} "
            f"({percent(sla.first_response_compliance)})",
        ),
        (
            "SLA: resolved in time",
            f"{sla.resolution_met} of {sla.resolution_met + sla.resolution_missed} "
            f"({percent(sla.resolution_compliance)})",
        ),
        ("SLA compliance (both targets)", percent(sla.compliance)),
        (
            "CSAT",
            "-" if csat.average is None else f"{csat.average:.2f} / 5 from {csat.count} rating(s)",
        ),
    ]
