"""Discord payloads (recorded shapes, in ``payloads/``) become tier0 events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import discord

from adapters.discord_adapter.ids import custom_id, parse_custom_id, personal_place, place
from adapters.discord_adapter.translate import (
    NO_REASON,
    Channel,
    Layout,
    ModalRequest,
    interaction_event,
    message_event,
)
from bot.events import ButtonPressed, CommandIssued, MessageReceived

PAYLOADS = Path(__file__).parent / "payloads"
BOT, SUPPORT, TRIAGE = "1574633188653924352", "900000000000000011", "900000000000000012"
LAYOUT = Layout(BOT, frozenset({SUPPORT}), frozenset({TRIAGE}))
TEXT, DM = discord.ChannelType.text, discord.ChannelType.private
PUBLIC, PRIVATE = discord.ChannelType.public_thread, discord.ChannelType.private_thread
ALICE, BOB, STAFF_ROLE = "900000000000000030", "900000000000000031", "900000000000000020"


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / name).read_text())
    return data


def test_channels_are_classified_by_their_configured_role() -> None:
    assert LAYOUT.classify(Channel(SUPPORT, TEXT)) == "support"
    assert LAYOUT.classify(Channel(TRIAGE, TEXT)) == "triage"
    assert LAYOUT.classify(Channel("5", TEXT)) == "text"
    assert LAYOUT.classify(Channel("5", DM)) == "dm"
    assert LAYOUT.classify(Channel("6", PRIVATE, SUPPORT, BOT)) == "ticket_thread"
    assert LAYOUT.classify(Channel("6", PRIVATE, SUPPORT, ALICE)) == "other"  # not the bot's
    assert LAYOUT.classify(Channel("6", PUBLIC, SUPPORT, BOT)) == "other"  # public: not a ticket
    assert LAYOUT.classify(Channel("7", PUBLIC, TRIAGE, BOT)) == "card_thread"


def test_a_support_channel_message_is_its_authors_own_conversation() -> None:
    message = payload("message_in_support.json")

    event = message_event(message, "support", LAYOUT)

    assert isinstance(event, MessageReceived)
    assert event.place == personal_place(SUPPORT, ALICE)
    assert event.text == "@everyone my **invoice** is wrong\nhttps://cdn.example/bill.pdf"
    assert event.message_id == message["id"] and event.event_id == f"msg:{message['id']}"
    assert (event.person.id, event.person.name, event.person.roles) == (ALICE, "Ali", frozenset())


def test_messages_from_bots_and_in_unconfigured_channels_are_ignored() -> None:
    assert message_event(payload("message_from_bot.json"), "support", LAYOUT) is None
    for kind in ("text", "triage", "other"):
        assert message_event(payload("message_in_support.json"), kind, LAYOUT) is None  # type: ignore[arg-type]
    system = {**payload("message_in_support.json"), "type": 7}  # "alice joined"
    assert message_event(system, "support", LAYOUT) is None


def test_a_direct_message_is_the_dm_channel_conversation() -> None:
    message = payload("message_in_dm.json")

    event = message_event(message, "dm", LAYOUT)

    assert event is not None and event.place == place(message["channel_id"])
    assert event.person.locale is None


def test_a_slash_command_keeps_the_engine_name_roles_and_locale() -> None:
    interaction = payload("command_assign.json")

    event = interaction_event(interaction, "triage", LAYOUT)

    assert isinstance(event, CommandIssued)
    assert (event.name, event.args) == ("assign", ("T-7", f"discord:{BOB}"))
    assert event.place == place(TRIAGE) and event.event_id == interaction["id"]
    assert event.person.roles == frozenset({STAFF_ROLE}) and event.person.locale == "pt-BR"


def test_link_names_the_duplicate_then_the_ticket_it_repeats() -> None:
    interaction = payload("command_assign.json")
    interaction["data"] = {
        "name": "link",
        "type": 1,
        "options": [
            {"name": "parent", "type": 3, "value": "T-2"},
            {"name": "ticket", "type": 3, "value": "T-7"},
        ],
    }

    event = interaction_event(interaction, "triage", LAYOUT)

    assert isinstance(event, CommandIssued)
    assert (event.name, event.args) == ("link", ("T-7", "T-2"))


def test_the_support_command_without_a_question_asks_for_one_in_a_form() -> None:
    """The form comes in the language of the person's Discord client."""
    assert interaction_event(payload("command_support_empty.json"), "support", LAYOUT) == (
        ModalRequest("ask", locale="pt-BR")
    )


def test_buttons_and_menus_carry_the_engine_action_and_value() -> None:
    rate = interaction_event(payload("button_rate.json"), "support", LAYOUT)
    assert isinstance(rate, ButtonPressed)
    assert (rate.action, rate.value, rate.place) == (
        "rate",
        "T-7:4",
        personal_place(SUPPORT, ALICE),
    )

    priority = interaction_event(payload("select_priority.json"), "triage", LAYOUT)
    assert isinstance(priority, CommandIssued)
    assert (priority.name, priority.args) == ("priority", ("T-7", "urgent"))

    assert interaction_event(payload("button_foreign.json"), "text", LAYOUT) is None


def test_modal_submissions_become_escalations_and_comments() -> None:
    escalate = interaction_event(payload("modal_escalate.json"), "triage", LAYOUT)
    assert isinstance(escalate, CommandIssued)
    assert escalate.args == ("T-7", "needs root access")

    empty_comment = interaction_event(payload("modal_comment_labelled.json"), "support", LAYOUT)
    assert isinstance(empty_comment, ButtonPressed)
    assert (empty_comment.action, empty_comment.value) == ("skip_comment", "T-7")


def test_escalating_by_command_without_a_reason_still_gives_one() -> None:
    interaction = payload("command_assign.json")
    interaction["data"] = {"name": "escalate", "type": 1}

    event = interaction_event(interaction, "card_thread", LAYOUT)

    assert isinstance(event, CommandIssued) and event.args == (NO_REASON,)


def test_custom_ids_round_trip_and_foreign_ones_are_not_ours() -> None:
    assert parse_custom_id(custom_id("rate", "T-1:5")) == ("rate", "T-1:5")
    assert parse_custom_id(custom_id("none_of_these")) == ("none_of_these", "")
    assert parse_custom_id("tier0") is None and parse_custom_id("poll:yes") is None
