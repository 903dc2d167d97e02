"""The fake Discord's shards, proven with discord.py's AutoShardedClient over real sockets:
each guild's events reach the session of its shard only, DMs reach shard 0, GET
/gateway/bot recommends a count, and IDENTIFYs too close together are refused."""

from __future__ import annotations

import queue
from collections.abc import Iterator

import discord
import pytest

from tests.fakes.discord_server import (
    ChannelSpec,
    FakeDiscord,
    GuildSpec,
    RunningClient,
    discord_py_pointed_at,
)

TIMEOUT = 5.0


def guild_on_shard(shard: int, count: int, name: str, channels: list[ChannelSpec]) -> GuildSpec:
    """A guild whose id puts it on ``shard`` of ``count`` (Discord: (id >> 22) % count)."""
    return GuildSpec(name=name, channels=channels, id=((1_000_000 * count + shard) << 22) | 1)


def two_guilds() -> tuple[GuildSpec, GuildSpec]:
    first = guild_on_shard(0, 2, "first", [ChannelSpec("support")])
    second = guild_on_shard(
        1,
        2,
        "second",
        [ChannelSpec("lobby")],
    )
    second.members, second.roles = [], []  # people and roles come from the first guild
    return first, second


class ShardBot(discord.AutoShardedClient):
    """Records the messages it sees; identifies at once (the pacing is the test's)."""

    def __init__(self, **sharding: object) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(intents=intents, guild_ready_timeout=0.1, **sharding)  # type: ignore[arg-type]
        self.seen: queue.Queue[discord.Message] = queue.Queue()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No pacing of its own: the fake's is what these tests look at."""

    async def on_message(self, message: discord.Message) -> None:
        self.seen.put(message)


def contents(bot: ShardBot, expected: int) -> list[str]:
    got = [bot.seen.get(timeout=TIMEOUT).content for _ in range(expected)]
    with pytest.raises(queue.Empty):
        got.append(bot.seen.get(timeout=0.5).content)
    return sorted(got)


@pytest.fixture
def sharded() -> Iterator[FakeDiscord]:
    first, second = two_guilds()
    with (
        FakeDiscord(
            guild=first, more_guilds=[second], recommended_shards=2, max_concurrency=2
        ) as fake,
        discord_py_pointed_at(fake),
    ):
        yield fake


def test_each_shard_gets_its_guilds_events_and_shard_0_the_direct_messages(
    sharded: FakeDiscord,
) -> None:
    first, second = sharded.guild_ids
    zero, one = ShardBot(shard_ids=[0], shard_count=2), ShardBot(shard_ids=[1], shard_count=2)
    with (
        RunningClient(zero, sharded, guild_id=first) as running_zero,
        RunningClient(one, sharded, guild_id=second),
    ):
        assert [g.id for g in zero.guilds] == [first] and [g.id for g in one.guilds] == [second]
        sharded.send_message("support", "alice", "in the first guild")
        sharded.send_message("lobby", "alice", "in the second guild")
        sharded.send_message(sharded.dm_channel_id("alice"), "alice", "a direct message")

        assert contents(zero, 2) == ["a direct message", "in the first guild"]
        assert contents(one, 1) == ["in the second guild"]
        assert running_zero.client.shard_count == 2
    assert sorted(sharded.session_shards()) == [(0, 2), (1, 2)]


def test_a_client_without_a_count_runs_as_many_shards_as_gateway_bot_recommends(
    sharded: FakeDiscord,
) -> None:
    bot = ShardBot()
    with RunningClient(bot, sharded, guild_id=sharded.guild_ids[1]):
        assert bot.shard_count == 2 and sorted(bot.shards) == [0, 1]
        assert {g.id for g in bot.guilds} == set(sharded.guild_ids)
        sharded.send_message("support", "alice", "one")
        sharded.send_message("lobby", "alice", "two")
        assert contents(bot, 2) == ["one", "two"]  # each once, though two sessions run
    assert sorted(sharded.session_shards()) == [(0, 2), (1, 2)]
    limits = sharded.wait_for_request("GET", "/gateway/bot").response["session_start_limit"]
    assert limits["max_concurrency"] == 2


def test_an_identify_too_soon_after_another_of_its_bucket_is_refused() -> None:
    first, second = two_guilds()
    with (
        FakeDiscord(guild=first, more_guilds=[second], identify_window=1.0) as fake,
        discord_py_pointed_at(fake),
    ):
        bot = ShardBot(shard_count=2)
        with RunningClient(bot, fake, guild_id=second.id):  # shard 1 gets in after 1 s
            assert (1, 2) in fake.refused_identifies()
            assert (0, 2) not in fake.refused_identifies()
            assert sorted(fake.session_shards()) == [(0, 2), (1, 2)]
