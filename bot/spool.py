"""Holding events while the database is down, to handle each once when it is back.

Slack retries an event it got no answer for only three times in about five minutes, and
an acknowledged event never again; Discord never redelivers. So an event that cannot be
stored because the database is unreachable goes to a local spool (a SQLite file per
worker, ``storage.spool``) and its writer is told they will be answered. Spooled events
are handled, oldest first, before the next event this worker takes once the database
answers again (and by the scheduler's replay), each exactly once: the engine's event-id
de-duplication makes a second attempt after a crash harmless.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol

from bot.events import ArticleSubmitted, ButtonPressed, CommandIssued, Event, MessageReceived
from bot.outbox import Delivery
from bot.tagged_json import TaggedJson

__all__ = ["EventSpool", "Spool", "SpooledEvent", "decode_event", "encode_event"]

log = logging.getLogger(__name__)

BATCH = 100

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


class Spool(Protocol):
    def put(self, event: Event) -> None:
        """Keep ``event`` (durably, before returning); a second put of its id is a no-op."""
        ...

    def oldest(self, limit: int) -> Sequence[SpooledEvent]: ...

    def done(self, spooled: SpooledEvent) -> None:
        """The event was handled (or found handled before): forget it."""
        ...

    def __len__(self) -> int: ...


@dataclass
class EventSpool:
    """A spool and the rule for what goes into it: events that failed for an ``outage``."""

    spool: Spool
    outage: Callable[[BaseException], bool]
    _draining: threading.Lock = field(default_factory=threading.Lock)

    def keep(self, event: Event, error: BaseException) -> bool:
        """Spool ``event`` if ``error`` is an outage; whether it is now kept."""
        if not self.outage(error):
            return False
        try:
            self.spool.put(event)
        except Exception:
            log.exception("could not spool %s during a database outage", event.event_id)
            return False
        log.warning(
            "database unreachable (%s): event %s kept in the spool (%d waiting)",
            type(error).__name__,
            event.event_id,
            len(self.spool),
        )
        return True

    def drain(self, handle: Callable[[Event], list[Delivery]]) -> list[Delivery]:
        """Handle the spooled events, oldest first; an outage stops it (and raises)."""
        if not len(self.spool):
            return []
        deliveries: list[Delivery] = []
        with self._draining:  # one drain at a time, so the spool's order holds
            while batch := self.spool.oldest(BATCH):
                for spooled in batch:
                    try:
                        deliveries.extend(handle(spooled.event))
                    except Exception as error:
                        if self.outage(error):
                            raise
                        # Past the first transaction the message is stored: replay retries it.
                        log.exception("spooled event %s failed", spooled.event.event_id)
                    self.spool.done(spooled)
            log.info("spool drained: the database is back")
        return deliveries
