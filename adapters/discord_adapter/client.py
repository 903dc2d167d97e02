"""The discord.py client: intents, the slash commands it syncs, and where events go.

The command tree only declares commands (so Discord shows them with their options); every
interaction, commands included, is routed through ``on_interaction`` to one handler that
translates its raw data. That keeps one path for commands, buttons and modals, and makes
buttons on old messages work after a restart without registering views.

The client is sharded (``AutoShardedClient``): it runs the shards ``[discord] shard_ids``
of ``shard_count`` (set per worker by ``tier0 run --workers N``, see :mod:`shards`), or
as many as Discord recommends.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from adapters.discord_adapter.commands import declare_commands
from adapters.discord_adapter.shards import IdentifyGate
from bot.i18n import catalogues as i18n
from bot.i18n.messages import say
from bot.settings import Settings

__all__ = ["CatalogueTranslator", "Tier0Client", "intents"]

log = logging.getLogger(__name__)

OnMessage = Callable[[discord.Message], Awaitable[None]]
OnInteraction = Callable[[discord.Interaction], Awaitable[None]]
OnNewSession = Callable[[int], None]
"""A shard got READY (a new session, not RESUMED); called before any of its events."""
OnShardReady = Callable[[int], Awaitable[None]]
"""A new session's guilds, channels and threads are in the cache."""


def intents() -> discord.Intents:
    """Only what tier0 needs; ``message_content`` is privileged (enable it in the portal)."""
    wanted = discord.Intents.none()
    wanted.guilds = True  # channels and threads in the cache, to tell where a message is
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.message_content = True  # questions are the messages' text
    return wanted


class CatalogueTranslator(app_commands.Translator):
    """Discord shows people the commands in their client's language: the descriptions come
    from the same catalogues as everything else the bot says."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        message_id = string.extras.get("id")
        tag = i18n.supported_locale(locale.value)
        if message_id is None or tag is None or tag == i18n.SOURCE_LOCALE:
            return None
        return say(message_id, tag)


class _DeclaringTree(app_commands.CommandTree[discord.Client]):
    """Declares and syncs commands; never runs them (``on_interaction`` handles them)."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return False


class Tier0Client(discord.AutoShardedClient):
    def __init__(
        self,
        settings: Settings,
        on_message: OnMessage,
        on_interaction: OnInteraction,
        identify_gate: IdentifyGate | None = None,
        on_new_session: OnNewSession | None = None,
        on_shard_ready: OnShardReady | None = None,
        **options: Any,
    ) -> None:
        sharding: dict[str, Any] = {}  # none: as many shards as Discord recommends
        if settings.discord.shard_count:
            sharding["shard_count"] = settings.discord.shard_count
        if settings.discord.shard_ids:
            sharding["shard_ids"] = list(settings.discord.shard_ids)
        super().__init__(
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            **sharding,
            **options,
        )
        self.settings = settings
        self._on_message = on_message
        self._on_interaction = on_interaction
        self._identify_gate = identify_gate
        self._on_new_session = on_new_session
        self._on_shard_ready = on_shard_ready
        self.tree = _DeclaringTree(self)
        guild_id = settings.discord.guild_id
        self.guild = discord.Object(int(guild_id)) if guild_id else None
        declare_commands(self.tree, settings, self.guild)

    async def setup_hook(self) -> None:
        limits = await self.fetch_session_start_limits()
        if self._identify_gate is not None:
            self._identify_gate.max_concurrency = max(1, limits.max_concurrency)
        if limits.remaining < len(self.shard_ids or [0]):
            log.warning(
                "discord: %d session start(s) left until Discord resets the count in %.0f s",
                limits.remaining,
                limits.reset_after / 1000,
            )
        if self.shard_ids is not None and 0 not in self.shard_ids:
            log.info("discord: shard 0 (direct messages, command sync) runs in another process")
            return
        await self.tree.set_translator(CatalogueTranslator())
        synced = await self.tree.sync(guild=self.guild)
        where = f"guild {self.guild.id}" if self.guild else "globally"
        log.info("discord: %d slash commands synced %s", len(synced), where)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Keep to Discord's session start rate across every worker (:class:`IdentifyGate`)."""
        if self._identify_gate is None:
            await super().before_identify_hook(shard_id, initial=initial)
        else:
            await self._identify_gate.wait(shard_id or 0)

    async def on_shard_connect(self, shard_id: int) -> None:
        """discord.py dispatches this from READY only (RESUMED is ``shard_resumed``), and
        runs handlers in dispatch order: this one runs before the session's messages'."""
        if self._on_new_session is not None:
            self._on_new_session(shard_id)

    async def on_shard_ready(self, shard_id: int) -> None:
        if self._on_shard_ready is not None:
            await self._on_shard_ready(shard_id)

    async def on_message(self, message: discord.Message) -> None:
        await self._on_message(message)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self._on_interaction(interaction)
