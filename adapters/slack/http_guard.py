"""Slack HTTP mode's front door: only signed, well-formed Slack requests reach Bolt.

Anyone who can reach the port can POST to it, and Bolt alone is no defence: it parses a body
before checking its signature (bad JSON raised, an HTTP 500 with a traceback) and logs the
whole body of every request it refuses (30 unsigned 1 MB POSTs grew the log by 31.5 MB,
a line break in one wrote a line of the sender's choosing). Here, before Bolt sees
anything, a request must

1. carry a v0 signature and a timestamp within Slack's five minutes (else 401),
2. be at most ``MAX_BODY_BYTES`` long (else 413, decided from Content-Length when there is
   one, and never reading more than the limit),
3. match its signature (else 401), checked on the raw bytes, so nothing of an unsigned
   body is decoded or parsed,
4. be UTF-8 (else 400: Slack only sends UTF-8),
5. parse into a JSON object, directly or as a form's ``payload``, shaped like what Slack
   sends (else 400, see ``adapters.slack.shapes``: not JSON, a list, nested past Python's
   recursion limit, ``"event": null``, a slash command without its user).

A refusal is logged as one short line naming the sender's address and the reason, never
anything of the body, and at most once a minute for each status, with a count of those
left out, so a flood of them cannot flood the log.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable
from typing import Final

from aiohttp import web
from slack_bolt.request.async_request import AsyncBoltRequest

from adapters.slack.shapes import Malformed, bolt_request

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
        self._secret = signing_secret.encode()
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
        body = await _body(request)
        if not self._signed(timestamp, body, signature):
            raise Refused(401, "a wrong Slack signature")
        try:
            return bolt_request(
                _text(body),
                mode="http",
                headers=dict(request.headers),
                query=request.query_string,
            )
        except Malformed as malformed:
            raise Refused(400, malformed.reason) from None

    def _signed(self, timestamp: str, body: bytes, signature: str) -> bool:
        """Slack's v0 signature over the raw bytes (slack_sdk's verifier decodes them first)."""
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)


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
