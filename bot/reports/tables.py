"""The report as rich tables for the terminal (``tier0 report``)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from bot.reports.figures import Report
from bot.reports.rows import ReportTable, describe_window, report_tables

__all__ = ["print_report"]


def print_report(report: Report, console: Console) -> None:
    console.print(Text(f"tier0 report: {describe_window(report.window)}", style="bold"))
    console.print(Group(*(_rich(table) for table in report_tables(report))))


def _rich(shown: ReportTable) -> Table | Text:
    if not shown.rows and shown.empty:
        return Text(shown.empty)
    table = Table(title=shown.title)
    for n, header in enumerate(shown.headers):
        table.add_column(header, justify="left" if n == 0 else "right")
    for row in shown.rows:
        table.add_row(*row)
    return table
