"""The raw material of ``tier0 report``, read with aggregate queries where they fit.

Counts (questions by outcome, per day, per article, ratings) are grouped in SQL; tickets
come back one row each with their times, because medians and percentiles are not
portable SQL. Days are UTC days on both backends.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session, aliased

from bot.reports.data import (
    ArticleCounts,
    DayCounts,
    QuestionTotals,
    ReportData,
    ReportWindow,
    TicketTimes,
)
from storage.models import FeedbackRow, QuestionRow, TicketRow, UserRow

__all__ = ["has_activity", "load_report_data"]

Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])


def load_report_data(session: Session, window: ReportWindow) -> ReportData:
    return ReportData(
        window=window,
        questions=_question_totals(session, window),
        days=_days(session, window),
        articles=_articles(session, window),
        tickets=_tickets(session, window),
        ratings=_ratings(session, window),
    )


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _in_window(query: Query, created_at: Any, window: ReportWindow) -> Query:
    return query.where(created_at >= window.since, created_at < window.until)


def _questions(query: Query, window: ReportWindow) -> Query:
    query = _in_window(query, QuestionRow.created_at, window)
    if window.platform is not None:
        query = query.where(QuestionRow.platform == window.platform)
    return query


def _question_totals(session: Session, window: ReportWindow) -> QuestionTotals:
    row = session.execute(
        _questions(
            select(
                func.count(QuestionRow.id),
                _count_where(QuestionRow.article_id.is_not(None)),
                _count_where(QuestionRow.outcome == "solved"),
                _count_where(QuestionRow.outcome == "still_need_help"),
                _count_where(QuestionRow.outcome == "none_of_these"),
                _count_where(QuestionRow.ticket_id.is_not(None)),
            ),
            window,
        )
    ).one()
    return QuestionTotals(*(int(value) for value in row))


def _utc_day(session: Session, column: Any) -> Any:
    """The UTC calendar day of a timestamp column, as the database computes it."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)  # SQLite keeps UTC text: its date part is the UTC day


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _days(session: Session, window: ReportWindow) -> tuple[DayCounts, ...]:
    question_day = _utc_day(session, QuestionRow.created_at).label("day")
    asked = session.execute(
        _questions(
            select(
                question_day,
                func.count(QuestionRow.id),
                _count_where(QuestionRow.outcome == "solved"),
            ),
            window,
        ).group_by(question_day)
    ).all()
    ticket_day = _utc_day(session, TicketRow.created_at).label("day")
    opened = session.execute(
        _ticket_query(select(ticket_day, func.count(TicketRow.id)), window).group_by(ticket_day)
    ).all()
    days: dict[date, DayCounts] = {}
    for day, questions, solved in asked:
        days[_as_date(day)] = DayCounts(_as_date(day), int(questions), int(solved))
    for day, tickets in opened:
        known = days.get(_as_date(day), DayCounts(_as_date(day)))
        days[known.day] = DayCounts(known.day, known.questions, known.solved, int(tickets))
    return tuple(days[day] for day in sorted(days))


def _articles(session: Session, window: ReportWindow) -> tuple[ArticleCounts, ...]:
    rows = session.execute(
        _questions(
            select(
                QuestionRow.article_id,
                func.count(QuestionRow.id),
                _count_where(QuestionRow.outcome == "solved"),
                _count_where(QuestionRow.outcome == "still_need_help"),
            ),
            window,
        )
        .where(QuestionRow.article_id.is_not(None))
        .group_by(QuestionRow.article_id)
    ).all()
    return tuple(
        ArticleCounts(str(article), int(shown), int(solved), int(unhelped))
        for article, shown, solved, unhelped in rows
    )


def _ticket_query(query: Query, window: ReportWindow) -> Query:
    query = _in_window(query, TicketRow.created_at, window)
    if window.platform is not None:
        requester = aliased(UserRow)
        query = query.join(requester, requester.id == TicketRow.requester_id).where(
            requester.platform == window.platform
        )
    return query


def _tickets(session: Session, window: ReportWindow) -> tuple[TicketTimes, ...]:
    assignee = aliased(UserRow)
    rows = session.execute(
        _ticket_query(
            select(
                TicketRow.created_at,
                TicketRow.status,
                assignee.display_name,
                assignee.platform_user_id,
                TicketRow.first_response_at,
                TicketRow.resolved_at,
                TicketRow.first_response_due_at,
                TicketRow.resolution_due_at,
                TicketRow.first_response_breached_at,
                TicketRow.resolution_breached_at,
            ).outerjoin(assignee, assignee.id == TicketRow.assignee_id),
            window,
        ).order_by(TicketRow.id)
    ).all()
    return tuple(
        TicketTimes(
            created_at=created,
            status=status,
            assignee=(name or platform_id) if platform_id is not None else None,
            first_response_at=first_response,
            resolved_at=resolved,
            first_response_due_at=first_due,
            resolution_due_at=resolution_due,
            first_response_breached_at=first_breached,
            resolution_breached_at=resolution_breached,
        )
        for (
            created,
            status,
            name,
            platform_id,
            first_response,
            resolved,
            first_due,
            resolution_due,
            first_breached,
            resolution_breached,
        ) in rows
    )


def _ratings(session: Session, window: ReportWindow) -> tuple[tuple[int, int], ...]:
    query = _in_window(
        select(FeedbackRow.rating, func.count(FeedbackRow.id)).where(
            and_(FeedbackRow.kind == "rating", FeedbackRow.rating.is_not(None))
        ),
        FeedbackRow.created_at,
        window,
    )
    if window.platform is not None:
        query = query.join(UserRow, UserRow.id == FeedbackRow.user_id).where(
            UserRow.platform == window.platform
        )
    rows = session.execute(query.group_by(FeedbackRow.rating).order_by(FeedbackRow.rating)).all()
    return tuple((int(rating), int(count)) for rating, count in rows if rating is not None)


def has_activity(session: Session) -> bool:
    """Whether anyone asked or opened a ticket yet (the demo seeds only an empty desk)."""
    asked = session.scalar(select(QuestionRow.id).limit(1))
    return asked is not None or session.scalar(select(TicketRow.id).limit(1)) is not None
