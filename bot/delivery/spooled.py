"""A spooled event and its encoding: what the spool file (``storage.spool``) keeps.

Data, apart from the spool's service code (``bot.delivery.spool``), so that storage keeps
events without importing the engine's delivery machinery.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.delivery.tagged_json import TaggedJson
from bot.events import ArticleSubmitted, ButtonPressed, CommandIssued, Event, MessageReceived

__all__ = ["SpooledEvent", "decode_event", "encode_event"]

_EVENTS: Final = TaggedJson[Event](
    (MessageReceived, ButtonPressed, CommandIssued, ArticleSubmitted)
)


def encode_event(event: Event) -> str:
    return _EVENTS.encode(event)


def decode_event(payload: str) -> Event:
    return _EVENTS.decode(payload)


@dataclass(frozen=True)
class SpooledEvent:
    id: int
    event: Event
