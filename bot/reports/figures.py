"""The report's figures, computed from ``ReportData``: rates, times, SLA, CSAT, per article
and per agent. Definitions (in docs/reports.md) live here and nowhere else."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.records import ACTIVE_STATUSES
from bot.reports.data import ArticleCounts, DayCounts, ReportData, ReportWindow, TicketTimes
from bot.reports.durations import Durations

__all__ = [
    "AgentFigures",
    "ArticleFigures",
    "Csat",
    "Report",
    "SlaFigures",
    "build_report",
    "share",
]


def share(part: int, whole: int) -> float | None:
    """``part / whole``, or None when there is no whole to speak of."""
    return part / whole if whole else None


@dataclass(frozen=True)
class SlaFigures:
    """Targets met and missed, counted once the outcome is known.

    A first response is met when it came by its due time and no breach was recorded; it
    is missed when a breach was recorded or it came late. Resolution likewise. Tickets
    still within their time, and tickets without SLA targets, are not counted.
    """

    first_response_met: int = 0
    first_response_missed: int = 0
    resolution_met: int = 0
    resolution_missed: int = 0

    @property
    def first_response_compliance(self) -> float | None:
        return share(self.first_response_met, self.first_response_met + self.first_response_missed)

    @property
    def resolution_compliance(self) -> float | None:
        return share(self.resolution_met, self.resolution_met + self.resolution_missed)

    @property
    def compliance(self) -> float | None:
        """Both targets together: met / (met + missed)."""
        met = self.first_response_met + self.resolution_met
        return share(met, met + self.first_response_missed + self.resolution_missed)


@dataclass(frozen=True)
class Csat:
    """Ratings (1-5) requesters gave their resolved tickets in the window."""

    distribution: tuple[tuple[int, int], ...]

    @property
    def count(self) -> int:
        return sum(count for _, count in self.distribution)

    @property
    def average(self) -> float | None:
        total = sum(rating * count for rating, count in self.distribution)
        return total / self.count if self.count else None


@dataclass(frozen=True)
class ArticleFigures:
    article_id: str
    shown: int
    solved: int
    still_need_help: int

    @property
    def no_feedback(self) -> int:
        return self.shown - self.solved - self.still_need_help

    @property
    def still_need_help_rate(self) -> float | None:
        return share(self.still_need_help, self.shown)


@dataclass(frozen=True)
class AgentFigures:
    """Tickets opened in the window that the agent holds now (claimed or resolved)."""

    agent: str
    tickets: int
    active: int
    resolved: int
    first_response: Durations
    resolution: Durations


@dataclass(frozen=True)
class Report:
    window: ReportWindow
    questions: int
    answered: int
    solved: int
    still_need_help: int
    none_of_these: int
    questions_ticketed: int
    tickets_opened: int
    tickets_active: int
    first_response: Durations
    resolution: Durations
    sla: SlaFigures
    csat: Csat
    articles: tuple[ArticleFigures, ...]
    agents: tuple[AgentFigures, ...]
    days: tuple[DayCounts, ...]

    @property
    def answer_rate(self) -> float | None:
        return share(self.answered, self.questions)

    @property
    def deflection_rate(self) -> float | None:
        """Questions the asker marked solved, with no person involved, of all asked."""
        return share(self.solved, self.questions)


def build_report(data: ReportData) -> Report:
    tickets = data.tickets
    return Report(
        window=data.window,
        questions=data.questions.asked,
        answered=data.questions.answered,
        solved=data.questions.solved,
        still_need_help=data.questions.still_need_help,
        none_of_these=data.questions.none_of_these,
        questions_ticketed=data.questions.ticketed,
        tickets_opened=len(tickets),
        tickets_active=sum(1 for t in tickets if t.status in ACTIVE_STATUSES),
        first_response=_first_response(tickets),
        resolution=_resolution(tickets),
        sla=_sla(tickets),
        csat=Csat(tuple((rating, dict(data.ratings).get(rating, 0)) for rating in range(1, 6))),
        articles=_worst_first(data.articles),
        agents=_agents(tickets),
        days=_every_day(data.window, data.days),
    )


def _first_response(tickets: Sequence[TicketTimes]) -> Durations:
    return Durations.of(
        t.first_response_at - t.created_at for t in tickets if t.first_response_at is not None
    )


def _resolution(tickets: Sequence[TicketTimes]) -> Durations:
    return Durations.of(t.resolved_at - t.created_at for t in tickets if t.resolved_at is not None)


def _sla(tickets: Sequence[TicketTimes]) -> SlaFigures:
    counts = {"fr_met": 0, "fr_missed": 0, "res_met": 0, "res_missed": 0}
    for t in tickets:
        first = _target(t.first_response_at, t.first_response_due_at, t.first_response_breached_at)
        if first is not None:
            counts["fr_met" if first else "fr_missed"] += 1
        resolved = _target(t.resolved_at, t.resolution_due_at, t.resolution_breached_at)
        if resolved is not None:
            counts["res_met" if resolved else "res_missed"] += 1
    return SlaFigures(
        counts["fr_met"], counts["fr_missed"], counts["res_met"], counts["res_missed"]
    )


def _target(done: datetime | None, due: datetime | None, breached: datetime | None) -> bool | None:
    """True: met; False: missed; None: no target, or not known yet."""
    if due is None:
        return None
    if breached is not None or (done is not None and done > due):
        return False
    return True if done is not None else None


def _worst_first(articles: Sequence[ArticleCounts]) -> tuple[ArticleFigures, ...]:
    """Most "still need help" first; then the higher share of them; then the most shown."""
    figures = [ArticleFigures(a.article_id, a.shown, a.solved, a.still_need_help) for a in articles]
    return tuple(
        sorted(
            figures,
            key=lambda a: (
                -a.still_need_help,
                -(a.still_need_help_rate or 0),
                -a.shown,
                a.article_id,
            ),
        )
    )


def _agents(tickets: Sequence[TicketTimes]) -> tuple[AgentFigures, ...]:
    mine: dict[str, list[TicketTimes]] = defaultdict(list)
    for t in tickets:
        if t.assignee is not None:
            mine[t.assignee].append(t)
    figures = [
        AgentFigures(
            agent=agent,
            tickets=len(held),
            active=sum(1 for t in held if t.status in ACTIVE_STATUSES),
            resolved=sum(1 for t in held if t.resolved_at is not None),
            first_response=_first_response(held),
            resolution=_resolution(held),
        )
        for agent, held in mine.items()
    ]
    return tuple(sorted(figures, key=lambda a: (-a.tickets, a.agent)))


def _every_day(window: ReportWindow, counted: Sequence[DayCounts]) -> tuple[DayCounts, ...]:
    """One entry per UTC day of the window, zero where nothing happened (charts need gaps)."""
    known = {day.day: day for day in counted}
    first: date = window.since.date()
    last: date = (window.until - timedelta(microseconds=1)).date()
    days = []
    day = first
    while day <= last:
        days.append(known.get(day, DayCounts(day)))
        day += timedelta(days=1)
    return tuple(days)
