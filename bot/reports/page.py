"""The report as one self-contained HTML file: styles and charts (inline SVG) included,
nothing fetched, so it can be mailed or archived as is."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from bot.reports.charts import report_charts, svg_of
from bot.reports.durations import describe_duration
from bot.reports.figures import Report
from bot.reports.tables import describe_window, percent, summary_rows

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


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _times(median: str, p90: str) -> str:
    return f"{median} / {p90}"


def html_report(report: Report) -> str:
    csat = report.csat
    sections = [
        "<h2>Summary</h2>",
        _table(("Figure", "Value"), summary_rows(report)),
        "<h2>Charts</h2>",
        *(
            f'<figure aria-label="{escape(chart.title)}">{svg_of(chart.figure)}</figure>'
            for chart in report_charts(report)
        ),
        "<h2>Customer satisfaction</h2>",
        _table(
            ("Rating", "Count", "Share"),
            (
                (str(rating), str(count), percent(count / csat.count if csat.count else None))
                for rating, count in csat.distribution
            ),
        ),
        "<h2>Articles, worst first</h2>",
        _table(
            ("Article", "Shown", "Solved", "Still need help", "No feedback", "Still need help %"),
            (
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
        ),
        "<h2>Agents</h2>",
        "<p>Tickets opened in the period that each agent holds now; times are median / p90.</p>",
        _table(
            ("Agent", "Tickets", "Active", "Resolved", "First response", "Resolution"),
            (
                (
                    a.agent,
                    str(a.tickets),
                    str(a.active),
                    str(a.resolved),
                    _times(
                        describe_duration(a.first_response.median),
                        describe_duration(a.first_response.p90),
                    ),
                    _times(
                        describe_duration(a.resolution.median), describe_duration(a.resolution.p90)
                    ),
                )
                for a in report.agents
            ),
        ),
    ]
    period = escape(describe_window(report.window))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>tier0 report: {period}</title><style>{STYLE}</style></head><body>"
        f'<h1>tier0 report</h1><p class="period">{period}</p>'
        + "\n".join(sections)
        + "</body></html>\n"
    )
