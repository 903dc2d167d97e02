"""The fake Discord's state: the guilds, their people and channels, and everything bots create.

The first guild is the main one (``World.guild``); more guilds share its people and roles
and have channels of their own, which is enough to see sharding route each guild's events.

Payload builders live here too, next to the state they read, so every REST answer and
gateway event is built from the same records and stays consistent (a thread created over
REST is the thread later events mention). Payload shapes follow discord.py's
``discord/types/`` TypedDicts and the official API reference.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "DISCORD_EPOCH_MS",
    "ChannelSpec",
    "GuildSpec",
    "MemberSpec",
    "RoleSpec",
    "Snowflakes",
    "World",
]

DISCORD_EPOCH_MS = 1_420_070_400_000
TEXT, DM, CATEGORY, PUBLIC_THREAD, PRIVATE_THREAD = 0, 1, 4, 11, 12
THREAD_TYPES = (10, PUBLIC_THREAD, PRIVATE_THREAD)
ADMINISTRATOR = 1 << 3
EVERYONE_PERMISSIONS = 0x0006_3584_0FB6_4E41  # roughly Discord's default @everyone set
NONCE_SECONDS = 120.0
Json = dict[str, Any]


class Snowflakes:
    """Increasing, time-based ids, so ids sort in creation order like Discord's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0
        self._sequence = 0

    def next(self) -> int:
        with self._lock:
            now = ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (1 << 17)
            self._last = max(now, self._last + 1)
            return self._last

    def at(self, when: datetime) -> int:
        """An id made at ``when`` (in the past): what a message written then would have."""
        with self._lock:
            self._sequence = (self._sequence + 1) & 0xFFF
            return ((int(when.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22) | self._sequence


def iso(ts: datetime | None = None) -> str:
    return (ts or datetime.now(UTC)).isoformat()


@dataclass
class RoleSpec:
    name: str
    permissions: int = 0
    id: int = 0


@dataclass
class MemberSpec:
    username: str
    roles: list[str] = field(default_factory=list)
    bot: bool = False
    nick: str | None = None
    id: int = 0


@dataclass
class ChannelSpec:
    """A guild channel; threads name their parent channel in ``parent``."""

    name: str
    type: int = TEXT
    parent: str | None = None
    owner: str | None = None
    id: int = 0


def _default_channels() -> list[ChannelSpec]:
    return [
        ChannelSpec("Help desk", CATEGORY),
        ChannelSpec("general", parent="Help desk"),
        ChannelSpec("support", parent="Help desk"),
        ChannelSpec("agents", parent="Help desk"),
        ChannelSpec("existing-ticket", PUBLIC_THREAD, parent="support", owner="alice"),
    ]


def _default_members() -> list[MemberSpec]:
    return [MemberSpec("alice"), MemberSpec("bob", roles=["Support Agents"])]


@dataclass
class GuildSpec:
    """What the fake guild contains; ids are filled in by :class:`World`."""

    name: str = "tier0 test guild"
    channels: list[ChannelSpec] = field(default_factory=_default_channels)
    roles: list[RoleSpec] = field(default_factory=lambda: [RoleSpec("Support Agents")])
    members: list[MemberSpec] = field(default_factory=_default_members)
    locale: str = "en-US"
    id: int = 0


class World:
    """Mutable state shared by the REST handlers and the gateway; guard with ``lock``."""

    def __init__(
        self,
        spec: GuildSpec,
        *,
        bot_name: str,
        ids: Snowflakes,
        more_guilds: Sequence[GuildSpec] = (),
    ) -> None:
        self.lock = threading.RLock()
        self.ids = ids
        self.application_id = ids.next()
        self.bot = MemberSpec(bot_name, roles=[bot_name], bot=True, id=self.application_id)
        self.owner_id = 0
        self.guild = spec
        self.guilds: dict[int, GuildSpec] = {}
        for guild in (spec, *more_guilds):
            guild.id = guild.id or ids.next()
            self.guilds[guild.id] = guild
        self.roles: dict[int, RoleSpec] = {
            guild.id: RoleSpec("@everyone", EVERYONE_PERMISSIONS, guild.id)
            for guild in self.guilds.values()
        }
        roles = [role for guild in self.guilds.values() for role in guild.roles]
        for role in [*roles, RoleSpec(bot_name, ADMINISTRATOR)]:
            role.id = role.id or ids.next()
            self.roles[role.id] = role
        self.members: dict[int, MemberSpec] = {self.bot.id: self.bot}
        for member in (m for guild in self.guilds.values() for m in guild.members):
            member.id = member.id or ids.next()
            self.members[member.id] = member
        self.owner_id = next(iter(m.id for m in spec.members), self.bot.id)
        self.channels: dict[int, Json] = {}
        self.thread_members: dict[int, set[int]] = {}
        for guild in self.guilds.values():
            for channel in guild.channels:
                channel.id = channel.id or ids.next()
                parent = self._named_channel_id(channel.parent) if channel.parent else None
                owner = self.member_named(channel.owner).id if channel.owner else self.bot.id
                self._add_channel(
                    channel.name, channel.type, parent, owner, channel_id=channel.id, guild=guild.id
                )
        self.messages: dict[int, Json] = {}
        self.dm_channels: dict[int, Json] = {}
        self.commands: dict[int | None, list[Json]] = {}
        self.interactions: dict[str, Json] = {}
        self.ack_seconds: float | None = None
        """How long an interaction may go unanswered before its callback is refused
        ("Unknown interaction", as Discord does after three seconds); None: for ever."""
        self.modals: dict[str, list[Json]] = {}  # custom_id -> components the bot opened
        self.nonces: dict[tuple[int, str], tuple[int, float]] = {}
        """(channel id, nonce) -> (message id, when): the bot's messages sent with
        ``enforce_nonce``, which Discord de-duplicates for a few minutes."""
        self._joined_at = iso()

    # -- lookups ---------------------------------------------------------------------

    def _named_channel_id(self, name: str) -> int:
        return self.channel_named(name)["id_int"]  # type: ignore[no-any-return]

    def channel_named(self, name: str) -> Json:
        for channel in self.channels.values():
            if channel["name"] == name:
                return channel
        raise KeyError(f"no channel named {name!r}")

    def member_named(self, name: str) -> MemberSpec:
        for member in self.members.values():
            if member.username == name:
                return member
        raise KeyError(f"no member named {name!r}")

    def role_named(self, name: str) -> RoleSpec:
        for role in self.roles.values():
            if role.name == name:
                return role
        raise KeyError(f"no role named {name!r}")

    def resolve_member(self, who: int | str | MemberSpec) -> MemberSpec:
        if isinstance(who, MemberSpec):
            return who
        if isinstance(who, str):
            return self.member_named(who)
        return self.members[who]

    def channel(self, channel_id: int) -> Json | None:
        return self.channels.get(channel_id) or self.dm_channels.get(channel_id)

    # -- payloads ----------------------------------------------------------------------

    def user_payload(self, member: MemberSpec) -> Json:
        user: Json = {
            "id": str(member.id),
            "username": member.username,
            "global_name": member.username.title(),
            "discriminator": "0",
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
        }
        if member.bot:
            user["bot"] = True
        return user

    def member_payload(self, member: MemberSpec, *, with_user: bool = True) -> Json:
        role_ids = [str(self.role_named(name).id) for name in member.roles]
        payload: Json = {
            "roles": role_ids,
            "nick": member.nick,
            "avatar": None,
            "joined_at": self._joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            payload["user"] = self.user_payload(member)
        return payload

    def permissions_of(self, member: MemberSpec) -> int:
        value = self.roles[self.guild.id].permissions
        for name in member.roles:
            value |= self.role_named(name).permissions
        return (1 << 53) - 1 if value & ADMINISTRATOR else value

    def role_payload(self, role: RoleSpec, position: int) -> Json:
        return {
            "id": str(role.id),
            "name": role.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(role.permissions),
            "managed": role.name == self.bot.username,
            "mentionable": True,
            "flags": 0,
            "tags": {"bot_id": str(self.bot.id)} if role.name == self.bot.username else {},
        }

    def _add_channel(
        self,
        name: str,
        kind: int,
        parent_id: int | None,
        owner_id: int,
        *,
        channel_id: int,
        guild: int,
    ) -> Json:
        channel: Json = {
            "id": str(channel_id),
            "id_int": channel_id,
            "type": kind,
            "guild_id": str(guild),
            "name": name,
            "parent_id": str(parent_id) if parent_id else None,
            "position": len(self.channels),
            "permission_overwrites": [],
            "nsfw": False,
            "flags": 0,
        }
        if kind == TEXT:
            channel.update(topic=None, rate_limit_per_user=0, last_message_id=None)
            channel["default_auto_archive_duration"] = 1440
        if kind in THREAD_TYPES:
            del channel["permission_overwrites"], channel["position"]
            channel.update(
                owner_id=str(owner_id),
                last_message_id=None,
                message_count=0,
                member_count=1,
                total_message_sent=0,
                rate_limit_per_user=0,
                thread_metadata={
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": iso(),
                    "locked": False,
                    "invitable": kind != PRIVATE_THREAD,
                    "create_timestamp": iso(),
                },
            )
            self.thread_members[channel_id] = {owner_id}
        self.channels[channel_id] = channel
        return channel

    def add_thread(
        self, parent_id: int, name: str, kind: int, owner_id: int, *, thread_id: int | None = None
    ) -> Json:
        guild = int(self.channels[parent_id]["guild_id"])
        return self._add_channel(
            name, kind, parent_id, owner_id, channel_id=thread_id or self.ids.next(), guild=guild
        )

    def public_channel(self, channel: Json) -> Json:
        """The channel as Discord sends it (without the fake's bookkeeping keys)."""
        payload = {k: v for k, v in channel.items() if k != "id_int"}
        if channel["type"] in THREAD_TYPES:
            members = self.thread_members.get(channel["id_int"], set())
            payload["member_count"] = len(members)
            if self.bot.id in members:
                payload["member"] = {
                    "id": channel["id"],
                    "user_id": str(self.bot.id),
                    "join_timestamp": iso(),
                    "flags": 1,
                }
        return payload

    def guild_create(self, guild_id: int | None = None) -> Json:
        """The main guild, or guild ``guild_id``, as GUILD_CREATE carries it."""
        guild = self.guilds[guild_id or self.guild.id]
        all_channels = [
            self.public_channel(c) for c in self.channels.values() if c["guild_id"] == str(guild.id)
        ]
        members = [self.member_payload(m) for m in self.members.values()]
        everyone = [guild.id, *(r for r in self.roles if r not in self.guilds)]
        roles = [self.role_payload(self.roles[r], i) for i, r in enumerate(everyone)]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": guild.locale,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": roles,
            "joined_at": self._joined_at,
            "large": False,
            "unavailable": False,
            "lazy": True,
            "member_count": len(members),
            "members": members,
            "voice_states": [],
            "presences": [],
            "channels": [c for c in all_channels if c["type"] not in THREAD_TYPES],
            "threads": [c for c in all_channels if c["type"] in THREAD_TYPES],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "application_command_counts": {},
        }

    def message_payload(
        self,
        channel_id: int,
        author: MemberSpec,
        body: Json,
        *,
        message_id: int | None = None,
        webhook_id: int | None = None,
        written_at: datetime | None = None,
    ) -> Json:
        """A message as Discord stores it; ``body`` is the create-message JSON."""
        channel = self.channel(channel_id)
        in_guild = channel is not None and "guild_id" in channel
        guild_id = channel["guild_id"] if channel is not None and in_guild else None
        content = str(body.get("content") or "")
        mentions = [
            self.members[int(uid)]
            for uid in dict.fromkeys(re.findall(r"<@!?(\d+)>", content))
            if int(uid) in self.members
        ]
        reference = body.get("message_reference")
        referenced = self.messages.get(int(reference["message_id"])) if reference else None
        message: Json = {
            "id": str(message_id or (self.ids.at(written_at) if written_at else self.ids.next())),
            "channel_id": str(channel_id),
            "author": self.user_payload(author),
            "content": content,
            "timestamp": iso(written_at),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": "@everyone" in content or "@here" in content,
            "mentions": [
                {**self.user_payload(m), "member": self.member_payload(m, with_user=False)}
                if in_guild
                else self.user_payload(m)
                for m in mentions
            ],
            "mention_roles": list(dict.fromkeys(re.findall(r"<@&(\d+)>", content))),
            "attachments": body.get("attachments", []),
            "embeds": body.get("embeds") or [],
            "reactions": [],
            "pinned": False,
            "type": 19 if referenced else 0,
            "flags": int(body.get("flags") or 0),
            "components": body.get("components") or [],
        }
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
        if referenced is not None and reference is not None:
            message["message_reference"] = {
                "type": 0,
                "message_id": referenced["id"],
                "channel_id": referenced["channel_id"],
                **({"guild_id": guild_id} if in_guild else {}),
            }
            message["referenced_message"] = referenced
        if in_guild:
            message["guild_id"] = guild_id
            message["member"] = self.member_payload(author, with_user=False)
        return message

    def message_with_nonce(self, channel_id: int, body: Json) -> Json | None:
        """The bot's message already created with this body's nonce, when the body asks for
        ``enforce_nonce`` and that message is recent enough (Discord: a few minutes)."""
        if not body.get("enforce_nonce") or body.get("nonce") is None:
            return None
        found = self.nonces.get((channel_id, str(body["nonce"])))
        if found is None or time.monotonic() - found[1] > NONCE_SECONDS:
            return None
        return self.messages.get(found[0])

    def remember_nonce(self, channel_id: int, body: Json, message: Json) -> None:
        if body.get("enforce_nonce") and body.get("nonce") is not None:
            key = (channel_id, str(body["nonce"]))
            self.nonces[key] = (int(message["id"]), time.monotonic())

    def dm_channel_with(self, member: MemberSpec) -> Json:
        for channel in self.dm_channels.values():
            if channel["recipients"][0]["id"] == str(member.id):
                return channel
        channel_id = self.ids.next()
        channel = {
            "id": str(channel_id),
            "type": DM,
            "last_message_id": None,
            "flags": 0,
            "recipients": [self.user_payload(member)],
        }
        self.dm_channels[channel_id] = channel
        return channel

    def application_payload(self) -> Json:
        return {
            "id": str(self.application_id),
            "name": self.bot.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": self.user_payload(self.members[self.owner_id]),
            "team": None,
            "flags": (1 << 15) | (1 << 19),  # gateway members + message content (limited)
            "bot": self.user_payload(self.bot),
            "interactions_endpoint_url": None,
            "install_params": None,
            "integration_types_config": {"0": {}},
            "approximate_guild_count": 1,
        }

    def store_commands(self, guild_id: int | None, body: list[Json]) -> list[Json]:
        existing = {c["name"]: c for c in self.commands.get(guild_id, [])}
        stored = []
        for command in body:
            previous = existing.get(command["name"])
            record = {
                "type": 1,
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
                **command,
                "id": previous["id"] if previous else str(self.ids.next()),
                "application_id": str(self.application_id),
                "version": str(self.ids.next()),
            }
            if guild_id is not None:
                record["guild_id"] = str(guild_id)
            else:
                record.setdefault("contexts", None)
                record.setdefault("integration_types", [0])
            stored.append(record)
        self.commands[guild_id] = stored
        return stored

    def find_command(self, name: str) -> Json | None:
        for command in itertools.chain(
            self.commands.get(self.guild.id, []), self.commands.get(None, [])
        ):
            if command["name"] == name:
                return command
        return None
