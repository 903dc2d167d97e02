"""Slack payloads kept in the local inbox (``storage.inbox``) from before ``ack`` to handled.

Bolt acknowledges an event before its listener runs, and Slack never sends an acknowledged
event again, so a listener middleware (which runs before the acknowledgement) records the
payload first. The listener forgets it when it finishes; a listener cut short by shutdown
or a kill does not, so the payload is still there for the next process, which feeds it
through Bolt again as if Slack had just sent it.

A listener that fails because Slack could not be reached or answered with a server error
(a look-up of the person, opening their DM), or because neither the database nor the
outage spool could keep the event (a full disk: ``NotKept``), keeps its payload and is
fed through Bolt again after ``RETRY_DELAYS``; the number of tries so far travels in the
payload, so a restart goes on counting. Any other failure, or the last try's, forgets it
(logged): a failure that repeats must not come back for ever. The last try is handled as
one that cannot come back (``redeliverable`` is False), so a writer whose event still
cannot be kept is asked to send it again rather than forgotten in silence.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Final, Protocol

import aiohttp
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError

from bot.delivery.spool import NotKept

__all__ = ["KeptPayload", "PayloadInbox", "ReceivedPayloads", "redeliverable"]

log = logging.getLogger("adapters.slack")

_ENTRY: Final = "tier0_inbox_entry"
_BODY: Final = "tier0_inbox_body"
TRIES: Final = "tier0_tries"
"""Key of the payload that counts the tries that failed for a passing reason."""
ADOPT_INTERVAL: Final = 30.0
"""How often a running adapter looks for payloads left by a process that died and was not
started again (a restarted one adopts its predecessor's at start)."""
RETRY_DELAYS: Final = (2.0, 15.0, 60.0, 300.0, 900.0)
"""Seconds before each new try of a payload whose handling met an unreachable or failing
Slack: about 21 minutes in all, past Slack's own retries of unacknowledged events."""
_TICK: Final = 1.0
_REDELIVERABLE: ContextVar[bool] = ContextVar("tier0_slack_redeliverable", default=False)


class KeptPayload(Protocol):
    @property
    def payload(self) -> str: ...


class PayloadInbox(Protocol):
    """Where payloads wait from before ``ack`` until handled: ``storage.inbox``, a file on
    local disk that a process started after this one dies adopts."""

    def record(self, payload: str) -> int:
        """Keep ``payload`` (on disk when this returns); its entry, for ``forget``."""
        ...

    def forget(self, entry: int) -> None: ...

    def orphans(self) -> Iterator[KeptPayload]:
        """What processes that died left behind, oldest first."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class _Waiting:
    body: dict[str, Any]
    due: float


class ReceivedPayloads:
    def __init__(self, inbox: PayloadInbox, retry_delays: Sequence[float] = RETRY_DELAYS) -> None:
        self.inbox = inbox
        self._retry_delays = tuple(retry_delays)
        self._waiting: dict[int, _Waiting] = {}

    async def record(
        self, body: dict[str, Any], context: AsyncBoltContext, next: Callable[[], Awaitable[None]]
    ) -> None:
        """Listener middleware: write the payload to disk, then let Bolt acknowledge it.

        If the disk refuses, the error reaches Bolt, which answers Slack with a 500, and
        Slack sends the event again later."""
        context[_ENTRY] = self.inbox.record(json.dumps(body))
        context[_BODY] = body
        await next()

    async def handled(self, work: Awaitable[None], context: AsyncBoltContext) -> None:
        """Run the listener's ``work``; forget the payload unless the work was cancelled
        or failed for a passing reason and will be tried again."""
        entry = context.get(_ENTRY)
        keep = False
        # Set, not reset afterwards: Bolt runs each listener in a task of its own, whose
        # context is its own copy, and every path to the engine passes here first.
        _REDELIVERABLE.set(self._redeliverable(context))
        try:
            await work
        except asyncio.CancelledError:
            keep = True
            raise
        except Exception as error:
            keep = entry is not None and self._try_later(entry, context.get(_BODY), error)
            if not keep:
                raise
        finally:
            if entry is not None and not keep:
                self.inbox.forget(entry)

    def _redeliverable(self, context: AsyncBoltContext) -> bool:
        body = context.get(_BODY)
        return body is not None and int(body.get(TRIES, 0)) < len(self._retry_delays)

    def _try_later(self, entry: int, body: dict[str, Any] | None, error: Exception) -> bool:
        if body is None or not passing(error):
            return False
        tries = int(body.get(TRIES, 0)) + 1
        kind = str(body.get("type", "payload"))
        if tries > len(self._retry_delays):
            log.error("slack: gave up on a %s after %d tries: %s", kind, tries, error)
            return False
        delay = self._retry_delays[tries - 1]
        self._waiting[entry] = _Waiting({**body, TRIES: tries}, time.monotonic() + delay)
        log.warning("slack: could not handle a %s (%s); trying again in %.0f s", kind, error, delay)
        return True

    async def retry_due(self, bolt: AsyncApp) -> int:
        """Feed the payloads whose next try is due through ``bolt`` again; how many.

        Each is recorded anew (with its count of tries) before its old entry is forgotten,
        so there is no moment when neither is on disk."""
        now = time.monotonic()
        due = [entry for entry, waiting in self._waiting.items() if waiting.due <= now]
        for entry in due:
            waiting = self._waiting.pop(entry)
            await bolt.async_dispatch(AsyncBoltRequest(body=waiting.body, mode="socket_mode"))
            self.inbox.forget(entry)
        return len(due)

    async def adopt_orphans(self, bolt: AsyncApp) -> int:
        """Feed the payloads dead processes left through ``bolt``, oldest first; how many.

        Each is recorded again by this process before its handling starts, so the dead
        process's file can go as soon as all of them were dispatched."""
        count = 0
        for entry in self.inbox.orphans():
            body = json.loads(entry.payload)
            await bolt.async_dispatch(AsyncBoltRequest(body=body, mode="socket_mode"))
            count += 1
        return count

    async def keep_up(self, bolt: AsyncApp) -> None:
        """Until cancelled: try again what is due, and adopt orphans every
        ``ADOPT_INTERVAL`` seconds."""
        next_adoption = time.monotonic() + ADOPT_INTERVAL
        while True:
            await asyncio.sleep(_TICK)
            try:
                await self.retry_due(bolt)
                if time.monotonic() >= next_adoption:
                    next_adoption = time.monotonic() + ADOPT_INTERVAL
                    await self.adopt_orphans(bolt)
            except Exception:
                log.exception("slack: could not feed kept payloads through Bolt again")


def redeliverable() -> bool:
    """Whether the payload whose listener is running will be tried again if its event
    cannot be kept now: it is in the inbox and this is not its last try."""
    return _REDELIVERABLE.get()


def passing(error: BaseException) -> bool:
    """Whether ``error`` says Slack could not be reached or failed on its side, or tier0
    could not keep the event (worth another try later), rather than that the request itself
    was wrong."""
    if isinstance(error, NotKept):
        return True
    if isinstance(error, SlackApiError):
        status = int(getattr(error.response, "status_code", 0) or 0)
        return status >= 500 or status == 429
    return isinstance(error, aiohttp.ClientError | TimeoutError | ConnectionError)
