"""``tier0 run --workers 2`` on Discord alone, on PostgreSQL: the supervisor asks GET
/gateway/bot for the shard count (2), each worker runs one shard, their IDENTIFYs keep to
Discord's session start rate across the two processes (the fake refuses one within 5 s of
another with max_concurrency 1), and each guild's question and a DM are answered once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.load_world import Tier0Workers
from tests.adapters.discord_adapter.conftest import guild
from tests.adapters.discord_adapter.test_shards import answered_once, ask_everywhere, on_shard
from tests.fakes.discord_server import ChannelSpec, FakeDiscord, GuildSpec
from tests.service.process import clean_environment
from tests.support import databases


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    with databases.fresh_schema_or_skip("tier0_discord_workers") as schema:
        yield databases.process_url(schema)


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    main = guild()
    main.id = on_shard(0, 2)
    second = GuildSpec(
        name="second", channels=[ChannelSpec("help")], roles=[], members=[], id=on_shard(1, 2)
    )
    with FakeDiscord(
        guild=main, more_guilds=[second], recommended_shards=2, identify_window=5.0
    ) as server:
        yield server


def config_text(fake: FakeDiscord) -> str:
    support = [str(fake.channel_id("support")), str(fake.channel_id("help"))]
    desk, specialists = fake.channel_id("triage-1"), fake.channel_id("triage-2")
    return f"""
[service]
log_level = "INFO"
shutdown_grace_seconds = 5
database_wait_seconds = 10

[sla]
enabled = false
digest = false

[discord]
enabled = true
guild_id = "{fake.guild_id}"
support_channels = {json.dumps(support)}
triage_channels = {{ "Service desk" = "{desk}", Specialists = "{specialists}" }}

[tickets]
new_ticket_cooldown_seconds = 0

[[tickets.tiers]]
name = "Service desk"
roles = ["discord:{fake.role("Service desk").id}"]

[[tickets.tiers]]
name = "Specialists"
roles = ["discord:{fake.role("Specialists").id}"]
"""


def test_two_workers_run_a_shard_each_identify_in_turn_and_answer_everything_once(
    fake: FakeDiscord, postgresql_url: str, tmp_path: Path
) -> None:
    env = clean_environment(
        {
            "DATABASE_URL": postgresql_url,
            "DISCORD_TOKEN": fake.token,
            "DISCORD_API_BASE": fake.api_url,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
        }
    )
    tier0 = Tier0Workers(tmp_path, config_text(fake), env, 2)
    try:
        tier0.wait_for(r"discord: ready as", 2, timeout=120)
        assert "worker 1 runs Discord shard(s) [0] of 2" in tier0.log
        assert "worker 2 runs Discord shard(s) [1] of 2" in tier0.log
        assert sorted(fake.session_shards()) == [(0, 2), (1, 2)]
        assert fake.refused_identifies() == []

        answered_once(fake, ask_everywhere(fake))
        assert tier0.stop() == 0
    finally:
        tier0.stop()
