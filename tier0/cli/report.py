"""``tier0 report``: how the help desk did over a period, in the terminal, HTML or PNG."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console

from bot.reports.charts import report_charts, save_pngs
from bot.reports.data import ReportWindow, parse_span
from bot.reports.figures import build_report
from bot.reports.page import html_report
from bot.reports.tables import print_report
from storage.db import Database
from storage.reports import load_report_data
from tier0.config import load_settings

__all__ = ["add_period_arguments", "cmd_report", "register"]

PLATFORMS = ("slack", "discord", "console")


def _span(text: str) -> timedelta:
    """``--since 30d`` as a timedelta, or argparse's usage error."""
    try:
        return parse_span(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_period_arguments(parser: argparse.ArgumentParser) -> None:
    """``--since SPAN`` (default 30d) and ``--platform``: what a report or KB gaps cover."""
    parser.add_argument(
        "--since", type=_span, default=parse_span("30d"), metavar="SPAN", help="30d, 2w"
    )
    parser.add_argument("--platform", choices=PLATFORMS, help="only this platform")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    report = subparsers.add_parser(
        "report", help="questions, deflection, tickets, SLA, CSAT, articles and agents"
    )
    add_period_arguments(report)
    report.add_argument("--html", type=Path, metavar="FILE", help="also write an HTML report")
    report.add_argument("--png", type=Path, metavar="DIR", help="also write the charts as PNG")
    report.set_defaults(func=cmd_report)


def cmd_report(
    args: argparse.Namespace, console: Console | None = None, now: datetime | None = None
) -> int:
    console = console or Console()
    settings = load_settings(args.config)
    window = ReportWindow.last(args.since, now or datetime.now(UTC), args.platform)
    database = Database.open(settings.database.url, settings.tickets.key_prefix)
    try:
        with database.session() as session:
            report = build_report(load_report_data(session, window))
    finally:
        database.close()
    print_report(report, console)
    if args.html:
        args.html.write_text(html_report(report), encoding="utf-8")
        console.print(f"wrote {args.html}", highlight=False)
    if args.png:
        for path in save_pngs(report_charts(report), args.png):
            console.print(f"wrote {path}", highlight=False)
    return 0
