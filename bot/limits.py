"""Limits on what one person sends: message size and message rate.

One huge paste must not fill the database or the agents' screens, and a flood must not
use up the KB search, the ticket desk or the agents' attention; neither may lose what
someone wrote without telling them. A long message is cut (and its writer told where);
a message over the rate is stored, on its ticket if there is one, and its writer told once
per window when the bot will listen again.

The rate is counted per process: with several workers a person may get up to that many
times the limit through, which still stops a flood.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.config import LimitSettings
from bot.events import CommandIssued, Event, MessageReceived

__all__ = ["Cut", "InboundLimits", "MessageRate", "Slowdown"]

WINDOW = timedelta(minutes=1)
_PRUNE_AT = 10_000  # people remembered before those quiet for a window are forgotten


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
    """At most ``per_minute`` messages per person in any minute (0: no limit)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._accepted: dict[str, deque[datetime]] = {}
        self._told: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def check(self, who: str, now: datetime) -> Slowdown | None:
        """None when ``who`` may send this message now (it is counted); else how long to wait."""
        if not self.per_minute:
            return None
        with self._lock:
            if len(self._accepted) > _PRUNE_AT:
                self._prune(now)
            accepted = self._accepted.setdefault(who, deque())
            while accepted and now - accepted[0] >= WINDOW:
                accepted.popleft()
            if len(accepted) < self.per_minute:
                accepted.append(now)
                return None
            told = self._told.get(who)
            tell = told is None or told < accepted[0]
            if tell:
                self._told[who] = now
            wait = WINDOW - (now - accepted[0])
            return Slowdown(max(1, int(wait.total_seconds() + 0.999)), tell)

    def _prune(self, now: datetime) -> None:
        quiet = [
            who for who, times in self._accepted.items() if not times or now - times[-1] >= WINDOW
        ]
        for who in quiet:
            del self._accepted[who]
            self._told.pop(who, None)


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
