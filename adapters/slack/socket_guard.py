"""Socket Mode's counterpart of ``http_guard``: only payloads shaped like Slack's reach Bolt.

Envelopes come from Slack over a connection tier0 opened, so there is no signature to check
and no HTTP status to answer with; but a payload Slack should never send (``"event": null``,
a slash command without its user) made Bolt raise, and slack_sdk logged the traceback. Such
an envelope is acknowledged, so Slack does not send it again, and logged in one short line
(at most once a minute), and Bolt never sees it.
"""

from __future__ import annotations

import time
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import send_async_response
from slack_bolt.adapter.socket_mode.internals import build_headers
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from adapters.slack.http_guard import RefusalLog, Refused
from adapters.slack.shapes import Malformed, bolt_request

__all__ = ["GuardedSocketModeHandler"]


class GuardedSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler, checking each payload's shape before Bolt reads it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._refusals = RefusalLog()

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        start = time.time()
        try:
            request = bolt_request(req.payload, mode="socket_mode", headers=build_headers(req))
        except Malformed as malformed:
            self._refusals.refused(Refused(400, malformed.reason), "Slack's Socket Mode")
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        await send_async_response(client, req, await self.app.async_dispatch(request), start)
