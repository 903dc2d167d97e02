"""What ``/metrics`` reads from the database at each scrape: the whole desk's state, the
same whichever worker is scraped. Each query is bounded by what is live (active tickets,
unsent outbox rows) through an index, not by everything ever stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.records import ACTIVE_STATUSES, LIVE_STATUSES
from bot.reports.desk_state import DeskState
from storage.models import OutboxRow, TicketRow

__all__ = ["desk_state"]


def desk_state(session: Session, now: datetime) -> DeskState:
    by_status = session.execute(
        select(TicketRow.status, func.count(TicketRow.id))
        .where(TicketRow.status.in_(LIVE_STATUSES))
        .group_by(TicketRow.status)
    ).all()
    active = TicketRow.status.in_(ACTIVE_STATUSES)
    first_response = session.scalar(
        select(func.count(TicketRow.id)).where(
            active, TicketRow.first_response_breached_at.is_not(None)
        )
    )
    resolution = session.scalar(
        select(func.count(TicketRow.id)).where(
            active, TicketRow.resolution_breached_at.is_not(None)
        )
    )
    outbox = session.execute(
        select(OutboxRow.platform, func.count(OutboxRow.id), func.min(OutboxRow.created_at))
        .where(OutboxRow.sent_at.is_(None))
        .group_by(OutboxRow.platform)
    ).all()
    return DeskState(
        tickets={status: int(count) for status, count in by_status},
        breached={"first_response": int(first_response or 0), "resolution": int(resolution or 0)},
        outbox_pending={platform: int(count) for platform, count, _ in outbox},
        outbox_oldest_seconds={
            platform: max(0.0, (now - oldest).total_seconds()) for platform, _, oldest in outbox
        },
    )
