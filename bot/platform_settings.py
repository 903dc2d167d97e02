"""Settings of the chat platforms: what is enabled, where it connects, which channels do what.

Platform endpoints are configurable (and overridable from the environment) so tier0 can
talk to Slack's other clouds, to Discord-compatible servers, and to fakes in tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["ConsoleSettings", "DiscordSettings", "ServiceSettings", "SlackSettings"]

Audience = Literal["internal", "external", "all"]
ChannelId = Annotated[str, Field(min_length=1, max_length=128)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceSettings(_Section):
    """How ``tier0 run`` behaves as a long-running process."""

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    shutdown_grace_seconds: float = Field(default=10.0, gt=0, le=600)
    # Threads that run the engine (database-bound) beside the event loop that acknowledges.
    engine_threads: int = Field(default=2, ge=1, le=64)
    database_wait_seconds: float = Field(default=30.0, ge=0, le=3600)
    # Several workers on one database: how long a worker's claim on a reply it is sending
    # lasts, and the scheduler lease (one worker runs the SLA jobs; another takes over this
    # long after it dies).
    delivery_lease_seconds: float = Field(default=30.0, ge=1, le=3600)
    scheduler_lease_seconds: float = Field(default=30.0, ge=3, le=3600)
    # /healthz and /metrics (Prometheus) over HTTP; 0 turns them off.
    metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"
    # Events that arrive while the database is unreachable wait here (a SQLite file, made
    # when first needed) and are handled once it is back.
    spool_path: Path = Path("tier0-spool.sqlite")
    # Slack payloads are written here (a SQLite file per process) before they are
    # acknowledged, and adopted by the next process if this one dies before handling them.
    inbox_path: Path = Path("tier0-inbox")


class ConsoleSettings(_Section):
    audience: Audience = "all"


class SlackSettings(_Section):
    """Employees' help desk on Slack. Tokens come from SLACK_BOT_TOKEN, SLACK_APP_TOKEN
    (Socket Mode) and SLACK_SIGNING_SECRET (HTTP mode)."""

    enabled: bool = False
    audience: Audience = "internal"
    mode: Literal["socket", "http"] = "socket"
    api_url: str = Field(default="https://slack.com/api/", pattern=r"^https?://")
    http_host: str = "0.0.0.0"
    http_port: int = Field(default=3000, ge=1, le=65535)
    http_path: str = Field(default="/slack/events", pattern=r"^/")
    help_channels: list[ChannelId] = Field(default_factory=list)
    triage_channels: dict[str, ChannelId] = Field(default_factory=dict)
    slash_command: str = Field(default="/tier0", pattern=r"^/[a-z0-9_-]{1,31}$")


class DiscordSettings(_Section):
    """Customers' help desk on Discord. The token comes from DISCORD_TOKEN."""

    enabled: bool = False
    audience: Audience = "external"
    api_base: str = Field(default="https://discord.com/api/v10", pattern=r"^https?://")
    gateway_url: str = Field(default="wss://gateway.discord.gg/", pattern=r"^wss?://")
    guild_id: str = ""
    support_channels: list[ChannelId] = Field(default_factory=list)
    triage_channels: dict[str, ChannelId] = Field(default_factory=dict)
    slash_command: str = Field(default="support", pattern=r"^[a-z0-9_-]{1,32}$")
    # Gateway shards (docs/discord.md): shard_count is the total over every host, 0 asks
    # Discord for its recommendation; shard_ids are those this host runs (empty: all).
    # `tier0 run --workers N` spreads this host's shards over its workers.
    shard_count: int = Field(default=0, ge=0, le=65536)
    shard_ids: list[int] = Field(default_factory=list)
    # After a new gateway session (a start, a restart, an outage longer than RESUME covers)
    # the bot reads back this many hours of the channels it serves and handles, once and in
    # order, what it missed, at most catch_up_messages per channel (docs/discord.md). 0: off.
    catch_up_hours: float = Field(default=24, ge=0, le=24 * 14)
    catch_up_messages: int = Field(default=100, ge=1, le=1000)

    @model_validator(mode="after")
    def _shards_within_count(self) -> DiscordSettings:
        if self.shard_ids and not self.shard_count:
            raise ValueError("shard_ids needs shard_count (the total over every host)")
        if len(set(self.shard_ids)) != len(self.shard_ids):
            raise ValueError("shard_ids lists a shard twice")
        outside = [s for s in self.shard_ids if not 0 <= s < self.shard_count]
        if outside:
            raise ValueError(f"shard_ids {outside} are not below shard_count {self.shard_count}")
        return self
