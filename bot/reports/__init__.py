"""Reports on how the help desk did: what the bot answered, tickets, SLAs, satisfaction.

``storage.reports`` reads the figures' raw material from the database (``data``);
``figures`` turns it into a ``Report``; ``tables``, ``charts`` and ``page`` show it.
"""

from bot.reports.data import ReportData, ReportWindow, parse_span
from bot.reports.figures import Report, build_report

__all__ = ["Report", "ReportData", "ReportWindow", "build_report", "parse_span"]
