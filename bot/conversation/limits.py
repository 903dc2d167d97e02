"""Limits on what one person sends: message size and rate.

One huge paste must not fill the database or the agents' screens, and a flood must not
use up the KB search, the ticket desk or the agents' attention; neither may lose what
someone wrote without telling them. A long message is cut (and its writer told where);
a message over the rate is stored, on its ticket if there is one, and its writer told once
per window when the bot will listen again. The rate counts everything a person sends:
messages, commands, button presses and forms, so ``/status`` 600 times is a flood too; a
command, press or form over the rate changes nothing.

The rate is counted in the database, not in the process: over the messages and commands
stored for the person (each is stored before it is handled) and the presses and forms
marked with who sent them, so with several workers on one database a person still gets
``messages_per_minute`` through, not that many times the number of workers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.events import CommandIssued, Event, MessageReceived
from bot.settings import LimitSettings
from bot.store.conversation import RecentMessages

__all__ = ["Cut", "InboundLimits", "MessageRate", "Slowdown"]

WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class Cut:
    """The event, with its text cut to the limit when it was longer (``length`` then)."""

    event: Event
    length: int | None = None


@dataclass(frozen=True)
class Slowdown:
    """Over the rate: wait ``seconds``; ``tell`` is True for the first message refused."""

    seconds: int
    tell: bool


class MessageRate:
    """At most ``per_minute`` messages, commands, presses and forms per person in any
    minute (0: no limit)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute

    def check(self, store: RecentMessages, user_id: int, now: datetime) -> Slowdown | None:
        """None when what the person sent at ``now`` may be acted on; else how long to
        wait. Everything counts, refused ones too: a flood keeps the door shut.

        The count is of what is stored up to ``now``, so two workers handling two of one
        person's messages at once agree on which of them is over the rate.
        """
        if not self.per_minute:
            return None
        # This message and those before it, newest first; two more than allowed tell apart
        # the first refused message (told) from later ones (not told again).
        recent = store.recent_inbound(user_id, now - WINDOW, now, self.per_minute + 2)
        if len(recent) <= self.per_minute:
            return None
        # Answered again once the per_minute-th newest message is a minute old.
        wait = recent[self.per_minute - 1] + WINDOW - now
        return Slowdown(max(1, math.ceil(wait.total_seconds())), len(recent) == self.per_minute + 1)


class InboundLimits:
    def __init__(self, settings: LimitSettings) -> None:
        self.max_chars = settings.max_message_chars
        self.rate = MessageRate(settings.messages_per_minute)

    def cut(self, event: Event) -> Cut:
        """A message (or a command's words) longer than ``max_chars``, cut to it."""
        if isinstance(event, MessageReceived) and len(event.text) > self.max_chars:
            return Cut(replace(event, text=event.text[: self.max_chars]), len(event.text))
        if isinstance(event, CommandIssued):
            length = sum(len(arg) for arg in event.args)
            if length > self.max_chars:
                return Cut(replace(event, args=_cut_args(event.args, self.max_chars)), length)
        return Cut(event)


def _cut_args(args: tuple[str, ...], limit: int) -> tuple[str, ...]:
    kept: list[str] = []
    for arg in args:
        if limit <= 0:
            break
        kept.append(arg[:limit])
        limit -= len(arg)
    return tuple(kept)
