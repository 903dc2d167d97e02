"""SLA clock and scheduled-job queries, mixed into ``SqlStore``.

The sweep never scans all tickets: ``sla_next_at`` (indexed) says when a ticket next needs
a job's attention, and only tickets whose moment has passed are read. Each is locked
before it is acted on (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's ``BEGIN
IMMEDIATE`` lets one writer in at a time), so two schedulers never act on one ticket twice.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Insert, func, select, update
from sqlalchemy.orm import Session

from bot.records import Ticket, TicketClock
from storage.models import ConversationRow, FeedbackRow, JobRunRow, TicketRow

__all__ = ["SlaQueries", "clock_of"]


def clock_of(row: TicketRow) -> TicketClock:
    return TicketClock(
        first_response_due_at=row.first_response_due_at,
        resolution_due_at=row.resolution_due_at,
        paused_at=row.sla_paused_at,
        paused_seconds=row.sla_paused_seconds or 0,
        reminders_sent=row.sla_reminders_sent or 0,
        first_response_breached_at=row.first_response_breached_at,
        resolution_breached_at=row.resolution_breached_at,
        waiting_since=row.waiting_since,
        nudged_at=row.nudged_at,
        next_at=row.sla_next_at,
    )


class SlaQueries:
    session: Session

    if TYPE_CHECKING:  # provided by SqlStore

        def _ticket(self, row: TicketRow) -> Ticket: ...

        def _insert_ignoring_duplicates(self, table: Any, values: dict[str, Any]) -> Insert: ...

        def ticket(self, ticket_id: int) -> Ticket: ...

    def set_clock(self, ticket: Ticket, clock: TicketClock, now: datetime) -> Ticket:
        self.session.execute(
            update(TicketRow)
            .where(TicketRow.id == ticket.id)
            .values(
                first_response_due_at=clock.first_response_due_at,
                resolution_due_at=clock.resolution_due_at,
                sla_paused_at=clock.paused_at,
                sla_paused_seconds=clock.paused_seconds,
                sla_reminders_sent=clock.reminders_sent,
                first_response_breached_at=clock.first_response_breached_at,
                resolution_breached_at=clock.resolution_breached_at,
                waiting_since=clock.waiting_since,
                nudged_at=clock.nudged_at,
                sla_next_at=clock.next_at,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return self.ticket(ticket.id)

    def due_ticket_ids(self, now: datetime, limit: int) -> Sequence[int]:
        return self.session.scalars(
            select(TicketRow.id)
            .where(TicketRow.sla_next_at <= now)
            .order_by(TicketRow.sla_next_at, TicketRow.id)
            .limit(limit)
        ).all()

    def lock_due_ticket(self, ticket_id: int, now: datetime) -> Ticket | None:
        row = self.session.scalar(
            select(TicketRow)
            .where(TicketRow.id == ticket_id, TicketRow.sla_next_at <= now)
            .with_for_update(skip_locked=True, of=TicketRow)
            .execution_options(populate_existing=True)
        )
        return self._ticket(row) if row else None

    def platform_tickets(self, platform: str, statuses: Collection[str]) -> Sequence[Ticket]:
        rows = self.session.scalars(
            select(TicketRow)
            .join(ConversationRow, TicketRow.conversation_id == ConversationRow.id)
            .where(ConversationRow.platform == platform, TicketRow.status.in_(list(statuses)))
            .order_by(TicketRow.id)
        ).unique()
        return [self._ticket(row) for row in rows]

    def count_feedback(self, platform: str, kind: str, start: datetime, end: datetime) -> int:
        count = self.session.scalar(
            select(func.count(FeedbackRow.id))
            .join(ConversationRow, FeedbackRow.conversation_id == ConversationRow.id)
            .where(
                ConversationRow.platform == platform,
                FeedbackRow.kind == kind,
                FeedbackRow.created_at >= start,
                FeedbackRow.created_at < end,
            )
        )
        return int(count or 0)

    def claim_job_run(self, job: str, period: str, now: datetime) -> bool:
        statement = self._insert_ignoring_duplicates(
            JobRunRow.__table__, {"job": job, "period": period, "created_at": now}
        )
        return self.session.execute(statement).first() is not None
