"""Public entry point of the fake Discord server used by tier0's tests.

Typical use in a test module::

    from tests.fakes import discord_server
    from tests.fakes.discord_server import FakeDiscord, RunningClient

    fake_discord = discord_server.fake_discord  # fixtures, bound without an unused import
    run_discord_client = discord_server.run_discord_client

    def test_bot_replies(fake_discord: FakeDiscord, run_discord_client) -> None:
        run_discord_client(MyBot(intents=..., guild_ready_timeout=0.1))
        fake_discord.send_message("support", "alice", "hello")
        reply = fake_discord.wait_for_request("POST", r"/channels/\\d+/messages")

The ``fake_discord`` fixture starts a fresh server, points discord.py at it and undoes
both afterwards; use :class:`FakeDiscord` and :func:`discord_py_pointed_at` directly when
a fixture does not fit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import discord
import pytest

from tests.fakes.discord.bot_thread import RunningClient, discord_py_pointed_at
from tests.fakes.discord.log import (
    FailureRule,
    GatewayConnection,
    GatewayFrame,
    RecordedFile,
    RecordedRequest,
    SlowRule,
)
from tests.fakes.discord.server import FakeDiscord
from tests.fakes.discord.world import ChannelSpec, GuildSpec, MemberSpec, RoleSpec

__all__ = [
    "ChannelSpec",
    "FailureRule",
    "FakeDiscord",
    "GatewayConnection",
    "GatewayFrame",
    "GuildSpec",
    "MemberSpec",
    "RecordedFile",
    "RecordedRequest",
    "RoleSpec",
    "RunningClient",
    "SlowRule",
    "discord_py_pointed_at",
    "fake_discord",
    "run_discord_client",
]


@pytest.fixture
def fake_discord() -> Iterator[FakeDiscord]:
    """A running FakeDiscord with discord.py pointed at it; both undone afterwards."""
    with FakeDiscord() as fake, discord_py_pointed_at(fake):
        yield fake


@pytest.fixture
def run_discord_client(
    fake_discord: FakeDiscord,
) -> Iterator[Callable[[discord.Client], RunningClient[Any]]]:
    """Start clients against ``fake_discord``; each is closed before the fake stops."""
    running: list[RunningClient[Any]] = []

    def run(client: discord.Client) -> RunningClient[Any]:
        bot = RunningClient(client, fake_discord).start()
        running.append(bot)
        return bot

    yield run
    for bot in running:
        bot.stop()
