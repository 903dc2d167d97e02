"""FakeSlack: Web API, Socket Mode and response_url endpoints on 127.0.0.1 in their own thread.

The aiohttp server runs on a private event loop in a daemon thread, so a synchronous test, a Bolt
App on worker threads and an asyncio test on its own loop can all talk to it over real sockets.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import parse_qsl

from aiohttp import web

from .http_mode import SignedHttpSender
from .payloads import PayloadFactory
from .records import (
    CallLog,
    ParamsPredicate,
    RecordedCall,
    ScriptedDelays,
    ScriptedFailure,
    ScriptedFailures,
    SlowAnswers,
)
from .socket_mode import Ack, DisconnectMode, SocketModeHub
from .web_api import APP_TOKEN_METHODS, METHODS
from .workspace import SlackApiFailure, Workspace, World

__all__ = ["FakeSlack"]

JSON = dict[str, Any]
T = TypeVar("T")


class FakeSlack:
    """A Slack workspace on 127.0.0.1 that slack_sdk's WebClient and Socket Mode clients talk to."""

    def __init__(
        self, workspace: Workspace | None = None, *, disconnect_grace: float = 10.0
    ) -> None:
        self.workspace = workspace or Workspace()
        self.world = World(self.workspace)
        # Seeding and inspecting the directory: add_user(id, name, locale=..., tz=...), add_channel,
        # history(channel) -> stored messages.
        self.add_user = self.world.add_user
        self.add_channel = self.world.add_channel
        self.history = self.world.history
        self._log = CallLog()
        self._failures = ScriptedFailures()
        self._delays = ScriptedDelays()
        self._hub = SocketModeHub(self.workspace.api_app_id, retire_grace=disconnect_grace)
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._payloads: PayloadFactory | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> Self:
        if self._thread is not None:
            raise RuntimeError("FakeSlack already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._sock = sock
        self._payloads = PayloadFactory(self.world, self.base_url)
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="fake-slack", daemon=True)
        self._thread.start()
        self._run(self._serve(sock))
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            self._run(self._shutdown())
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            loop.close()
            if self._sock is not None:
                self._sock.close()
            self._loop = self._thread = self._sock = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def _serve(self, sock: socket.socket) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/socket-mode", self._hub.handle)
        app.router.add_post("/response_url/{id}", self._response_url)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=0.5
        )
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    async def _shutdown(self) -> None:
        await self._hub.close_all()
        if self._runner is not None:
            await self._runner.cleanup()

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        if self._loop is None:
            coro.close()
            raise RuntimeError(
                "FakeSlack is not running; call start() or use it as a context manager"
            )
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # -- addresses --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._sock is None:
            raise RuntimeError("FakeSlack is not running")
        return int(self._sock.getsockname()[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """For ``WebClient(base_url=...)``; ends with "/" as slack_sdk expects."""
        return f"{self.base_url}/api/"

    @property
    def payloads(self) -> PayloadFactory:
        if self._payloads is None:
            raise RuntimeError("FakeSlack is not running")
        return self._payloads

    # -- Web API ----------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params, token = await _read_params(request)
        slow = self._delays.take(method)
        if slow is not None:
            slow.started.set()
            await asyncio.sleep(slow.seconds)
        failure = self._failures.take(method)
        if failure is not None:
            if failure.after_handling:
                self._answer(method, params, token)
            status, body, headers = failure.status, failure.body(), failure.headers
        else:
            status, headers = 200, {}
            body = self._answer(method, params, token)
        self._log.append(
            RecordedCall(
                method, params, token, status, body, request.headers.get("Content-Type", "")
            )
        )
        return web.json_response(body, status=status, headers=headers)

    def _answer(self, method: str, params: JSON, token: str | None) -> JSON:
        if not token:
            return {"ok": False, "error": "not_authed"}
        if token not in (self.workspace.bot_token, self.workspace.app_token):
            return {"ok": False, "error": "invalid_auth"}
        wants_app_token = method in APP_TOKEN_METHODS
        if (token == self.workspace.app_token) != wants_app_token:
            return {"ok": False, "error": "not_allowed_token_type"}
        if method == "apps.connections.open":
            ticket = self._hub.issue_ticket()
            url = f"ws://127.0.0.1:{self.port}/socket-mode?ticket={ticket}&app_id={self.workspace.api_app_id}"
            return {"ok": True, "url": url}
        handler = METHODS.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        try:
            return handler(self.world, params)
        except SlackApiFailure as failure:
            return {"ok": False, "error": failure.code}

    async def _response_url(self, request: web.Request) -> web.Response:
        params, _ = await _read_params(request)
        body = {"ok": True}
        self._log.append(
            RecordedCall("response_url", params, None, 200, body, request.content_type)
        )
        return web.json_response(body)

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        """Every request so far (or to one method), oldest first, ``response_url`` posts too."""
        return self._log.snapshot(method)

    def wait_for_call(
        self,
        method: str,
        predicate: ParamsPredicate | None = None,
        *,
        timeout: float = 5.0,
        ok: bool | None = None,
    ) -> RecordedCall:
        """Block until a call to ``method`` whose params satisfy ``predicate`` was answered.

        ``ok=True`` skips failed attempts (scripted 429s, invalid_auth). Blocks: in async code use
        ``wait_for_call_async``.
        """
        return self._log.wait_for(method, predicate, timeout=timeout, ok=ok)

    async def wait_for_call_async(
        self,
        method: str,
        predicate: ParamsPredicate | None = None,
        *,
        timeout: float = 5.0,
        ok: bool | None = None,
    ) -> RecordedCall:
        return await asyncio.to_thread(
            self.wait_for_call, method, predicate, timeout=timeout, ok=ok
        )

    def rate_limit(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next ``times`` calls with HTTP 429 and ``Retry-After``."""
        failure = ScriptedFailure(429, "ratelimited", {"Retry-After": str(retry_after)})
        self._failures.add(method, failure, times)

    def fail_with_status(self, method: str, status: int = 500, *, times: int = 1) -> None:
        """Answer the next ``times`` calls to ``method`` with an HTTP error status (500, 503)."""
        self._failures.add(method, ScriptedFailure(status, "fatal_error"), times)

    def fail_after_handling(self, method: str, status: int = 503, *, times: int = 1) -> None:
        """Carry out the next ``times`` calls to ``method``, then answer each with an HTTP
        error status, as when Slack took a message but its answer was lost on the way."""
        self._failures.add(
            method, ScriptedFailure(status, "fatal_error", after_handling=True), times
        )

    def fail_with_error(self, method: str, error: str, *, times: int = 1) -> None:
        """Answer the next ``times`` calls with HTTP 200 and ``{"ok": false, "error": error}``."""
        self._failures.add(method, ScriptedFailure(200, error), times)

    def slow_down(self, method: str, seconds: float, *, times: int = 1) -> SlowAnswers:
        """Answer the next ``times`` calls to ``method`` only after ``seconds``; the call takes
        effect (message stored, call recorded) after the wait, as on a slow Slack.

        The returned ``SlowAnswers.started`` event is set when the first such call arrived.
        """
        slow = SlowAnswers(seconds, times)
        self._delays.add(method, slow)
        return slow

    def reset(self) -> None:
        """Forget recorded calls and scripted failures and delays (directory and history stay)."""
        self._log.clear()
        self._failures.clear()
        self._delays.clear()

    # -- Socket Mode ------------------------------------------------------------------------

    def push_envelope(self, envelope: JSON) -> str:
        self._run(self._hub.deliver(envelope))
        return str(envelope["envelope_id"])

    def push_event(self, event: JSON, *, event_id: str | None = None) -> str:
        """Deliver an Events API envelope; message events also land in the channel history."""
        self._remember(event)
        callback = self.payloads.event_callback(event, event_id=event_id)
        return self.push_envelope(
            self.payloads.envelope("events_api", callback, accepts_response_payload=False)
        )

    def push_interactive(self, payload: JSON) -> str:
        accepts = payload.get("type") in ("view_submission", "block_suggestion")
        return self.push_envelope(
            self.payloads.envelope("interactive", payload, accepts_response_payload=accepts)
        )

    def push_slash_command(self, command: str, text: str, *, user_id: str, channel_id: str) -> str:
        payload = self.payloads.slash_command(command, text, user_id=user_id, channel_id=channel_id)
        return self.push_envelope(
            self.payloads.envelope("slash_commands", payload, accepts_response_payload=True)
        )

    def redeliver(self, envelope_id: str, *, reason: str = "timeout") -> str:
        """Send an Events API envelope again as Slack's retry: same event_id, new envelope_id."""
        original = self._hub.envelope(envelope_id)
        if original["type"] != "events_api":
            raise ValueError("Slack only retries events_api envelopes")
        retry = self.payloads.envelope(
            "events_api",
            original["payload"],
            accepts_response_payload=False,
            retry_attempt=int(original.get("retry_attempt", 0)) + 1,
            retry_reason=reason,
        )
        return self.push_envelope(retry)

    def redeliver_unacked(self, *, reason: str = "timeout") -> list[str]:
        ids = [
            e
            for e in self._hub.unacked_envelope_ids()
            if self._hub.envelope(e)["type"] == "events_api"
        ]
        return [self.redeliver(e, reason=reason) for e in ids]

    def envelope(self, envelope_id: str) -> JSON:
        """The envelope as it was sent (to check retry_attempt, accepts_response_payload, ...)."""
        return self._hub.envelope(envelope_id)

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> JSON:
        """The ack's response payload ({} when the client acked without one)."""
        return self.wait_for_ack_record(envelope_id, timeout).payload or {}

    async def wait_for_ack_async(self, envelope_id: str, timeout: float = 5.0) -> JSON:
        """For asyncio tests whose Socket Mode client shares the test's loop."""
        return await asyncio.to_thread(self.wait_for_ack, envelope_id, timeout)

    def wait_for_ack_record(self, envelope_id: str, timeout: float = 5.0) -> Ack:
        return self._hub.wait_for_ack(envelope_id, timeout)

    def is_acked(self, envelope_id: str) -> bool:
        return self._hub.is_acked(envelope_id)

    def wait_for_connection(self, *, total: int = 1, timeout: float = 5.0) -> None:
        """Block until ``total`` sessions were ever opened and one is open (2: reconnected)."""
        self._hub.wait_for_connection(total, timeout)

    @property
    def active_connections(self) -> int:
        return self._hub.active_connections

    def disconnect(self, mode: DisconnectMode = "refresh") -> None:
        """End the Socket Mode sessions.

        "refresh" sends Slack's disconnect notice (the client reconnects at once and the old session
        is closed after ``disconnect_grace``), "close" sends a close frame, "abort" drops the TCP
        connection without one.
        """
        self._run(self._hub.disconnect(mode))

    # -- HTTP mode --------------------------------------------------------------------------

    def http_sender(self, app_url: str, signing_secret: str) -> SignedHttpSender:
        """Signed Events API / interactive / slash-command requests to an app on 127.0.0.1."""
        return SignedHttpSender(app_url, signing_secret, self.payloads)

    # -- directory --------------------------------------------------------------------------

    def _remember(self, event: JSON) -> None:
        if event.get("type") not in ("message", "app_mention") or "subtype" in event:
            return
        if "channel" in event and "ts" in event:
            self.world.store_message(str(event["channel"]), dict(event))


async def _read_params(request: web.Request) -> tuple[JSON, str | None]:
    """Merge query string and body (JSON, urlencoded or multipart) as Slack does; take the token."""
    params: JSON = dict(request.query)
    if request.content_type == "multipart/form-data":
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    elif raw := await request.read():
        # slack_sdk labels empty bodies "application/json"; sniff rather than trust the header.
        text = raw.decode("utf-8", "replace")
        try:
            body = json.loads(text) if text.lstrip().startswith("{") else None
        except json.JSONDecodeError:
            body = None
        if isinstance(body, dict):
            params.update(body)
        else:
            params.update(parse_qsl(text, keep_blank_values=True))
    token = params.pop("token", None)
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        token = auth.removeprefix("Bearer ").strip()
    return params, token if isinstance(token, str) else None
