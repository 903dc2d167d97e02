"""Delivery lanes: actions in one lane are delivered in order; lanes are independent.

A data rule of the core, apart from the outbox's service code, so that storage can name
the lane of a conversation's rows (``storage.privacy``) without importing the outbox.
"""

from __future__ import annotations

from bot.events import Place

__all__ = ["lane_of_place"]


def lane_of_place(place: Place) -> str:
    """A lane is one conversation, including everything about its ticket, so a ticket card
    is posted before it is updated and notices reach the requester in the order decided."""
    return f"{place.platform}:{place.channel}:{place.thread or ''}"
