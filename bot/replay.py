"""Turning a stored but unhandled inbound message back into the event that carried it."""

from __future__ import annotations

from datetime import timedelta

from bot.arguments import split_args
from bot.events import CommandIssued, Event, MessageReceived
from bot.records import UnhandledMessage

__all__ = ["REPLAY_AFTER", "REPLAY_BATCH", "stored_event"]

REPLAY_AFTER = timedelta(seconds=30)
"""Only messages older than this are replayed: younger ones may still be in flight."""
REPLAY_BATCH = 500


def stored_event(message: UnhandledMessage) -> Event:
    """The event as first received (commands were stored as ``/name args``)."""
    if message.kind == "command":
        name, *args = split_args(message.text.removeprefix("/")) or ("help",)
        return CommandIssued(message.person, message.place, name, tuple(args), message.event_id)
    return MessageReceived(
        message.person, message.place, message.text, message.message_id, message.event_id
    )
