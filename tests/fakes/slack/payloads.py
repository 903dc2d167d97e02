"""Builders for what Slack sends: event callbacks, interactive payloads, slash commands, envelopes.

Shapes follow Slack's documented payloads closely enough that Bolt's matchers and middleware treat
them as real. Every ``response_url`` points back at the fake on 127.0.0.1, so ``respond()`` never
leaves the machine.
"""

from __future__ import annotations

import uuid
from typing import Any

from .workspace import World

__all__ = ["PayloadFactory"]

JSON = dict[str, Any]


class PayloadFactory:
    def __init__(self, world: World, fake_base_url: str) -> None:
        self._world = world
        self._ws = world.workspace
        self._base = fake_base_url.rstrip("/")

    def response_url(self) -> str:
        return f"{self._base}/response_url/{self._world.next_id('R')}"

    def trigger_id(self) -> str:
        return f"{self._world.next_id('')}.{self._ws.team_id}.{uuid.uuid4().hex}"

    # -- Events API -------------------------------------------------------------------------

    def event_callback(
        self, event: JSON, *, event_id: str | None = None, event_time: int | None = None
    ) -> JSON:
        ts = str(event.get("event_ts") or event.get("ts") or self._world.next_ts())
        return {
            "token": self._ws.verification_token,
            "team_id": self._ws.team_id,
            "context_team_id": self._ws.team_id,
            "context_enterprise_id": None,
            "api_app_id": self._ws.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or self._world.next_id("Ev"),
            "event_time": event_time if event_time is not None else int(float(ts)),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self._ws.team_id,
                    "user_id": self._ws.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{uuid.uuid4().hex}",
        }

    def message_event(
        self,
        text: str,
        *,
        user: str,
        channel: str,
        thread_ts: str | None = None,
        ts: str | None = None,
        event_type: str = "message",
        channel_type: str | None = None,
    ) -> JSON:
        """A user's message (or ``event_type="app_mention"``) with a fresh ts; the channel's
        type follows its id unless given (``mpim`` for a group DM)."""
        ts = ts or self._world.next_ts()
        channel_type = channel_type or {"D": "im", "G": "group"}.get(channel[:1], "channel")
        event: JSON = {
            "type": event_type,
            "user": user,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "channel": channel,
            "team": self._ws.team_id,
            "client_msg_id": str(uuid.uuid4()),
            "blocks": [
                {
                    "type": "rich_text",
                    "block_id": uuid.uuid4().hex[:5],
                    "elements": [
                        {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                    ],
                }
            ],
        }
        if event_type == "message":
            event["channel_type"] = channel_type
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
            event["parent_user_id"] = user
        return event

    # -- interactivity ----------------------------------------------------------------------

    def _actor(self, user_id: str) -> JSON:
        return {
            "id": user_id,
            "username": user_id.lower(),
            "name": user_id.lower(),
            "team_id": self._ws.team_id,
        }

    def block_actions(
        self,
        action_id: str,
        *,
        user_id: str,
        channel_id: str,
        value: str = "",
        block_id: str = "actions",
        message_ts: str | None = None,
        message: JSON | None = None,
    ) -> JSON:
        """A button click on a bot message (pass ``message`` to mirror what the bot posted)."""
        message_ts = message_ts or (str(message["ts"]) if message else self._world.next_ts())
        return {
            "type": "block_actions",
            "user": self._actor(user_id),
            "api_app_id": self._ws.api_app_id,
            "token": self._ws.verification_token,
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            },
            "trigger_id": self.trigger_id(),
            "team": {"id": self._ws.team_id, "domain": self._ws.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": channel_id.lower()},
            "message": message
            or {"type": "message", "ts": message_ts, "text": "", "user": self._ws.bot_user_id},
            "state": {"values": {}},
            "response_url": self.response_url(),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": block_id,
                    "text": {"type": "plain_text", "text": action_id, "emoji": True},
                    "value": value,
                    "type": "button",
                    "action_ts": self._world.next_ts(),
                }
            ],
        }

    def view_submission(
        self,
        callback_id: str,
        *,
        user_id: str,
        values: dict[str, dict[str, JSON]] | None = None,
        private_metadata: str = "",
        view_id: str | None = None,
    ) -> JSON:
        """A modal submit; ``values`` are {block_id: {action_id: {"type", "value"}}}."""
        return {
            "type": "view_submission",
            "team": {"id": self._ws.team_id, "domain": self._ws.team_domain},
            "user": self._actor(user_id),
            "api_app_id": self._ws.api_app_id,
            "token": self._ws.verification_token,
            "trigger_id": self.trigger_id(),
            "view": {
                "id": view_id or self._world.next_id("V"),
                "team_id": self._ws.team_id,
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "blocks": [],
                "state": {"values": values or {}},
                "hash": uuid.uuid4().hex[:20],
                "app_id": self._ws.api_app_id,
                "bot_id": self._ws.bot_id,
                "title": {"type": "plain_text", "text": callback_id},
            },
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def slash_command(
        self, command: str, text: str, *, user_id: str, channel_id: str
    ) -> dict[str, str]:
        """Flat string fields: form-encoded over HTTP, the envelope payload in Socket Mode."""
        return {
            "token": self._ws.verification_token,
            "team_id": self._ws.team_id,
            "team_domain": self._ws.team_domain,
            "channel_id": channel_id,
            "channel_name": channel_id.lower(),
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self._ws.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self.response_url(),
            "trigger_id": self.trigger_id(),
        }

    def url_verification(self, challenge: str) -> JSON:
        return {
            "token": self._ws.verification_token,
            "challenge": challenge,
            "type": "url_verification",
        }

    # -- Socket Mode ------------------------------------------------------------------------

    def envelope(
        self,
        envelope_type: str,
        payload: JSON,
        *,
        accepts_response_payload: bool,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
    ) -> JSON:
        envelope: JSON = {
            "envelope_id": str(uuid.uuid4()),
            "payload": payload,
            "type": envelope_type,
            "accepts_response_payload": accepts_response_payload,
        }
        if envelope_type == "events_api":
            envelope["retry_attempt"] = retry_attempt or 0
            envelope["retry_reason"] = retry_reason or ""
        return envelope
