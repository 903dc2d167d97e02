"""Slack HTTP mode's front door: only signed, well-formed Slack requests reach Bolt.

Anyone who can reach the port can POST to it, and Bolt alone is no defence: it parses a body
before checking its signature (bad JSON raised, an HTTP 500 with a traceback) and logs the
whole body of every request it refuses (30 unsigned 1 MB POSTs grew the log by 31.5 MB,
a line break in one wrote a line of the sender's choosing). Here, before Bolt sees
anything, a request must

1. carry a v0 signature and a timestamp within Slack's five minutes (else 401),
2. be at most ``MAX_BODY_BYTES`` long (else 413, decided from Content-Length when there is
   one, and never reading more than the limit),
3. be UTF-8 (else 400: Slack only sends UTF-8, and slack_sdk's verifier cannot check
   anything else),
4. match its signature (else 401), checked by slack_sdk's ``SignatureVerifier``,
5. parse into a JSON object, directly or as a form's ``payload`` (else 400: not JSON, a
   list, nested past Python's recursion limit).

A refusal is logged as one short line naming the sender's address and the reason, never
anything of the body, and at most once a minute for each status, with a count of those
left out, so a flood of them cannot flood the log.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Final

from aiohttp import web
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from adapters.malformed import SHAPE_ERRORS

__all__ = ["MAX_BODY_BYTES", "RefusalLog", "Refused", "SlackRequestGuard"]

log = logging.getLogger("adapters.slack.http")

MAX_BODY_BYTES: Final = 1024 * 1024
"""Slack's requests are a few kB; the largest (a 40,000-character message with its blocks, a
modal submitted with its whole view) stay far below 1 MiB, aiohttp's own default limit."""

LOG_INTERVAL: Final = 60.0
_SIGNATURE: Final = re.compile(r"v0=[0-9a-f]{64}")
_TIMESTAMP: Final = re.compile(r"[0-9]{1,12}")


class Refused(Exception):
    """A request that does not reach Bolt: the HTTP status and why (no request data)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class RefusalLog:
    """One warning per ``interval`` for each status; the next says how many were left out."""

    def __init__(
        self, interval: float = LOG_INTERVAL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._interval = interval
        self._clock = clock
        self._last: dict[int, float] = {}
        self._left_out: dict[int, int] = {}

    def refused(self, refusal: Refused, source: str) -> None:
        now = self._clock()
        last = self._last.get(refusal.status)
        if last is not None and now - last < self._interval:
            self._left_out[refusal.status] = self._left_out.get(refusal.status, 0) + 1
            return
        self._last[refusal.status] = now
        left_out = self._left_out.pop(refusal.status, 0)
        log.warning(
            "slack: refused a request from %s with %d: %s%s",
            source,
            refusal.status,
            refusal.reason,
            f" (and {left_out} more with {refusal.status} since the last report)"
            if left_out
            else "",
        )


class SlackRequestGuard:
    """Turns an aiohttp request into Bolt's, or into the response that refuses it."""

    def __init__(self, signing_secret: str) -> None:
        self._verifier = SignatureVerifier(signing_secret)
        self._refusals = RefusalLog()

    async def admit(self, request: web.Request) -> AsyncBoltRequest | web.Response:
        try:
            return await self._bolt_request(request)
        except Refused as refusal:
            self._refusals.refused(refusal, request.remote or "an unknown address")
            return web.json_response({"error": refusal.reason}, status=refusal.status)

    async def _bolt_request(self, request: web.Request) -> AsyncBoltRequest:
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not _SIGNATURE.fullmatch(signature) or not _TIMESTAMP.fullmatch(timestamp):
            raise Refused(401, "no Slack signature")
        if abs(time.time() - int(timestamp)) > 5 * 60:
            raise Refused(401, "a stale or future Slack timestamp")
        text = _text(await _body(request))
        if not self._verifier.is_valid(text, timestamp, signature):
            raise Refused(401, "a wrong Slack signature")
        try:
            bolt_request = AsyncBoltRequest(
                body=text,
                query=request.query_string,
                headers=dict(request.headers),
            )
        except (*SHAPE_ERRORS, RecursionError) as error:
            raise Refused(400, f"a malformed body ({type(error).__name__})") from None
        if not isinstance(bolt_request.body, dict):
            raise Refused(400, "a body that is not a JSON object")
        return bolt_request


async def _body(request: web.Request) -> bytes:
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise Refused(413, f"a body over {MAX_BODY_BYTES} bytes")
    try:
        return await request.read()  # stops past the application's client_max_size
    except web.HTTPRequestEntityTooLarge:
        raise Refused(413, f"a body over {MAX_BODY_BYTES} bytes") from None


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "a body that is not UTF-8") from None
