"""Holding events while the database is down, to handle each once when it is back.

Slack retries an event it got no answer for only three times in about five minutes, and
an acknowledged event never again; Discord never redelivers. So an event that cannot be
stored because the database is unreachable goes to a local spool (a SQLite file per
worker, ``storage.spool``) and its writer is told they will be answered. Spooled events
are handled, oldest first, before the next event this worker takes once the database
answers again (and by the scheduler's replay), each exactly once: the engine's event-id
de-duplication makes a second attempt after a crash harmless.

A database that answers but cannot write (a full disk, a read-only database) is down too:
nothing a person writes can be stored. If the spool cannot keep the event either (its file
on the same full disk), it is not kept anywhere, and its writer must be told so, not that
it is saved.

A database that answers but is busy (a lock or busy timeout, a deadlock) is not down: the
event is tried again at once, a few times, and spooled only if it stays in the way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from bot.delivery.outbox import Delivery
from bot.delivery.spooled import SpooledEvent
from bot.events import Event

__all__ = [
    "EventSpool",
    "Keeping",
    "NotKept",
    "Spool",
]

log = logging.getLogger(__name__)

BATCH = 100
CONTENTION_ATTEMPTS = 3
"""Tries of an event another transaction kept getting in the way of (lock timeouts,
deadlocks): handling is idempotent, so trying again is safe."""
CONTENTION_PAUSE = 0.2  # seconds before the second try, doubled before each next one

Keeping = Literal["kept", "lost", "not an outage"]
"""What ``EventSpool.keep`` did with an event that failed: spooled it; could not, though
it failed for an outage (the spool's disk refused too); left it, as a failure of its own."""


class NotKept(Exception):
    """Neither the database nor the spool could keep an event. ``Engine.handle`` raises it
    instead of asking the writer to send the event again when its caller can have the
    event delivered again itself (Slack's payload is still in the adapter's inbox)."""


class Spool(Protocol):
    def put(self, event: Event) -> None:
        """Keep ``event`` (durably, before returning); a second put of its id is a no-op."""
        ...

    def oldest(self, limit: int) -> Sequence[SpooledEvent]: ...

    def done(self, spooled: SpooledEvent) -> None:
        """The event was handled (or found handled before): forget it."""
        ...

    def __len__(self) -> int: ...


def _never(_error: BaseException) -> bool:
    return False


@dataclass
class EventSpool:
    """A spool and the rules for what goes into it: events that failed for an ``outage``;
    events that failed for ``contention`` are tried again first, and kept only if the
    database stays in the way (nothing a person wrote may be lost)."""

    spool: Spool
    outage: Callable[[BaseException], bool]
    contention: Callable[[BaseException], bool] = _never
    _draining: threading.Lock = field(default_factory=threading.Lock)

    def attempt(self, handle: Callable[[Event], list[Delivery]], event: Event) -> list[Delivery]:
        """``handle(event)``, tried again (after a short pause) while another transaction is
        in the way, up to ``CONTENTION_ATTEMPTS`` times; the last error is raised."""
        pause = CONTENTION_PAUSE
        for tried in range(1, CONTENTION_ATTEMPTS):
            try:
                return handle(event)
            except Exception as error:
                if not self.contention(error):
                    raise
                log.warning(
                    "event %s: database busy (%s), trying again (%d of %d)",
                    event.event_id,
                    type(error).__name__,
                    tried + 1,
                    CONTENTION_ATTEMPTS,
                )
            time.sleep(pause)
            pause *= 2
        return handle(event)

    def keep(self, event: Event, error: BaseException) -> Keeping:
        """Spool ``event`` if ``error`` is an outage, or contention that outlasted the
        tries (a query's own error is not kept: the caller reports it)."""
        if self.outage(error):
            why = "database unavailable"
        elif self.contention(error):
            why = "database busy past every try"
        else:
            return "not an outage"
        try:
            self.spool.put(event)
        except Exception:
            log.exception(
                "%s (%s: %s) and the spool refused event %s too: it is not kept",
                why,
                type(error).__name__,
                error,
                event.event_id,
            )
            return "lost"
        log.warning(
            "%s (%s): event %s kept in the spool (%d waiting)",
            why,
            type(error).__name__,
            event.event_id,
            len(self.spool),
        )
        return "kept"

    def drain(self, handle: Callable[[Event], list[Delivery]]) -> list[Delivery]:
        """Handle the spooled events, oldest first; an outage, or contention that outlasts
        its tries, stops it (and raises) with the event still spooled."""
        if not len(self.spool):
            return []
        deliveries: list[Delivery] = []
        handled = 0
        with self._draining:  # one drain at a time, so the spool's order holds
            while batch := self.spool.oldest(BATCH):
                for spooled in batch:
                    try:
                        deliveries.extend(self.attempt(handle, spooled.event))
                    except Exception as error:
                        if self.outage(error) or self.contention(error):
                            raise
                        # Past the first transaction the message is stored: replay retries it.
                        log.exception("spooled event %s failed", spooled.event.event_id)
                    self.spool.done(spooled)
                    handled += 1
        if handled:
            log.info("spool drained (%d events): the database is back", handled)
        return deliveries
