"""Slack payloads -> tier0 events, on recorded payload files: what reaches the engine, and how."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.mrkdwn import plain_text
from adapters.slack.translate import (
    Rules,
    block_action,
    message_event,
    message_route,
    message_shortcut,
    slash_command,
)
from bot.events import ButtonPressed, CommandIssued, MessageReceived, Person, Place

PAYLOADS = Path(__file__).parent / "payloads"
RULES = Rules(bot_user_id="U0TIER0BOT", help_channels=frozenset({"C0ITHELP"}))
DAN = Person("slack", "U0DAN", "dan", "en-US")
ALICE = Person("slack", "U0ALICE", "alice")


def payload(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    return loaded


def test_a_dm_is_one_conversation_and_its_text_is_plain() -> None:
    event = payload("dm_message")
    assert message_route(event, RULES) == "direct"
    assert message_event(event, DAN, RULES) == MessageReceived(
        DAN,
        Place("slack", "D0DAN"),
        "my vpn won't connect & the portal says <error 809>",
        message_id="D0DAN:1700000100.000100",
    )


def test_a_mention_is_answered_in_a_thread_under_it_without_the_bot_name() -> None:
    event = payload("app_mention")
    assert message_route(event, RULES) == "direct"
    received = message_event(event, DAN, RULES)
    assert isinstance(received, MessageReceived)
    assert received.place == Place("slack", "C0GENERAL", "1700000200.000100")
    assert received.text == "how do I book a meeting room in Lisbon? cc @U0CAROL @here"
    assert received.event_id == "msg:C0GENERAL:1700000200.000100"


def test_a_mention_arrives_twice_and_only_the_app_mention_is_taken() -> None:
    assert message_route(payload("channel_message_mentioning_bot"), RULES) == "ignore"
    assert message_route(payload("app_mention"), RULES) == "direct"


def test_in_a_help_channel_every_message_is_a_question_taken_from_the_message_event() -> None:
    event = payload("help_channel_message")
    assert message_route(event, RULES) == "direct"
    received = message_event(event, DAN, RULES)
    assert received is not None and received.place.thread == "1700000300.000100"
    mention_there = {**payload("app_mention"), "channel": "C0ITHELP"}
    assert message_route(mention_there, RULES) == "ignore"


def test_a_reply_in_another_channels_thread_needs_the_thread_checked() -> None:
    event = payload("thread_reply")
    assert message_route(event, RULES) == "thread_check"
    received = message_event(event, ALICE, RULES)
    assert isinstance(received, MessageReceived)
    assert received.place == Place("slack", "C0TRIAGE1", "1700000400.000100")
    assert received.text == (
        "Please try Room Booker (https://rooms.example.com), and mail it@example.com"
    )
    top_level = {k: v for k, v in event.items() if k != "thread_ts"}
    assert message_route(top_level, RULES) == "ignore"


@pytest.mark.parametrize("name", ["message_changed", "bot_message", "own_message"])
def test_edits_bots_and_the_bot_itself_are_ignored(name: str) -> None:
    event = payload(name)
    assert message_route(event, RULES) == "ignore"
    assert message_event(event, DAN, RULES) is None


def test_a_bang_command_in_a_thread_is_a_command_with_mentions_as_agent_refs() -> None:
    command = message_event(payload("thread_command"), ALICE, RULES)
    assert command == CommandIssued(
        ALICE,
        Place("slack", "C0TRIAGE1", "1700000400.000100"),
        "assign",
        ("slack:U0BOB", "needs a second pair of eyes"),
        event_id="msg:C0TRIAGE1:1700000400.000500",
    )
    note = message_event({**payload("thread_command"), "text": "!note call him"}, ALICE, RULES)
    assert isinstance(note, MessageReceived) and note.text == "!note call him"


def test_a_button_on_a_card_is_pressed_in_the_cards_thread() -> None:
    pressed = block_action(payload("block_actions_claim"), ALICE)
    assert pressed == ButtonPressed(
        ALICE,
        Place("slack", "C0TRIAGE1", "1700000400.000100"),
        "claim",
        "T-1",
        event_id="action:1234567890123.1234567890.abcdef0123456789abcdef0123456789",
    )


def test_a_button_in_a_thread_belongs_to_that_thread() -> None:
    pressed = block_action(payload("block_actions_solved_in_thread"), DAN)
    assert isinstance(pressed, ButtonPressed)
    assert (pressed.place.thread, pressed.action, pressed.value) == (
        "1700000300.000100",
        "solved",
        "printer-jam",
    )


def test_the_priority_menu_is_the_priority_command() -> None:
    command = block_action(payload("block_actions_priority"), ALICE)
    assert isinstance(command, CommandIssued)
    assert (command.name, command.args) == ("priority", ("T-1", "urgent"))
    assert command.place == Place("slack", "C0TRIAGE1", "1700000400.000100")


def test_foreign_action_ids_are_not_ours() -> None:
    click = payload("block_actions_claim")
    click["actions"][0]["action_id"] = "approve_expense"
    assert block_action(click, ALICE) is None


def test_the_slash_command_answers_in_the_dm_and_keeps_free_text_whole() -> None:
    command = slash_command(payload("slash_command"), DAN, "D0DAN")
    assert command.place == Place("slack", "D0DAN")
    assert (command.name, command.args) == ("new", ("my laptop won't charge & it's \"urgent\"",))
    assert command.event_id.startswith("command:4234567890123.")


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("", "help", ()),
        ("help", "help", ()),
        ("mine", "mytickets", ()),
        ("status T-4", "status", ("T-4",)),
        ("claim T-4", "claim", ("T-4",)),
        ("assign T-4 <@U0BOB>", "assign", ("T-4", "slack:U0BOB")),
        ("escalate T-4 needs admin rights", "escalate", ("T-4", "needs admin rights")),
        ("priority T-4 high", "priority", ("T-4", "high")),
        ("reply T-4 it's fixed", "reply", ("T-4", "it's fixed")),
        ("tickets", "tickets", ()),
    ],
)
def test_slash_subcommands_map_to_the_engines_commands(
    text: str, name: str, args: tuple[str, ...]
) -> None:
    command = slash_command({**payload("slash_command"), "text": text}, ALICE, "D0ALICE")
    assert (command.name, command.args) == (name, args)


def test_create_ticket_on_a_message_opens_a_ticket_with_its_text_quoting_its_author() -> None:
    carol = Person("slack", "U0CAROL", "carol")
    command = message_shortcut(payload("message_shortcut"), carol, "D0CAROL")
    assert command == CommandIssued(
        carol,
        Place("slack", "D0CAROL"),
        "new",
        ("the wifi in #lisbon-office drops every hour",),
        event_id="shortcut:5234567890123.1234567890.ebcdef0123456789abcdef0123456789",
        quoting=Person("slack", "U0DAN"),
    )


@pytest.mark.parametrize(
    ("slack", "plain"),
    [
        ("<!channel> <!here> <!everyone>", "@channel @here @everyone"),
        ("&lt;!channel&gt; &lt;@U123&gt;", "<!channel> <@U123>"),
        ("<@U123> and <@U456|bob>", "@U123 and @bob"),
        ("<!subteam^S0SPECIAL|@specialists> help", "@specialists help"),
        (
            "<https://x.example|click> <https://y.example>",
            "click (https://x.example) https://y.example",
        ),
        ("a &amp;&amp; b", "a && b"),
    ],
)
def test_slack_markup_becomes_plain_words(slack: str, plain: str) -> None:
    assert plain_text(slack) == plain
