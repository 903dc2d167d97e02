"""HTTP mode: Events API, interactive and slash-command requests to an app, signed like Slack's.

Only loopback targets are accepted: the project's tests never send traffic off the machine.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from .payloads import PayloadFactory

__all__ = ["HttpReply", "SignedHttpSender", "slack_signature"]

JSON = dict[str, Any]
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def slack_signature(signing_secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 request signature: ``v0=`` + hex HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def _require_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise ValueError(f"refusing to send a test request off the machine: {url}")


@dataclass(frozen=True)
class HttpReply:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class SignedHttpSender:
    """Posts to one app URL the way Slack's HTTP delivery does; see ``FakeSlack.http_sender``."""

    def __init__(
        self, url: str, signing_secret: str, payloads: PayloadFactory, *, timeout: float = 5.0
    ) -> None:
        _require_loopback(url)
        self.url = url
        self.signing_secret = signing_secret
        self.payloads = payloads
        self.timeout = timeout

    def send_event(
        self,
        event: JSON,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> HttpReply:
        """An ``event_callback``; ``retry_num``/``retry_reason`` add X-Slack-Retry-* headers."""
        callback = self.payloads.event_callback(event, event_id=event_id)
        return self.send_json(callback, retry_num=retry_num, retry_reason=retry_reason)

    def send_url_verification(
        self, challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    ) -> HttpReply:
        return self.send_json(self.payloads.url_verification(challenge))

    def send_interactive(self, payload: JSON) -> HttpReply:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded")

    def send_slash_command(
        self, command: str, text: str, *, user_id: str, channel_id: str
    ) -> HttpReply:
        fields = self.payloads.slash_command(command, text, user_id=user_id, channel_id=channel_id)
        return self.post(urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def send_json(
        self, body: JSON, *, retry_num: int | None = None, retry_reason: str | None = None
    ) -> HttpReply:
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return self.post(json.dumps(body).encode(), "application/json", headers=headers)

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpReply:
        """Sign and POST; a ``signature`` or old ``timestamp`` forges. Never raises on 4xx/5xx."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        request_headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or slack_signature(self.signing_secret, ts, body),
            **(headers or {}),
        }
        request = urllib.request.Request(
            self.url, data=body, headers=request_headers, method="POST"
        )
        try:
            with _NO_PROXY.open(request, timeout=self.timeout) as response:
                return HttpReply(
                    response.status, dict(response.headers.items()), response.read().decode()
                )
        except urllib.error.HTTPError as error:
            with error:
                return HttpReply(error.code, dict(error.headers.items()), error.read().decode())
