"""Socket Mode side of the fake: WebSocket sessions, envelope delivery and acks.

Coroutines here run on the fake's event loop only; the ack and connection waits are plain
threading conditions so a synchronous test can block on them.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import WSMsgType, web

from .records import FakeSlackTimeout

__all__ = ["Ack", "DisconnectMode", "SocketModeHub"]

JSON = dict[str, Any]
DisconnectMode = Literal["refresh", "close", "abort"]


@dataclass(frozen=True)
class Ack:
    envelope_id: str
    payload: JSON | None


@dataclass
class _Session:
    ws: web.WebSocketResponse
    request: web.Request
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    retiring: bool = False


class SocketModeHub:
    def __init__(self, app_id: str, retire_grace: float = 10.0) -> None:
        self._app_id = app_id
        self._retire_grace = retire_grace
        self._tickets: set[str] = set()
        self._sessions: list[_Session] = []
        self._pending: list[JSON] = []
        self._envelopes: dict[str, JSON] = {}
        self._acks: dict[str, Ack] = {}
        self._changed = threading.Condition()
        self._opened_total = 0
        self._active = 0
        self._retiring: set[asyncio.Task[None]] = set()

    # -- called from any thread -------------------------------------------------------------

    def issue_ticket(self) -> str:
        ticket = uuid.uuid4().hex
        with self._changed:
            self._tickets.add(ticket)
        return ticket

    def envelope(self, envelope_id: str) -> JSON:
        with self._changed:
            return self._envelopes[envelope_id]

    def unacked_envelope_ids(self) -> list[str]:
        with self._changed:
            return [e for e in self._envelopes if e not in self._acks]

    def is_acked(self, envelope_id: str) -> bool:
        with self._changed:
            return envelope_id in self._acks

    @property
    def active_connections(self) -> int:
        with self._changed:
            return self._active

    def wait_for_ack(self, envelope_id: str, timeout: float) -> Ack:
        with self._changed:
            if envelope_id not in self._envelopes:
                raise KeyError(f"unknown envelope {envelope_id}")
            if not self._changed.wait_for(lambda: envelope_id in self._acks, timeout):
                raise FakeSlackTimeout(f"envelope {envelope_id} not acked within {timeout}s")
            return self._acks[envelope_id]

    def wait_for_connection(self, total: int, timeout: float) -> None:
        with self._changed:
            opened = self._changed.wait_for(
                lambda: self._opened_total >= total and self._active > 0, timeout
            )
            if not opened:
                raise FakeSlackTimeout(
                    f"expected {total} Socket Mode session(s) with one active within {timeout}s;"
                    f" opened {self._opened_total}, active {self._active}"
                )

    # -- loop side --------------------------------------------------------------------------

    async def deliver(self, envelope: JSON) -> None:
        with self._changed:
            self._envelopes[envelope["envelope_id"]] = envelope
        session = self._pick_session()
        if session is None:
            self._pending.append(envelope)
            return
        try:
            await session.ws.send_str(json.dumps(envelope))
        except ConnectionError:
            self._pending.append(envelope)

    def _pick_session(self) -> _Session | None:
        usable = [s for s in self._sessions if not s.retiring and not s.ws.closed]
        return usable[-1] if usable else None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        with self._changed:
            valid = ticket in self._tickets
            self._tickets.discard(ticket)
        if not valid:
            return web.json_response({"ok": False, "error": "invalid_ticket"}, status=401)

        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        session = _Session(ws=ws, request=request)
        self._sessions.append(session)
        with self._changed:
            self._opened_total += 1
            self._active += 1
            connections = self._active
            self._changed.notify_all()
        try:
            await ws.send_str(json.dumps(self._hello(connections)))
            pending, self._pending = self._pending, []
            for envelope in pending:
                await self.deliver(envelope)
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._on_text(message.data)
        except ConnectionError:
            pass  # the client vanished mid-frame (or we aborted it); same as a close
        finally:
            self._sessions.remove(session)
            with self._changed:
                self._active -= 1
                self._changed.notify_all()
        return ws

    def _hello(self, connections: int) -> JSON:
        return {
            "type": "hello",
            "num_connections": connections,
            "debug_info": {
                "host": "applink-fake-127-0-0-1",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self._app_id},
        }

    def _on_text(self, data: str) -> None:
        try:
            message = json.loads(data)
        except json.JSONDecodeError:
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        if not isinstance(envelope_id, str):
            return
        with self._changed:
            self._acks.setdefault(envelope_id, Ack(envelope_id, message.get("payload")))
            self._changed.notify_all()

    async def disconnect(self, mode: DisconnectMode) -> None:
        sessions = list(self._sessions)
        if mode == "refresh":
            notice = {
                "type": "disconnect",
                "reason": "refresh_requested",
                "debug_info": {"host": "applink-fake-127-0-0-1"},
            }
            for session in sessions:
                session.retiring = True
                await session.ws.send_str(json.dumps(notice))
                task = asyncio.get_running_loop().create_task(self._retire(session))
                self._retiring.add(task)
                task.add_done_callback(self._retiring.discard)
        elif mode == "close":
            for session in sessions:
                await session.ws.close(code=1001, message=b"server going away")
        else:
            for session in sessions:
                transport = session.request.transport
                if transport is not None:
                    transport.abort()

    async def _retire(self, session: _Session) -> None:
        """Slack closes a session some seconds after asking the client to replace it."""
        await asyncio.sleep(self._retire_grace)
        await session.ws.close(code=1001, message=b"refreshed")

    async def close_all(self) -> None:
        for task in list(self._retiring):
            task.cancel()
        for session in list(self._sessions):
            await session.ws.close(code=1001, message=b"fake slack stopping")
