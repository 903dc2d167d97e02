"""Discord sharded: the real adapter (discord.py's AutoShardedClient) against a FakeDiscord
with two guilds on two shards, one process with both shards and two workers with one each
on one database. Every question is answered exactly once and DMs reach shard 0's owner."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from adapters.discord_adapter.shards import split, worker_environments
from bot.conversation.engine import Engine
from bot.errors import ConfigError
from bot.platform_settings import SlackSettings
from bot.settings import Settings
from kb import KnowledgeBase
from storage.db import Database
from tests.adapters.discord_adapter.conftest import (
    RunningAdapter,
    discord_settings,
    guild,
    posted,
)
from tests.fakes.discord_server import ChannelSpec, FakeDiscord, GuildSpec
from tier0.app import App
from tier0.platforms.discord import build_discord_adapter

ANSWERED = "how do I reset my account password"
ANSWER = "Reset your account password"
Start = Callable[..., RunningAdapter]


def on_shard(shard: int, count: int) -> int:
    """A guild id Discord routes to ``shard`` of ``count``: (id >> 22) % count."""
    return ((1_000_000 * count + shard) << 22) | 1


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    """The adapter tests' guild on shard 0 of 2, and a second guild (#help) on shard 1."""
    main = guild()
    main.id = on_shard(0, 2)
    second = GuildSpec(
        name="second", channels=[ChannelSpec("help")], roles=[], members=[], id=on_shard(1, 2)
    )
    with FakeDiscord(guild=main, more_guilds=[second], max_concurrency=2) as server:
        yield server


def sharded(fake: FakeDiscord, **shards: Any) -> Settings:
    settings = discord_settings(fake)
    support = [str(fake.channel_id("support")), str(fake.channel_id("help"))]
    discord = settings.discord.model_copy(update={"support_channels": support, **shards})
    return settings.model_copy(update={"discord": discord})


@pytest.fixture
def start(database: Database, sample_kb: KnowledgeBase) -> Iterator[Start]:
    running: list[RunningAdapter] = []

    def start_one(settings: Settings, fake: FakeDiscord) -> RunningAdapter:
        app = App(
            settings, database, sample_kb, (), Engine(settings, sample_kb, database.unit_of_work)
        )
        adapter = build_discord_adapter(
            app, {"DISCORD_TOKEN": fake.token}, guild_ready_timeout=0.05
        )
        running.append(RunningAdapter(adapter).start())
        return running[-1]

    yield start_one
    for bot in running:
        bot.stop()


def ask_everywhere(fake: FakeDiscord) -> dict[int, str]:
    """A question in each guild and one by DM; the channels where answers are due."""
    dm = fake.dm_channel_id("carol")
    fake.send_message("support", "alice", ANSWERED)
    fake.send_message("help", "erin", ANSWERED)
    fake.send_message(dm, "carol", ANSWERED)
    return {fake.channel_id("support"): "alice", fake.channel_id("help"): "erin", dm: "carol"}


def answered_once(fake: FakeDiscord, channels: dict[int, str]) -> None:
    for channel in channels:
        posted(fake, channel, ANSWER)
    time.sleep(1.0)  # a second answer (a shard too many) would have come by now
    for channel, who in channels.items():
        answers = [
            m
            for m in fake.messages_in(channel)
            if m["author"]["id"] == str(fake.bot.id) and ANSWER in str(m["embeds"])
        ]
        assert len(answers) == 1, (who, answers)


def test_one_process_runs_both_shards_and_answers_each_guild_and_the_dm_once(
    fake: FakeDiscord, start: Start
) -> None:
    bot = start(sharded(fake, shard_count=2), fake)

    client = bot.adapter.client
    assert sorted(client.shards) == [0, 1]
    assert sorted(g.id for g in client.guilds) == sorted(fake.guild_ids)
    answered_once(fake, ask_everywhere(fake))
    assert sorted(fake.session_shards()) == [(0, 2), (1, 2)]


def test_two_workers_with_a_shard_each_answer_each_guild_and_the_dm_once(
    fake: FakeDiscord, start: Start
) -> None:
    zero = start(sharded(fake, shard_count=2, shard_ids=[0]), fake)
    one = start(sharded(fake, shard_count=2, shard_ids=[1]), fake)

    assert [g.id for g in zero.adapter.client.guilds] == [fake.guild_ids[0]]
    assert [g.id for g in one.adapter.client.guilds] == [fake.guild_ids[1]]
    answered_once(fake, ask_everywhere(fake))
    assert sorted(fake.session_shards()) == [(0, 2), (1, 2)]
    synced = [r for r in fake.requests if r.method == "PUT" and "/commands" in r.path]
    assert len(synced) == 1  # by the worker with shard 0 only


def test_workers_get_every_nth_shard_of_the_host_the_first_worker_the_lowest() -> None:
    assert split(range(5), 2) == [[0, 2, 4], [1, 3]]
    assert split([3, 2], 3) == [[2], [3], []]


def test_worker_environments_follow_gateway_bot_or_the_host_shards(fake: FakeDiscord) -> None:
    settings = sharded(fake)
    with FakeDiscord(recommended_shards=3) as asked:
        recommended = settings.model_copy(
            update={"discord": settings.discord.model_copy(update={"api_base": asked.api_url})}
        )
        plans = worker_environments(recommended, {"DISCORD_TOKEN": asked.token}, 2)
    assert plans == [
        {"TIER0__DISCORD__SHARD_COUNT": "3", "TIER0__DISCORD__SHARD_IDS": "[0, 2]"},
        {"TIER0__DISCORD__SHARD_COUNT": "3", "TIER0__DISCORD__SHARD_IDS": "[1]"},
    ]

    host = sharded(fake, shard_count=4, shard_ids=[3, 2])
    with pytest.raises(ConfigError, match="more than this host's 2 Discord shard"):
        worker_environments(host, {}, 3)
    with_slack = host.model_copy(update={"slack": SlackSettings(enabled=True)})
    assert worker_environments(with_slack, {}, 3)[2] == {"TIER0__DISCORD__ENABLED": "false"}


def test_a_refused_token_is_a_configuration_error_naming_shard_count(fake: FakeDiscord) -> None:
    with pytest.raises(ConfigError, match=r"HTTP 401.*shard_count"):
        worker_environments(sharded(fake), {"DISCORD_TOKEN": "wrong"}, 2)
