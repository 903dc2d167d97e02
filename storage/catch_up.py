"""Where a platform that never redelivers must look back after a restart.

Discord sends a message once, to whichever session is connected; one written while no
tier0 process was connected is only in the channel's history. The adapter reads that
history after each new session, starting after the newest message tier0 already stored
from the channel, for the channels it serves: those with recent inbound messages and
those of active tickets (the requester's conversation and the agents' card threads).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Engine, func, literal_column, select

from bot.records import ACTIVE_STATUSES
from storage.models import ConversationRow, MessageRow, TicketCardRow, TicketRow

__all__ = ["channels_to_catch_up", "stored_message_ids"]


def channels_to_catch_up(engine: Engine, platform: str, since: datetime) -> dict[str, str | None]:
    """Channel id -> the platform id of the newest inbound message stored from it since
    ``since`` (None: none; the look-back starts at ``since``).

    "Newest" is the last stored (the highest row id): messages are stored as they arrive.
    Each query is served by an index (``tests/storage/test_catch_up_queries.py``).
    """
    active = sorted(ACTIVE_STATUSES)
    with engine.connect() as connection:
        newest_rows = connection.execute(
            select(ConversationRow.channel, func.max(MessageRow.id))
            .join(ConversationRow, ConversationRow.id == MessageRow.conversation_id)
            .where(
                MessageRow.platform == platform,
                # Literal 'in', not a parameter: so the partial index's condition is seen to hold.
                MessageRow.direction == literal_column("'in'"),
                MessageRow.created_at >= since,
            )
            .group_by(ConversationRow.channel)
        ).all()
        by_row = {int(row_id): str(channel) for channel, row_id in newest_rows}
        found: dict[str, str | None] = {}
        if by_row:
            platform_ids = connection.execute(
                select(MessageRow.id, MessageRow.platform_message_id).where(
                    MessageRow.id.in_(sorted(by_row))
                )
            ).all()
            found = {by_row[row_id]: message_id for row_id, message_id in platform_ids}
        ticket_places = connection.scalars(
            select(ConversationRow.channel)
            .join(TicketRow, TicketRow.conversation_id == ConversationRow.id)
            .where(TicketRow.status.in_(active), ConversationRow.platform == platform)
        ).all()
        card_threads = connection.scalars(
            select(TicketCardRow.thread)
            .join(TicketRow, TicketRow.id == TicketCardRow.ticket_id)
            .where(
                TicketRow.status.in_(active),
                TicketCardRow.platform == platform,
                TicketCardRow.thread.is_not(None),
            )
        ).all()
    for channel in [*ticket_places, *card_threads]:
        if channel:
            found.setdefault(str(channel), None)
    return found


def stored_message_ids(engine: Engine, platform: str, message_ids: Collection[str]) -> set[str]:
    """Those of ``message_ids`` tier0 already stored (handled, or left for the replay), by
    the unique (platform, platform_message_id) index: read-back skips them."""
    if not message_ids:
        return set()
    with engine.connect() as connection:
        found = connection.scalars(
            select(MessageRow.platform_message_id).where(
                MessageRow.platform == platform,
                MessageRow.platform_message_id.in_(sorted(message_ids)),
            )
        ).all()
    return {str(message_id) for message_id in found}
