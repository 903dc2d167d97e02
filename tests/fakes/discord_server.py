"""Public entry point of the fake Discord server used by tier0's tests.

Typical use in a test module::

    from tests.fakes.discord_server import RunningClient, fake_discord  # noqa: F401

    def test_bot_replies(fake_discord: FakeDiscord) -> None:
        client = MyBot(intents=..., guild_ready_timeout=0.1)
        with RunningClient(client, fake_discord):
            fake_discord.send_message("support", "alice", "hello")
            fake_discord.wait_for_request("POST", r"/channels/\\d+/messages")

The ``fake_discord`` fixture starts a fresh server, points discord.py at it and undoes
both afterwards; use :class:`FakeDiscord` and :func:`discord_py_pointed_at` directly when
a fixture does not fit.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.discord.bot_thread import RunningClient, discord_py_pointed_at
from tests.fakes.discord.log import FailureRule, GatewayFrame, RecordedFile, RecordedRequest
from tests.fakes.discord.server import FakeDiscord
from tests.fakes.discord.world import ChannelSpec, GuildSpec, MemberSpec, RoleSpec

__all__ = [
    "ChannelSpec",
    "FailureRule",
    "FakeDiscord",
    "GatewayFrame",
    "GuildSpec",
    "MemberSpec",
    "RecordedFile",
    "RecordedRequest",
    "RoleSpec",
    "RunningClient",
    "discord_py_pointed_at",
    "fake_discord",
]


@pytest.fixture
def fake_discord() -> Iterator[FakeDiscord]:
    """A running FakeDiscord with discord.py pointed at it; both undone afterwards."""
    with FakeDiscord() as fake, discord_py_pointed_at(fake):
        yield fake
