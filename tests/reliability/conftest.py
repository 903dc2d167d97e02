"""The Slack and Discord fakes' fixtures, for fault tests that go through them."""

from tests.adapters.discord_adapter.conftest import fake, start_bot
from tests.adapters.slack.conftest import slack, socket_bot
from tests.fakes.slack_server import fake_slack

__all__ = ["fake", "fake_slack", "slack", "socket_bot", "start_bot"]
