"""What the SLA sweep and the daily jobs read: due tickets, digests' figures, job runs.

Part of the storage contract (``bot.store``): ``storage.repository`` implements it on
SQLAlchemy, ``tests.fakes.memory`` in memory.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from bot.records import Ticket

__all__ = ["JobRuns", "SlaStore"]


class JobRuns(Protocol):
    def claim_job_run(self, job: str, period: str, now: datetime) -> bool:
        """Record that ``job`` runs for ``period``; False when it already did (elsewhere)."""
        ...


class SlaStore(JobRuns, Protocol):
    def due_ticket_ids(self, now: datetime, limit: int) -> Sequence[int]:
        """Tickets whose clock has something due by ``now`` (``next_at``), earliest first."""
        ...

    def lock_due_ticket(self, ticket_id: int, now: datetime) -> Ticket | None:
        """The ticket, locked until commit, if it is still due and no other worker holds it."""
        ...

    def platform_tickets(self, platform: str, statuses: Collection[str]) -> Sequence[Ticket]:
        """Tickets asked on ``platform`` in one of ``statuses``, oldest first (for digests)."""
        ...

    def count_feedback(self, platform: str, kind: str, start: datetime, end: datetime) -> int:
        """Feedback of ``kind`` (e.g. "solved": a deflection) given on ``platform``."""
        ...
