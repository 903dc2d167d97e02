"""Gateway shards: which ones each worker runs, and pacing their IDENTIFYs.

Discord sends a guild's events to shard ``(guild_id >> 22) % shard_count`` only, and
direct messages to shard 0 only. ``tier0 run --workers N`` therefore fixes the shard count
once (the configured one, or Discord's recommendation) and gives every worker a share of
this host's shards; every worker runs discord.py's ``AutoShardedClient`` on its share.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

import discord

from bot.errors import ConfigError
from bot.settings import Settings

__all__ = [
    "IDENTIFY_WINDOW",
    "GatewayInfo",
    "IdentifyGate",
    "Take",
    "bot_gateway",
    "split",
    "worker_environments",
]

log = logging.getLogger(__name__)

IDENTIFY_WINDOW = timedelta(seconds=5.5)
"""Discord's window is 5 s; the half second is for the IDENTIFY's own trip."""
POLL_SECONDS = 0.25
USER_AGENT = f"DiscordBot (https://github.com/Rapptz/discord.py, {discord.__version__}) tier0"
"""Discord asks for ``DiscordBot (url, version)``: the library the workers will run."""
Take = Callable[[str, str], bool]
"""Take the lease ``name`` for ``holder`` if it is free or ran out; whether it was taken."""


@dataclass(frozen=True)
class GatewayInfo:
    shards: int
    max_concurrency: int


def bot_gateway(api_base: str, token: str, timeout: float = 15.0) -> GatewayInfo:
    """``GET /gateway/bot``: the shard count Discord recommends, asked once by the
    supervisor so that every worker shards by the same count."""
    request = urllib.request.Request(
        api_base.rstrip("/") + "/gateway/bot",
        headers={"Authorization": f"Bot {token}", "User-Agent": USER_AGENT},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = json.load(response)
        limit = data["session_start_limit"]
        return GatewayInfo(int(data["shards"]), int(limit["max_concurrency"]))
    except (OSError, ValueError, KeyError, TypeError) as error:
        detail = f"HTTP {error.code}" if isinstance(error, urllib.error.HTTPError) else error
        raise ConfigError(
            f"could not ask Discord how many shards to run (GET /gateway/bot: {detail}); "
            "check DISCORD_TOKEN, or set [discord] shard_count"
        ) from error


def split(shards: Sequence[int], workers: int) -> list[list[int]]:
    """Worker i (from 0) runs shards i, i + N, i + 2N, ... of the host's sorted list, so
    the first worker runs the host's lowest shard: shard 0, which gets the DMs, if the
    host runs it."""
    ordered = sorted(shards)
    return [ordered[index::workers] for index in range(workers)]


def worker_environments(
    settings: Settings, env: Mapping[str, str], workers: int
) -> list[dict[str, str]]:
    """The settings each of ``workers`` workers gets on top of the host's environment:
    its shards, or Discord turned off where there are more workers than shards."""
    discord = settings.discord
    count = discord.shard_count
    if not count:
        token = env.get("DISCORD_TOKEN", "")
        count = bot_gateway(discord.api_base, token).shards
        log.info("discord: %d shard(s), as Discord recommends", count)
    host = list(discord.shard_ids) or list(range(count))
    if workers > len(host) and not settings.slack.enabled:
        raise ConfigError(
            f"--workers {workers} is more than this host's {len(host)} Discord shard(s), "
            "and a worker without a shard would have nothing to run: raise [discord] "
            "shard_count or start fewer workers"
        )
    plans: list[dict[str, str]] = []
    for number, shard_ids in enumerate(split(host, workers), start=1):
        if shard_ids:
            plans.append(
                {
                    "TIER0__DISCORD__SHARD_COUNT": str(count),
                    "TIER0__DISCORD__SHARD_IDS": json.dumps(shard_ids),
                }
            )
            log.info("worker %d runs Discord shard(s) %s of %d", number, shard_ids, count)
        else:
            plans.append({"TIER0__DISCORD__ENABLED": "false"})
            log.info("worker %d runs no Discord shard (%d for %d workers)", number, count, workers)
    return plans


class IdentifyGate:
    """Discord starts at most ``max_concurrency`` sessions of a bot per 5 seconds, one per
    bucket (``shard_id % max_concurrency``), whichever process asks, and refuses the rest
    (op 9). Each IDENTIFY here first takes its bucket's lease in the shared database for
    that long: the workers of every host keep to the limit together, which discord.py's
    own pacing (5 s between the shards of one process) cannot do."""

    def __init__(self, take: Take, holder: str) -> None:
        self._take = take
        self._holder = holder
        self.max_concurrency = 1
        """From ``GET /gateway/bot``'s session start limit, once logged in."""

    async def wait(self, shard_id: int) -> None:
        name = f"discord-identify-{shard_id % self.max_concurrency}"
        # A new holder for each IDENTIFY: a lease only runs out, it is never renewed.
        holder = f"{self._holder}/{shard_id}/{secrets.token_hex(4)}"
        while True:
            try:
                if await asyncio.to_thread(self._take, name, holder):
                    return
            except Exception:
                log.warning(
                    "discord: could not take the identify lease; shard %d waits %.1f s",
                    shard_id,
                    IDENTIFY_WINDOW.total_seconds(),
                    exc_info=True,
                )
                await asyncio.sleep(IDENTIFY_WINDOW.total_seconds())
                return
            await asyncio.sleep(POLL_SECONDS)
