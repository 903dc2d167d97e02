"""Random and malformed platform payloads never raise out of translation: each becomes an
event, or nothing (the adapter logs and ignores it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.discord_adapter import translate as discord
from adapters.slack import translate as slack
from bot.events import ButtonPressed, CommandIssued, MessageReceived, Person
from tests.security.payloads import json_values, mutated

ADAPTER_TESTS = Path(__file__).parents[1] / "adapters"
SLACK_PAYLOADS = sorted((ADAPTER_TESTS / "slack" / "payloads").glob("*.json"))
DISCORD_PAYLOADS = sorted((ADAPTER_TESTS / "discord_adapter" / "payloads").glob("*.json"))
SLACK_RULES = slack.Rules(bot_user_id="U0TIER0BOT", help_channels=frozenset({"C0ITHELP"}))
DISCORD_LAYOUT = discord.Layout(
    "1574633188653924352", frozenset({"900000000000000011"}), frozenset({"900000000000000012"})
)
DAN = Person("slack", "U0DAN", "dan")
EVENTS = (MessageReceived, ButtonPressed, CommandIssued)
CHANNEL_KINDS = ("support", "dm", "ticket_thread", "card_thread", "triage", "text", "other")
FAST = settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow], deadline=None)


def recorded(path: Path) -> Any:
    return json.loads(path.read_text())


def is_event_or_nothing(result: object) -> bool:
    return result is None or isinstance(result, EVENTS)


def payloads(files: list[Path]) -> st.SearchStrategy[Any]:
    """A recorded payload, broken at random; sometimes no payload shape at all."""
    return st.sampled_from(files).flatmap(lambda path: mutated(recorded(path))) | json_values


@pytest.mark.parametrize("file", SLACK_PAYLOADS, ids=lambda p: p.stem)
def test_every_recorded_slack_payload_still_translates(file: Path) -> None:
    """The strategies start from real shapes: those must keep working."""
    payload = recorded(file)
    route = slack.message_route(payload, SLACK_RULES)
    assert route in ("ignore", "direct", "thread_check")


@FAST
@given(payloads(SLACK_PAYLOADS))
def test_a_slack_message_event_is_routed_and_translated_or_ignored(event: Any) -> None:
    route = slack.message_route(event, SLACK_RULES)
    assert route in ("ignore", "direct", "thread_check")
    if route != "ignore":
        slack.place_of_message(event)
        assert is_event_or_nothing(slack.message_event(event, DAN, SLACK_RULES))


@FAST
@given(payloads(SLACK_PAYLOADS))
def test_a_slack_button_press_is_translated_or_ignored(body: Any) -> None:
    slack.place_of_action(body)
    assert is_event_or_nothing(slack.block_action(body, DAN))


@FAST
@given(payloads(SLACK_PAYLOADS))
def test_a_slack_slash_command_or_shortcut_is_translated_or_ignored(payload: Any) -> None:
    assert is_event_or_nothing(slack.slash_command(payload, DAN, "D0DAN"))
    assert is_event_or_nothing(slack.message_shortcut(payload, DAN, "D0DAN"))


@FAST
@given(payloads(DISCORD_PAYLOADS), st.sampled_from(CHANNEL_KINDS))
def test_a_discord_message_is_translated_or_ignored(payload: Any, kind: Any) -> None:
    assert is_event_or_nothing(discord.message_event(payload, kind, DISCORD_LAYOUT))


@FAST
@given(payloads(DISCORD_PAYLOADS), st.sampled_from(CHANNEL_KINDS))
def test_a_discord_interaction_is_translated_or_ignored(payload: Any, kind: Any) -> None:
    result = discord.interaction_event(payload, kind, DISCORD_LAYOUT)
    assert is_event_or_nothing(result) or isinstance(result, discord.ModalRequest)


def test_a_malformed_payload_is_logged_naming_what_was_wrong(
    caplog: pytest.LogCaptureFixture,
) -> None:
    click = recorded(ADAPTER_TESTS / "slack" / "payloads" / "block_actions_claim.json")
    click["actions"] = [{"action_id": "tier0:button:claim:0", "selected_option": "T-1"}]

    assert slack.block_action(click, DAN) is None

    [warning] = [r for r in caplog.records if r.name == "adapters.malformed"]
    assert "slack: ignored a malformed payload (block_action: AttributeError" in warning.message


def test_a_slack_message_that_does_not_say_where_it_was_written_is_ignored() -> None:
    message = recorded(ADAPTER_TESTS / "slack" / "payloads" / "dm_message.json")
    del message["ts"]

    assert slack.message_route(message, SLACK_RULES) == "ignore"
