"""The wire shapes translation reads: the keys of Discord's MESSAGE_CREATE and
INTERACTION_CREATE payloads that tier0 uses, typed with discord.py's own payload types.

discord.py's ``Message`` and ``Interaction`` payload types require every key Discord sends
(tokens, timestamps, embeds...); translation reads a handful, so these name that handful
and reuse discord.py's types for the parts that are whole (the user, an interaction's data).
Recorded payload files in the tests have this shape, and so does what :mod:`wire` builds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:  # discord.py's payload types are for type checking only
    from discord.types.interactions import InteractionData
    from discord.types.snowflake import Snowflake
    from discord.types.user import PartialUser

__all__ = ["AttachmentLink", "InteractionPayload", "MemberPayload", "MessagePayload"]


class MemberPayload(TypedDict, total=False):
    """A guild member: their nickname there and their role ids."""

    nick: str | None
    roles: list[Snowflake]
    user: PartialUser


class AttachmentLink(TypedDict):
    url: str
    filename: str


class _Authored(TypedDict, total=False):
    member: MemberPayload
    webhook_id: Snowflake


class MessagePayload(_Authored):
    """A message: who wrote it, where, its type (``discord.MessageType``) and text."""

    id: Snowflake
    channel_id: Snowflake
    type: int
    content: str
    author: PartialUser
    attachments: list[AttachmentLink]


class _Interacted(TypedDict, total=False):
    member: MemberPayload
    user: PartialUser
    locale: str
    data: InteractionData


class InteractionPayload(_Interacted):
    """A command, a press or a form sent (``discord.InteractionType``), by whom and where."""

    id: Snowflake
    type: int
    channel_id: Snowflake
