"""``SlaStore`` in memory: due tickets for the sweep, digests' figures, job runs."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from bot.records import Ticket
from tests.fakes.memory.tables import Tables

__all__ = ["MemorySla"]


class MemorySla:
    tables: Tables

    def due_ticket_ids(self, now: datetime, limit: int) -> Sequence[int]:
        due = [
            row
            for row in self.tables.tickets.values()
            if row.clock.next_at is not None and row.clock.next_at <= now
        ]
        due.sort(key=lambda row: (row.clock.next_at or now, row.id))
        return [row.id for row in due[:limit]]

    def lock_due_ticket(self, ticket_id: int, now: datetime) -> Ticket | None:
        """Only one transaction runs at a time here, so a due ticket is always free."""
        row = self.tables.tickets.get(ticket_id)
        due = row is not None and row.clock.next_at is not None and row.clock.next_at <= now
        return self.tables.ticket(row) if row is not None and due else None

    def platform_tickets(self, platform: str, statuses: Collection[str]) -> Sequence[Ticket]:
        return [
            self.tables.ticket(row)
            for row in self.tables.tickets.values()
            if row.status in statuses
            and self.tables.place(row.conversation_id).platform == platform
        ]

    def count_feedback(self, platform: str, kind: str, start: datetime, end: datetime) -> int:
        return sum(
            1
            for f in self.tables.feedback
            if f.kind == kind
            and start <= f.created_at < end
            and self.tables.place(f.conversation_id).platform == platform
        )

    def claim_job_run(self, job: str, period: str, now: datetime) -> bool:
        if (job, period) in self.tables.job_runs:
            return False
        self.tables.job_runs.add((job, period))
        return True
