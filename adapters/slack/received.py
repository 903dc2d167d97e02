"""Slack payloads kept in the local inbox (``storage.inbox``) from before ``ack`` to handled.

Bolt acknowledges an event before its listener runs, and Slack never sends an acknowledged
event again, so a listener middleware (which runs before the acknowledgement) records the
payload first. The listener forgets it when it finishes, even with an error (a failure
that repeats must not come back with every restart); a listener cut short by shutdown or a
kill does not, so the payload is still there for the next process, which feeds it through
Bolt again as if Slack had just sent it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest

from storage.inbox import Inbox

__all__ = ["ReceivedPayloads"]

log = logging.getLogger("adapters.slack")

_ENTRY: Final = "tier0_inbox_entry"
ADOPT_INTERVAL: Final = 30.0
"""How often a running adapter looks for payloads left by a process that died and was not
started again (a restarted one adopts its predecessor's at start)."""


class ReceivedPayloads:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def record(
        self, body: dict[str, Any], context: AsyncBoltContext, next: Callable[[], Awaitable[None]]
    ) -> None:
        """Listener middleware: write the payload to disk, then let Bolt acknowledge it.

        If the disk refuses, the error reaches Bolt, which answers Slack with a 500, and
        Slack sends the event again later."""
        context[_ENTRY] = self.inbox.record(json.dumps(body))
        await next()

    async def handled(self, work: Awaitable[None], context: AsyncBoltContext) -> None:
        """Run the listener's ``work``; forget the payload unless the work was cancelled."""
        entry = context.get(_ENTRY)
        cancelled = False
        try:
            await work
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            if entry is not None and not cancelled:
                self.inbox.forget(entry)

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

    async def keep_adopting(self, bolt: AsyncApp) -> None:
        """Adopt orphans every ``ADOPT_INTERVAL`` seconds until cancelled."""
        while True:
            await asyncio.sleep(ADOPT_INTERVAL)
            try:
                await self.adopt_orphans(bolt)
            except Exception:
                log.exception("slack: could not adopt a dead process's inbox")
