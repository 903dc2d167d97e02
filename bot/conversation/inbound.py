"""What a person wrote, as it is stored before the bot acts on it."""

from __future__ import annotations

from typing import assert_never

from bot.events import ArticleSubmitted, ButtonPressed, CommandIssued, Event, MessageReceived

__all__ = ["inbound_of"]


def inbound_of(event: Event) -> tuple[str, str] | None:
    """(message id, text) of what a person wrote, to be stored before acting on it: a
    message, or a command as typed; None for a button press or a form."""
    match event:
        case MessageReceived():
            return event.message_id, event.text
        case CommandIssued():
            return event.event_id, " ".join(("/" + event.name, *event.args))
        case ButtonPressed() | ArticleSubmitted():
            return None
        case _:
            assert_never(event)
