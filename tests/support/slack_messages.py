"""Reading what the bot posted to the fake Slack: shared by the in-process and process tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.fakes.slack_server import FakeSlack

__all__ = ["all_text", "channel_of", "control", "posted_message"]

JSON = dict[str, Any]


def control(message: JSON, predicate: Callable[[JSON], bool]) -> JSON:
    """The first button or menu of ``message`` that ``predicate`` accepts."""
    for block in message.get("blocks", []):
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if predicate(element):
                return dict(element)
    raise AssertionError(f"no such control in {message.get('blocks')}")


def all_text(params: JSON) -> str:
    """The text of a message and of every block in it, to search in."""
    blocks = params.get("blocks") or []
    return f"{params.get('text', '')}\n{blocks if isinstance(blocks, str) else repr(blocks)}"


def posted_message(fake: FakeSlack, channel: str, ts: str) -> JSON:
    found = [m for m in fake.history(channel) if m["ts"] == ts]
    assert found, f"no message {ts} in {channel}"
    return found[0]


def channel_of(fake: FakeSlack, message: JSON) -> str:
    """The channel the bot posted ``message`` to (a DM's id is only in the API's answer)."""
    for call in fake.calls("chat.postMessage"):
        if call.ok and call.response.get("ts") == message["ts"]:
            return str(call.response["channel"])
    raise AssertionError(f"the bot did not post {message['ts']}")
