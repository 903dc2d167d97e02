"""The report as rich tables for the terminal (``tier0 report``)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table

from bot.reports.data import ReportWindow
from bot.reports.durations import Durations, describe_duration
from bot.reports.figures import Report

__all__ = ["describe_window", "percent", "print_report", "summary_rows"]


def describe_window(window: ReportWindow) -> str:
    where = window.platform or "all platforms"
    return f"{window.since:%Y-%m-%d %H:%M} to {window.until:%Y-%m-%d %H:%M} UTC, {where}"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _times(durations: Durations) -> str:
    return f"median {describe_duration(durations.median)}, p90 {describe_duration(durations.p90)}"


def summary_rows(report: Report) -> list[tuple[str, str]]:
    """(figure, value) pairs: the headline numbers, shared by the terminal and HTML."""
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


def _summary(report: Report) -> Table:
    window = report.window
    table = Table(title=f"tier0 report: {describe_window(window)}", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in summary_rows(report):
        table.add_row(name, value)
    return table


def _csat(report: Report) -> Table:
    table = Table(title="CSAT distribution")
    table.add_column("rating", justify="right")
    table.add_column("count", justify="right")
    table.add_column("share", justify="right")
    for rating, count in report.csat.distribution:
        table.add_row(
            str(rating),
            str(count),
            percent(count / report.csat.count if report.csat.count else None),
        )
    return table


def _articles(report: Report) -> Table:
    table = Table(title="Articles, worst first")
    for name in (
        "article",
        "shown",
        "solved",
        "still need help",
        "no feedback",
        "still need help %",
    ):
        table.add_column(name, justify="left" if name == "article" else "right")
    for a in report.articles:
        table.add_row(
            a.article_id,
            str(a.shown),
            str(a.solved),
            str(a.still_need_help),
            str(a.no_feedback),
            percent(a.still_need_help_rate),
        )
    return table


def _agents(report: Report) -> Table:
    table = Table(title="Agents (tickets opened in the period that they hold)")
    for name in ("agent", "tickets", "active", "resolved", "first response", "resolution"):
        table.add_column(name, justify="left" if name == "agent" else "right")
    for a in report.agents:
        table.add_row(
            a.agent,
            str(a.tickets),
            str(a.active),
            str(a.resolved),
            _times(a.first_response),
            _times(a.resolution),
        )
    return table


def print_report(report: Report, console: Console) -> None:
    parts = [_summary(report), _csat(report)]
    parts.append(_articles(report) if report.articles else Table(title="No article was sent"))
    parts.append(_agents(report) if report.agents else Table(title="No ticket was claimed"))
    console.print(Group(*parts))
