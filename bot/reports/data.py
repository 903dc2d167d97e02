"""What a report is computed from, as read from the database: counts and ticket times.

Plain data, so the figures can be computed (and tested) without a database, and so
storage can read it with whatever queries suit it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

__all__ = [
    "ArticleCounts",
    "DayCounts",
    "QuestionTotals",
    "ReportData",
    "ReportWindow",
    "TicketTimes",
    "parse_span",
]

_SPAN = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE)
_UNIT = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_span(text: str) -> timedelta:
    """``30d``, ``2w`` or ``12h`` as a duration; anything else is a ValueError."""
    found = _SPAN.match(text)
    if not found or int(found.group(1)) == 0:
        raise ValueError(f"{text!r} is not a span like 30d, 2w or 12h")
    return int(found.group(1)) * _UNIT[found.group(2).lower()]


@dataclass(frozen=True)
class ReportWindow:
    """Things that happened from ``since`` (included) to ``until`` (excluded), on one
    platform or (``platform`` None) on all of them."""

    since: datetime
    until: datetime
    platform: str | None = None

    @classmethod
    def last(cls, span: timedelta, now: datetime, platform: str | None = None) -> ReportWindow:
        return cls(now - span, now, platform)


@dataclass(frozen=True)
class QuestionTotals:
    """Questions the bot looked up, by how they went.

    ``answered``: an article was sent (directly or picked from a list); ``ticketed``:
    the question ended in a ticket (asked for a person, nothing matched, still need help,
    none of these).
    """

    asked: int = 0
    answered: int = 0
    solved: int = 0
    still_need_help: int = 0
    none_of_these: int = 0
    ticketed: int = 0


@dataclass(frozen=True)
class DayCounts:
    """One UTC day: questions asked, solved by the bot, tickets opened."""

    day: date
    questions: int = 0
    solved: int = 0
    tickets: int = 0


@dataclass(frozen=True)
class ArticleCounts:
    """How often an article was sent as an answer, and what the asker pressed."""

    article_id: str
    shown: int
    solved: int
    still_need_help: int


@dataclass(frozen=True)
class TicketTimes:
    """One ticket opened in the window: when things happened, its SLA marks, its agent."""

    created_at: datetime
    status: str
    assignee: str | None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    first_response_breached_at: datetime | None = None
    resolution_breached_at: datetime | None = None


@dataclass(frozen=True)
class ReportData:
    window: ReportWindow
    questions: QuestionTotals
    days: tuple[DayCounts, ...]
    articles: tuple[ArticleCounts, ...]
    tickets: tuple[TicketTimes, ...]
    ratings: tuple[tuple[int, int], ...]
    """(rating 1-5, how many), for ratings given in the window."""
