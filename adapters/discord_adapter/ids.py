"""Stable names the adapter gives to Discord things: places of conversations and custom ids.

Custom ids are ``tier0:<action>:<value>`` and carry everything needed to act on a press,
so a button on a message posted before a restart keeps working: nothing is looked up in
memory, the engine resolves the ticket key or article id from the database.
"""

from __future__ import annotations

from typing import Final

from bot.events import Place

__all__ = [
    "CUSTOM_ID_LIMIT",
    "PLATFORM",
    "custom_id",
    "is_personal",
    "parse_custom_id",
    "personal_place",
    "place",
    "user_of",
]

PLATFORM: Final = "discord"
CUSTOM_ID_PREFIX: Final = "tier0"
CUSTOM_ID_LIMIT: Final = 100
_PERSONAL: Final = "user:"


def place(channel_id: int | str) -> Place:
    """A channel that is one conversation: a DM, a ticket's private thread, a card's thread."""
    return Place(PLATFORM, str(channel_id), None)


def personal_place(channel_id: int | str, user_id: int | str) -> Place:
    """One person's conversation inside a shared channel (a support channel).

    Everyone in a support channel writes in the same channel, but each person has their
    own question, choices and ticket; sharing one conversation would let one customer's
    message become a follow-up on another customer's ticket.
    """
    return Place(PLATFORM, str(channel_id), f"{_PERSONAL}{user_id}")


def is_personal(where: Place) -> bool:
    return (where.thread or "").startswith(_PERSONAL)


def user_of(where: Place) -> str | None:
    """The person a personal place belongs to."""
    return where.thread.removeprefix(_PERSONAL) if where.thread and is_personal(where) else None


def custom_id(action: str, value: str = "") -> str:
    text = f"{CUSTOM_ID_PREFIX}:{action}:{value}"
    if len(text) > CUSTOM_ID_LIMIT:
        raise ValueError(f"custom id longer than {CUSTOM_ID_LIMIT} characters: {text!r}")
    return text


def parse_custom_id(text: str) -> tuple[str, str] | None:
    """``(action, value)``, or None for a custom id tier0 did not make."""
    prefix, _, rest = text.partition(":")
    action, _, value = rest.partition(":")
    if prefix != CUSTOM_ID_PREFIX or not action:
        return None
    return action, value
