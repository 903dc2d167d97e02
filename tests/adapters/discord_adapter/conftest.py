"""The real Discord adapter and engine against FakeDiscord, driven from synchronous tests.

The guild has a support channel, one triage channel per tier, two customers (alice,
carol), one agent per tier (bob, dave, by role) and a member without a staff role.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord_adapter import DiscordAdapter
from bot.conversation.engine import Engine
from bot.platform_settings import DiscordSettings
from bot.settings import Settings, TicketSettings, TierSettings
from kb import KnowledgeBase
from storage.db import Database
from tests.fakes.discord_server import (
    ChannelSpec,
    FakeDiscord,
    GuildSpec,
    MemberSpec,
    RecordedRequest,
    RoleSpec,
)
from tier0.app import App
from tier0.platforms.discord import build_discord_adapter

T = TypeVar("T")
TIMEOUT = 5.0
CATEGORY, PRIVATE_THREAD = 4, 12


def guild() -> GuildSpec:
    return GuildSpec(
        channels=[
            ChannelSpec("Help desk", CATEGORY),
            ChannelSpec("general", parent="Help desk"),
            ChannelSpec("support", parent="Help desk"),
            ChannelSpec("triage-1", parent="Help desk"),
            ChannelSpec("triage-2", parent="Help desk"),
        ],
        roles=[RoleSpec("Service desk"), RoleSpec("Specialists")],
        members=[
            MemberSpec("alice"),
            MemberSpec("carol"),
            MemberSpec("bob", roles=["Service desk"]),
            MemberSpec("erin", roles=["Service desk"]),
            MemberSpec("dave", roles=["Specialists"]),
            MemberSpec("mallory"),
        ],
    )


def discord_settings(
    fake: FakeDiscord, discord_options: dict[str, Any] | None = None, **tickets: Any
) -> Settings:
    """The guild's channels and tiers; ``discord_options`` overrides other [discord] keys."""
    return Settings(
        tickets=TicketSettings(
            tiers=[
                TierSettings(
                    name="Service desk", roles=[f"discord:{fake.role('Service desk').id}"]
                ),
                TierSettings(name="Specialists", roles=[f"discord:{fake.role('Specialists').id}"]),
            ],
            **{"new_ticket_cooldown_seconds": 0, **tickets},
        ),
        discord=DiscordSettings(
            enabled=True,
            api_base=fake.api_url,
            gateway_url=fake.gateway_url,
            guild_id=str(fake.guild_id),
            support_channels=[str(fake.channel_id("support"))],
            triage_channels={
                "Service desk": str(fake.channel_id("triage-1")),
                "Specialists": str(fake.channel_id("triage-2")),
            },
            **(discord_options or {}),
        ),
    )


class RunningAdapter:
    """A DiscordAdapter started, dispatching and stopped as ``tier0 run`` does, on its own
    thread and event loop."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        self.adapter = adapter
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> RunningAdapter:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)
        self._thread.start()
        if not self._ready.wait(10) or self._error is not None:
            self.stop()
            raise RuntimeError("the Discord adapter did not start") from self._error
        return self

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        dispatching = asyncio.Event()
        try:
            await self.adapter.start()
        except BaseException as error:
            self._error = error
            self._ready.set()
            return
        task = asyncio.create_task(self.adapter.dispatcher.run(dispatching, interval=0.2))
        self._ready.set()
        await self._stop.wait()
        await self.adapter.stop()
        dispatching.set()
        await asyncio.wait_for(task, 5)

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(TIMEOUT)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    with FakeDiscord(guild=guild()) as server:
        yield server
    assert saved == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY), "endpoints not restored"


@pytest.fixture
def start_bot(
    fake: FakeDiscord, database: Database, sample_kb: KnowledgeBase
) -> Iterator[Callable[..., RunningAdapter]]:
    """Start the adapter (again, for a restart) with the test's ticket settings and any
    other [discord] settings."""
    running: list[RunningAdapter] = []

    def start(discord_options: dict[str, Any] | None = None, **tickets: Any) -> RunningAdapter:
        for earlier in running:
            earlier.stop()
        settings = discord_settings(fake, discord_options, **tickets)
        engine = Engine(settings, sample_kb, database.unit_of_work)
        app = App(settings, database, sample_kb, (), engine)
        adapter = build_discord_adapter(
            app, {"DISCORD_TOKEN": fake.token}, guild_ready_timeout=0.05
        )
        bot = RunningAdapter(adapter).start()
        running.append(bot)
        return bot

    yield start
    for bot in running:
        bot.stop()


def posted(
    fake: FakeDiscord, channel: int | str, contains: str = "", timeout: float = TIMEOUT
) -> RecordedRequest:
    """The bot's message in ``channel`` (by id or name) whose text includes ``contains``."""
    channel_id = channel if isinstance(channel, int) else fake.channel_id(channel)
    return fake.wait_for_request(
        "POST",
        rf"/channels/{channel_id}/messages",
        lambda r: r.status == 200 and contains in text_of(r.json),
        timeout,
    )


def followup(fake: FakeDiscord, contains: str = "") -> RecordedRequest:
    """An answer to a button or form, sent as the interaction's follow-up."""
    return fake.wait_for_request(
        "POST", r"/webhooks/\d+/[^/]+", lambda r: contains in text_of(r.json)
    )


def command_answer(fake: FakeDiscord, contains: str = "") -> RecordedRequest:
    """An answer to a slash command: its deferred response, edited."""
    return fake.wait_for_request(
        "PATCH",
        r"/webhooks/\d+/[^/]+/messages/@original",
        lambda r: contains in text_of(r.json),
    )


def text_of(body: Any) -> str:
    """Content plus embed titles, descriptions, fields and footers, for matching."""
    if not isinstance(body, dict):
        return ""
    parts = [str(body.get("content") or "")]
    for embed in body.get("embeds") or []:
        parts += [str(embed.get("title", "")), str(embed.get("description", ""))]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
        parts.append(str((embed.get("footer") or {}).get("text", "")))
    return "\n".join(parts)


def custom_ids(body: Any) -> list[str]:
    return [
        str(c["custom_id"])
        for row in (body or {}).get("components") or []
        for c in row.get("components", [])
        if "custom_id" in c
    ]
