"""The Slack adapter for ``tier0 run``: its payload inbox on local disk, its secrets."""

from __future__ import annotations

from collections.abc import Mapping

from adapters.slack import SlackAdapter, slack_secrets
from adapters.slack.translate import PLATFORM
from storage.inbox import Inbox
from storage.spool import is_outage
from tier0.app import App

__all__ = ["build_slack_adapter"]


def build_slack_adapter(app: App, env: Mapping[str, str]) -> SlackAdapter:
    """The adapter for ``app``, secrets from ``env``; a clear error names any that is missing."""
    secrets = slack_secrets(app.settings, env)
    return SlackAdapter(
        app.engine,
        app.settings,
        app.kb,
        inbox=Inbox(app.settings.service.inbox_path, PLATFORM),
        bot_token=secrets["bot_token"],
        app_token=secrets.get("app_token"),
        signing_secret=secrets.get("signing_secret"),
        outage=is_outage,
    )
