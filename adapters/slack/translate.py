"""Slack payloads -> tier0 events. Pure: every rule is tested on recorded payload files.

Who the person is (name, locale, user groups) and facts that need the Web API (the
requester's DM channel, whether a thread is one the bot takes part in) are looked up by the
wiring and passed in, so nothing here does I/O.

Places: the top of a DM is one conversation (``Place(D…, None)``), and each thread in it
another (a ticket's, ``Place(D…, ts)``); in a channel or a group DM each thread is one, named
by the ts of its first message, so the bot always answers in a thread under the question.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from adapters.malformed import ignoring_malformed
from adapters.slack.mrkdwn import plain_text
from bot.actions import Button
from bot.arguments import split_args
from bot.commands import COMMANDS, Command, command
from bot.events import ButtonPressed, CommandIssued, Event, MessageReceived, Person, Place

__all__ = [
    "ACTION_PREFIX",
    "COMMAND_ALIASES",
    "CREATE_TICKET_CALLBACK",
    "PLATFORM",
    "THREAD_COMMANDS",
    "THREAD_COMMAND_MARK",
    "MessageRoute",
    "Rules",
    "block_action",
    "button_action_id",
    "command_action_id",
    "message_event",
    "message_route",
    "message_shortcut",
    "place_of_action",
    "place_of_message",
    "slash_command",
]

JSON = Mapping[str, Any]
PLATFORM: Final = "slack"
ACTION_PREFIX: Final = "tier0"
CREATE_TICKET_CALLBACK: Final = "create_ticket"
THREAD_COMMAND_MARK: Final = "!"
THREAD_COMMANDS: Final = frozenset(c.name for c in COMMANDS if c.card_thread)
COMMAND_ALIASES: Final[Mapping[str, str]] = {
    "mine": "mytickets",
    "my": "mytickets",
    "list": "mytickets",
    "open": "new",
    "ticket": "new",
}
_PERSON_SUBTYPES: Final = frozenset({"file_share", "thread_broadcast", "me_message"})
"""Message subtypes that are a person writing; edits, deletions, joins, bots are not."""
_MENTION: Final = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")

MessageRoute = Literal["ignore", "direct", "thread_check"]
"""What a message event needs: nothing, the engine now, or first a check that the thread
is one the bot takes part in (a reply in some channel's thread)."""


@dataclass(frozen=True)
class Rules:
    """What translation needs to know about this installation."""

    bot_user_id: str
    help_channels: frozenset[str] = field(default_factory=frozenset)


# -- messages -----------------------------------------------------------------------------------


@ignoring_malformed(PLATFORM, "ignore")
def message_route(event: JSON, rules: Rules) -> MessageRoute:
    """Whether a ``message`` or ``app_mention`` event is for the bot, before any lookup.

    A mention in a channel arrives twice (``message`` and ``app_mention``); each case takes
    exactly one of them so the engine sees every message once. (In a group DM, whose
    ``app_mention`` does not say it is one, both are taken: they carry the same message id,
    which the engine handles once.)
    """
    if not _from_a_person(event, rules) or not _placed(event):
        return "ignore"
    channel = str(event.get("channel", ""))
    if event.get("type") == "app_mention":
        return "ignore" if channel in rules.help_channels else "direct"
    if event.get("type") != "message":
        return "ignore"
    if _is_dm(event) or _is_group_dm(event) or channel in rules.help_channels:
        return "direct"
    in_thread = bool(event.get("thread_ts")) and event.get("thread_ts") != event.get("ts")
    if not in_thread or _mentions(event, rules.bot_user_id):
        return "ignore"  # top level of another channel, or the app_mention carries it
    return "thread_check"


@ignoring_malformed(PLATFORM, None)
def message_event(event: JSON, person: Person, rules: Rules) -> Event | None:
    """A person's message as an event (call it once :func:`message_route` said so).

    ``!claim``, ``!escalate too hard`` ... are commands (for agents working in a card's
    thread); the note prefix is left to the engine, which knows the card threads.
    """
    if not _from_a_person(event, rules):
        return None
    channel = str(event["channel"])
    ts = str(event["ts"])
    place = place_of_message(event)
    raw = _strip_bot_mention(str(event.get("text", "")), rules.bot_user_id)
    command = _thread_command(raw)
    message_id = f"{channel}:{ts}"
    if command is not None:
        name, args = command
        return CommandIssued(person, place, name, args, event_id=f"msg:{message_id}")
    return MessageReceived(person, place, plain_text(raw).strip(), message_id)


def place_of_message(event: JSON) -> Place:
    channel = str(event["channel"])
    if _is_dm(event):
        return Place(PLATFORM, channel, _reply_thread(event))
    return Place(PLATFORM, channel, str(event.get("thread_ts") or event["ts"]))


def _reply_thread(message: JSON) -> str | None:
    """The thread a DM message was written in (a ticket's), or None at the DM's top."""
    thread = message.get("thread_ts")
    return str(thread) if thread and thread != message.get("ts") else None


def _from_a_person(event: JSON, rules: Rules) -> bool:
    subtype = event.get("subtype")
    if subtype is not None and subtype not in _PERSON_SUBTYPES:
        return False
    if event.get("bot_id") or event.get("bot_profile") or "hidden" in event:
        return False
    user = event.get("user")
    return isinstance(user, str) and bool(user) and user != rules.bot_user_id


def _placed(event: JSON) -> bool:
    """Whether the event says where it happened (a channel, and its ts for the thread)."""
    return isinstance(event.get("channel"), str) and isinstance(event.get("ts"), str)


def _is_dm(event: JSON) -> bool:
    return event.get("channel_type") == "im" or str(event.get("channel", "")).startswith("D")


def _is_group_dm(event: JSON) -> bool:
    """A group DM the bot was added to: its members talk to the bot, each question in its
    own thread, as in a help channel."""
    return event.get("channel_type") == "mpim"


def _mentions(event: JSON, user_id: str) -> bool:
    return any(m == user_id for m in _MENTION.findall(str(event.get("text", ""))))


def _strip_bot_mention(text: str, bot_user_id: str) -> str:
    """``<@BOT> my vpn is down`` is the question "my vpn is down"."""
    return re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>[,:]?", " ", text).strip()


def _thread_command(raw: str) -> tuple[str, tuple[str, ...]] | None:
    text = raw.strip()
    if not text.startswith(THREAD_COMMAND_MARK):
        return None
    words = text[len(THREAD_COMMAND_MARK) :].split(maxsplit=1)
    if not words or words[0].lower() not in THREAD_COMMANDS:
        return None
    return words[0].lower(), _args(words[1] if len(words) > 1 else "")


def _args(raw: str) -> tuple[str, ...]:
    """Command arguments: mentions become ``slack:U123`` (how agents are configured), the rest
    plain words (quotes group them, unbalanced quotes are just characters)."""
    text = _MENTION.sub(lambda m: f"slack:{m.group(1)}", raw)
    return split_args(plain_text(text))


# -- slash command and shortcut -------------------------------------------------------------------


@ignoring_malformed(PLATFORM, None)
def slash_command(payload: JSON, person: Person, dm_channel: str) -> CommandIssued:
    """``/tier0 new my screen is black``, ``/tier0 mine``, ``/tier0 claim T-4`` ...

    Answers go to the person's DM with the bot, wherever the command was typed, so a ticket
    about someone's laptop is never discussed in a public channel.
    """
    words = str(payload.get("text", "")).strip().split(maxsplit=1)
    name = COMMAND_ALIASES.get(words[0].lower(), words[0].lower()) if words else "help"
    rest = words[1] if len(words) > 1 else ""
    declared = command(name)
    if declared is not None and declared.argument is not None and declared.argument.free_text:
        args: tuple[str, ...] = _free_text_args(declared, rest)
    else:
        args = _args(rest)
    event_id = f"command:{payload.get('trigger_id') or payload.get('response_url', '')}"
    return CommandIssued(person, Place(PLATFORM, dm_channel), name, args, event_id=event_id)


def _free_text_args(declared: Command, rest: str) -> tuple[str, ...]:
    """Free text stays whole (quotes and apostrophes included): ``new I can't log in``."""
    if declared.ticket == "none":
        return (plain_text(rest).strip(),) if rest.strip() else ()
    key, _, text = rest.strip().partition(" ")
    return tuple(a for a in (key, plain_text(text).strip()) if a)


@ignoring_malformed(PLATFORM, None)
def message_shortcut(payload: JSON, person: Person, dm_channel: str) -> CommandIssued | None:
    """ "Create ticket" on a message: a ticket whose question is that message's text,
    quoting its author (a person's, not a bot's), whose words they remain."""
    if payload.get("callback_id") != CREATE_TICKET_CALLBACK:
        return None
    message = payload.get("message") or {}
    text = plain_text(str(message.get("text", ""))).strip()
    author = message.get("user")
    by_a_person = isinstance(author, str) and author and not message.get("bot_id")
    quoting = Person(PLATFORM, str(author)) if by_a_person else None
    return CommandIssued(
        person,
        Place(PLATFORM, dm_channel),
        "new",
        (text,) if text else (),
        event_id=f"shortcut:{payload.get('trigger_id', '')}",
        quoting=quoting,
    )


# -- buttons and menus ----------------------------------------------------------------------------


def button_action_id(button: Button, index: int) -> str:
    """Slack wants action ids unique within a message; the engine's action rides along."""
    return f"{ACTION_PREFIX}:button:{button.action}:{index}"


def command_action_id(name: str) -> str:
    """A card control that is a command (escalate, priority): its value holds the args."""
    return f"{ACTION_PREFIX}:command:{name}"


@ignoring_malformed(PLATFORM, None)
def block_action(payload: JSON, person: Person) -> Event | None:
    """A click on one of tier0's buttons or menus, as the engine's event."""
    actions: Sequence[JSON] = payload.get("actions") or []
    if not actions:
        return None
    action = actions[0]
    parts = str(action.get("action_id", "")).split(":")
    if len(parts) < 3 or parts[0] != ACTION_PREFIX:
        return None
    place = place_of_action(payload)
    if place is None:
        return None
    kind, name = parts[1], parts[2]
    selected = action.get("selected_option") or {}
    value = str(selected.get("value") if selected else action.get("value", "") or "")
    event_id = f"action:{payload.get('trigger_id') or action.get('action_ts', '')}"
    if kind == "button":
        return ButtonPressed(person, place, name, value, event_id=event_id)
    if kind == "command":
        return CommandIssued(person, place, name, tuple(value.split()), event_id=event_id)
    return None


@ignoring_malformed(PLATFORM, None)
def place_of_action(payload: JSON) -> Place | None:
    """The conversation a clicked message belongs to: its thread, or the DM."""
    container = payload.get("container") or {}
    message = payload.get("message") or {}
    channel = container.get("channel_id") or (payload.get("channel") or {}).get("id")
    if not channel:
        return None
    if str(channel).startswith("D"):
        return Place(PLATFORM, str(channel), _reply_thread(message) if message else None)
    thread = (
        message.get("thread_ts")
        or container.get("thread_ts")
        or message.get("ts")
        or container.get("message_ts")
    )
    return Place(PLATFORM, str(channel), str(thread) if thread else None)
