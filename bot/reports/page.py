"""The report as one self-contained HTML file: styles and charts (inline SVG) included,
nothing fetched, so it can be mailed or archived as is."""

from __future__ import annotations

from html import escape

from bot.reports.charts import report_charts, svg_of
from bot.reports.figures import Report
from bot.reports.rows import ReportTable, describe_window, report_tables

__all__ = ["html_report"]

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
       max-width: 980px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.1em; }
h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ddd; }
.period { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { padding: 0.25em 0.8em; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f6f6f6; }
figure { margin: 1.2em 0; }
figure svg { width: 100%; height: auto; }
"""


def _table(shown: ReportTable) -> str:
    if not shown.rows and shown.empty:
        return f"<h2>{escape(shown.title)}</h2><p>{escape(shown.empty)}</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in shown.headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in shown.rows
    )
    return (
        f"<h2>{escape(shown.title)}</h2>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def html_report(report: Report) -> str:
    summary, *details = report_tables(report)
    charts = "".join(
        f'<figure aria-label="{escape(chart.title)}">{svg_of(chart.figure)}</figure>'
        for chart in report_charts(report)
    )
    period = escape(describe_window(report.window))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>tier0 report: {period}</title><style>{STYLE}</style></head><body>"
        f'<h1>tier0 report</h1><p class="period">{period}</p>'
        + _table(summary)
        + f"<h2>Charts</h2>{charts}"
        + "".join(_table(table) for table in details)
        + "</body></html>\n"
    )
