"""People on the fake Slack talking to a ``tier0 run`` process: what they do, what they see.

Everything goes over the real protocols (Socket Mode envelopes in, Web API calls out);
waits are on the calls the fake records, never on sleeps.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.slack_server import FakeSlack
from tests.support.slack_messages import all_text, channel_of, control, posted_message

__all__ = ["SlackPeople"]

JSON = dict[str, Any]
TIMEOUT = 10.0


class SlackPeople:
    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake

    def dm(self, user: str) -> str:
        return str(self.fake.world.open_dm(user)["id"])

    def say(self, user: str, text: str, channel: str, *, thread_ts: str | None = None) -> JSON:
        """``user`` writes; returns once tier0 acknowledged the event (it owns it now)."""
        event = self.fake.payloads.message_event(
            text, user=user, channel=channel, thread_ts=thread_ts
        )
        self.fake.wait_for_ack(self.fake.push_event(event), TIMEOUT)
        return event

    def press(self, user: str, message: JSON, label: str) -> None:
        """Click the button labelled ``label`` on a message the bot posted in ``channel``."""
        element = control(message, lambda e: e.get("text", {}).get("text") == label)
        payload = self.fake.payloads.block_actions(
            element["action_id"],
            user_id=user,
            channel_id=self.channel_of(message),
            value=element.get("value", ""),
            message=message,
        )
        payload["actions"][0]["type"] = element["type"]
        self.fake.wait_for_ack(self.fake.push_interactive(payload), TIMEOUT)

    def posted(self, channel: str, contains: str, *, thread_ts: str | None = None) -> JSON:
        """The bot's message in ``channel`` (and thread) with ``contains``, as Slack stores it."""

        def matches(params: JSON) -> bool:
            return (
                params.get("channel") == channel
                and (thread_ts is None or params.get("thread_ts") == thread_ts)
                and contains in all_text(params)
            )

        call = self.fake.wait_for_call("chat.postMessage", matches, timeout=TIMEOUT, ok=True)
        return self.message(channel, str(call.response["ts"]))

    def updated(self, channel: str, ts: str, contains: str) -> JSON:
        self.fake.wait_for_call(
            "chat.update",
            lambda p: p.get("channel") == channel and p.get("ts") == ts and contains in all_text(p),
            timeout=TIMEOUT,
            ok=True,
        )
        return self.message(channel, ts)

    def sent(self, channel: str, contains: str) -> list[JSON]:
        """Every message the bot got into ``channel`` with ``contains`` (so far)."""
        return [
            c.params
            for c in self.fake.calls("chat.postMessage")
            if c.ok and c.params.get("channel") == channel and contains in all_text(c.params)
        ]

    def message(self, channel: str, ts: str) -> JSON:
        return posted_message(self.fake, channel, ts)

    def channel_of(self, message: JSON) -> str:
        return channel_of(self.fake, message)
