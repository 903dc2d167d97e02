"""Reading back what people wrote while no tier0 process was connected to a shard.

Discord sends each message once, to the session connected at that moment, and never
again: a message written during a restart, a deploy, a crash, or an outage longer than
RESUME covers is only in its channel's history. So when a shard starts a new session
(READY, not RESUMED) the adapter reads back the channels it serves on that shard: the
support channels of its guilds, and the channels with recent inbound messages or an active
ticket (ticket threads, card threads and, on shard 0, which gets the DMs, DM channels).
Each is read from a little before the newest message tier0 stored from it (a message
received just before a crash may be stored after a newer one of another conversation),
within ``[discord] catch_up_hours``, oldest first; messages tier0 already stored are
skipped, and at most ``catch_up_messages`` others are taken. The adapter hands them to
the same translation and the same per-conversation turns as live messages; the engine's
message-id de-duplication makes a message seen both ways count once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import discord

from adapters.discord_adapter.translate import ChannelKind
from bot.platform_settings import DiscordSettings

__all__ = ["Backlog", "CatchUp", "CatchUpStorage", "LookBack", "Stored"]

log = logging.getLogger(__name__)

LookBack = Callable[[datetime], Mapping[str, str | None]]
"""Channel id -> the newest inbound message stored from it since a time (None: none):
the channels with recent conversations or active tickets (``storage.catch_up``)."""
Stored = Callable[[Collection[str]], set[str]]
"""Which of these message ids tier0 already stored (``storage.catch_up``)."""
Kind = Callable[[int, object], Awaitable[ChannelKind]]
SERVED: Final = frozenset({"support", "dm", "ticket_thread", "card_thread"})
"""Where the live path handles people's messages; nothing else is read back."""
OVERLAP = timedelta(minutes=5)
"""How far before the newest stored message a channel is read again: messages of other
conversations received before it may still have been waiting for their turn."""
PAGE = 100
"""Discord's largest page of history; one stored-ids query per page."""


@dataclass(frozen=True)
class CatchUpStorage:
    """What catch-up asks the database; ``tier0.platforms.discord`` wires it to storage."""

    channels: LookBack
    stored: Stored


@dataclass(frozen=True)
class Backlog:
    """One channel's missed messages, oldest first, with their authors' roles."""

    kind: ChannelKind
    messages: list[tuple[discord.Message, discord.abc.User]]


class CatchUp:
    def __init__(
        self, client: discord.Client, settings: DiscordSettings, storage: CatchUpStorage | None
    ) -> None:
        self._client = client
        self._settings = settings
        self._storage = storage

    @property
    def enabled(self) -> bool:
        return self._storage is not None and self._settings.catch_up_hours > 0

    async def backlogs(self, shard_id: int, kind_of: Kind) -> AsyncIterator[Backlog]:
        """Each served channel of ``shard_id`` with messages tier0 has not stored, from
        shortly before the newest one it stored (or from the start of the window), channel
        by channel; the support channels are read whether or not tier0 stored anything
        from them lately."""
        if self._storage is None:
            return
        since = datetime.now(UTC) - timedelta(hours=self._settings.catch_up_hours)
        stored = await asyncio.to_thread(self._storage.channels, since)
        support = set(self._settings.support_channels)
        channels = {**dict.fromkeys(sorted(support)), **stored}
        floor = discord.utils.time_snowflake(since, high=True)
        members: dict[int, discord.abc.User] = {}
        for channel_id, newest in channels.items():
            if not channel_id.isdigit():
                continue  # not a Discord id (a hand-edited row): nothing to read
            channel = await self._on_shard(int(channel_id), shard_id, channel_id in support)
            if channel is None:
                continue
            kind = await kind_of(int(channel_id), channel)
            if kind not in SERVED:
                continue
            newest_id = int(newest) if newest and newest.isdigit() else 0
            after = max(floor, newest_id - _snowflake_span(OVERLAP))
            last = getattr(channel, "last_message_id", None)
            if last is not None and last <= after:
                continue  # nothing written there since (Discord says so in GUILD_CREATE)
            messages = await self._read(channel, after)
            if messages:
                authors = [await self._author(m, members) for m in messages]
                yield Backlog(kind, list(zip(messages, authors, strict=True)))

    async def _on_shard(
        self, channel_id: int, shard_id: int, is_support: bool
    ) -> discord.abc.Messageable | None:
        """The channel, if this session's shard carries its messages.

        A guild's channels and active threads are cached when its shard is ready; one that
        is not is another shard's (or an archived thread, which has nothing new: a message
        unarchives it). DM channels are never cached at start, and only shard 0 gets DMs:
        its owner asks Discord what an unknown channel is."""
        found: Any = self._client.get_channel(channel_id)
        if found is not None:
            guild = getattr(found, "guild", None)
            on = guild.shard_id if guild is not None else 0
            return found if on == shard_id and isinstance(found, discord.abc.Messageable) else None
        if shard_id != 0 or is_support:
            return None
        try:
            fetched = await self._client.fetch_channel(channel_id)
        except discord.HTTPException:
            return None
        return fetched if isinstance(fetched, discord.DMChannel) else None

    async def _read(self, channel: discord.abc.Messageable, after: int) -> list[discord.Message]:
        """People's messages after ``after`` that tier0 has not stored, oldest first, at
        most ``catch_up_messages``; read a page at a time until that many are found."""
        cap = self._settings.catch_up_messages
        found: list[discord.Message] = []
        page: list[discord.Message] = []
        try:
            async for message in channel.history(
                limit=None, after=discord.Object(after), oldest_first=True
            ):
                page.append(message)
                if len(page) == PAGE:
                    found += await self._unstored(page)
                    page = []
                    if len(found) > cap:
                        break
            found += await self._unstored(page)
        except discord.HTTPException as error:
            log.warning("discord: could not read back channel %s: %s", _id(channel), error)
        if len(found) > cap:
            log.warning(
                "discord: channel %s has more than %d messages to catch up; the oldest %d "
                "are handled, the rest at its next new session ([discord] catch_up_messages)",
                _id(channel),
                cap,
                cap,
            )
        return found[:cap]

    async def _unstored(self, page: list[discord.Message]) -> list[discord.Message]:
        people = [m for m in page if not m.author.bot]
        if not people or self._storage is None:
            return people
        known = await asyncio.to_thread(self._storage.stored, [str(m.id) for m in people])
        return [m for m in people if str(m.id) not in known]

    async def _author(
        self, message: discord.Message, members: dict[int, discord.abc.User]
    ) -> discord.abc.User:
        """The author with their roles: a message read from history carries no member
        (only gateway events do), and staff are known by role."""
        guild = message.guild
        author = message.author
        if guild is None or isinstance(author, discord.Member):
            return author
        if author.id not in members:
            member = guild.get_member(author.id)
            if member is None:
                try:
                    member = await guild.fetch_member(author.id)
                except discord.HTTPException:
                    member = None  # left the server: the message counts, without roles
            members[author.id] = member or author
        return members[author.id]


def _id(channel: discord.abc.Messageable) -> object:
    return getattr(channel, "id", channel)


def _snowflake_span(span: timedelta) -> int:
    """How much a snowflake grows in ``span``: its time (ms) sits above 22 bits."""
    return int(span.total_seconds() * 1000) << 22
