"""FakeDiscord: the REST API and gateway on 127.0.0.1, in a thread with its own event loop.

The fake owns its loop so that synchronous tests and a bot running on any other loop
can both drive it; every public method is safe to call from any thread except the
fake's own.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

from .channels import ChannelsApi
from .gateway import INVALID_SESSION, RECONNECT, Gateway
from .interactions import (
    APPLICATION_COMMAND,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionsApi,
    OptionValue,
    build_interaction,
    command_data,
    modal_submit_components,
)
from .log import FailureRule, GatewayConnection, GatewayFrame, RecordedRequest, SlowRule
from .rest import API_PREFIX, RestApi
from .world import THREAD_TYPES, GuildSpec, Json, MemberSpec, RoleSpec, Snowflakes, World

__all__ = ["FakeDiscord"]

T = TypeVar("T")
Channel = int | str
Person = int | str | MemberSpec
BUTTON, STRING_SELECT = 2, 3


class FakeDiscord:
    """A fake Discord for one bot and one guild.

    Channels and people are referred to by name (``"support"``, ``"alice"``) or id.
    """

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        guild: GuildSpec | None = None,
        bot_name: str = "tier0",
        heartbeat_interval_ms: int = 1_000,
        echo_bot_messages: bool = True,
        rate_limit: int = 50,
        more_guilds: Sequence[GuildSpec] = (),
        recommended_shards: int = 1,
        max_concurrency: int = 1,
        identify_window: float = 0.0,
    ) -> None:
        """``more_guilds`` share the main guild's people and roles. ``GET /gateway/bot``
        recommends ``recommended_shards`` and ``max_concurrency``; with ``identify_window``
        (Discord: 5 s) IDENTIFYs of one bucket closer together than that are refused."""
        self.token = token
        self.world = World(
            guild or GuildSpec(), bot_name=bot_name, ids=Snowflakes(), more_guilds=more_guilds
        )
        self._gateway = Gateway(
            self.world,
            token=token,
            heartbeat_interval_ms=heartbeat_interval_ms,
            max_concurrency=max_concurrency,
            identify_window=identify_window,
        )
        self._rest = RestApi(
            self.world,
            self._gateway,
            token=token,
            echo_bot_messages=echo_bot_messages,
            gateway_url=lambda: self.gateway_url,
            rate_limit=rate_limit,
            recommended_shards=recommended_shards,
        )
        self._apis = [
            self._rest,
            ChannelsApi(self.world, self._gateway, echo_bot_messages=echo_bot_messages),
            InteractionsApi(self.world, self._gateway, echo_bot_messages=echo_bot_messages),
        ]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.SockSite | None = None
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """The value for ``discord.http.Route.BASE``."""
        return self.url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """The value for ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/resume"

    def start(self) -> Self:
        if self._thread is not None:
            raise RuntimeError("FakeDiscord is already running")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        self._gateway.resume_url = self.resume_gateway_url
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve(sock))
            except BaseException as exc:  # reported to start() below
                failure.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self._shutdown())
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=serve, name="fake-discord", daemon=True)
        self._thread.start()
        if not started.wait(10) or failure:
            raise RuntimeError("FakeDiscord did not start") from next(iter(failure), None)
        return self

    async def _serve(self, sock: socket.socket) -> None:
        app = web.Application(middlewares=[self._rest.middleware])
        for api in self._apis:
            app.router.add_routes(api.routes())
        app.router.add_get("/gateway", self._gateway.handle)
        app.router.add_get("/resume", self._gateway.handle)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        self._site = web.SockSite(self._runner, sock)
        await self._site.start()

    async def _shutdown(self) -> None:
        # Stop listening first: a dropped client reconnects at once and must find no server.
        if self._site is not None:
            await self._site.stop()
        await self._gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self, factory: Callable[[], Coroutine[Any, Any, T]], timeout: float = 5.0) -> T:
        if self._loop is None or self._thread is None:
            raise RuntimeError("FakeDiscord is not running; call start() first")
        return asyncio.run_coroutine_threadsafe(factory(), self._loop).result(timeout)

    # -- the world ---------------------------------------------------------------------------

    @property
    def guild_id(self) -> int:
        return self.world.guild.id

    @property
    def guild_ids(self) -> list[int]:
        """Every guild, the main one first."""
        return list(self.world.guilds)

    @property
    def application_id(self) -> int:
        return self.world.application_id

    @property
    def bot(self) -> MemberSpec:
        return self.world.bot

    def channel_id(self, channel: Channel) -> int:
        with self.world.lock:
            return int(
                channel if isinstance(channel, int) else self.world.channel_named(channel)["id"]
            )

    def channel(self, channel: Channel) -> Json:
        """The channel as Discord would send it now (threads include their metadata)."""
        with self.world.lock:
            found = self.world.channel(self.channel_id(channel))
            if found is None:
                raise KeyError(channel)
            return self.world.public_channel(found) if "guild_id" in found else dict(found)

    def member(self, who: Person) -> MemberSpec:
        with self.world.lock:
            return self.world.resolve_member(who)

    def role(self, name: str) -> RoleSpec:
        with self.world.lock:
            return self.world.role_named(name)

    def message(self, message_id: int) -> Json:
        """A message as the fake currently stores it (after any edits)."""
        with self.world.lock:
            return dict(self.world.messages[message_id])

    def messages_in(self, channel: Channel) -> list[Json]:
        """The messages the fake stores in a channel now, oldest first."""
        with self.world.lock:
            channel_id = str(self.channel_id(channel))
            found = [m for m in self.world.messages.values() if m["channel_id"] == channel_id]
            return [dict(m) for m in sorted(found, key=lambda m: int(m["id"]))]

    def dm_channel_id(self, who: Person) -> int:
        """The bot's DM channel with ``who`` (the same one POST /users/@me/channels returns)."""
        with self.world.lock:
            return int(self.world.dm_channel_with(self.world.resolve_member(who))["id"])

    def thread_member_ids(self, thread: Channel) -> set[int]:
        with self.world.lock:
            return set(self.world.thread_members.get(self.channel_id(thread), set()))

    def threads(self) -> list[Json]:
        with self.world.lock:
            return [
                self.world.public_channel(c)
                for c in self.world.channels.values()
                if c["type"] in THREAD_TYPES
            ]

    def commands(self, *, guild: bool = False) -> list[Json]:
        with self.world.lock:
            return list(self.world.commands.get(self.guild_id if guild else None, []))

    # -- what the client did -------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._rest.requests.snapshot()

    def wait_for_request(
        self,
        method: str,
        path_regex: str,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        timeout: float = 5.0,
    ) -> RecordedRequest:
        """The first request (already made or still to come) whose path fully matches."""
        return self._rest.requests.wait_for(
            lambda r: r.matches(method, path_regex) and (predicate is None or predicate(r)),
            timeout,
            f"{method} {path_regex}",
        )

    @property
    def gateway_connections(self) -> list[GatewayConnection]:
        return self._gateway.opened.snapshot()

    @property
    def gateway_frames(self) -> list[GatewayFrame]:
        return self._gateway.frames.snapshot()

    def session_shards(self) -> list[tuple[int, int]]:
        """The ``(shard id, shard count)`` of every identified session, oldest first."""

        async def read() -> list[tuple[int, int]]:
            return [session.shard for session in self._gateway.sessions.values()]

        return self._run(read)

    def refused_identifies(self) -> list[tuple[int, int]]:
        """Shards whose IDENTIFY came too soon after another of its bucket (op 9)."""

        async def read() -> list[tuple[int, int]]:
            return list(self._gateway.refused_identifies)

        return self._run(read)

    def wait_for_gateway_op(
        self,
        op: int,
        predicate: Callable[[GatewayFrame], bool] | None = None,
        timeout: float = 5.0,
    ) -> GatewayFrame:
        return self._gateway.frames.wait_for(
            lambda f: f.op == op and (predicate is None or predicate(f)),
            timeout,
            f"gateway op {op}",
        )

    def fail_next(
        self,
        method: str,
        path_regex: str,
        *,
        status: int = 429,
        times: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
        after_handling: bool = False,
    ) -> FailureRule:
        """Answer the next ``times`` matching calls with ``status`` (429 carries retry_after).

        ``after_handling``: the call is carried out first (a message is created), then
        answered with the failure, as when Discord's answer never reaches the client.
        """
        rule = FailureRule(
            method.upper(), path_regex, status, times, retry_after, is_global, after_handling
        )

        async def add() -> None:
            self._rest.failures.append(rule)

        self._run(add)
        return rule

    def slow_next(
        self, method: str, path_regex: str, *, seconds: float, times: int = 1
    ) -> SlowRule:
        """Answer the next ``times`` matching calls only after ``seconds`` (they take effect
        after the wait); the rule's ``started`` event is set when the first one arrived."""
        rule = SlowRule(method.upper(), path_regex, seconds, times)

        async def add() -> None:
            self._rest.slow.append(rule)

        self._run(add)
        return rule

    # -- events towards the client ----------------------------------------------------------

    def dispatch(self, event: str, data: Any) -> None:
        """Send a raw gateway dispatch to the sessions of its guild's shard (shard 0 without
        a ``guild_id``), buffered while disconnected."""
        self._run(lambda: self._gateway.dispatch(event, data))

    def send_message(
        self,
        channel: Channel,
        author: Person,
        content: str,
        *,
        reply_to: int | None = None,
        embeds: Sequence[Json] = (),
        attachments: Sequence[Json] = (),
        written_at: datetime | None = None,
    ) -> Json:
        """A person posts a message: MESSAGE_CREATE with the author's member and mentions.

        It stays in the channel's history whether or not a session receives it, as on
        Discord; ``written_at`` dates it (and its id) in the past, as if written then."""
        body: Json = {"content": content, "embeds": list(embeds), "attachments": list(attachments)}
        if reply_to is not None:
            body["message_reference"] = {"message_id": str(reply_to)}
        with self.world.lock:
            channel_id = self.channel_id(channel)
            stored = self.world.channel(channel_id)
            if stored is None:
                raise KeyError(channel)
            message = self.world.message_payload(
                channel_id, self.world.resolve_member(author), body, written_at=written_at
            )
            self.world.messages[int(message["id"])] = message
            stored["last_message_id"] = message["id"]
            if stored["type"] in THREAD_TYPES:
                stored["message_count"] += 1
        self.dispatch("MESSAGE_CREATE", message)
        return message

    def send_interaction(
        self,
        kind: int,
        data: Json,
        *,
        user: Person,
        channel: Channel,
        locale: str = "en-US",
        message: Json | None = None,
    ) -> Json:
        """A raw INTERACTION_CREATE of ``kind`` (2 command, 3 component, 5 modal submit)."""
        with self.world.lock:
            payload = build_interaction(
                self.world,
                kind,
                user=self.world.resolve_member(user),
                channel_id=self.channel_id(channel),
                data=data,
                locale=locale,
                message=message,
            )
        self.dispatch("INTERACTION_CREATE", payload)
        return payload

    def send_command(
        self,
        name: str,
        *,
        user: Person,
        channel: Channel,
        options: Mapping[str, OptionValue] | Sequence[Json] = (),
        locale: str = "en-US",
    ) -> Json:
        """Someone runs ``/name``; option types follow the synced command's definition."""
        with self.world.lock:
            data = command_data(self.world, name, options if options else {})
        return self.send_interaction(
            APPLICATION_COMMAND, data, user=user, channel=channel, locale=locale
        )

    def send_component(
        self,
        custom_id: str,
        *,
        user: Person,
        message: Json | int,
        values: Sequence[str] | None = None,
        locale: str = "en-US",
    ) -> Json:
        """Someone clicks a button (or picks ``values`` in a string select) on ``message``."""
        with self.world.lock:
            if isinstance(message, int):
                message = self.world.messages[message]
            message = dict(message)
        data: Json = {"custom_id": custom_id, "component_type": BUTTON}
        if values is not None:
            data.update(component_type=STRING_SELECT, values=list(values))
        return self.send_interaction(
            MESSAGE_COMPONENT,
            data,
            user=user,
            channel=int(message["channel_id"]),
            locale=locale,
            message=message,
        )

    def send_modal_submit(
        self,
        custom_id: str,
        fields: Mapping[str, str | Sequence[str]],
        *,
        user: Person,
        channel: Channel,
        locale: str = "en-US",
    ) -> Json:
        """Someone submits modal ``custom_id`` with ``fields`` (input custom_id -> value).

        The submission mirrors the layout of the modal the bot opened with that custom_id
        (action rows or labels); naming an input the modal lacks raises KeyError.
        """
        with self.world.lock:
            components = modal_submit_components(self.world, custom_id, fields)
        data = {"custom_id": custom_id, "components": components}
        return self.send_interaction(MODAL_SUBMIT, data, user=user, channel=channel, locale=locale)

    # -- connection trouble --------------------------------------------------------------------

    def disconnect(self, code: int = 4000) -> None:
        """Drop the websocket; the session survives, so the client can RESUME."""
        self._run(lambda: self._gateway.disconnect(code))

    @contextmanager
    def gateway_held(self) -> Iterator[None]:
        """New gateway connections wait for HELLO until the block ends.

        Use with :meth:`disconnect` to make events dispatched inside the block reach the
        client only through RESUME's replay.
        """

        async def close() -> None:
            self._gateway.open_gate.clear()

        async def open_() -> None:
            self._gateway.open_gate.set()

        self._run(close)
        try:
            yield
        finally:
            self._run(open_)

    def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client should close and RESUME."""
        self._run(lambda: self._gateway.send_op(RECONNECT, None))

    def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID SESSION; unless resumable, the client must IDENTIFY again."""
        self._run(lambda: self._gateway.send_op(INVALID_SESSION, resumable))
