"""The app manifest in docs/ asks Slack for what the adapter listens to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from adapters.slack.translate import CREATE_TICKET_CALLBACK
from bot.platform_settings import SlackSettings

MANIFEST = Path(__file__).resolve().parents[3] / "docs" / "slack-manifest.yaml"


def test_the_manifest_matches_the_adapter() -> None:
    manifest: dict[str, Any] = yaml.safe_load(MANIFEST.read_text())
    features, settings = manifest["features"], manifest["settings"]

    assert [c["command"] for c in features["slash_commands"]] == [SlackSettings().slash_command]
    assert [s["callback_id"] for s in features["shortcuts"]] == [CREATE_TICKET_CALLBACK]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_mention",
        "message.channels",
        "message.groups",
        "message.im",
        "message.mpim",
    }
    assert settings["interactivity"]["is_enabled"] and settings["socket_mode_enabled"]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "im:write", "users:read", "usergroups:read", "commands"} <= scopes
    assert {"im:history", "mpim:history"} <= scopes  # messages in DMs and group DMs
