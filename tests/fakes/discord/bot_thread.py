"""Run a real discord.py client against a FakeDiscord from synchronous test code.

discord.py has no public setting for its endpoints, so :func:`discord_py_pointed_at`
swaps the two class attributes it reads them from and always puts them back.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager, suppress
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from .server import FakeDiscord

__all__ = ["RunningClient", "discord_py_pointed_at"]

ClientT = TypeVar("ClientT", bound=discord.Client)
T = TypeVar("T")


@contextmanager
def discord_py_pointed_at(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py's REST base and gateway at ``fake`` for the duration of the block."""
    saved_base, saved_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = fake.api_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved_base, saved_gateway


class RunningClient(Generic[ClientT]):
    """A discord.py client logged in to a FakeDiscord on its own thread and event loop.

    ``start()`` returns once the client is ready *and* the fake's guild (or ``guild_id``:
    a shard of another guild never sees the main one) is in its cache.
    Build the client with a small ``guild_ready_timeout`` (e.g. 0.1): discord.py waits
    that long after the last GUILD_CREATE before it fires ``on_ready`` (default 2 s).
    """

    def __init__(
        self,
        client: ClientT,
        fake: FakeDiscord,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        guild_id: int | None = None,
    ) -> None:
        self.client = client
        self.fake = fake
        self.guild_id = fake.guild_id if guild_id is None else guild_id
        self.token = fake.token if token is None else token
        self.timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        pointed = (Route.BASE, str(DiscordWebSocket.DEFAULT_GATEWAY))
        if pointed != (self.fake.api_url, self.fake.gateway_url):
            # Never let a test client reach the real Discord.
            raise RuntimeError(
                f"discord.py points at {pointed}, not the fake; use discord_py_pointed_at(fake)"
            )
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._main()), name="discord-client", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(self.timeout):
            self.stop()
            raise TimeoutError(f"discord.py client not ready after {self.timeout}s")
        if self._error is not None:
            self.stop()
            raise RuntimeError("discord.py client failed to start") from self._error
        return self

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        client, guild_id = self.client, self.guild_id
        connection: asyncio.Task[None] | None = None
        try:
            await client.login(self.token)
            guild_seen = client.wait_for("guild_available", check=lambda g: g.id == guild_id)
            connection = asyncio.create_task(client.connect(reconnect=True))
            startup: asyncio.Future[Any] = asyncio.gather(client.wait_until_ready(), guild_seen)
            done, _ = await asyncio.wait(
                [startup, connection], timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if connection in done:
                startup.cancel()
                connection.result()  # re-raises why the connection ended
                raise RuntimeError("client.connect() returned before the client was ready")
            if startup not in done:
                startup.cancel()
                raise TimeoutError("client did not become ready")
            self._ready.set()
            await asyncio.wait(
                [asyncio.ensure_future(self._stop.wait()), connection],
                return_when=asyncio.FIRST_COMPLETED,
            )
        except BaseException as exc:
            self._error = exc
        finally:
            self._ready.set()
            await client.close()
            if connection is not None:
                connection.cancel()
                await asyncio.gather(connection, return_exceptions=True)

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 5.0) -> T:
        """Run ``coro`` on the client's loop (for client APIs that must run there)."""
        if self._loop is None:
            coro.close()
            raise RuntimeError("client is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            with suppress(RuntimeError):  # the loop closed between the check and the call
                self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(self.timeout)
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
