"""Who people are and which threads are the bot's: Web API look-ups with small caches.

Slack payloads carry only user ids; the engine wants a name, a locale and the user groups
that make someone an agent. These change rarely, so answers are kept for a few minutes
(failures for less), and a failed look-up never stops a message from being handled.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.translate import PLATFORM
from bot.events import Person

__all__ = ["Directory", "TtlCache"]

log = logging.getLogger(__name__)

K = TypeVar("K")
V = TypeVar("V")
USER_TTL = 300.0
FAILURE_TTL = 30.0


class TtlCache(Generic[K, V]):
    """A bounded mapping whose entries expire; the oldest entries go first when it is full."""

    def __init__(self, size: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._size = size
        self._clock = clock

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] < self._clock():
            del self._entries[key]
            return None
        return entry[1]

    def put(self, key: K, value: V, ttl: float) -> None:
        self._entries[key] = (self._clock() + ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)


class Directory:
    def __init__(
        self,
        client: AsyncWebClient,
        group_ids: Iterable[str],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._group_ids = tuple(sorted(set(group_ids)))
        self._people: TtlCache[str, Person] = TtlCache(clock=clock)
        self._groups: TtlCache[str, frozenset[str]] = TtlCache(clock=clock)
        self._dms: TtlCache[str, str] = TtlCache(clock=clock)
        self._threads: TtlCache[tuple[str, str], bool] = TtlCache(clock=clock)
        self._asking: dict[str, asyncio.Task[tuple[Person, float]]] = {}
        self.bot_user_id = ""
        self.bot_id = ""

    async def person(self, user_id: str) -> Person:
        """Name and locale from users.info, roles = the configured user groups they are in."""
        known = self._people.get(user_id)
        if known is None:
            known = await self._look_up_once(user_id)
        roles = frozenset([g for g in self._group_ids if user_id in await self._members(g)])
        return Person(known.platform, known.id, known.name, known.locale, roles)

    async def _look_up_once(self, user_id: str) -> Person:
        """One users.info call per person at a time: a burst of their messages (a new
        person's first minutes) waits for the same answer instead of asking again each."""
        asking = self._asking.get(user_id)
        if asking is None:
            asking = asyncio.ensure_future(self._look_up(user_id))
            self._asking[user_id] = asking
            asking.add_done_callback(lambda _: self._asking.pop(user_id, None))
        known, ttl = await asyncio.shield(asking)
        self._people.put(user_id, known, ttl)
        return known

    async def _look_up(self, user_id: str) -> tuple[Person, float]:
        try:
            response = await self._client.users_info(user=user_id, include_locale=True)
        except SlackApiError as error:
            log.warning("slack: users.info %s failed: %s", user_id, _error(error))
            return Person(PLATFORM, user_id), FAILURE_TTL
        user: dict[str, Any] = response.get("user") or {}
        profile: dict[str, Any] = user.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or user.get("real_name")
            or user.get("name")
            or ""
        )
        return Person(PLATFORM, user_id, str(name), user.get("locale")), USER_TTL

    async def _members(self, group_id: str) -> frozenset[str]:
        members = self._groups.get(group_id)
        if members is not None:
            return members
        try:
            response = await self._client.usergroups_users_list(usergroup=group_id)
            members, ttl = frozenset(response.get("users") or ()), USER_TTL
        except SlackApiError as error:
            log.warning("slack: usergroups.users.list %s failed: %s", group_id, _error(error))
            members, ttl = frozenset(), FAILURE_TTL
        self._groups.put(group_id, members, ttl)
        return members

    async def dm_channel(self, user_id: str) -> str:
        """The person's direct-message channel with the bot (where slash commands answer)."""
        channel = self._dms.get(user_id)
        if channel is None:
            response = await self._client.conversations_open(users=user_id)
            channel = str(response["channel"]["id"])
            self._dms.put(user_id, channel, 24 * 3600.0)
        return channel

    def known_locale(self, user_id: str) -> str | None:
        """The person's Slack locale if they were looked up lately (no call: answering a
        slash command can't wait for one)."""
        known = self._people.get(user_id)
        return known.locale if known else None

    def known_dm(self, user_id: str) -> str | None:
        return self._dms.get(user_id)

    def remember_thread(self, channel: str, thread_ts: str) -> None:
        """The bot posted or was mentioned here: replies in this thread are for it."""
        self._threads.put((channel, thread_ts), True, 7 * 24 * 3600.0)

    async def takes_part(self, channel: str, thread_ts: str) -> bool:
        """Whether the bot belongs in this thread: it started it (a ticket card), was
        mentioned in its first message, or posted or was mentioned in it since it started.

        Remembered threads are answered from memory; others (after a restart, say) from the
        thread's first message.
        """
        known = self._threads.get((channel, thread_ts))
        if known is not None:
            return known
        try:
            response = await self._client.conversations_replies(
                channel=channel, ts=thread_ts, limit=1
            )
        except SlackApiError as error:
            log.info("slack: conversations.replies %s failed: %s", channel, _error(error))
            return False
        messages: list[dict[str, Any]] = response.get("messages") or []
        parent = messages[0] if messages else {}
        ours = (
            parent.get("user") == self.bot_user_id
            or (bool(self.bot_id) and parent.get("bot_id") == self.bot_id)
            or f"<@{self.bot_user_id}>" in str(parent.get("text", ""))
        )
        self._threads.put((channel, thread_ts), ours, 7 * 24 * 3600.0 if ours else 60.0)
        return ours


def _error(error: SlackApiError) -> str:
    response = error.response
    return str(response.get("error") if response is not None else error)
