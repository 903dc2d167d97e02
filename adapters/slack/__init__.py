"""The Slack adapter: employees ask in DMs, mentions and help channels; agents work in triage.

``translate`` (payloads -> events) and ``render`` (actions -> Web API calls) are pure;
``app`` wires them to Bolt, the engine and the outbox. ``tier0 run`` builds it
(``tier0.platforms.slack``) and drives ``start``/``stop`` and its ``dispatcher``.
"""

from adapters.slack.app import SlackAdapter
from adapters.slack.configuration import slack_secrets

__all__ = ["SlackAdapter", "slack_secrets"]
