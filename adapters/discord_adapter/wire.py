"""discord.py objects -> the wire-shaped dicts :mod:`translate` reads.

discord.py parses payloads into models and keeps no raw copy; these functions put back
the few keys translation needs, in Discord's own shape, so the pure translation is tested
on recorded payload files and fed the same shape in production.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from adapters.discord_adapter.payloads import InteractionPayload, MemberPayload, MessagePayload
from adapters.discord_adapter.translate import Channel

if TYPE_CHECKING:  # discord.py's payload types are for type checking only
    from discord.types.snowflake import Snowflake
    from discord.types.user import User

__all__ = ["channel", "interaction", "message"]


def _user(user: discord.abc.User) -> User:
    return {
        "id": str(user.id),
        "username": user.name,
        "discriminator": user.discriminator,
        "avatar": user.avatar.key if user.avatar else None,
        "global_name": user.global_name,
        "bot": user.bot,
    }


def _member(user: discord.abc.User) -> MemberPayload | None:
    if not isinstance(user, discord.Member):
        return None
    roles: list[Snowflake] = [str(role.id) for role in user.roles if not role.is_default()]
    return {"nick": user.nick, "roles": roles, "user": _user(user)}


def message(msg: discord.Message, author: discord.abc.User | None = None) -> MessagePayload:
    """``author``: the member who wrote it, when ``msg`` came without one (from history)."""
    author = author or msg.author
    payload: MessagePayload = {
        "id": str(msg.id),
        "channel_id": str(msg.channel.id),
        "type": msg.type.value,
        "content": msg.content,
        "author": _user(author),
        "attachments": [{"url": a.url, "filename": a.filename} for a in msg.attachments],
    }
    if msg.webhook_id:
        payload["webhook_id"] = str(msg.webhook_id)
    member = _member(author)
    if member is not None:
        payload["member"] = member
    return payload


def interaction(event: discord.Interaction) -> InteractionPayload:
    payload: InteractionPayload = {
        "id": str(event.id),
        "type": event.type.value,
        "channel_id": str(event.channel_id),
        "locale": event.locale.value,
    }
    if event.data is not None:
        payload["data"] = event.data
    member = _member(event.user)
    if member is not None:
        payload["member"] = member
    else:
        payload["user"] = _user(event.user)
    return payload


def channel(found: object) -> Channel | None:
    """What translation needs to know about a channel; None for a partial one."""
    if isinstance(found, discord.DMChannel):
        return Channel(str(found.id), discord.ChannelType.private)
    if isinstance(found, discord.PartialMessageable):
        if found.type is discord.ChannelType.private:
            return Channel(str(found.id), discord.ChannelType.private)
        return None
    if isinstance(found, discord.Thread):
        return Channel(str(found.id), found.type, str(found.parent_id), str(found.owner_id))
    if isinstance(found, discord.abc.GuildChannel):
        return Channel(str(found.id), found.type)
    return None
