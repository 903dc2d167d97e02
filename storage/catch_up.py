"""Where a platform that never redelivers must look back after a restart.

Discord sends a message once, to whichever session is connected; one written while no
tier0 process was connected is only in the channel's history. The adapter reads that
history after each new session, from shortly before the newest message tier0 stored
from the channel, skipping the messages it stored, for the channels it serves: those
with recent inbound messages and those of active tickets (the requester's conversation
and the agents' card threads).
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
    Each statement reads one table through an index condition, so no plan can walk a
    table whole (``tests/storage/test_catch_up_queries.py``).
    """
    with engine.connect() as connection:
        newest_by_conversation = dict(
            connection.execute(
                select(MessageRow.conversation_id, func.max(MessageRow.id))
                .where(
                    MessageRow.platform == platform,
                    # Literal 'in': so the partial index's condition is seen to hold.
                    MessageRow.direction == literal_column("'in'"),
                    MessageRow.created_at >= since,
                )
                .group_by(MessageRow.conversation_id)
            ).all()
        )
        active = connection.execute(
            select(TicketRow.id, TicketRow.conversation_id).where(
                TicketRow.status.in_(sorted(ACTIVE_STATUSES))
            )
        )
        tickets = {ticket_id: conversation_id for ticket_id, conversation_id in active}
        wanted = set(newest_by_conversation) | set(tickets.values())
        channels = dict(
            connection.execute(
                select(ConversationRow.id, ConversationRow.channel).where(
                    ConversationRow.id.in_(sorted(wanted)), ConversationRow.platform == platform
                )
            ).all()
        )
        card_threads = connection.scalars(
            select(TicketCardRow.thread).where(
                TicketCardRow.ticket_id.in_(sorted(tickets)),
                TicketCardRow.platform == platform,
                TicketCardRow.thread.is_not(None),
            )
        ).all()
        newest_by_channel: dict[str, int] = {}
        for conversation_id, row_id in newest_by_conversation.items():
            channel = channels[conversation_id]
            newest_by_channel[channel] = max(row_id, newest_by_channel.get(channel, 0))
        platform_ids = dict(
            connection.execute(
                select(MessageRow.id, MessageRow.platform_message_id).where(
                    MessageRow.id.in_(sorted(newest_by_channel.values()))
                )
            ).all()
        )
    found: dict[str, str | None] = {
        channel: platform_ids[row_id] for channel, row_id in newest_by_channel.items()
    }
    for place in [*channels.values(), *card_threads]:
        if place:
            found.setdefault(place, None)
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
