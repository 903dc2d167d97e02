"""Discord's gateway (API v10, JSON encoding) as one aiohttp websocket handler.

Everything here runs on the fake server's event loop. Sessions outlive connections: a
dispatch sent while a session has no connection is kept in its history and replayed when
the client RESUMEs, which is what makes reconnect behaviour testable.

Sessions are shards, as on Discord: IDENTIFY names ``shard: [id, count]`` (none means
``[0, 1]``); a guild's events go to the sessions whose shard is
``(guild_id >> 22) % count``, and events outside any guild (direct messages) to shard 0.
With ``identify_window`` set, IDENTIFYs are paced as Discord paces them: one per bucket
(``shard_id % max_concurrency``) per window; one too soon gets op 9 and is recorded.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .log import EventLog, GatewayConnection, GatewayFrame
from .world import World

__all__ = ["Gateway", "shard_of"]

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, RESUME = 0, 1, 2, 3, 6
RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 7, 8, 9, 10, 11
SYNC_FLUSH_SUFFIX = b"\x00\x00\xff\xff"
INVALID_SHARD = 4010


def shard_of(guild_id: int | None, shard_count: int) -> int:
    """Discord's routing: a guild's shard; events outside guilds go to shard 0."""
    return 0 if guild_id is None else (guild_id >> 22) % shard_count


@dataclass(eq=False)
class Connection:
    """One websocket. zlib-stream keeps a single compression context per connection."""

    ws: web.WebSocketResponse
    number: int
    path: str
    zlib_stream: bool
    session: Session | None = None
    _compressor: Any = field(default_factory=zlib.compressobj)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, frame: dict[str, Any]) -> None:
        text = json.dumps(frame, separators=(",", ":"))
        async with self._lock:
            if self.ws.closed:
                return
            if self.zlib_stream:
                data = self._compressor.compress(text.encode())
                data += self._compressor.flush(zlib.Z_SYNC_FLUSH)
                assert data.endswith(SYNC_FLUSH_SUFFIX)
                await self.ws.send_bytes(data)
            else:
                await self.ws.send_str(text)


@dataclass(eq=False)
class Session:
    session_id: str
    identify: dict[str, Any]
    shard: tuple[int, int] = (0, 1)
    seq: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    connection: Connection | None = None


class Gateway:
    def __init__(
        self,
        world: World,
        *,
        token: str,
        heartbeat_interval_ms: int,
        max_concurrency: int = 1,
        identify_window: float = 0.0,
    ) -> None:
        self.world = world
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.max_concurrency = max_concurrency
        self.identify_window = identify_window
        self._last_identify: dict[int, float] = {}  # bucket -> when (monotonic)
        self.refused_identifies: list[tuple[int, int]] = []
        """Shards ([id, count]) whose IDENTIFY came too soon after another of its bucket."""
        self.resume_url = ""
        self.frames: EventLog[GatewayFrame] = EventLog()
        self.opened: EventLog[GatewayConnection] = EventLog()
        self.sessions: dict[str, Session] = {}
        self.connections: list[Connection] = []
        self.open_gate = asyncio.Event()
        self.open_gate.set()

    # -- websocket handler ---------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        number = len(self.opened.snapshot()) + 1
        self.opened.append(GatewayConnection(number, request.path, dict(request.query)))
        if request.query.get("v") != "10":
            await ws.close(code=4012, message=b"Invalid API version")
            return ws
        if request.query.get("encoding", "json") != "json":
            await ws.close(code=4002, message=b"Decode error")  # ETF is not spoken here
            return ws
        conn = Connection(
            ws,
            number=number,
            path=request.path,
            zlib_stream=request.query.get("compress") == "zlib-stream",
        )
        self.connections.append(conn)
        try:
            await self.open_gate.wait()
            hello = {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake-gateway"]}
            await conn.send({"op": HELLO, "d": hello, "s": None, "t": None})
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    await ws.close(code=4002, message=b"Decode error")
                    break
                frame = json.loads(msg.data)
                op, data = frame.get("op"), frame.get("d")
                self.frames.append(GatewayFrame(conn.number, conn.path, op, data))
                await self._on_frame(conn, op, data)
        finally:
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
        return ws

    async def _on_frame(self, conn: Connection, op: int, data: Any) -> None:
        if op == HEARTBEAT:
            await conn.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            await self._identify(conn, data)
        elif op == RESUME:
            await self._resume(conn, data)
        elif conn.session is None:
            await conn.ws.close(code=4003, message=b"Not authenticated.")
        elif op == REQUEST_MEMBERS:
            await self._send_member_chunk(conn.session, data)
        elif op != PRESENCE:
            await conn.ws.close(code=4001, message=b"Unknown opcode.")

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        if conn.session is not None:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return
        shard_id, shard_count = (int(n) for n in data.get("shard") or (0, 1))
        if not 0 <= shard_id < shard_count:
            await conn.ws.close(code=INVALID_SHARD, message=b"Invalid shard.")
            return
        if self._too_soon(shard_id):
            self.refused_identifies.append((shard_id, shard_count))
            await conn.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        session = Session(
            secrets.token_hex(16), identify=data, shard=(shard_id, shard_count), connection=conn
        )
        conn.session = session
        self.sessions[session.session_id] = session
        world = self.world
        with world.lock:
            mine = [g for g in world.guilds if shard_of(g, shard_count) == shard_id]
            ready: dict[str, Any] = {
                "v": 10,
                "user": {**world.user_payload(world.bot), "verified": True, "mfa_enabled": False},
                "user_settings": {},
                "guilds": [{"id": str(g), "unavailable": True} for g in mine],
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": ["local"],
                "session_id": session.session_id,
                "session_type": "normal",
                "resume_gateway_url": self.resume_url,
                "application": {"id": str(world.application_id), "flags": 1 << 19},
                "_trace": ["fake-gateway"],
            }
            if "shard" in data:
                ready["shard"] = data["shard"]
            guilds = [world.guild_create(g) for g in mine]
        await self._dispatch_to(session, "READY", ready)
        for guild in guilds:
            await self._dispatch_to(session, "GUILD_CREATE", guild)

    def _too_soon(self, shard_id: int) -> bool:
        """Whether this IDENTIFY breaks the session start rate (and is refused)."""
        if not self.identify_window:
            return False
        bucket = shard_id % self.max_concurrency
        now = time.monotonic()
        last = self._last_identify.get(bucket)
        if last is not None and now - last < self.identify_window:
            return True
        self._last_identify[bucket] = now
        return False

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self.token:
            await conn.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        if session.connection is not None and session.connection is not conn:
            await session.connection.ws.close(code=4000, message=b"Session resumed elsewhere.")
        conn.session = session
        session.connection = conn
        last_seen = int(data.get("seq") or 0)
        for frame in [f for f in session.history if f["s"] > last_seen]:
            await conn.send(frame)
        await self._dispatch_to(session, "RESUMED", {"_trace": ["fake-gateway"]})

    async def _send_member_chunk(self, session: Session, data: dict[str, Any]) -> None:
        wanted = {int(uid) for uid in data.get("user_ids") or []}
        query = str(data.get("query") or "").lower()
        limit = int(data.get("limit") or 0)
        with self.world.lock:
            members = [
                m
                for m in self.world.members.values()
                if (not wanted or m.id in wanted) and m.username.lower().startswith(query)
            ]
            if limit:
                members = members[:limit]
            chunk: dict[str, Any] = {
                "guild_id": str(data.get("guild_id") or self.world.guild.id),
                "members": [self.world.member_payload(m) for m in members],
                "chunk_index": 0,
                "chunk_count": 1,
            }
        if wanted:
            chunk["not_found"] = [str(u) for u in wanted - {m.id for m in members}]
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self._dispatch_to(session, "GUILD_MEMBERS_CHUNK", chunk)

    # -- server-side actions -----------------------------------------------------------------

    async def _dispatch_to(self, session: Session, event: str, data: Any) -> None:
        session.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.history.append(frame)
        if session.connection is not None:
            await session.connection.send(frame)

    async def dispatch(self, event: str, data: Any) -> int:
        """Send ``event`` to the sessions of its guild's shard (shard 0 for events outside
        a guild); returns how many received it."""
        guild = data.get("guild_id") if isinstance(data, dict) else None
        guild_id = int(guild) if guild else None
        sessions = [
            s for s in self.sessions.values() if shard_of(guild_id, s.shard[1]) == s.shard[0]
        ]
        for session in sessions:
            await self._dispatch_to(session, event, data)
        return len(sessions)

    async def disconnect(self, code: int) -> None:
        """Drop every connection without ending sessions, as a network failure would."""
        for session in self.sessions.values():
            session.connection = None
        for conn in self.connections:
            if not conn.ws.closed:
                await conn.ws.close(code=code, message=b"fake disconnect")

    async def send_op(self, op: int, d: Any) -> None:
        for session in self.sessions.values():
            if session.connection is not None:
                await session.connection.send({"op": op, "d": d, "s": None, "t": None})
        if op == INVALID_SESSION and not d:
            self.sessions.clear()

    async def close(self) -> None:
        self.open_gate.set()
        for conn in self.connections:
            if not conn.ws.closed:
                await conn.ws.close(code=1001, message=b"Server shutting down")
